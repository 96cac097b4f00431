using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine.Calendars;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Engine.Visibility;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// The shipped customer demand as the engine runs it: the sla-targets decision, routing, a called SLA-watched work
/// ticket (a user task with five working-time timers and a message subscription), the agent's completion, the
/// closing and the survey — the workers (assign, sms) answer at once in process, the agents are a loop completing
/// open tickets. Demands per second and commits per demand, next to the straight-through process of the engine
/// suite measured in the same run, so the figure reads as "one demand costs as much as N plain instances".
/// </summary>
internal sealed class ShippedBenchmarks : IBenchmarkSuite
{
    internal const int Demands = 400;
    private const int Baseline = 800;

    public string Name => "shipped";

    public string Description => "shipped demand-ticket end to end (decision, call activity, SLA timers, user task, jobs): demands/s vs the straight-through process";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var dataSource = database.DataSource;

        var (straight, straightHandlers) = await EngineBenchmarks.DeployStraightThroughAsync(dataSource, cancellationToken);
        await EngineBenchmarks.RunAsync(straight, straightHandlers, dataSource, 100, cancellationToken); // warm-up
        var baseline = await EngineBenchmarks.RunAsync(straight, straightHandlers, dataSource, Baseline, cancellationToken);
        var baselineRate = Baseline / baseline.TotalSeconds;
        await output.WriteLineAsync(Line($"  baseline straight-through (3 service tasks): {baselineRate,8:N0} instances/s"));

        var engine = await DeployShippedAsync(dataSource, cancellationToken);
        await RunDemandsAsync(engine, dataSource, 50, cancellationToken); // warm-up: JIT, decision and definition caches
        var before = await CommitsAsync(dataSource, cancellationToken);
        var elapsed = await RunDemandsAsync(engine, dataSource, Demands, cancellationToken);
        var commits = await CommitsAsync(dataSource, cancellationToken) - before;
        var rate = Demands / elapsed.TotalSeconds;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var steps = await connection.ExecuteScalarAsync<double>("""
            SELECT count(*)::float / greatest(1, (SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'demand-ticket'))
            FROM execution_history h JOIN process_instance i ON i.key = h.process_instance_key
            WHERE i.root_process_instance_key IN (SELECT key FROM process_instance WHERE bpmn_process_id = 'demand-ticket')
              AND h.event = 'ELEMENT_COMPLETED'
            """);
        await output.WriteLineAsync(Line(
            $"  shipped demand, 8 starters, 16 handlers, 4 agents: {rate,8:N1} demands/s ({steps:0} elements completed per demand)"));
        await output.WriteLineAsync(Line($"  one demand costs as much as {baselineRate / rate,5:0.0} straight-through instances"));
        await output.WriteLineAsync(Line($"  {commits.Per(Demands, "demand")}"));
    }

    internal static async Task<ProcessEngine> DeployShippedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Definitions");
        var calendar = CalendarJson.Read(await File.ReadAllTextAsync(Path.Combine(folder, "cn-support.calendar.json"), cancellationToken));
        await new CalendarStore(dataSource).SaveAsync(TenantIds.Default, calendar.Definition!, null, cancellationToken);
        var definitions = new ProcessDefinitions(dataSource);
        var resources = new[] { "sla-targets.dmn", "transfer-groups.dmn", "sla-escalation.bpmn", "demand-ticket.bpmn" }
            .Select(name => new DeploymentResource(name, Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(folder, name))))).ToList();
        var result = await new DeploymentService(dataSource, definitions).DeployAsync(resources, cancellationToken);
        if (result is not DeploymentResult.Deployed)
        {
            throw new InvalidOperationException($"The shipped models did not deploy: {result}");
        }
        return new ProcessEngine(dataSource, definitions, TimeProvider.System);
    }

    private static JobHandlerRegistry Workers() => new(
    [
        new DelegateJobHandler("assign", (_, _) => Task.FromResult(JobOutcome.Complete(new JsonObject
        {
            ["assignee"] = "bench-agent", ["candidateGroups"] = new JsonArray("after-sales"), ["assignmentReason"] = "benchmark",
        }))),
        new DelegateJobHandler("sms", (_, _) => Task.FromResult(JobOutcome.Complete(new JsonObject { ["smsStatus"] = "SENT" }))),
        new DelegateJobHandler("http", (_, _) => Task.FromResult(JobOutcome.Complete())),
        new DelegateJobHandler("user-task-update", (_, _) => Task.FromResult(JobOutcome.Complete())),
    ]);

    /// <summary>Starts <paramref name="count"/> demands and resolves their tickets as they open; the time until all are closed.</summary>
    internal static async Task<TimeSpan> RunDemandsAsync(ProcessEngine engine, NpgsqlDataSource dataSource, int count, CancellationToken cancellationToken)
    {
        const string Closed = "SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'demand-ticket' AND state = 'COMPLETED'";
        long closedBefore;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            closedBefore = await connection.ExecuteScalarAsync<long>(Closed);
        }
        using var stop = new CancellationTokenSource();
        var executor = new JobExecutor(engine, Workers(), new JobExecutorOptions { NodeId = "bench-shipped", MaxConcurrency = 16, BatchSize = 32 });
        var loop = Task.Run(() => executor.RunAsync(stop.Token), CancellationToken.None);
        var agents = Enumerable.Range(0, 4).Select(agent => Task.Run(() => ResolveTicketsAsync(engine, dataSource, agent, stop.Token), CancellationToken.None)).ToList();
        var run = Guid.NewGuid().ToString("N")[..8];
        var watch = Stopwatch.StartNew();
        await StartManyAsync(engine, "demand-ticket", count, 8, i => new JsonObject
        {
            ["demandId"] = $"B-{run}-{i}",
            ["entrance"] = "hotline",
            ["appeal"] = "delivery",
            ["customer"] = new JsonObject { ["id"] = $"C-{i}", ["phone"] = "+86 138 0000 0000", ["tier"] = i % 5 == 0 ? "VIP" : "regular", ["city"] = "Hangzhou" },
            ["scenario"] = new JsonObject { ["orderId"] = $"O-{i}", ["domain"] = "logistics", ["defectType"] = "late-delivery" },
        }, cancellationToken);
        // The customer answers the survey: since the survey capture the demand stays open until the answer or its window
        // (days of wall-clock time, and this suite runs no timer scheduler). Published with a time to live, the answer waits
        // in the message buffer until the demand reaches the survey and is correlated there, as a fast customer's would be.
        await AnswerSurveysAsync(engine, run, count, cancellationToken);
        await WaitUntilAsync(dataSource, Closed, closedBefore + count, TimeSpan.FromMinutes(3), cancellationToken);
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await loop;
        await Task.WhenAll(agents);
        return elapsed;
    }

    private static async Task AnswerSurveysAsync(ProcessEngine engine, string run, int count, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var answer = new JsonObject { ["survey"] = new JsonObject { ["result"] = "answered", ["score"] = 5, ["channel"] = "sms" } };
                var published = await engine.PublishMessageAsync("survey-answered", $"B-{run}-{i}", answer, TimeSpan.FromMinutes(10), null, cancellationToken);
                if (!published.Ok)
                {
                    throw new InvalidOperationException(published.Message);
                }
            }
        }));
    }

    /// <summary>One agent: takes open work tickets (its share by key) and resolves them, as the inbox's complete button would.</summary>
    private static async Task ResolveTicketsAsync(ProcessEngine engine, NpgsqlDataSource dataSource, int agent, CancellationToken stop)
    {
        var form = new JsonObject { ["ticketOutcome"] = "resolved", ["completionStandard"] = "information-provided" };
        while (!stop.IsCancellationRequested)
        {
            List<(long Key, int Version)> open;
            await using (var connection = await dataSource.OpenConnectionAsync(CancellationToken.None))
            {
                open = [.. await connection.QueryAsync<(long, int)>(
                    "SELECT key, version FROM user_task WHERE state = 'CREATED' AND element_id = 'WorkTicket' AND key % 4 = @agent LIMIT 50", new { agent })];
            }
            foreach (var (key, version) in open)
            {
                await engine.CompleteUserTaskAsync(key, (JsonObject)form.DeepClone(), version, "bench-agent", CancellationToken.None);
            }
            if (open.Count == 0)
            {
                try
                {
                    await Task.Delay(10, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
