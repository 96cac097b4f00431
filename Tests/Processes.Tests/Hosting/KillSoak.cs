using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;

namespace Processes.Tests.Hosting;

/// <summary>How big a kill -9 soak is.</summary>
internal sealed record SoakOptions(string ConnectionString, int Instances, int Hosts, TimeSpan KillEvery, int MinKills, TimeSpan HangGuard)
{
    /// <summary>The timer each instance waits out after its call (the engine scheduler's path).</summary>
    public string Timer { get; init; } = "PT2S";
}

/// <summary>What a soak saw; every count but the kills and the repeated effects must be 0 (or equal to the instances).</summary>
internal sealed record SoakReport(int Instances, int Completed, int Kills, int DuplicateStarts, int LostInstances, int JobsCompletedTwice,
    int TimersLost, int TimersFiredTwice, int EffectsRepeated, TimeSpan Elapsed)
{
    /// <summary>Resident memory of the first host once ready, and of the hosts at the end (largest), in bytes.</summary>
    public (long AfterStart, long AtEnd) Resident { get; init; }

    public bool Clean => Completed == Instances && DuplicateStarts == 0 && LostInstances == 0 && JobsCompletedTwice == 0 && TimersLost == 0 &&
        TimersFiredTwice == 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Instances} instances, {Kills} SIGKILLs in {Elapsed.TotalSeconds:0} s: completed {Completed}, lost {LostInstances}, duplicate starts {DuplicateStarts}, " +
        $"jobs completed twice {JobsCompletedTwice}, timers lost {TimersLost}, timers fired twice {TimersFiredTwice}, " +
        $"calls repeated after a kill {EffectsRepeated} (at least once towards the outside, each with its job key as Idempotency-Key)");
}

/// <summary>
/// Issue 21's kill -9 soak: real host processes (Processes.Host.dll) share one PostgreSQL; instances (an outbound
/// call, then a timer) are started by business key while one host after another is SIGKILLed and replaced by a new
/// one. At the end every instance must have completed once, each job and timer once, no business key twice. Used
/// in short by the test suite and at length by the benchmark tool (<c>soak</c>); it asserts nothing itself.
/// </summary>
internal static class KillSoak
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="soak_definitions" targetNamespace="t">
          <bpmn:process id="soak" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="call"><bpmn:extensionElements><zeebe:taskDefinition type="http" retries="5" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>TIMER</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
            <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="wait" />
            <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    public static async Task<SoakReport> RunAsync(SoakOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var effects = await EffectCounter.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        var parts = new EngineParts(dataSource, TimeProvider.System);
        var deployed = await parts.Deployments.DeployAsync([new DeploymentResource("soak.bpmn", Encoding.UTF8.GetBytes(Model.Replace("TIMER", options.Timer, StringComparison.Ordinal)))],
            cancellationToken);
        if (deployed is not DeploymentResult.Deployed)
        {
            throw new InvalidOperationException("The soak model did not deploy: " +
                string.Join("; ", ((DeploymentResult.Rejected)deployed).Errors.Select(e => e.ToString())));
        }
        await parts.Engine.SyncStartEventsAsync(["soak"], cancellationToken);

        // Start-ups get their own hang guard: on a loaded machine one host may take minutes to answer ready.
        using var hosts = new HostNodes("soak", options.ConnectionString, HostNodes.SuiteSettings(effects.BaseUrl), HostNodes.StartGuard);
        await hosts.StartAsync(options.Hosts, cancellationToken);
        var residentAfterStart = hosts.All[0].ResidentBytes();

        // The instances come in batches, one between two kills, so every kill lands on work in flight: calls being
        // made, timers claimed or due. A replacement host starts while the others carry on.
        var batches = options.MinKills + 1;
        var kills = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            await StartBatchAsync(parts.Engine, options, batch, batches, effects.BaseUrl, cancellationToken);
            if (batch == batches - 1)
            {
                break;
            }
            await Task.Delay(options.KillEvery, cancellationToken);
            var victim = kills % hosts.All.Count;
            var killed = hosts.All[victim].NodeId;
            await hosts.KillAndReplaceAsync(victim);
            kills++;
            await log.WriteLineAsync($"  kill {kills}: {killed} SIGKILLed, {await CountAsync(dataSource, "SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'soak' AND state = 'COMPLETED'")} instances completed so far");
        }
        await hosts.WaitReadyAsync(cancellationToken);
        await HostNodes.WaitUntilNoneAsync(dataSource, "SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'soak' AND state <> 'COMPLETED'",
            options.HangGuard, cancellationToken);
        var report = await VerifyAsync(dataSource, options.Instances, kills, effects.Repeated, watch.Elapsed) with
        {
            Resident = (residentAfterStart, hosts.All.Max(h => h.ResidentBytes())),
        };
        await hosts.FinishAsync(report.Clean, log);
        return report;
    }

    /// <summary>Starts one batch of instances by business key; a start that fails is retried until it is answered.</summary>
    private static async Task StartBatchAsync(IProcessEngine engine, SoakOptions options, int batch, int batches, Uri effects, CancellationToken cancellationToken)
    {
        for (var i = batch * options.Instances / batches; i < (batch + 1) * options.Instances / batches; i++)
        {
            var variables = new JsonObject { ["httpUrl"] = new Uri(effects, $"effect/{i}").ToString(), ["httpMethod"] = "POST" };
            for (var attempt = 0; ; attempt++)
            {
                var result = await engine.CreateInstanceAsync("soak", null, variables.DeepClone().AsObject(), $"soak-{i}", cancellationToken);
                if (result.Ok || result.Error == CommandError.AlreadyExists)
                {
                    break; // AlreadyExists: an earlier attempt committed; the business key keeps it the only one
                }
                if (attempt > 20)
                {
                    throw new InvalidOperationException($"soak-{i} could not start: {result.Message}");
                }
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static async Task<SoakReport> VerifyAsync(NpgsqlDataSource dataSource, int instances, int kills, int repeated, TimeSpan elapsed)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var counts = await connection.QuerySingleAsync<(long Completed, long Lost, long Duplicates)>("""
            SELECT count(*) FILTER (WHERE state = 'COMPLETED'),
                   @instances - count(DISTINCT business_key) FILTER (WHERE state = 'COMPLETED'),
                   count(*) - count(DISTINCT business_key)
            FROM process_instance WHERE bpmn_process_id = 'soak'
            """, new { instances });
        var perInstance = (await connection.QueryAsync<(long Key, long Calls, long Fired, long Jobs)>("""
            SELECT p.key,
                   count(*) FILTER (WHERE h.event = 'ELEMENT_COMPLETED' AND h.element_id = 'call'),
                   count(*) FILTER (WHERE h.event = 'TIMER_FIRED'),
                   count(*) FILTER (WHERE h.event = 'JOB_COMPLETED')
            FROM process_instance p LEFT JOIN execution_history h ON h.process_instance_key = p.key
            WHERE p.bpmn_process_id = 'soak' GROUP BY p.key
            """)).ToList();
        return new SoakReport(instances, (int)counts.Completed, kills, (int)counts.Duplicates, (int)counts.Lost,
            perInstance.Count(r => r.Calls > 1 || r.Jobs > 1), perInstance.Count(r => r.Fired == 0), perInstance.Count(r => r.Fired > 1), repeated, elapsed);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
