using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Jobs;

public sealed class JobQueriesTests : LoopTest
{
    [Test]
    public async Task Jobs_are_listed_by_state_page_by_page_and_counted_per_type()
    {
        await DeployAsync(Process("queries", $"{Start()}{Task("task", "queries-job")}{End()}{Flows("start->task->end")}"));
        var engine = RealEngine();
        for (var i = 0; i < 5; i++)
        {
            await StartAsync("queries");
        }
        var running = await engine.ActivateJobsAsync("queries-job", "node-x", TimeSpan.FromMinutes(5), 2, null, CancellationToken.None);
        var retrying = (await engine.ActivateJobsAsync("queries-job", "node-x", TimeSpan.FromMinutes(5), 1, null, CancellationToken.None)).Single();
        (await engine.FailJobAsync(retrying.Key, 2, "busy", TimeSpan.FromMinutes(3), null, CancellationToken.None)).Ok.ShouldBeTrue();
        var queries = new JobQueries(DataSource, TimeProvider.System);

        var first = await queries.JobsAsync(JobView.Activatable, "queries-job", null, 1, CancellationToken.None);
        first.Items.Count.ShouldBe(1);
        first.Next.ShouldNotBeNull();
        var second = await queries.JobsAsync(JobView.Activatable, "queries-job", first.Next, 1, CancellationToken.None);
        second.Items.Single().Key.ShouldBeGreaterThan(first.Items.Single().Key);
        (await queries.JobsAsync(JobView.Activatable, "queries-job", second.Next, 1, CancellationToken.None)).Items.ShouldBeEmpty();

        var leased = (await queries.JobsAsync(JobView.Running, null, null, 10, CancellationToken.None)).Items;
        leased.Select(j => j.Key).ShouldBe(running.Select(j => j.Key).Order());
        leased.ShouldAllBe(j => j.Worker == "node-x" && j.Deadline > DateTimeOffset.UtcNow);

        var waiting = (await queries.JobsAsync(JobView.Retrying, null, null, 10, CancellationToken.None)).Items.Single();
        waiting.Key.ShouldBe(retrying.Key);
        waiting.Retries.ShouldBe(2);
        waiting.ErrorMessage.ShouldBe("busy");
        (waiting.DueAt - DateTimeOffset.UtcNow).TotalMinutes.ShouldBe(3, tolerance: 0.2, "the next attempt's time");

        (await queries.CountsByTypeAsync(CancellationToken.None)).ShouldContain(new JobTypeCounts("queries-job", 2, 2, 1, 0));

        // An operator retry of a job waiting out its back-off makes it due now.
        (await new JobOperations(engine).RetryJobAsync(retrying.Key, 5, CancellationToken.None)).Ok.ShouldBeTrue();
        (await queries.CountsByTypeAsync(CancellationToken.None)).ShouldContain(new JobTypeCounts("queries-job", 3, 2, 0, 0));
        (await new JobOperations(engine).RetryJobAsync(running[0].Key, 5, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
    }
}
