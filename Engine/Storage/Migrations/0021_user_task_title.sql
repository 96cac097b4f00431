-- A task's title as its model defines it (the extension property "title", FEEL after "=", evaluated when the task
-- is created), so an inbox row reads "D-1042 · VIP · delivery" instead of the element name every ticket shares.
ALTER TABLE user_task ADD COLUMN title text;
