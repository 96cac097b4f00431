using Dapper;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Tests.Storage;

namespace Processes.Tests.Tenants;

/// <summary>
/// Migration 0017 on a database a single-tenant install has been running on: every row is kept and becomes the
/// default tenant's, the default tenant exists, and afterwards a second tenant may reuse process ids and versions.
/// </summary>
public sealed class TenantMigrationTests
{
    private string? _database;

    [TearDown]
    public async Task DropDatabase()
    {
        NpgsqlConnection.ClearAllPools();
        if (_database is not null)
        {
            await TestCluster.DropDatabaseAsync(_database);
        }
    }

    [Test]
    public async Task Existing_rows_are_kept_as_the_default_tenant_s()
    {
        _database = $"m_{Guid.NewGuid():N}";
        await using var dataSource = NpgsqlDataSource.Create(await TestCluster.CreateEmptyDatabaseAsync(_database));
        var before = MigrationScript.Embedded.Where(s => s.Version < 17).ToList();
        await new Migrator(dataSource, before).MigrateAsync(CancellationToken.None);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO deployment (deployment_key) VALUES (1);
                INSERT INTO deployment_resource (deployment_key, resource_name, content, checksum) VALUES (1, 'order.bpmn', '\x00', 'c');
                INSERT INTO process_definition (process_definition_key, bpmn_process_id, version, resource_name, checksum, deployment_key)
                    VALUES (2, 'order', 1, 'order.bpmn', 'c', 1);
                INSERT INTO process_instance (key, process_definition_key, bpmn_process_id, process_version, business_key, state, root_process_instance_key, started_at)
                    VALUES (3, 2, 'order', 1, 'B-1', 'ACTIVE', 3, now());
                INSERT INTO job (key, type, state, process_instance_key, element_instance_key, element_id, bpmn_process_id, process_definition_key,
                    process_version, retries, due_at, created_at) VALUES (4, 'ship', 'ACTIVATABLE', 3, 5, 'ship', 'order', 2, 1, 3, now(), now());
                INSERT INTO user_task (key, process_instance_key, element_instance_key, element_id, bpmn_process_id, process_definition_key, state, created_at)
                    VALUES (6, 3, 7, 'check', 'order', 2, 'CREATED', now());
                INSERT INTO message (key, name, correlation_key, message_id, expires_at, published_at) VALUES (8, 'paid', '42', 'm-1', now() + interval '1 hour', now());
                INSERT INTO message_subscription (key, message_name, correlation_key, process_instance_key, element_instance_key, element_id, bpmn_process_id, created_at)
                    VALUES (9, 'paid', '42', 3, 10, 'wait', 'order', now());
                """);
        }

        (await new Migrator(dataSource).MigrateAsync(CancellationToken.None)).ShouldContain(s => s.Version == 17);

        await using var after = await dataSource.OpenConnectionAsync();
        foreach (var (table, key) in new[] { ("deployment", "deployment_key"), ("process_definition", "process_definition_key"), ("process_instance", "key"),
            ("job", "key"), ("user_task", "key"), ("message", "key"), ("message_subscription", "key") })
        {
            (await after.QueryAsync<string>($"SELECT tenant_id FROM {table} ORDER BY {key}")).ShouldBe(["<default>"], table);
        }
        (await after.ExecuteScalarAsync<string>("SELECT business_key FROM process_instance WHERE key = 3")).ShouldBe("B-1");
        (await after.QueryAsync<string>("SELECT id FROM tenant")).ShouldBe(["<default>"]);
        // Versions, business keys and message ids are unique per tenant now: another tenant reuses all three.
        await after.ExecuteAsync("""
            INSERT INTO tenant (id, name) VALUES ('north', 'North');
            INSERT INTO process_definition (process_definition_key, bpmn_process_id, version, resource_name, checksum, deployment_key, tenant_id)
                VALUES (12, 'order', 1, 'order.bpmn', 'c', 1, 'north');
            INSERT INTO process_instance (key, process_definition_key, bpmn_process_id, process_version, business_key, state, root_process_instance_key, started_at, tenant_id)
                VALUES (13, 12, 'order', 1, 'B-1', 'ACTIVE', 13, now(), 'north');
            INSERT INTO message (key, name, correlation_key, message_id, expires_at, published_at, tenant_id) VALUES (14, 'paid', '42', 'm-1', now() + interval '1 hour', now(), 'north');
            """);
        await Should.ThrowAsync<PostgresException>(() => after.ExecuteAsync("""
            INSERT INTO process_definition (process_definition_key, bpmn_process_id, version, resource_name, checksum, deployment_key)
                VALUES (15, 'order', 1, 'order.bpmn', 'c', 1)
            """));
    }
}
