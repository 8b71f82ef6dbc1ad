-- Image retention: after this many days a tenant's images are deleted (their generations, and so
-- the usage figures, stay). NULL keeps images for good.
ALTER TABLE tenants ADD COLUMN image_retention_days integer CHECK (image_retention_days BETWEEN 1 AND 36500);
