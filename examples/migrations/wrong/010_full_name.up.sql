-- The tempting one-liner. Wrong in expand: the moment it runs, every region still on the old
-- code fails on every query that names customers.name.
ALTER TABLE customers RENAME COLUMN name TO full_name;
