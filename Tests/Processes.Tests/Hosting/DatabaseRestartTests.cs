using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine;
using Processes.Engine.Deployment;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Hosting;

/// <summary>
/// Issue 21's "service resumes within 5 s of PostgreSQL coming back": a host process with its default loop settings on
/// a PostgreSQL of the test's own, which is stopped (its sessions cut) while timers fall due, and started again. The
/// host must answer a start again, fire the timers that fell due meanwhile and run the jobs after them, each within
/// seconds of the server's return. The times are printed; the assertion is only a generous hang guard.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class DatabaseRestartTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Test]
    public async Task After_a_PostgreSQL_restart_the_host_answers_fires_due_timers_and_runs_jobs_again()
    {
        const int Instances = 5;
        await using var postgres = await ThrowawayPostgres.StartAsync("restart", durable: false, CancellationToken.None);
        await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var parts = new EngineParts(dataSource, TimeProvider.System);
        var model = Process("restart", $"{Start()}{TimerCatch("wait", "PT1S")}{Task("call", "http")}{End()}{Flows("start->wait->call->end")}");
        foreach (var (name, xml) in new[] { ("restart.bpmn", model), ("fault.bpmn", FaultSuite.Model) })
        {
            (await parts.Deployments.DeployAsync([new DeploymentResource(name, Encoding.UTF8.GetBytes(xml))], CancellationToken.None))
                .ShouldBeOfType<DeploymentResult.Deployed>();
        }
        await using var effects = await EffectCounter.StartAsync();
        using var host = HostNode.Start("restart-0", postgres.ConnectionString, new Dictionary<string, string>
        {
            ["Processes__Admin__Password"] = FaultSuite.AdminPassword,
            ["Processes__Activities__Http__AllowedHosts__0"] = $"127.0.0.1:{effects.BaseUrl.Port.ToString(CultureInfo.InvariantCulture)}",
        });
        try
        {
            await host.WaitReadyAsync(TimeSpan.FromMinutes(3));
            await using var load = await FaultLoad.StartAsync(host.Url, FaultSuite.AdminPassword, effects.BaseUrl, CancellationToken.None);
            (await load.TimeToFirstStartAsync(HangGuard, CancellationToken.None)).ShouldNotBeNull("a start is answered before the restart");
            // Warm every loop and the pool: the first instance goes all the way through before the restart.
            await StartAsync(parts, effects.BaseUrl, 0);
            await UntilAsync(() => CompletedAsync(dataSource), n => n == 1, "the first instance completes before the restart");

            // The timers fall due while the server is down: its return must wake the scheduler, not its next back-off.
            for (var i = 1; i <= Instances; i++)
            {
                await StartAsync(parts, effects.BaseUrl, i);
            }
            var down = await postgres.RestartAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
            var back = Stopwatch.StartNew();
            var firstStart = await load.TimeToFirstStartAsync(HangGuard, CancellationToken.None);
            await UntilAsync(() => CompletedAsync(dataSource), n => n == Instances + 1, "the instances whose timers fell due while the server was down complete");
            var completed = back.Elapsed;
            await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"PostgreSQL down {down.TotalSeconds:0.0} s; after it was back: first start answered in {firstStart?.TotalSeconds:0.0} s, " +
                $"the {Instances} timers due meanwhile fired and their jobs ran in {completed.TotalSeconds:0.0} s"));
            effects.Applied.ShouldBeGreaterThanOrEqualTo(Instances + 1);
            effects.AppliedTwice.ShouldBe(0);
            await host.StopAsync();
        }
        catch
        {
            foreach (var line in host.Output.TakeLast(150))
            {
                await TestContext.Out.WriteLineAsync(line);
            }
            throw;
        }
    }

    private static async Task StartAsync(EngineParts parts, Uri effects, int n)
    {
        var variables = new JsonObject { ["httpUrl"] = new Uri(effects, $"effect/restart-{n}").ToString(), ["httpMethod"] = "POST" };
        var started = await parts.Engine.CreateInstanceAsync("restart", null, variables, $"restart-{n}", CancellationToken.None);
        started.Ok.ShouldBeTrue(started.Message);
    }

    private static async Task<long> CompletedAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'restart' AND state = 'COMPLETED'");
    }

    /// <summary>Polls until the condition holds; a failed poll (the test's own pooled connection cut by the restart) counts as not yet.</summary>
    private static async Task UntilAsync(Func<Task<long>> read, Func<long, bool> done, string what)
    {
        var watch = Stopwatch.StartNew();
        long last = -1;
        while (watch.Elapsed < HangGuard)
        {
            try
            {
                last = await read();
                if (done(last))
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
            }
            await System.Threading.Tasks.Task.Delay(100);
        }
        Assert.Fail($"Not within {HangGuard.TotalSeconds} s: {what} (last read {last}).");
    }
}
