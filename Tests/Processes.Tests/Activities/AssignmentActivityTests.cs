using System.Text.Json.Nodes;
using Dapper;
using Processes.Activities.Assignment;
using Processes.Engine.Jobs;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Activities;

public sealed class AssignmentActivityTests : ActivityTest
{
    private const string RefundCase = """{"requiredSkills": ["refunds"], "region": "EU", "language": "en", "customerTier": "gold"}""";

    [SetUp]
    public async Task CleanSlate()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("DELETE FROM agent_profile; DELETE FROM user_task; DELETE FROM assignment_decision; DELETE FROM assignment_rotation");
    }

    private async Task AgentsAsync(params AgentProfile[] agents)
    {
        var store = new AgentStore(DataSource);
        foreach (var agent in agents)
        {
            await store.SaveAsync(agent, CancellationToken.None);
        }
    }

    private static AgentProfile Agent(string name, string skills, int capacity, bool onDuty = true, string tiers = "gold,silver") => new(
        name, skills.Split(','), ["EU"], ["de", "en"], tiers.Split(','), capacity, onDuty);

    /// <summary>The user task the model creates after the decision, assigned as decided.</summary>
    private async Task CreateTaskAsync(long key, string? assignee)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO user_task (key, process_instance_key, element_instance_key, element_id, bpmn_process_id, process_definition_key, state, assignee, created_at)
            VALUES (@key, @key, @key, 'work', 'proc', 1, 'CREATED', @assignee, now())
            """, new { key, assignee });
    }

    [Test]
    public async Task Central_dispatch_spreads_1000_tasks_by_load_and_skill_within_capacity()
    {
        await AgentsAsync(
            Agent("alice", "refunds,billing", 400),
            Agent("bob", "refunds", 400),
            Agent("carol", "refunds", 100),
            Agent("dave", "billing", 1000),                 // lacks the skill
            Agent("erin", "refunds", 1000, onDuty: false),  // off duty
            Agent("frank", "refunds", 1000, tiers: "silver")); // not for gold customers
        var assign = Handler("assign", []);
        var capacity = new Dictionary<string, int> { ["alice"] = 400, ["bob"] = 400, ["carol"] = 100 };
        var load = capacity.Keys.ToDictionary(k => k, _ => 0);
        var toQueue = 0;

        for (var i = 0; i < 1000; i++)
        {
            var job = Job("assign", RefundCase, """{"mode": "central"}""");
            var decided = Completed(await assign.HandleAsync(job, CancellationToken.None));
            var assignee = decided["assignee"]?.GetValue<string>();
            await CreateTaskAsync(job.Key, assignee);
            if (assignee is null)
            {
                toQueue++;
                decided["candidateGroups"]!.AsArray().Select(g => g!.GetValue<string>()).ShouldBe(["dispatch"]);
                decided["assignmentReason"]!.GetValue<string>().ShouldContain("at capacity");
                continue;
            }
            load[assignee]++;
            var free = load.Where(l => l.Value < capacity[l.Key]).Select(l => l.Value).ToList();
            if (free.Count > 1)
            {
                (free.Max() - free.Min()).ShouldBeLessThanOrEqualTo(1, $"after task {i}: {string.Join(", ", load)}");
            }
        }

        load.ShouldBe(new Dictionary<string, int> { ["alice"] = 400, ["bob"] = 400, ["carol"] = 100 }, ignoreOrder: true);
        toQueue.ShouldBe(100, "with every qualified agent full, the rest go to the dispatch queue");
        (await CountAsync("SELECT count(*) FROM user_task WHERE assignee IN ('dave', 'erin', 'frank')")).ShouldBe(0);
    }

    [Test]
    public async Task Finished_work_frees_capacity_and_ties_rotate()
    {
        await AgentsAsync(Agent("alice", "refunds", 1), Agent("bob", "refunds", 1));
        var assign = Handler("assign", []);
        var first = Job("assign", RefundCase);
        var firstAssignee = Completed(await assign.HandleAsync(first, CancellationToken.None))["assignee"]!.GetValue<string>();
        await CreateTaskAsync(first.Key, firstAssignee);
        var second = Job("assign", RefundCase);
        var secondAssignee = Completed(await assign.HandleAsync(second, CancellationToken.None))["assignee"]!.GetValue<string>();
        await CreateTaskAsync(second.Key, secondAssignee);
        new[] { firstAssignee, secondAssignee }.ShouldBe(["alice", "bob"], ignoreOrder: true);

        Completed(await assign.HandleAsync(Job("assign", RefundCase), CancellationToken.None))["assignee"].ShouldBeNull("both are full");
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE user_task SET state = 'COMPLETED' WHERE assignee = 'bob'");
        }
        Completed(await assign.HandleAsync(Job("assign", RefundCase), CancellationToken.None))["assignee"]!.GetValue<string>().ShouldBe("bob");
    }

    [Test]
    public async Task A_re_run_of_the_job_returns_the_same_decision_and_an_unfinished_decision_counts_as_load()
    {
        await AgentsAsync(Agent("alice", "refunds", 1), Agent("bob", "refunds", 1));
        var assign = Handler("assign", []);
        var job = Job("assign", RefundCase);
        // The job is still live (its completion, which creates the user task, has not happened yet).
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO job (key, type, state, process_instance_key, element_instance_key, element_id, bpmn_process_id,
                                 process_definition_key, process_version, retries, due_at, created_at)
                VALUES (@Key, 'assign', 'ACTIVATED', 1, 2, 'task', 'proc', 1, 1, 3, now(), now())
                """, new { job.Key });
        }

        var first = Completed(await assign.HandleAsync(job, CancellationToken.None));
        var again = Completed(await assign.HandleAsync(job, CancellationToken.None));

        again.ToJsonString().ShouldBe(first.ToJsonString());
        (await CountAsync("SELECT counter FROM assignment_rotation WHERE pool = 'central'")).ShouldBe(1, "the re-run did not decide again");
        var other = Completed(await assign.HandleAsync(Job("assign", RefundCase), CancellationToken.None))["assignee"]!.GetValue<string>();
        other.ShouldNotBe(first["assignee"]!.GetValue<string>(), "the pending decision fills its agent's only slot");
    }

    [Test]
    public async Task An_agents_load_counts_open_work_in_every_tenant_against_the_capacity_of_the_jobs_tenant()
    {
        // alice and bob serve two business lines; alice's one slot in tenant lt-b is taken by her open task in lt-a.
        await AgentsAsync(Agent("alice", "refunds", 1) with { TenantId = "lt-a" }, Agent("alice", "refunds", 1) with { TenantId = "lt-b" },
            Agent("bob", "refunds", 2) with { TenantId = "lt-b" });
        await CreateTaskAsync(9_000_001, "alice");
        await CreateTaskAsync(9_000_002, "bob");
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE user_task SET tenant_id = 'lt-a' WHERE key = 9000001; UPDATE user_task SET tenant_id = 'lt-b' WHERE key = 9000002");
        }
        var assign = Handler("assign", []);

        var decided = Completed(await assign.HandleAsync(Job("assign", RefundCase, """{"mode": "central"}""") with { TenantId = "lt-b" }, CancellationToken.None));

        // Counted per tenant alice (0 of 1) would be less loaded than bob (1 of 2); counted across tenants she is full.
        decided["assignee"]!.GetValue<string>().ShouldBe("bob", "alice has one pair of hands across both tenants");
    }

    [Test]
    public async Task Pool_and_manual_modes_route_to_groups_and_say_why()
    {
        var assign = Handler("assign", new() { ["Processes:Activities:Assignment:DispatchGroup"] = "supervisors" });

        var pool = Completed(await assign.HandleAsync(Job("assign", """{"candidateGroups": ["refund-team", "billing"]}""", """{"mode": "pool"}"""),
            CancellationToken.None));
        pool["assignee"].ShouldBeNull();
        pool["candidateGroups"]!.AsArray().Select(g => g!.GetValue<string>()).ShouldBe(["refund-team", "billing"]);
        pool["assignmentReason"]!.GetValue<string>().ShouldStartWith("pool:");

        var manual = Completed(await assign.HandleAsync(Job("assign", "{}", """{"mode": "manual"}"""), CancellationToken.None));
        manual["candidateGroups"]!.AsArray().Single()!.GetValue<string>().ShouldBe("supervisors");
        manual["assignmentReason"]!.GetValue<string>().ShouldStartWith("manual:");

        Failed(await assign.HandleAsync(Job("assign", "{}", """{"mode": "pool"}"""), CancellationToken.None)).Retryable.ShouldBeFalse();
        Failed(await assign.HandleAsync(Job("assign", "{}", """{"mode": "lottery"}"""), CancellationToken.None)).Message.ShouldContain("lottery");

        var nobody = Completed(await assign.HandleAsync(Job("assign", RefundCase, """{"candidateGroups": "refund-team"}"""), CancellationToken.None));
        nobody["assignee"].ShouldBeNull();
        nobody["candidateGroups"]!.AsArray().Single()!.GetValue<string>().ShouldBe("refund-team");
        nobody["assignmentReason"]!.GetValue<string>().ShouldContain("no on-duty agent matches");
    }

    [Test]
    public async Task Central_dispatch_matches_the_channel_and_an_agent_without_channels_serves_every_channel()
    {
        await AgentsAsync(
            Agent("alice", "refunds", 5) with { Channels = ["chat"] },
            Agent("bob", "refunds", 5) with { Channels = ["hotline", "app"] });
        var assign = Handler("assign", []);
        async Task<string?> ForChannelAsync(string channel) =>
            Completed(await assign.HandleAsync(Job("assign", RefundCase.Replace("}", $", \"channel\": \"{channel}\"}}", StringComparison.Ordinal)),
                CancellationToken.None))["assignee"]?.GetValue<string>();

        (await ForChannelAsync("chat")).ShouldBe("alice");
        (await ForChannelAsync("hotline")).ShouldBe("bob");
        (await ForChannelAsync("defect-tracking")).ShouldBeNull("nobody serves that channel: the dispatch queue");

        await AgentsAsync(Agent("carol", "refunds", 5));
        (await ForChannelAsync("defect-tracking")).ShouldBe("carol", "no channels in the profile: every channel");
    }

    [Test]
    public async Task Manual_mode_gives_the_work_to_the_requested_enabled_user_and_anyone_else_to_the_dispatch_queue()
    {
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                DELETE FROM app_user WHERE user_name IN ('Lee.Wang', 'gone');
                INSERT INTO app_user (user_name, display_name) VALUES ('Lee.Wang', 'Lee');
                INSERT INTO app_user (user_name, display_name, enabled) VALUES ('gone', 'Gone', false);
                """);
        }
        var assign = Handler("assign", []);
        Task<JsonObject> ManualAsync(string requested) =>
            assign.HandleAsync(Job("assign", $$"""{"requestedAssignee": "{{requested}}", "candidateGroups": ["exceptions"]}""", """{"mode": "manual"}"""),
                CancellationToken.None).ContinueWith(t => Completed(t.Result), TaskScheduler.Default);

        var named = await ManualAsync("lee.wang");
        named["assignee"]!.GetValue<string>().ShouldBe("Lee.Wang", "the user's own spelling");
        named["candidateGroups"]!.AsArray().Single()!.GetValue<string>().ShouldBe("exceptions");
        named["assignmentReason"]!.GetValue<string>().ShouldBe("manual: Lee.Wang, as requested");

        foreach (var nobody in new[] { "gone", "typo" })
        {
            var queued = await ManualAsync(nobody);
            queued["assignee"].ShouldBeNull();
            queued["candidateGroups"]!.AsArray().Single()!.GetValue<string>().ShouldBe("dispatch");
            queued["assignmentReason"]!.GetValue<string>().ShouldBe(
                $"manual: '{nobody}' is not an enabled user; routed to the dispatch queue 'dispatch' for a supervisor to assign");
        }
    }

    [Test]
    public async Task In_a_model_the_next_user_task_goes_to_the_chosen_agent_and_the_reason_is_in_the_history()
    {
        await AgentsAsync(Agent("alice", "refunds", 10));
        await DeployAsync(Process("assigned_work",
            Start() + Task("assign", "assign", "<zeebe:taskHeaders><zeebe:header key=\"mode\" value=\"central\" /></zeebe:taskHeaders>") +
            UserTask("work", "<zeebe:assignmentDefinition assignee=\"=assignee\" candidateGroups=\"=candidateGroups\" />") + End() +
            Flows("start->assign->work->end")));
        var executor = new JobExecutor(RealEngine(), new JobHandlerRegistry([Handler("assign", [])]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var key = await StartAsync("assigned_work", Vars(RefundCase));

        await UntilAsync(async () => (await OpenTasksAsync(key)).Count == 1, because: "the assignment job completes and the task is created");
        (await OpenTasksAsync(key)).Single().Assignee.ShouldBe("alice");
        await using var connection = await DataSource.OpenConnectionAsync();
        var reason = await connection.ExecuteScalarAsync<string>("""
            SELECT details->>'value' FROM execution_history
            WHERE process_instance_key = @key AND event = 'VARIABLE_CREATED' AND details->>'name' = 'assignmentReason'
            """, new { key });
        reason.ShouldNotBeNull();
        reason.ShouldContain("alice");
    }
}
