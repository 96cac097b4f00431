using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Dapper;
using Npgsql;
using Processes.Engine;
using Processes.Engine.Deployment;
using Processes.Engine.Storage;
using Processes.Host.Postgres;

namespace Processes.Tests.Hosting;

/// <summary>How long and how hard the fault suite runs.</summary>
internal sealed record FaultOptions(TimeSpan Duration, int Hosts, TimeSpan KillEvery)
{
    public double StartsPerSecond { get; init; } = 4;

    /// <summary>fsync on (the benchmark tool) or off (the test).</summary>
    public bool Durable { get; init; }

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
    private const string AdminPassword = "fault-suite-admin-password";

    private const string Model = """
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
        var hosts = new List<HostNode>();
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
            await new Migrator(dataSource).MigrateAsync(cancellationToken);
            var parts = new EngineParts(dataSource, TimeProvider.System);
            if (await parts.Deployments.DeployAsync([new DeploymentResource("fault.bpmn", Encoding.UTF8.GetBytes(Model))], cancellationToken) is not DeploymentResult.Deployed)
            {
                throw new InvalidOperationException("The fault model did not deploy.");
            }
            await using var effects = await EffectCounter.StartAsync();
            var settings = Settings(effects.BaseUrl, options.Failover);
            var generation = 0;
            for (var i = 0; i < options.Hosts; i++)
            {
                hosts.Add(HostNode.Start($"fault-{i}-0", postgres.ConnectionString, settings));
            }
            await Task.WhenAll(hosts.Select(h => h.WaitReadyAsync(TimeSpan.FromMinutes(2), cancellationToken)));
            await using var load = await FaultLoad.StartAsync(hosts[0].Url, AdminPassword, effects.BaseUrl, cancellationToken);

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
                if (loadClock.Elapsed >= nextKill)
                {
                    nextKill += options.KillEvery;
                    var victim = kills % hosts.Count;
                    await hosts[victim].KillAsync();
                    kills++;
                    generation++;
                    hosts[victim].Dispose();
                    hosts[victim] = HostNode.Start($"fault-{victim}-{generation}", postgres.ConnectionString, settings);
                    load.Hosts = [.. hosts.Select(h => h.Url)];
                    await log.WriteLineAsync($"  kill {kills}: host {victim} SIGKILLed and replaced, {load.Answered} starts answered so far");
                }
                load.Hosts = [.. hosts.Select(h => h.Url)];
                await Task.Delay(250, cancellationToken);
            }
            await stopLoad.CancelAsync();
            await running;
            await Task.WhenAll(hosts.Select(h => h.WaitReadyAsync(TimeSpan.FromMinutes(2), cancellationToken)));

            // The instances finish: timers fire, the remaining messages are published, the last user tasks completed.
            var settle = Stopwatch.StartNew();
            using var finish = new CancellationTokenSource();
            var completing = load.CompleteTasksAsync(finish.Token);
            while (await CountAsync(dataSource, "SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'fault' AND state <> 'COMPLETED'") > 0 &&
                   settle.Elapsed < options.HangGuard)
            {
                await Task.Delay(500, cancellationToken);
            }
            await finish.CancelAsync();
            await completing;
            var report = await VerifyAsync(dataSource, load, effects, kills, down, recovery, watch.Elapsed) with { Fault = postgres.Fault };
            if (!report.Clean)
            {
                foreach (var line in hosts.SelectMany(h => h.Output).TakeLast(200))
                {
                    await log.WriteLineAsync(line);
                }
            }
            foreach (var host in hosts)
            {
                await host.StopAsync();
            }
            return report;
        }
        finally
        {
            foreach (var host in hosts)
            {
                host.Dispose();
            }
        }
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

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>(sql);
        }
        catch (NpgsqlException)
        {
            if (dataSource is NpgsqlMultiHostDataSource multiHost)
            {
                // As the hosts' FailoverWatch does: roles remembered from before the promotion would keep us out.
                multiHost.ClearDatabaseStates();
                multiHost.Clear();
            }
            return long.MaxValue; // not reachable yet: keep waiting
        }
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

    private static Dictionary<string, string> Settings(Uri effects) => new()
    {
        ["Processes__Admin__Password"] = AdminPassword,
        ["Processes__Activities__Http__AllowedHosts__0"] = $"127.0.0.1:{effects.Port.ToString(CultureInfo.InvariantCulture)}",
        ["Processes__Activities__Http__Retry__MaxRetries"] = "0",
        ["Processes__Activities__Http__Retry__Timeout"] = "00:00:10",
        // Short leases and claims, quick reaping: a killed host's work comes back within seconds.
        ["Processes__Engine__Jobs__LeaseTimeout"] = "00:00:15",
        ["Processes__Engine__Timers__ClaimTimeout"] = "00:00:15",
        ["Processes__Engine__Timers__SafetyPollInterval"] = "00:00:00.500",
        ["Processes__Engine__Cluster__HeartbeatInterval"] = "00:00:01",
        ["Processes__Engine__Cluster__DeadAfterMissedHeartbeats"] = "3",
    };
}
