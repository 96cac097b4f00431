-- Hosts now also remember a session cookie's check for a few seconds (issue 15), so a session ended on one host
-- (logout, a password change ending the user's other sessions) must reach the others' caches as the other identity
-- changes do (migration 0040). Only the revocation notifies: the once-a-minute touch of last_seen_at and expires_at,
-- new sessions and the sweep of expired rows at sign-in do not.
CREATE TRIGGER user_session_identity_changed AFTER UPDATE OF revoked_at ON user_session
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
