-- Reports (issue 19) read the history and the task table by paths the commands never use: a task's own events
-- (assignment, completion, SLA warning) by its key, tasks by creation time, instances by definition and by process
-- id and start. Indexes only: the reports stay computed from the engine's history, not from a second copy of it.
CREATE INDEX execution_history_task_events ON execution_history (((details->>'userTaskKey')::bigint), at)
    WHERE event IN ('TASK_CREATED', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'TASK_SLA_WARNING');
CREATE INDEX user_task_created ON user_task (created_at);
-- Instances by definition: 0019's process_instance_definition (process_definition_key, state) serves them.
CREATE INDEX process_instance_started ON process_instance (bpmn_process_id, started_at);
