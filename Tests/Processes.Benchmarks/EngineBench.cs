using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;

namespace Processes.Benchmarks;

/// <summary>Shared steps of the engine-level suites: deploy, start instances, count commits, plain-SQL baselines.</summary>
internal static class EngineBench
{
    public static async Task<ProcessEngine> DeployAsync(NpgsqlDataSource dataSource, string xml, CancellationToken cancellationToken)
    {
        var definitions = new ProcessDefinitions(dataSource);
        var result = await new DeploymentService(dataSource, definitions).DeployAsync([new DeploymentResource("bench.bpmn", Encoding.UTF8.GetBytes(xml))], cancellationToken);
        if (result is not DeploymentResult.Deployed)
        {
            throw new InvalidOperationException($"The benchmark model did not deploy: {result}");
        }
        return new ProcessEngine(dataSource, definitions, TimeProvider.System);
    }

    /// <summary>Starts <paramref name="count"/> instances from <paramref name="clients"/> concurrent callers.</summary>
    public static async Task StartManyAsync(ProcessEngine engine, string processId, int count, int clients, Func<int, JsonObject?> variables,
        CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var result = await engine.CreateInstanceAsync(processId, null, variables(i), null, cancellationToken);
                if (!result.Ok)
                {
                    throw new InvalidOperationException(result.Message);
                }
            }
        }));
    }

    /// <summary>
    /// Transaction counters so far: <c>xact_commit</c> of the database (every commit, read-only ones and the pool's
    /// connection resets included), transaction ids handed out (= transactions that wrote, each one a durable
    /// commit) and WAL fsyncs (what durability costs after group commit). Pooled connections are closed first:
    /// an idle backend may hold its statistics for seconds, one that exits reports them.
    /// </summary>
    public static async Task<Commits> CommitsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        dataSource.Clear();
        await Task.Delay(300, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_stat_clear_snapshot()");
        return await connection.QuerySingleAsync<Commits>("""
            SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS XactCommit,
                   pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS Xids,
                   (SELECT wal_sync FROM pg_stat_wal) AS WalSyncs
            """);
    }

    internal sealed record Commits(long XactCommit, long Xids, long WalSyncs)
    {
        public static Commits operator -(Commits a, Commits b) => new(a.XactCommit - b.XactCommit, a.Xids - b.Xids, a.WalSyncs - b.WalSyncs);

        public string Per(double units, string unit) => string.Create(CultureInfo.InvariantCulture,
            $"per {unit}: {Xids / units:0.00} write commits, {WalSyncs / units:0.00} WAL fsyncs, {XactCommit / units:0.00} xact_commit");
    }

    public static async Task WaitUntilAsync(NpgsqlDataSource dataSource, string countSql, long expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        while (await connection.ExecuteScalarAsync<long>(countSql) < expected)
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Not done after {timeout}: {countSql}");
            }
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>pgbench-style: durable single-row insert commits per second.</summary>
    public static async Task<double> SingleRowCommitsAsync(NpgsqlDataSource dataSource, int clients, CancellationToken cancellationToken)
    {
        await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, payload text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return await RunClientsAsync(dataSource, clients, "INSERT INTO bench_commit (payload) VALUES ('x')", cancellationToken);
    }

    /// <summary>The plain queue: one SKIP LOCKED dequeue + delete per transaction.</summary>
    public static async Task<double> SkipLockedDequeuesAsync(NpgsqlDataSource dataSource, int clients, CancellationToken cancellationToken)
    {
        await using (var create = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS bench_queue (id bigserial PRIMARY KEY, payload text NOT NULL, due_at timestamptz NOT NULL DEFAULT now());
            CREATE INDEX IF NOT EXISTS bench_queue_due ON bench_queue (due_at, id);
            TRUNCATE bench_queue;
            INSERT INTO bench_queue (payload) SELECT 'job' FROM generate_series(1, 100000);
            """))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return await RunClientsAsync(dataSource, clients, """
            DELETE FROM bench_queue WHERE id = (
                SELECT id FROM bench_queue WHERE due_at <= now() ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            """, cancellationToken);
    }

    private static async Task<double> RunClientsAsync(NpgsqlDataSource dataSource, int clients, string sql, CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(2);
        long count = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            while (watch.Elapsed < duration)
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
                Interlocked.Increment(ref count);
            }
        }));
        return count / watch.Elapsed.TotalSeconds;
    }

    public static string Process(string id, string body, string root = "") =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs_{id}" targetNamespace="http://processes.bench">
          <bpmn:process id="{id}" isExecutable="true">
        {body}
          </bpmn:process>
        {root}
        </bpmn:definitions>
        """;

    public static string ServiceTask(string id, string type) =>
        $"<bpmn:serviceTask id=\"{id}\"><bpmn:extensionElements><zeebe:taskDefinition type=\"{type}\" /></bpmn:extensionElements></bpmn:serviceTask>";

    public static string Flow(string source, string target, string? condition = null) => condition is null
        ? $"<bpmn:sequenceFlow id=\"{source}_{target}\" sourceRef=\"{source}\" targetRef=\"{target}\" />"
        : $"<bpmn:sequenceFlow id=\"{source}_{target}\" sourceRef=\"{source}\" targetRef=\"{target}\"><bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>";
}
