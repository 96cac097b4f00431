using Dapper;
using Processes.Engine.Execution;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class UserTaskTests : EngineTest
{
    private static string Model(string id) => Process(id, Start() +
        UserTask("review",
            "<zeebe:assignmentDefinition assignee=\"=owner\" candidateGroups=\"=[team, &quot;leads&quot;]\" />" +
            "<zeebe:taskSchedule dueDate=\"=string(now() + duration(&quot;P2D&quot;))\" />" +
            "<zeebe:priorityDefinition priority=\"=if urgent then 90 else 10\" />") +
        Task("after", $"{id}-after") + End() + Flows("start->review->after->end"));

    [Test]
    public async Task Assignment_candidates_due_date_and_priority_are_evaluated_from_feel()
    {
        await DeployAsync(Model("ut-feel"));
        var key = await StartAsync("ut-feel", Vars("""{"owner": "ann", "team": "sales", "urgent": true}"""));

        await using var connection = await DataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(string Assignee, string Groups, DateTime Due, int Priority)>(
            "SELECT assignee, candidate_groups::text, due_date, priority FROM user_task WHERE process_instance_key = @key", new { key });
        row.Assignee.ShouldBe("ann");
        row.Groups.ShouldContain("sales");
        row.Groups.ShouldContain("leads");
        row.Due.ShouldBe(StartTime.AddDays(2).UtcDateTime);
        row.Priority.ShouldBe(90);
        (await HistoryAsync(key, "TASK_CREATED")).ShouldBe(["review"]);
    }

    [Test]
    public async Task Due_and_follow_up_dates_count_working_time_of_the_named_calendar_and_a_bad_duration_is_an_incident()
    {
        var saved = await new Processes.Engine.Calendars.CalendarStore(DataSource)
            .SaveAsync(TenantIds.Default, Calendars.TestCalendars.CnSupportDefinition with { Name = "tasks-cn" }, null, CancellationToken.None);
        saved.Status.ShouldBe(Processes.Engine.Calendars.CalendarSaveStatus.Saved);
        await DeployAsync(Process("ut-working-time", Start() +
            UserTask("ticket", "<zeebe:properties><zeebe:property name=\"businessCalendar\" value=\"tasks-cn\" />" +
                "<zeebe:property name=\"dueIn\" value=\"=target\" /><zeebe:property name=\"followUpIn\" value=\"PT30M\" /></zeebe:properties>") +
            End() + Flows("start->ticket->end")));

        // Monday 23 Nov 2026 09:00 UTC is 17:00 in Shanghai: one working hour left today, the rest from Tuesday 09:00.
        var key = await StartAsync("ut-working-time", Vars("""{"target": "PT2H"}"""));
        await using var connection = await DataSource.OpenConnectionAsync();
        var (due, followUp) = await connection.QuerySingleAsync<(DateTime, DateTime)>(
            "SELECT due_date, follow_up_date FROM user_task WHERE process_instance_key = @key", new { key });
        due.ShouldBe(new DateTime(2026, 11, 24, 2, 0, 0, DateTimeKind.Utc), "Tuesday 10:00 in Shanghai");
        followUp.ShouldBe(new DateTime(2026, 11, 23, 9, 30, 0, DateTimeKind.Utc));

        var bad = await StartAsync("ut-working-time", Vars("""{"target": "soon"}"""));
        var incident = (await IncidentsAsync(bad)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("ticket");
        incident.Message.ShouldContain("'dueIn' = 'soon' is not a duration");
    }

    [Test]
    public async Task The_title_property_names_the_task_and_one_that_cannot_be_evaluated_leaves_it_untitled_without_an_incident()
    {
        await DeployAsync(Process("ut-title", Start() +
            UserTask("ticket", "<zeebe:properties><zeebe:property name=\"title\" value=\"=demandId + &quot; · &quot; + tier\" /></zeebe:properties>") +
            End() + Flows("start->ticket->end")));
        var titled = await StartAsync("ut-title", Vars("""{"demandId": "D-1042", "tier": "VIP"}"""));
        var untitled = await StartAsync("ut-title", Vars("""{"demandId": "D-1043"}"""));

        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.QuerySingleAsync<string?>("SELECT title FROM user_task WHERE process_instance_key = @titled", new { titled })).ShouldBe("D-1042 · VIP");
        (await connection.QuerySingleAsync<string?>("SELECT title FROM user_task WHERE process_instance_key = @untitled", new { untitled })).ShouldBeNull();
        (await IncidentsAsync(untitled)).ShouldBeEmpty("a title only labels the task");
        var read = Processes.Engine.Bpmn.Reading.BpmnReader.Read(System.Text.Encoding.UTF8.GetBytes(Process("ut-bad-title", Start() +
            UserTask("ticket", "<zeebe:properties><zeebe:property name=\"title\" value=\"=demandId +\" /></zeebe:properties>") +
            End() + Flows("start->ticket->end"))));
        read.Problems.ShouldContain(p => p.ElementId == "ticket" && p.Message.Contains("'title'", StringComparison.Ordinal), string.Join("; ", read.Problems.Select(p => p.Message)));
    }

    [Test]
    public void A_working_time_property_that_is_not_feel_is_refused_at_deployment()
    {
        var read = Processes.Engine.Bpmn.Reading.BpmnReader.Read(System.Text.Encoding.UTF8.GetBytes(Process("ut-bad-due", Start() +
            UserTask("ticket", "<zeebe:properties><zeebe:property name=\"dueIn\" value=\"=target +\" /></zeebe:properties>") +
            End() + Flows("start->ticket->end"))));
        read.Problems.ShouldContain(p => p.ElementId == "ticket" && p.Message.StartsWith("The property 'dueIn' 'target +' is not a valid FEEL expression", StringComparison.Ordinal),
            string.Join("; ", read.Problems.Select(p => p.Message)));
    }

    [Test]
    public async Task Completing_a_task_with_variables_moves_the_instance_on()
    {
        await DeployAsync(Model("ut-complete"));
        var key = await StartAsync("ut-complete", Vars("""{"owner": "ann", "team": "sales", "urgent": false}"""));
        var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

        (await Engine.CompleteUserTaskAsync(task.Key, Vars("""{"approved": true}"""), task.Version, "ann", CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await VariablesAsync(key))["approved"]!.GetValue<bool>().ShouldBeTrue();
        (await OpenTasksAsync(key)).ShouldBeEmpty();
        (await HistoryAsync(key, "TASK_COMPLETED")).ShouldBe(["review"]);
        (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
    }

    [Test]
    public async Task A_stale_version_is_a_conflict_and_only_the_assignee_may_complete()
    {
        await DeployAsync(Model("ut-guard"));
        var key = await StartAsync("ut-guard", Vars("""{"owner": "ann", "team": "sales", "urgent": false}"""));
        var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

        (await Engine.CompleteUserTaskAsync(task.Key, null, task.Version + 1, "ann", CancellationToken.None)).Error.ShouldBe(CommandError.Conflict);
        var byOther = await Engine.CompleteUserTaskAsync(task.Key, null, task.Version, "bob", CancellationToken.None);
        byOther.Error.ShouldBe(CommandError.Forbidden);
        byOther.Message!.ShouldContain("ann");

        (await ActiveElementsAsync(key)).ShouldBe(["review"]);
    }

    [Test]
    public async Task Assigning_bumps_the_version_and_records_the_assignment()
    {
        await DeployAsync(Model("ut-assign"));
        var key = await StartAsync("ut-assign", Vars("""{"owner": "ann", "team": "sales", "urgent": false}"""));
        var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

        var assigned = await Engine.AssignUserTaskAsync(task.Key, "bob", task.Version, "lead", "ann is away", CancellationToken.None);

        assigned.Value.ShouldBe(task.Version + 1);
        var after = (await OpenTasksAsync(key)).ShouldHaveSingleItem();
        after.Assignee.ShouldBe("bob");
        after.Version.ShouldBe(task.Version + 1);
        (await HistoryAsync(key, "TASK_ASSIGNED")).ShouldBe(["review"]);
        (await Engine.AssignUserTaskAsync(task.Key, "cy", task.Version, null, null, CancellationToken.None)).Error.ShouldBe(CommandError.Conflict);
        (await Engine.CompleteUserTaskAsync(task.Key, null, task.Version, "bob", CancellationToken.None)).Error.ShouldBe(CommandError.Conflict,
            "a form read before the reassignment is stale");
        (await Engine.CompleteUserTaskAsync(task.Key, null, after.Version, "bob", CancellationToken.None)).Ok.ShouldBeTrue();
    }

    [Test]
    public async Task Cancelling_the_instance_cancels_its_open_tasks()
    {
        await DeployAsync(Model("ut-cancel"));
        var key = await StartAsync("ut-cancel", Vars("""{"owner": "ann", "team": "sales", "urgent": false}"""));
        var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

        await Engine.CancelInstanceAsync(key, CancellationToken.None);

        (await OpenTasksAsync(key)).ShouldBeEmpty();
        (await CountAsync("SELECT count(*) FROM user_task WHERE key = @k AND state = 'CANCELED'", new { k = task.Key })).ShouldBe(1);
        (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
    }

    [Test]
    public async Task Candidate_users_follow_up_date_and_form_are_stored_with_the_task()
    {
        await DeployAsync(Process("ut-more", Start() +
            UserTask("review",
                "<zeebe:assignmentDefinition candidateUsers=\"=reviewers\" />" +
                "<zeebe:taskSchedule followUpDate=\"2026-11-30T10:00:00Z\" />" +
                "<zeebe:formDefinition formId=\"review-form\" />") +
            End() + Flows("start->review->end")));
        var key = await StartAsync("ut-more", Vars("""{"reviewers": ["ann", "bob"]}"""));

        await using var connection = await DataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(string Users, DateTime FollowUp, string FormKey, int Priority)>(
            "SELECT candidate_users::text, follow_up_date, form_key, priority FROM user_task WHERE process_instance_key = @key", new { key });
        row.Users.ShouldBe("{ann,bob}");
        row.FollowUp.ShouldBe(new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc));
        row.FormKey.ShouldBe("form:review-form");
        row.Priority.ShouldBe(50, "the default priority");
    }
}
