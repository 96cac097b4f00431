-- An agent's mobile number: the sms activity sends to it when a model names the agent (a user name) as recipient,
-- so SLA reminders and chase notices reach a phone without the model knowing the number.
ALTER TABLE agent_profile ADD COLUMN phone text;
-- The channels (entrances: hotline, chat, app, ...) an agent serves; empty means every channel, so profiles made
-- before channels existed keep receiving work.
ALTER TABLE agent_profile ADD COLUMN channels text[] NOT NULL DEFAULT '{}';
