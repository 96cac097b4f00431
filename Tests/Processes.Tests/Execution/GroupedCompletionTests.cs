using System.Text.Json.Nodes;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// Job completions committed in groups (issue 15): one transaction for several completions, each job completed
/// exactly once whatever races with the group, and a group done again changes nothing.
/// </summary>
public sealed class GroupedCompletionTests : EngineTest
{
    [Test]
    public async Task A_group_completes_jobs_of_several_instances_once_and_a_repeated_group_changes_nothing()
    {
        await DeployAsync(Process("group-job", Start() + Task("work", "group-job-work") + Task("next", "group-job-next") + End() +
            Flows("start->work->next->end")));
        var keys = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            keys.Add(await StartAsync("group-job"));
        }
        var jobs = await ActivateAsync("group-job-work");
        jobs.Count.ShouldBe(6);
        List<(long, JsonObject?)> group = [.. jobs.Select((j, i) => (j.Key, (JsonObject?)Vars($$"""{"n": {{i}}}"""))), (jobs[0].Key, null)];

        var first = await Engine.CompleteJobsAsync(group, CancellationToken.None);

        first.Ok.ShouldBeTrue(first.Message);
        first.Value!.Take(6).ShouldAllBe(r => r.Ok);
        first.Value![6].Error.ShouldBe(CommandError.NotFound, "the same job named twice in one group completes once");
        var again = await Engine.CompleteJobsAsync(group, CancellationToken.None);
        again.Ok.ShouldBeTrue(again.Message);
        again.Value!.ShouldAllBe(r => r.Error == CommandError.NotFound);
        foreach (var key in keys)
        {
            (await HistoryAsync(key)).Count(e => e == "work").ShouldBe(1);
            (await ActiveElementsAsync(key)).ShouldBe(["next"]);
            (await CountAsync("SELECT count(*) FROM job WHERE process_instance_key = @key", new { key })).ShouldBe(1);
        }
        (await CountAsync("SELECT count(*) FROM variable WHERE process_instance_key = ANY(@keys) AND name = 'n'", new { keys = keys.ToArray() })).ShouldBe(6);
    }

    [Test]
    public async Task A_group_that_ends_message_started_instances_releases_their_keys_once_and_starts_the_buffered_messages()
    {
        // The group leaves the release of start keys to its end (one statement for all the instances it ended); the
        // buffered message of each freed key still starts the next instance in the same command.
        await DeployAsync(Process("group-key", StartWith("start", MessageDef("m")) + Task("handle", "group-key-handle") + End() +
            Flows("start->handle->end"), Message("m", "group-key-order")));
        foreach (var key in new[] { "k1", "k2", "k3" })
        {
            (await PublishAsync("group-key-order", key)).Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
            (await PublishAsync("group-key-order", key, Vars($$"""{"next": "{{key}}"}"""), TimeSpan.FromHours(1))).Value!.CorrelatedProcessInstanceKeys
                .ShouldBeEmpty("the first instance of the key is active");
        }
        var jobs = await ActivateAsync("group-key-handle");
        jobs.Count.ShouldBe(3);

        var result = await Engine.CompleteJobsAsync([.. jobs.Select(j => (j.Key, (JsonObject?)null))], CancellationToken.None);

        result.Ok.ShouldBeTrue(result.Message);
        result.Value!.ShouldAllBe(r => r.Ok);
        var instances = await InstancesOfAsync("group-key");
        instances.Count.ShouldBe(6, "each freed key started its buffered message's instance");
        var started = new List<string>();
        foreach (var instance in instances.Where(i => !jobs.Any(j => j.ProcessInstanceKey == i)))
        {
            (await StateAsync(instance)).ShouldBe("ACTIVE");
            started.Add((await VariablesAsync(instance))["next"]!.GetValue<string>());
        }
        started.Order().ShouldBe(["k1", "k2", "k3"]);
        (await CountAsync("SELECT count(*) FROM message_start_key WHERE bpmn_process_id = 'group-key'")).ShouldBe(3, "the new instances hold the keys");
    }

    [Test]
    public async Task Two_jobs_of_one_instance_in_a_group_pass_the_join_once()
    {
        await DeployAsync(Process("group-and", Start() + Gateway("parallelGateway", "fork") + Task("a", "group-and-a") + Task("b", "group-and-b") +
            Gateway("parallelGateway", "join") + Task("after", "group-and-after") + End() +
            Flows("start->fork->a->join", "fork->b->join", "join->after->end")));
        var key = await StartAsync("group-and");
        var a = (await ActivateAsync("group-and-a")).ShouldHaveSingleItem();
        var b = (await ActivateAsync("group-and-b")).ShouldHaveSingleItem();

        var result = await Engine.CompleteJobsAsync([(a.Key, null), (b.Key, null)], CancellationToken.None);

        result.Value!.ShouldAllBe(r => r.Ok);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key)).Count(e => e == "join").ShouldBe(1);
    }

    [Test]
    public async Task Groups_and_single_completions_racing_for_the_same_jobs_complete_each_job_exactly_once()
    {
        await DeployAsync(Process("group-race", Start() + Task("work", "group-race-work") + Task("next", "group-race-next") + End() +
            Flows("start->work->next->end")));
        for (var round = 0; round < 5; round++)
        {
            var keys = new List<long>();
            for (var i = 0; i < 8; i++)
            {
                keys.Add(await StartAsync("group-race"));
            }
            var jobs = await ActivateAsync("group-race-work");
            List<(long, JsonObject?)> all = [.. jobs.Select(j => (j.Key, (JsonObject?)null))];
            List<(long, JsonObject?)> reversed = [.. Enumerable.Reverse(all)];

            var racing = await System.Threading.Tasks.Task.WhenAll(
                System.Threading.Tasks.Task.Run(() => Engine.CompleteJobsAsync(all, CancellationToken.None)),
                System.Threading.Tasks.Task.Run(() => Engine.CompleteJobsAsync(reversed, CancellationToken.None)));
            var singles = await System.Threading.Tasks.Task.WhenAll(jobs.Select(j =>
                System.Threading.Tasks.Task.Run(() => Engine.CompleteJobAsync(j.Key, null, CancellationToken.None))));

            // A group that lost every retry did nothing (the executor then completes one job per command).
            var oks = new List<long>();
            if (racing[0].Ok)
            {
                oks.AddRange(all.Where((_, i) => racing[0].Value![i].Ok).Select(c => c.Item1));
            }
            if (racing[1].Ok)
            {
                oks.AddRange(reversed.Where((_, i) => racing[1].Value![i].Ok).Select(c => c.Item1));
            }
            oks.AddRange(jobs.Where((_, i) => singles[i].Ok).Select(j => j.Key));
            oks.Distinct().Count().ShouldBe(oks.Count, $"round {round}: a job completed twice");
            foreach (var key in keys)
            {
                (await HistoryAsync(key)).Count(e => e == "work").ShouldBeLessThanOrEqualTo(1);
                (await CountAsync("SELECT count(*) FROM execution_history WHERE process_instance_key = @key AND event = 'JOB_COMPLETED'", new { key }))
                    .ShouldBeLessThanOrEqualTo(1);
            }
            oks.Count.ShouldBe(jobs.Count, "every job completed by one of them");
            await CompleteJobsAsync("group-race-next");
        }
    }

    [Test]
    public void Groups_keep_an_instances_completions_together_and_spread_the_rest()
    {
        (long Job, long Instance)[] items = [(1, 10), (2, 10), (3, 11), (4, 12), (5, 10), (6, 13)];

        var groups = CompletionGroups.Split(items, i => i.Instance, 3);

        groups.Count.ShouldBe(3);
        groups.SelectMany(g => g).Select(i => i.Job).Order().ShouldBe([1L, 2, 3, 4, 5, 6]);
        groups.ShouldContain(g => g.Count(i => i.Instance == 10) == 3);
        foreach (var instance in items.Select(i => i.Instance).Distinct())
        {
            groups.Count(g => g.Any(i => i.Instance == instance)).ShouldBe(1, $"instance {instance} in one group");
        }
    }
}
