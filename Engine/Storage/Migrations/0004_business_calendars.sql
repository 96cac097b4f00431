-- Business calendars: named working hours, holidays and make-up days that SLA timers count in.
-- The definition is the documented JSON shape (see CalendarDefinition), validated by the engine before it is
-- written; version is the optimistic-concurrency token the API hands out and checks on update.
CREATE TABLE business_calendar (
    name       text        PRIMARY KEY,
    time_zone  text        NOT NULL,
    definition jsonb       NOT NULL,
    version    integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
