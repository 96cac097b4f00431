using Dapper;
using Processes.Engine.Retention;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class RetentionTests : EngineTest
{
    [Test]
    public async Task Only_instances_that_ended_before_the_cutoff_are_purged_and_live_ones_stay_whole()
    {
        await DeployAsync(Process("retained", Start() + Task("work", "retained-work") + End() + Flows("start->work->end")));
        var old = await StartAsync("retained");
        await CompleteJobsAsync("retained-work");
        Clock.Advance(TimeSpan.FromDays(40));
        var recent = await StartAsync("retained");
        await CompleteJobsAsync("retained-work");
        var live = await StartAsync("retained");

        var purged = await new InstancePurge(DataSource).PurgeBatchAsync(Clock.GetUtcNow() - TimeSpan.FromDays(30), 100, CancellationToken.None);

        purged.ShouldBe(1);
        (await StateAsync(old)).ShouldBe("MISSING");
        (await HistoryAsync(old, "PROCESS_INSTANCE_CREATED")).ShouldBeEmpty();
        (await StateAsync(recent)).ShouldBe("COMPLETED");
        (await StateAsync(live)).ShouldBe("ACTIVE");
        (await ActiveElementsAsync(live)).ShouldBe(["work"]);
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM variable WHERE process_instance_key = @old", new { old })).ShouldBe(0);
        (await CompleteJobsAsync("retained-work")).ShouldBe(1, "the live instance still works");
    }
}
