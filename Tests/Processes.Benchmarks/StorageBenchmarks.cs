using System.Diagnostics;
using Npgsql;

namespace Processes.Benchmarks;

/// <summary>
/// The database's own speed on this machine, measured the way pgbench would: the baseline every engine figure
/// (commits per service task, jobs per second) is read against.
/// </summary>
internal sealed class StorageBenchmarks : IBenchmarkSuite
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);

    public string Name => "storage";

    public string Description => "plain PostgreSQL baselines: durable single-row commits and SKIP LOCKED dequeues";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        await Execute(database.DataSource, """
            CREATE TABLE bench_commit (id bigserial PRIMARY KEY, payload text NOT NULL);
            CREATE TABLE bench_queue (id bigserial PRIMARY KEY, payload text NOT NULL, due_at timestamptz NOT NULL DEFAULT now());
            CREATE INDEX bench_queue_due ON bench_queue (due_at, id);
            """, cancellationToken);

        foreach (var clients in new[] { 1, 4 })
        {
            var rate = await RunClientsAsync(clients, database.DataSource, async connection =>
            {
                await using var command = new NpgsqlCommand("INSERT INTO bench_commit (payload) VALUES ('x')", connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }, cancellationToken);
            await output.WriteLineAsync($"single-row commits, {clients} client(s): {rate,10:N0} /s");
        }

        await Execute(database.DataSource, "INSERT INTO bench_queue (payload) SELECT 'job' FROM generate_series(1, 200000)", cancellationToken);
        foreach (var clients in new[] { 1, 4 })
        {
            var rate = await RunClientsAsync(clients, database.DataSource, async connection =>
            {
                await using var command = new NpgsqlCommand("""
                    DELETE FROM bench_queue WHERE id = (
                        SELECT id FROM bench_queue WHERE due_at <= now() ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                    """, connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }, cancellationToken);
            await output.WriteLineAsync($"SKIP LOCKED dequeue+delete, {clients} client(s): {rate,10:N0} /s");
        }
    }

    private static async Task<double> RunClientsAsync(int clients, NpgsqlDataSource dataSource, Func<NpgsqlConnection, Task> operation, CancellationToken cancellationToken)
    {
        long count = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            while (watch.Elapsed < Duration)
            {
                await operation(connection);
                Interlocked.Increment(ref count);
            }
        }));
        return count / watch.Elapsed.TotalSeconds;
    }

    private static async Task Execute(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
