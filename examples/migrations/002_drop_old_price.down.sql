-- Revert of the contract step: bring price back, filled from the column that replaced it.
ALTER TABLE orders ADD COLUMN price numeric(12, 2);
UPDATE orders SET price = price_minor / 100.0;
