-- Revert of the expand step: the old code never used these.
DROP INDEX CONCURRENTLY IF EXISTS orders_currency;
ALTER TABLE orders DROP COLUMN IF EXISTS price_minor;
ALTER TABLE orders DROP COLUMN IF EXISTS currency;
