-- 2026-11-add-currency, contract: runs after every region runs the new code and passed its
-- soak. Nothing reads price any more.
ALTER TABLE orders DROP COLUMN price;
