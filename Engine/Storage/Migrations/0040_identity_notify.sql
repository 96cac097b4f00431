-- Hosts cache who an API key belongs to for a few seconds (issue 15). Every change that could refuse a key or change
-- its principal notifies the channel processes_identity, whatever made it (an API on any host, a script, psql), and
-- every host clears its cache when the notification arrives. NOTIFY is sent at commit and collapsed per transaction;
-- the triggers are per statement and name only the columns that matter, so sign-ins (failure counts, last use,
-- session touches) notify nothing.
CREATE FUNCTION processes_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('processes_identity', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_key_identity_changed AFTER UPDATE OF revoked_at, user_id, secret_hash OR DELETE ON api_key
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
CREATE TRIGGER app_user_identity_changed AFTER UPDATE OF enabled, security_stamp, user_name, password_change_required OR DELETE ON app_user
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
CREATE TRIGGER app_group_identity_changed AFTER UPDATE OF name OR DELETE ON app_group
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
CREATE TRIGGER user_role_identity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_role
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
CREATE TRIGGER user_group_identity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_group
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
CREATE TRIGGER tenant_user_identity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenant_user
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
CREATE TRIGGER tenant_group_identity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenant_group
    FOR EACH STATEMENT EXECUTE FUNCTION processes_identity_changed();
