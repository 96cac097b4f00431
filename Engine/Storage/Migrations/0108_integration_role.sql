-- The integration role: a program (an API key) that completes and reassigns any task for whoever holds it (issue 20).
ALTER TABLE user_role DROP CONSTRAINT user_role_role_check;
ALTER TABLE user_role ADD CONSTRAINT user_role_role_check
    CHECK (role IN ('designer', 'agent', 'supervisor', 'finance', 'admin', 'operator', 'integration'));
