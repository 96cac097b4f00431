using System.Diagnostics;
using System.Text;
using Dapper;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Host.Hangfire;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Hangfire;

/// <summary>
/// Hangfire drives long timers: real PostgreSQL, real hosts with an in-process Hangfire server. The timer row is the
/// outbox (the job id is recorded on it), the job fires through the engine's idempotent command, cancelling deletes the
/// job, and the engine's scheduler fires whatever Hangfire does not (the backstop).
/// </summary>
[NonParallelizable]
public sealed class HangfireTimerTests : DatabaseTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private readonly List<IdentityHost> _hosts = [];
    private readonly LogCapture _logs = new();

    // A work ticket with a non-interrupting SLA timer: each firing leaves one completed Sla75 in the history.
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs_hf" targetNamespace="http://processes.test">
          <bpmn:process id="hf-ticket" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="WorkTicket" name="Work ticket" />
            <bpmn:endEvent id="end" />
            <bpmn:boundaryEvent id="Sla75" name="SLA 75 %" attachedToRef="WorkTicket" cancelActivity="false">
              <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT5S</bpmn:timeDuration></bpmn:timerEventDefinition>
            </bpmn:boundaryEvent>
            <bpmn:endEvent id="slaNoted" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="WorkTicket" />
            <bpmn:sequenceFlow id="f2" sourceRef="WorkTicket" targetRef="end" />
            <bpmn:sequenceFlow id="f3" sourceRef="Sla75" targetRef="slaNoted" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    [TearDown]
    public async Task StopHosts()
    {
        _logs.WriteErrorsTo(TestContext.Out);
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
        _hosts.Clear();
    }

    [Test]
    public async Task A_long_timer_becomes_a_named_scheduled_hangfire_job_and_fires_once_through_it()
    {
        // A grace longer than the test: only Hangfire's job can fire the timer in time.
        var host = await StartHostAsync(grace: "00:05:00");
        var instance = await StartTicketAsync(host, "D-1042");
        var (timerKey, jobId) = await HandedOverAsync(instance);

        var job = Storage(host).GetMonitoringApi().JobDetails(jobId);
        job.Job.Args[1].ShouldBe($"SLA 75 % · hf-ticket D-1042 · Sla75 · #{instance}", "the instance key leads from the dashboard to the case");
        job.History[0].StateName.ShouldBe(ScheduledState.StateName);

        await EventuallyAsync("the timer fired", async () => await TimerGoneAsync(timerKey) && await JobStateAsync(host, jobId) == SucceededState.StateName);
        (await FiredAsync(instance)).ShouldBe(1);
    }

    [Test]
    public async Task Cancelling_the_ticket_deletes_its_scheduled_job()
    {
        var host = await StartHostAsync(grace: "00:05:00");
        var instance = await StartTicketAsync(host, "D-1043");
        var (timerKey, jobId) = await HandedOverAsync(instance);

        (await host.Service<IProcessEngine>().CancelInstanceAsync(instance, CancellationToken.None)).Ok.ShouldBeTrue();

        await EventuallyAsync("the job deleted", async () => await JobStateAsync(host, jobId) == DeletedState.StateName);
        (await TimerGoneAsync(timerKey)).ShouldBeTrue();
        (await FiredAsync(instance)).ShouldBe(0);
    }

    [Test]
    public async Task A_job_deleted_in_hangfire_still_fires_through_the_engines_backstop()
    {
        var host = await StartHostAsync(grace: "00:00:02");
        var instance = await StartTicketAsync(host, "D-1044");
        var (timerKey, jobId) = await HandedOverAsync(instance);

        host.Service<IBackgroundJobClient>().Delete(jobId).ShouldBeTrue();

        await EventuallyAsync("the backstop fired the timer", () => TimerGoneAsync(timerKey));
        (await FiredAsync(instance)).ShouldBe(1);
        (await JobStateAsync(host, jobId)).ShouldBe(DeletedState.StateName);
    }

    [Test]
    public async Task Two_hosts_fire_each_timer_once()
    {
        var first = await StartHostAsync(grace: "00:00:03");
        var second = await StartHostAsync(grace: "00:00:03");
        var instances = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            instances.Add(await StartTicketAsync(i % 2 == 0 ? first : second, $"D-2{i:000}"));
        }
        var timers = new List<long>();
        foreach (var instance in instances)
        {
            timers.Add((await HandedOverAsync(instance)).TimerKey);
        }
        await EventuallyAsync("every timer fired", async () =>
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM timer WHERE process_instance_key = ANY(@instances)",
                new { instances = instances.ToArray() }) == 0;
        });
        foreach (var instance in instances)
        {
            (await FiredAsync(instance)).ShouldBe(1, $"instance {instance}");
        }
        // Never two Hangfire jobs for one timer, though both dispatchers looked at every timer (the fixture's database also
        // holds the jobs of the other tests: only these timers' count). On a loaded machine the engine's backstop may fire
        // a timer whose Hangfire job is still queued past the grace; that job then finds nothing and is not counted here,
        // which is why the count may fall short of one per timer — firing exactly once is asserted above.
        var jobs = Storage(first).GetMonitoringApi().SucceededJobs(0, 1000).Select(j => j.Value.Job)
            .Where(j => j?.Method.Name == nameof(TimerFiringJob.FireAsync) && timers.Contains((long)j.Args[0])).ToList();
        jobs.Count.ShouldBeGreaterThan(0);
        jobs.Select(j => (long)j!.Args[0]).Distinct().Count().ShouldBe(jobs.Count);
    }

    private async Task<IdentityHost> StartHostAsync(string grace)
    {
        var host = IdentityHost.Start(ConnectionString, logs: _logs, settings: new Dictionary<string, string>
        {
            ["Processes:Hangfire:Enabled"] = "true",
            ["Processes:Hangfire:Handover:MinimumLead"] = "00:00:02",
            ["Processes:Hangfire:Handover:NotBefore"] = "00:00:00.500",
            ["Processes:Hangfire:Handover:PollInterval"] = "00:00:00.200",
            ["Processes:Engine:Timers:HandoverGrace"] = grace,
            ["Processes:Engine:Timers:SafetyPollInterval"] = "00:00:00.500",
        });
        _hosts.Add(host);
        // The first request builds the app: the database starts and migrates, Hangfire's server and dispatcher start.
        await (await host.AdminAsync()).GetAsync(new Uri("/health/ready", UriKind.Relative));
        return host;
    }

    private static async Task<long> StartTicketAsync(IdentityHost host, string businessKey)
    {
        var engine = host.Service<IProcessEngine>();
        await host.Service<DeploymentService>().DeployAsync([new DeploymentResource("hf-ticket.bpmn", Encoding.UTF8.GetBytes(Model))], CancellationToken.None);
        var created = await engine.CreateInstanceAsync("hf-ticket", null, null, businessKey, CancellationToken.None);
        created.Ok.ShouldBeTrue(created.Message);
        return created.Value!.ProcessInstanceKey;
    }

    /// <summary>Waits until the instance's timer carries its Hangfire job id.</summary>
    private async Task<(long TimerKey, string JobId)> HandedOverAsync(long instance)
    {
        (long, string)? found = null;
        await EventuallyAsync("the timer handed over", async () =>
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            var row = await connection.QuerySingleOrDefaultAsync<(long Key, string? Job)>(
                "SELECT key, external_job FROM timer WHERE process_instance_key = @instance", new { instance });
            found = row.Job is null ? null : (row.Key, row.Job);
            return found is not null;
        });
        return found!.Value;
    }

    private async Task<bool> TimerGoneAsync(long timerKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM timer WHERE key = @timerKey", new { timerKey }) == 0;
    }

    private async Task<long> FiredAsync(long instance)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM execution_history WHERE process_instance_key = @instance AND element_id = 'Sla75' AND event = 'ELEMENT_COMPLETED'",
            new { instance });
    }

    private static JobStorage Storage(IdentityHost host) => host.Service<HangfireStorage>();

    private static Task<string?> JobStateAsync(IdentityHost host, string jobId)
    {
        using var connection = Storage(host).GetConnection();
        return Task.FromResult(connection.GetStateData(jobId)?.Name);
    }

    /// <summary>Polls a condition with a hang guard (no fixed sleeps before asserting).</summary>
    private static async Task EventuallyAsync(string what, Func<Task<bool>> probe)
    {
        var clock = Stopwatch.StartNew();
        while (!await probe())
        {
            if (clock.Elapsed > Patience)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }
            await Task.Delay(100);
        }
    }
}
