using Processes.Engine.Execution;
using Processes.Engine.Execution.Migration;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using Processes.Tests.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Migration;

/// <summary>
/// Moving running instances to another version: waiting states (user task, job, timer, message) keep their keys and
/// continue on the target's path; what the target adds is subscribed, what it drops goes; impossible plans are
/// refused naming each element, moving nothing.
/// </summary>
public sealed class MigrationTests : MigrationTest
{
    [Test]
    public async Task A_waiting_user_task_moves_to_version_2_keeps_its_task_and_completes_on_the_new_path()
    {
        var (v1, v2) = await DeployTwoAsync("mig-user",
            Process("mig-user", Start() + UserTask("review") + End() + Flows("start->review->end")),
            Process("mig-user", Start() + UserTask("review") + Task("notify", "mig-user-notify") + End() + Flows("start->review->notify->end")));
        var key = await StartOnAsync("mig-user", 1);
        var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

        var moved = await MigrateAsync(key, v2);

        moved.Migrated.ShouldBeTrue(moved.Describe());
        moved.SourceVersion.ShouldBe(1);
        moved.TargetVersion.ShouldBe(2);
        (await CountAsync("SELECT process_version FROM process_instance WHERE key = @key", new { key })).ShouldBe(2);
        (await CountAsync("SELECT process_definition_key FROM user_task WHERE key = @task", new { task = task.Key })).ShouldBe(v2);
        (await OpenTasksAsync(key)).ShouldHaveSingleItem().Key.ShouldBe(task.Key);
        (await HistoryAsync(key, "PROCESS_INSTANCE_MIGRATED")).ShouldBe(["mig-user"]);
        (await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'instance.migrated' AND target_id = @id", new { id = key.ToString() })).ShouldBe(1);

        (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await ActiveElementsAsync(key)).ShouldBe(["notify"]);
        (await CompleteJobsAsync("mig-user-notify")).ShouldBe(1);
        (await StateAsync(key)).ShouldBe("COMPLETED");
        v1.ShouldNotBe(v2);
    }

    [Test]
    public async Task A_waiting_job_keeps_its_key_a_new_boundary_timer_is_subscribed_and_a_dropped_one_goes()
    {
        var (_, v2) = await DeployTwoAsync("mig-job",
            Process("mig-job", Start() + Task("work", "mig-job-work") + Boundary("old-limit", "work", TimerDuration("PT2H")) + End() + End("late") +
                Flows("start->work->end", "old-limit->late")),
            Process("mig-job", Start() + Task("work", "mig-job-work") + Boundary("new-limit", "work", TimerDuration("PT30M")) + End() + End("late") +
                Flows("start->work->end", "new-limit->late")));
        var key = await StartOnAsync("mig-job", 1);
        var jobKey = await CountAsync("SELECT key FROM job WHERE process_instance_key = @key", new { key });
        (await TimersAsync(key)).ShouldHaveSingleItem().ElementId.ShouldBe("old-limit");

        (await MigrateAsync(key, v2)).Migrated.ShouldBeTrue();

        var timer = (await TimersAsync(key)).ShouldHaveSingleItem();
        timer.ElementId.ShouldBe("new-limit");
        timer.DueAt.ShouldBe(StartTime.AddMinutes(30).UtcDateTime);
        (await CountAsync("SELECT key FROM job WHERE process_instance_key = @key AND process_version = 2 AND element_id = 'work'", new { key })).ShouldBe(jobKey);

        var jobs = await ActivateAsync("mig-job-work");
        jobs.ShouldHaveSingleItem().Key.ShouldBe(jobKey);
        jobs[0].ProcessVersion.ShouldBe(2);
        Clock.Advance(TimeSpan.FromMinutes(30));
        await FireTimersAsync(key);
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldContain("late");
    }

    [Test]
    public async Task A_timer_catch_event_mapped_to_a_renamed_one_keeps_its_due_date_and_fires_on_the_target()
    {
        var (_, v2) = await DeployTwoAsync("mig-timer",
            Process("mig-timer", Start() + TimerCatch("wait", "PT10M") + End() + Flows("start->wait->end")),
            Process("mig-timer", Start() + TimerCatch("pause", "PT1H") + Task("after", "mig-timer-after") + End() + Flows("start->pause->after->end")));
        var key = await StartOnAsync("mig-timer", 1);
        var before = (await TimersAsync(key)).ShouldHaveSingleItem();

        (await MigrateAsync(key, v2, ("wait", "pause"))).Migrated.ShouldBeTrue();

        var timer = (await TimersAsync(key)).ShouldHaveSingleItem();
        timer.Key.ShouldBe(before.Key);
        timer.ElementId.ShouldBe("pause");
        timer.DueAt.ShouldBe(before.DueAt);
        (await ActiveElementsAsync(key)).ShouldBe(["pause"]);
        Clock.Advance(TimeSpan.FromMinutes(10));
        await FireTimersAsync(key);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
    }

    [Test]
    public async Task A_message_subscription_is_kept_and_the_message_continues_the_instance_on_the_target()
    {
        var (_, v2) = await DeployTwoAsync("mig-msg",
            Process("mig-msg", Start() + MessageCatch("answer", "m") + End() + Flows("start->answer->end"), MessageWithKey("m", "mig-msg-answer", "=ref")),
            Process("mig-msg", Start() + MessageCatch("answer", "m") + UserTask("check") + End() + Flows("start->answer->check->end"),
                MessageWithKey("m", "mig-msg-answer", "=ref")));
        var key = await StartOnAsync("mig-msg", 1, """{"ref": "r-1"}""");
        var subscription = await CountAsync("SELECT key FROM message_subscription WHERE process_instance_key = @key", new { key });

        (await MigrateAsync(key, v2)).Migrated.ShouldBeTrue();

        (await CountAsync("SELECT key FROM message_subscription WHERE process_instance_key = @key", new { key })).ShouldBe(subscription);
        (await PublishAsync("mig-msg-answer", "r-1")).Ok.ShouldBeTrue();
        (await ActiveElementsAsync(key)).ShouldBe(["check"]);
    }

    [Test]
    public async Task An_active_element_missing_in_the_target_is_refused_by_name_and_nothing_moves()
    {
        var (_, v2) = await DeployTwoAsync("mig-missing",
            Process("mig-missing", Start() + UserTask("review") + End() + Flows("start->review->end")),
            Process("mig-missing", Start() + UserTask("approve") + End() + Flows("start->approve->end")));
        var key = await StartOnAsync("mig-missing", 1);

        var refused = await MigrateAsync(key, v2);

        refused.Migrated.ShouldBeFalse();
        refused.Problems.ShouldHaveSingleItem().ElementId.ShouldBe("review");
        refused.Describe().ShouldContain("'review'");
        (await CountAsync("SELECT process_version FROM process_instance WHERE key = @key", new { key })).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["review"]);
        (await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'instance.migrated' AND target_id = @id", new { id = key.ToString() })).ShouldBe(0);

        (await MigrateAsync(key, v2, ("review", "approve"))).Migrated.ShouldBeTrue();
        (await ActiveElementsAsync(key)).ShouldBe(["approve"]);
    }

    [Test]
    public async Task A_type_change_a_scope_change_and_an_unknown_mapping_are_each_named()
    {
        var (_, v2) = await DeployTwoAsync("mig-bad",
            Process("mig-bad", Start() + UserTask("review") + TimerCatch("wait", "PT1H") + End() + Gateway("parallelGateway", "fork") + End("e2") +
                Flows("start->fork->review->end", "fork->wait->e2")),
            Process("mig-bad", Start() + Task("review", "mig-bad-review") + SubProcess("box", Start("s2") + TimerCatch("wait", "PT1H") + End("e3") + Flows("s2->wait->e3")) +
                End() + Gateway("parallelGateway", "fork") + End("e2") + Flows("start->fork->review->end", "fork->box->e2")));
        var key = await StartOnAsync("mig-bad", 1);

        var refused = await MigrateAsync(key, v2, ("nowhere", "review"));

        refused.Migrated.ShouldBeFalse();
        refused.Problems.Select(p => p.ElementId).Order().ShouldBe(["nowhere", "review", "wait"]);
        refused.Problems.Single(p => p.ElementId == "review").Message.ShouldContain("serviceTask");
        refused.Problems.Single(p => p.ElementId == "wait").Message.ShouldContain("scope");
        (await CountAsync("SELECT process_version FROM process_instance WHERE key = @key", new { key })).ShouldBe(1);
    }

    [Test]
    public async Task An_active_multi_instance_activity_is_refused()
    {
        var (_, v2) = await DeployTwoAsync("mig-multi",
            Process("mig-multi", Start() + MultiTask("each", "mig-multi-each", Loop("=items", "item")) + End() + Flows("start->each->end")),
            Process("mig-multi", Start() + MultiTask("each", "mig-multi-each", Loop("=items", "item")) + UserTask("after") + End() + Flows("start->each->after->end")));
        var key = await StartOnAsync("mig-multi", 1, """{"items": [1, 2]}""");

        var refused = await MigrateAsync(key, v2);

        refused.Migrated.ShouldBeFalse();
        refused.Problems.ShouldAllBe(p => p.ElementId == "each");
        refused.Problems[0].Message.ShouldContain("multi-instance");
    }

    [Test]
    public async Task A_dry_run_reports_without_moving_and_an_inactive_or_unknown_target_is_refused()
    {
        var (_, v2) = await DeployTwoAsync("mig-dry",
            Process("mig-dry", Start() + UserTask("review") + End() + Flows("start->review->end")),
            Process("mig-dry", Start() + UserTask("review") + UserTask("again") + End() + Flows("start->review->again->end")));
        var key = await StartOnAsync("mig-dry", 1);

        var dry = await Engine.MigrateInstanceAsync(Admin, key, new MigrationPlan(v2, []), dryRun: true, Auditor, CancellationToken.None);
        dry.Value!.Migrated.ShouldBeFalse();
        dry.Value.Problems.ShouldBeEmpty();
        (await CountAsync("SELECT process_version FROM process_instance WHERE key = @key", new { key })).ShouldBe(1);

        var unknown = await Engine.MigrateInstanceAsync(Admin, key, new MigrationPlan(42, []), dryRun: false, Auditor, CancellationToken.None);
        unknown.Error.ShouldBe(CommandError.InvalidArgument);
        unknown.Message!.ShouldContain("targetProcessDefinitionKey");

        var agent = new Caller("nobody", new HashSet<CallerRole> { CallerRole.Agent }, []);
        (await Engine.MigrateInstanceAsync(agent, key, new MigrationPlan(v2, []), dryRun: false, Auditor, CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);

        (await Engine.CancelInstanceAsync(key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await Engine.MigrateInstanceAsync(Admin, key, new MigrationPlan(v2, []), dryRun: false, Auditor, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
    }

    [Test]
    public async Task An_event_subprocess_the_target_adds_is_subscribed_on_the_moved_instance()
    {
        var (_, v2) = await DeployTwoAsync("mig-esp",
            Process("mig-esp", Start() + UserTask("review") + End() + Flows("start->review->end")),
            Process("mig-esp", Start() + UserTask("review") + End() + Flows("start->review->end") +
                EventSubProcess("reminders", StartWith("remind", TimerDuration("PT1H"), interrupting: false) + Task("nudge", "mig-esp-nudge") + End("done") +
                    Flows("remind->nudge->done"))));
        var key = await StartOnAsync("mig-esp", 1);
        (await TimersAsync(key)).ShouldBeEmpty();

        (await MigrateAsync(key, v2)).Migrated.ShouldBeTrue();

        (await TimersAsync(key)).ShouldHaveSingleItem().ElementId.ShouldBe("remind");
        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);
        (await ActiveElementsAsync(key)).ShouldBe(["nudge", "reminders", "review"]);
    }

    [Test]
    public async Task A_job_with_an_incident_moves_with_its_incident_and_a_retry_continues_on_the_target()
    {
        var (_, v2) = await DeployTwoAsync("mig-incident",
            Process("mig-incident", Start() + Task("pay", "mig-incident-pay") + End() + Flows("start->pay->end")),
            Process("mig-incident", Start() + Task("pay", "mig-incident-pay") + UserTask("confirm") + End() + Flows("start->pay->confirm->end")));
        var key = await StartOnAsync("mig-incident", 1);
        var job = (await ActivateAsync("mig-incident-pay")).ShouldHaveSingleItem();
        (await Engine.FailJobAsync(job.Key, 0, "payment API down", TimeSpan.Zero, null, CancellationToken.None)).Ok.ShouldBeTrue();
        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();

        (await MigrateAsync(key, v2)).Migrated.ShouldBeTrue();

        (await CountAsync("SELECT process_definition_key FROM incident WHERE key = @key", new { key = incident.Key })).ShouldBe(v2);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await CompleteJobsAsync("mig-incident-pay")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["confirm"]);
    }
}
