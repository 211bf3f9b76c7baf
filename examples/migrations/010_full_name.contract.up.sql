-- Rename customers.name to customers.full_name, deploy 3 of 3 (contract): runs after every
-- region runs code that neither reads nor writes name, and passed its soak.
DROP TRIGGER customers_full_name_sync ON customers;
DROP FUNCTION customers_full_name_sync();
ALTER TABLE customers ALTER COLUMN full_name SET NOT NULL;
ALTER TABLE customers DROP COLUMN name;
