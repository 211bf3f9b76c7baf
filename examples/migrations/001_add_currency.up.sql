-- 2026-11-add-currency, expand: runs once, before the first region. Old code keeps working:
-- the new columns are nullable or have a default, and nothing it reads changes.
ALTER TABLE orders ADD COLUMN currency char(3) NOT NULL DEFAULT 'USD';
ALTER TABLE orders ADD COLUMN price_minor bigint;

-- Backfill. On a large table run this in batches from a job instead, and keep it here only
-- for the rows written during the deploy window.
UPDATE orders SET price_minor = round(price * 100) WHERE price_minor IS NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_currency ON orders (currency);
