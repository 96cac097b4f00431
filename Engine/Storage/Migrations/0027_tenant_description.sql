-- Camunda 8.8's tenants carry a description next to their name (/v2/tenants); none for the tenants made before.
ALTER TABLE tenant ADD COLUMN description text;
