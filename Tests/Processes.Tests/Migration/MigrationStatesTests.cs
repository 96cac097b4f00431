using Dapper;
using Npgsql;
using Processes.Engine.Execution.Migration;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Migration;

/// <summary>
/// States migration refuses by name (an active event subprocess, tokens waiting at a join), and a batch that crashes
/// half-way: the instance being moved rolls back whole, the ones before stay moved, and running the batch again moves
/// each instance exactly once.
/// </summary>
public sealed class MigrationStatesTests : MigrationTest
{
    [Test]
    public async Task An_active_event_subprocess_is_refused_naming_its_element_and_nothing_moves()
    {
        string Model(string extra) => Process("mig-esp-active", Start() + UserTask("review") + extra + End() + Flows("start->review->" + (extra.Length > 0 ? "extra->end" : "end")) +
            EventSubProcess("reminders", StartWith("remind", TimerDuration("PT1H"), interrupting: false) + UserTask("nudge") + End("done") + Flows("remind->nudge->done")));
        var (_, v2) = await DeployTwoAsync("mig-esp-active", Model(""), Model(UserTask("extra")));
        var key = await StartOnAsync("mig-esp-active", 1);
        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);
        (await ActiveElementsAsync(key)).ShouldContain("nudge");

        var refused = await MigrateAsync(key, v2);

        refused.Migrated.ShouldBeFalse();
        refused.Problems.ShouldContain(p => p.ElementId == "nudge" && p.Message.Contains("event subprocess 'reminders'"));
        (await CountAsync("SELECT process_version FROM process_instance WHERE key = @key", new { key })).ShouldBe(1);
    }

    [Test]
    public async Task Tokens_waiting_at_a_joining_gateway_are_refused_naming_the_gateway_and_nothing_moves()
    {
        string Model(string after) => Process("mig-join", Start() + Gateway("parallelGateway", "fork") + Task("a", "mig-join-a") + UserTask("b") +
            Gateway("parallelGateway", "join") + after + End() + Flows("start->fork->a->join", "fork->b->join", "join->" + (after.Length > 0 ? "after->end" : "end")));
        var (_, v2) = await DeployTwoAsync("mig-join", Model(""), Model(UserTask("after")));
        var key = await StartOnAsync("mig-join", 1);
        (await CompleteJobsAsync("mig-join-a")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["b"], "one token waits at the join");

        var refused = await MigrateAsync(key, v2);

        refused.Migrated.ShouldBeFalse();
        refused.Problems.ShouldContain(p => p.ElementId == "join" && p.Message.Contains("joining gateway"));
        (await CountAsync("SELECT process_version FROM process_instance WHERE key = @key", new { key })).ShouldBe(1);
        refused.Describe().ShouldContain("'join'");
    }

    [Test]
    public async Task A_batch_that_crashes_half_way_leaves_each_instance_moved_or_untouched_and_a_rerun_moves_each_once()
    {
        var (v1, v2) = await DeployTwoAsync("mig-crash",
            Process("mig-crash", Start() + UserTask("review") + End() + Flows("start->review->end")),
            Process("mig-crash", Start() + UserTask("review") + Task("notify", "mig-crash-notify") + End() + Flows("start->review->notify->end")));
        long[] keys = [await StartOnAsync("mig-crash", 1), await StartOnAsync("mig-crash", 1), await StartOnAsync("mig-crash", 1)];
        var plan = new MigrationPlan(v2, []);

        // The crash: the second instance's transaction fails at its last write (the audit row), after every other row was rewritten.
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync($"""
                CREATE FUNCTION mig_crash() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.action = 'instance.migrated' AND NEW.target_id = '{keys[1]}' THEN RAISE EXCEPTION 'host crashed'; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER mig_crash BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION mig_crash();
                """);
        }
        try
        {
            // The batch as the API runs it: one command per instance, in order; the crash stops it at the second.
            (await Engine.MigrateInstanceAsync(Admin, keys[0], plan, false, Auditor, CancellationToken.None)).Value!.Migrated.ShouldBeTrue();
            (await Should.ThrowAsync<PostgresException>(() => Engine.MigrateInstanceAsync(Admin, keys[1], plan, false, Auditor, CancellationToken.None)))
                .MessageText.ShouldBe("host crashed");
        }
        finally
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            await connection.ExecuteAsync("DROP TRIGGER mig_crash ON audit_log; DROP FUNCTION mig_crash();");
        }

        (await VersionAsync(keys[0])).ShouldBe(2);
        foreach (var untouched in keys[1..])
        {
            (await VersionAsync(untouched)).ShouldBe(1);
            (await CountAsync("SELECT process_definition_key FROM user_task WHERE process_instance_key = @untouched", new { untouched })).ShouldBe(v1);
            (await HistoryAsync(untouched, "PROCESS_INSTANCE_MIGRATED")).ShouldBeEmpty();
        }

        // Run again over the same instances: the moved one is left alone, the others move.
        var rerun = new List<InstanceMigration>();
        foreach (var key in keys)
        {
            rerun.Add((await Engine.MigrateInstanceAsync(Admin, key, plan, false, Auditor, CancellationToken.None)).Value!);
        }
        rerun[0].AlreadyOnTarget.ShouldBeTrue();
        rerun[0].Migrated.ShouldBeFalse();
        rerun.Skip(1).ShouldAllBe(m => m.Migrated);
        foreach (var key in keys)
        {
            (await VersionAsync(key)).ShouldBe(2);
            (await HistoryAsync(key, "PROCESS_INSTANCE_MIGRATED")).Count.ShouldBe(1, "each instance migrates once");
            (await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'instance.migrated' AND target_id = @id", new { id = key.ToString() })).ShouldBe(1);
            var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();
            (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        }
        (await CompleteJobsAsync("mig-crash-notify")).ShouldBe(3);
        foreach (var key in keys)
        {
            (await StateAsync(key)).ShouldBe("COMPLETED");
        }
    }

    private Task<long> VersionAsync(long key) => CountAsync("SELECT process_version FROM process_instance WHERE key = @key", new { key });
}
