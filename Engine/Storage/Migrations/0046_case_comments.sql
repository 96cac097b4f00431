-- Comments on a case (issue 16) live beside the comments on its tasks: one table, one store (Engine/Comments), a
-- comment is on a user task or on a process instance (the case), never both.
ALTER TABLE task_comment ALTER COLUMN user_task_key DROP NOT NULL;
ALTER TABLE task_comment ADD COLUMN process_instance_key bigint;
ALTER TABLE task_comment ADD CONSTRAINT task_comment_on_task_or_case CHECK ((user_task_key IS NULL) <> (process_instance_key IS NULL));
CREATE INDEX task_comment_case ON task_comment (process_instance_key, id) WHERE process_instance_key IS NOT NULL;
