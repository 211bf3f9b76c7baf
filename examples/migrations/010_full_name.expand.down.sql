-- Revert of deploy 1: every region is back on code that knows only name.
DROP TRIGGER IF EXISTS customers_full_name_sync ON customers;
DROP FUNCTION IF EXISTS customers_full_name_sync();
ALTER TABLE customers DROP COLUMN IF EXISTS full_name;
