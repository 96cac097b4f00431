using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Calendars;
using Processes.Engine.Execution;
using Processes.Engine.Visibility;
using Processes.Tests.Calendars;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>
/// Base of the scenarios of the shipped customer-demand model (Definitions/demand-ticket.bpmn) with its SLA-watched work
/// tickets (Definitions/sla-escalation.bpmn) and SLA targets (Definitions/sla-targets.dmn), as deployed by the host. The
/// workers (assign, sms, http) are played by the test: it activates their jobs, checks type, headers and variables, and
/// completes them as a worker would; user-task-update runs through the real handler. Time is the business calendar
/// "cn-support" (Asia/Shanghai, Mon–Fri 09–12 and 13–18, Saturday 10–14).
/// </summary>
public abstract class DemandModelTest : EngineTest
{
    private protected static readonly DateTimeOffset TuesdayMorning = TestCalendars.Cn(11, 24, 9);

    private protected const string CustomerPhone = "+86 138 0000 0077";

    [SetUp]
    public async Task DeployShippedModels()
    {
        Clock.Set(TuesdayMorning);
        var calendars = new CalendarStore(DataSource);
        if (await calendars.GetAsync(TenantIds.Default, "cn-support", CancellationToken.None) is null)
        {
            (await calendars.SaveAsync(TenantIds.Default, TestCalendars.CnSupportDefinition, null, CancellationToken.None)).Status.ShouldBe(CalendarSaveStatus.Saved);
        }
        await DeployAsync(ShippedDefinitions.Text("sla-escalation.bpmn"), "sla-escalation.bpmn");
        await DeployAsync(ShippedDefinitions.Text("sla-targets.dmn"), "sla-targets.dmn");
        await DeployAsync(ShippedDefinitions.Text("transfer-groups.dmn"), "transfer-groups.dmn");
        await DeployAsync(ShippedDefinitions.Text("demand-ticket.bpmn"), "demand-ticket.bpmn");
    }

    private protected static void ShouldBeJson(JsonNode? actual, string expected, string? why = null) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).ShouldBeTrue($"{actual?.ToJsonString()} is not {expected} {why}");

    private protected sealed class Ticket
    {
        public long Key { get; init; }
        public long ProcessInstanceKey { get; init; }
        public string ElementId { get; init; } = "";
        public string? Assignee { get; init; }
        public string[] Groups { get; init; } = [];
        public int Priority { get; init; }
        public string? FormKey { get; init; }
        public int Version { get; init; }
    }

    private protected async Task<long> StartDemandAsync(string demandId, string tier, string extra = "{}")
    {
        var variables = Vars($$"""
            {"demandId": "{{demandId}}", "entrance": "app", "appeal": "Where is my parcel?",
             "customer": {"id": "C-77", "phone": "{{CustomerPhone}}", "tier": "{{tier}}", "city": "Hangzhou"},
             "scenario": {"orderId": "O-5531", "domain": "logistics", "defectType": "late-delivery"} }
            """);
        foreach (var (name, value) in Vars(extra))
        {
            variables[name] = value?.DeepClone();
        }
        var key = await StartAsync("demand-ticket", variables, demandId);
        (await IncidentsAsync(key)).ShouldBeEmpty();
        return key;
    }

    /// <summary>The instance and the work-ticket instances it called.</summary>
    private protected async Task<long[]> FamilyAsync(long demand)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<long>("SELECT key FROM process_instance WHERE root_process_instance_key = @demand", new { demand })];
    }

    private protected async Task<long?> ParentOfAsync(long key)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long?>("SELECT parent_process_instance_key FROM process_instance WHERE key = @key", new { key });
    }

    /// <summary>Activates the one job of a type the demand has waiting (no incident anywhere in it).</summary>
    private protected async Task<ActivatedJob> TakeJobAsync(long demand, string type)
    {
        var family = await FamilyAsync(demand);
        foreach (var key in family)
        {
            (await IncidentsAsync(key)).ShouldBeEmpty();
        }
        var jobs = (await ActivateAsync(type, 100)).Where(j => family.Contains(j.ProcessInstanceKey)).ToList();
        return jobs.ShouldHaveSingleItem($"one {type} job");
    }

    private protected async Task<ActivatedJob> CompleteJobAsync(long demand, string type, string elementId)
    {
        var job = await TakeJobAsync(demand, type);
        job.ElementId.ShouldBe(elementId);
        (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        return job;
    }

    /// <summary>
    /// Runs the demand's one user-task-update job through the real handler, as the host's engine node would;
    /// <paramref name="runs"/> 2 plays a re-run after an expired lease, which must change nothing more.
    /// </summary>
    private protected async Task<ActivatedJob> RunTaskUpdateAsync(long demand, int runs = 1)
    {
        var job = await TakeJobAsync(demand, "user-task-update");
        var handler = new Processes.Activities.Tasks.UserTaskUpdateHandler(Engine);
        var context = new Processes.Engine.Jobs.JobContext(job.Key, job.Type, job.Retries, job.ProcessInstanceKey, job.ElementInstanceKey, job.ElementId,
            job.BpmnProcessId, job.CustomHeaders, job.Variables, DateTimeOffset.UtcNow.AddMinutes(5));
        var outcome = await handler.HandleAsync(context, CancellationToken.None);
        for (var run = 1; run < runs; run++)
        {
            outcome = await handler.HandleAsync(context, CancellationToken.None);
        }
        var completed = outcome.ShouldBeOfType<Processes.Engine.Jobs.JobOutcome.Completed>(outcome.ToString());
        (await Engine.CompleteJobAsync(job.Key, completed.Variables, CancellationToken.None)).Ok.ShouldBeTrue();
        return job;
    }

    /// <summary>Completes an assign job as the assignment worker does.</summary>
    private protected async Task CompleteAsync(ActivatedJob assign, string? assignee, string group, string reason)
    {
        var variables = new JsonObject { ["assignee"] = assignee, ["candidateGroups"] = new JsonArray(group), ["assignmentReason"] = reason };
        (await Engine.CompleteJobAsync(assign.Key, variables, CancellationToken.None)).Ok.ShouldBeTrue();
    }

    private protected async Task<Ticket> OpenTicketAsync(long demand)
    {
        var family = await FamilyAsync(demand);
        foreach (var key in family)
        {
            (await IncidentsAsync(key)).ShouldBeEmpty();
        }
        await using var connection = await DataSource.OpenConnectionAsync();
        var tickets = (await connection.QueryAsync<Ticket>("""
            SELECT key, process_instance_key AS ProcessInstanceKey, element_id AS ElementId, assignee, candidate_groups AS Groups, priority,
                   form_key AS FormKey, version
            FROM user_task WHERE process_instance_key = ANY(@family) AND state = 'CREATED'
            """, new { family })).ToList();
        return tickets.ShouldHaveSingleItem("one open work ticket");
    }

    private protected async Task CompleteTicketAsync(Ticket ticket, string form)
    {
        var result = await Engine.CompleteUserTaskAsync(ticket.Key, Vars(form), ticket.Version, ticket.Assignee, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }

    /// <summary>The customer's survey answer, as POST /api/demands/{demandId}/survey-answer sends it: message survey-answered by demand id.</summary>
    private protected async Task AnswerSurveyAsync(long demand, int score = 5, string? comment = null)
    {
        var demandId = (await VariablesAsync(demand))["demandId"]!.GetValue<string>();
        var survey = new JsonObject { ["result"] = "answered", ["score"] = score, ["channel"] = "sms", ["answeredAt"] = Clock.GetUtcNow().ToString("O") };
        if (comment is not null)
        {
            survey["comment"] = comment;
        }
        var result = await Engine.CorrelateMessageAsync("survey-answered", demandId, new JsonObject { ["survey"] = survey }, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }

    /// <summary>Fires the demand's timers that are due by the clock; returns their element ids.</summary>
    private protected async Task<List<string>> FireDueTimersAsync(long demand)
    {
        var fired = new List<string>();
        foreach (var key in await FamilyAsync(demand))
        {
            foreach (var (timerKey, elementId, dueAt) in await TimersAsync(key))
            {
                if (dueAt <= Clock.GetUtcNow().UtcDateTime)
                {
                    (await Engine.TriggerTimerAsync(timerKey, CancellationToken.None)).Ok.ShouldBeTrue();
                    fired.Add(elementId);
                }
            }
        }
        return fired;
    }
}
