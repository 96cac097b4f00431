-- Message start events with a correlation key (as in Zeebe): while an instance a message with key K started is
-- active, another message with key K does not start a second instance of the same process; it stays buffered
-- (given a time to live) and starts one when the active instance ends. One row per such active instance.
CREATE TABLE message_start_key (
    process_instance_key  bigint PRIMARY KEY,
    bpmn_process_id       text   NOT NULL,
    correlation_key       text   NOT NULL
);
CREATE UNIQUE INDEX message_start_key_unique ON message_start_key (bpmn_process_id, correlation_key);
