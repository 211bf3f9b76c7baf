-- Rename customers.name to customers.full_name, deploy 1 of 3 (expand).
-- Add the new column, keep both columns in step whoever writes (old code writes name, new
-- code writes full_name), and backfill the rows written before.
ALTER TABLE customers ADD COLUMN full_name text;

CREATE FUNCTION customers_full_name_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.full_name := COALESCE(NEW.full_name, NEW.name);
    NEW.name := COALESCE(NEW.name, NEW.full_name);
  ELSIF NEW.name IS DISTINCT FROM OLD.name AND NEW.full_name IS NOT DISTINCT FROM OLD.full_name THEN
    NEW.full_name := NEW.name;        -- an old writer changed name
  ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name AND NEW.name IS NOT DISTINCT FROM OLD.name THEN
    NEW.name := NEW.full_name;        -- a new writer changed full_name
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER customers_full_name_sync
  BEFORE INSERT OR UPDATE ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_full_name_sync();

-- Backfill (batch it from a job on a large table; this catches the rest).
UPDATE customers SET full_name = name WHERE full_name IS NULL;
