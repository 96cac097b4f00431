using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Npgsql;
using Processes.Engine;
using Processes.Engine.Deployment;

namespace Processes.Tests.Hosting;

/// <summary>How long and how hard the fault suite runs.</summary>
internal sealed record FaultOptions(TimeSpan Duration, int Hosts, TimeSpan KillEvery)
{
    public double StartsPerSecond { get; init; } = 4;

    /// <summary>fsync on (the benchmark tool) or off (the test).</summary>
    public bool Durable { get; init; }

    /// <summary>How long one host may take to answer ready (a hang guard: start-ups are slow on a loaded machine).</summary>
    public TimeSpan HostStartGuard { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Against a pg_auto_failover pair (<see cref="FailoverPair"/>): the fault half-way is the primary SIGKILLed and its
    /// standby promoted instead of a restart, and the hosts run Hangfire too (its storage on the same multi-host string).
    /// </summary>
    public bool Failover { get; init; }

    /// <summary>How long the instances may take to finish after the load stopped.</summary>
    public TimeSpan HangGuard { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>What the fault suite saw; <see cref="Clean"/> when nothing was lost and nothing done twice.</summary>
internal sealed record FaultReport(int Instances, int AtExpectedEnd, int KeyedStarts, int UnkeyedStarts, int RetriedStarts, int DuplicatesForRetriedStarts,
    int EffectsAppliedTwice, int CallsRepeated, int TimersLost, int TimersFiredTwice, int MessagesCorrelatedTwice, int TasksCompletedTwice, int Kills,
    TimeSpan DatabaseDown, TimeSpan? DatabaseRecovery, TimeSpan Elapsed)
{
    /// <summary>The database fault of the run, as the report names it.</summary>
    public string Fault { get; init; } = "one PostgreSQL restart";

    public int NotAtEnd => Instances - AtExpectedEnd;

    public bool Clean => NotAtEnd == 0 && DuplicatesForRetriedStarts == 0 && EffectsAppliedTwice == 0 && TimersLost == 0 && TimersFiredTwice == 0 &&
        MessagesCorrelatedTwice == 0 && TasksCompletedTwice == 0 && DatabaseRecovery is not null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"""
          {Instances} instances ({KeyedStarts} starts with Idempotency-Key, {RetriedStarts} of them retried; {UnkeyedStarts} without), {Kills} SIGKILLs, {Fault}, {Elapsed.TotalSeconds:0} s
          instances at their expected end: {AtExpectedEnd} (not: {NotAtEnd})
          duplicate instances for retried starts: {DuplicatesForRetriedStarts}
          effects applied twice: {EffectsAppliedTwice} (calls repeated towards the idempotent counter: {CallsRepeated})
          timers lost: {TimersLost}, fired twice: {TimersFiredTwice}; messages correlated twice: {MessagesCorrelatedTwice}; user tasks completed twice: {TasksCompletedTwice}
          PostgreSQL not taking writes {DatabaseDown.TotalSeconds:0.0} s; time to recover after it took them again (first start answered): {(DatabaseRecovery is { } r ? r.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture) : "never")}
        """);
}

/// <summary>
/// Issue 21's fault suite: host processes on one PostgreSQL of its own, a mixed load over HTTP (starts with and without
/// Idempotency-Key, a service task calling an idempotent counter, a timer, a message, a user task), one host SIGKILLed
/// and replaced every <see cref="FaultOptions.KillEvery"/>, the database restarted once half-way. Then it waits for the
/// instances to finish and counts what was lost or done twice. Asserts nothing itself: the test suite runs it short,
/// the benchmark tool (<c>fault</c>) for minutes.
/// </summary>
internal static class FaultSuite
{
    internal const string AdminPassword = "fault-suite-admin-password";

    internal const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="fault_definitions" targetNamespace="t">
          <bpmn:process id="fault" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="call"><bpmn:extensionElements><zeebe:taskDefinition type="http" retries="10" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
            <bpmn:intermediateCatchEvent id="go"><bpmn:messageEventDefinition messageRef="goMessage" /></bpmn:intermediateCatchEvent>
            <bpmn:userTask id="task"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
            <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="wait" />
            <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="go" />
            <bpmn:sequenceFlow id="f4" sourceRef="go" targetRef="task" />
            <bpmn:sequenceFlow id="f5" sourceRef="task" targetRef="end" />
          </bpmn:process>
          <bpmn:message id="goMessage" name="fault-go"><bpmn:extensionElements><zeebe:subscription correlationKey="=key" /></bpmn:extensionElements></bpmn:message>
        </bpmn:definitions>
        """;

    public static async Task<FaultReport> RunAsync(FaultOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var postgres = await FaultDatabase.StartAsync(options, log, cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var parts = new EngineParts(dataSource, TimeProvider.System);
        if (await parts.Deployments.DeployAsync([new DeploymentResource("fault.bpmn", Encoding.UTF8.GetBytes(Model))], cancellationToken) is not DeploymentResult.Deployed)
        {
            throw new InvalidOperationException("The fault model did not deploy.");
        }
        await using var effects = await EffectCounter.StartAsync();
        using var hosts = new HostNodes("fault", postgres.ConnectionString, Settings(effects.BaseUrl, options.Failover), options.HostStartGuard);
        await hosts.StartAsync(options.Hosts, cancellationToken);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {options.Hosts} hosts ready after {watch.Elapsed.TotalSeconds:0} s"));
        await using var load = await FaultLoad.StartAsync(hosts.All[0].Url, AdminPassword, effects.BaseUrl, cancellationToken);
        load.Hosts = hosts.ReadyUrls;

        using var stopLoad = new CancellationTokenSource();
        var running = load.RunAsync(options.StartsPerSecond, stopLoad.Token);
        var kills = 0;
        var restarted = false;
        var down = TimeSpan.Zero;
        TimeSpan? recovery = null;
        var nextKill = options.KillEvery;
        // The load's own clock: starting the cluster and the hosts takes a while on a loaded machine.
        var loadClock = Stopwatch.StartNew();
        while (loadClock.Elapsed < options.Duration)
        {
            if (!restarted && loadClock.Elapsed >= options.Duration / 2)
            {
                restarted = true;
                down = await postgres.DisruptAsync(cancellationToken);
                recovery = await load.TimeToFirstStartAsync(TimeSpan.FromMinutes(2), cancellationToken);
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {postgres.Fault}: no writes for {down.TotalSeconds:0.0} s, first start answered {recovery?.TotalSeconds:0.0} s after it took them again"));
            }
            // A kill waits until every host answers ready: on a loaded machine a replacement can take longer to start than
            // the kill interval, and killing the others meanwhile would leave nothing to serve the load.
            if (loadClock.Elapsed >= nextKill && hosts.All.All(h => h.Ready))
            {
                nextKill = loadClock.Elapsed + options.KillEvery;
                var victim = kills % hosts.All.Count;
                await hosts.KillAndReplaceAsync(victim);
                kills++;
                await log.WriteLineAsync($"  kill {kills}: host {victim} SIGKILLed and replaced, {load.Answered} starts answered so far");
            }
            // Only hosts that answered ready get requests: a replacement joins once it is up.
            load.Hosts = hosts.ReadyUrls is { Count: > 0 } ready ? ready : [.. hosts.All.Select(h => h.Url)];
            await Task.Delay(250, cancellationToken);
        }
        await stopLoad.CancelAsync();
        await running;
        await hosts.WaitReadyAsync(cancellationToken);
        load.Hosts = hosts.ReadyUrls;

        // The instances finish: timers fire, the remaining messages are published, the last user tasks completed.
        using var finish = new CancellationTokenSource();
        var completing = load.CompleteTasksAsync(finish.Token);
        await HostNodes.WaitUntilNoneAsync(dataSource, "SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'fault' AND state <> 'COMPLETED'",
            options.HangGuard, cancellationToken);
        await finish.CancelAsync();
        await completing;
        var report = await VerifyAsync(dataSource, load, effects, kills, down, recovery, watch.Elapsed) with { Fault = postgres.Fault };
        await hosts.FinishAsync(report.Clean, log);
        return report;
    }

    private static async Task<FaultReport> VerifyAsync(NpgsqlDataSource dataSource, FaultLoad load, EffectCounter effects, int kills, TimeSpan down,
        TimeSpan? recovery, TimeSpan elapsed)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var perInstance = (await connection.QueryAsync<(long Key, string State, long Calls, long Fired, long Messages, long Tasks, long Ends)>("""
            SELECT p.key, p.state,
                   count(*) FILTER (WHERE h.event = 'ELEMENT_COMPLETED' AND h.element_id = 'call'),
                   count(*) FILTER (WHERE h.event = 'TIMER_FIRED'),
                   count(*) FILTER (WHERE h.event = 'ELEMENT_COMPLETED' AND h.element_id = 'go'),
                   count(*) FILTER (WHERE h.event = 'ELEMENT_COMPLETED' AND h.element_id = 'task'),
                   count(*) FILTER (WHERE h.event = 'ELEMENT_COMPLETED' AND h.element_id = 'end')
            FROM process_instance p LEFT JOIN execution_history h ON h.process_instance_key = p.key
            WHERE p.bpmn_process_id = 'fault' GROUP BY p.key, p.state
            """)).ToList();
        // Instances per start (the variable n each start carries): a start with a key retried after a crash must stay one.
        var perStart = (await connection.QueryAsync<(string N, long Instances)>("""
            SELECT v.value::text, count(*) FROM variable v JOIN process_instance p ON p.key = v.process_instance_key
            WHERE p.bpmn_process_id = 'fault' AND v.scope_key = v.process_instance_key AND v.name = 'n' GROUP BY v.value::text
            """)).ToDictionary(r => r.N, r => r.Instances);
        var duplicates = load.KeyedNumbers.Count(n => perStart.GetValueOrDefault(n.ToString(CultureInfo.InvariantCulture)) > 1);
        return new FaultReport(perInstance.Count,
            perInstance.Count(r => r.State == "COMPLETED" && r.Calls == 1 && r.Fired == 1 && r.Messages == 1 && r.Tasks == 1 && r.Ends == 1),
            load.KeyedNumbers.Count, load.UnkeyedStarts, load.RetriedStarts, duplicates, effects.AppliedTwice, effects.Repeated,
            perInstance.Count(r => r.State == "COMPLETED" && r.Fired == 0), perInstance.Count(r => r.Fired > 1), perInstance.Count(r => r.Messages > 1),
            perInstance.Count(r => r.Tasks > 1), kills, down, recovery, elapsed);
    }

    private static Dictionary<string, string> Settings(Uri effects, bool hangfire)
    {
        var settings = Settings(effects);
        if (hangfire)
        {
            // Timers a second ahead go through Hangfire, whose storage and long-poll listener use the multi-host string too.
            settings["Processes__Hangfire__Enabled"] = "true";
            settings["Processes__Hangfire__Handover__MinimumLead"] = "00:00:01";
            settings["Processes__Hangfire__Handover__NotBefore"] = "00:00:00.500";
            settings["Processes__Hangfire__Handover__PollInterval"] = "00:00:00.200";
            settings["Processes__Engine__Timers__HandoverGrace"] = "00:00:05";
        }
        return settings;
    }

    private static Dictionary<string, string> Settings(Uri effects) => new(HostNodes.SuiteSettings(effects))
    {
        ["Processes__Admin__Password"] = AdminPassword,
    };
}
