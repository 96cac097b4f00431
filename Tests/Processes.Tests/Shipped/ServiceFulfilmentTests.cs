using Dapper;
using Processes.Engine.Execution;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>The shipped service fulfilment (Definitions/service-fulfilment.bpmn): appointment, visits, parts, survey or cancellation.</summary>
public sealed class ServiceFulfilmentTests : EngineTest
{
    [SetUp]
    public Task DeployShippedModel() => DeployAsync(ShippedDefinitions.Text("service-fulfilment.bpmn"), "service-fulfilment.bpmn");

    [Test]
    public async Task A_rescheduled_visit_that_needs_parts_ends_fulfilled_with_a_survey()
    {
        var order = await StartOrderAsync("S-1");

        var visit = await OpenVisitAsync(order);
        visit.Due.ShouldBe(new DateTime(2026, 11, 25, 2, 0, 0, DateTimeKind.Utc));
        await CompleteVisitAsync(visit.Key, """{"visitOutcome": "rescheduled", "appointmentDate": "2026-11-27T14:00:00+08:00"}""");
        var rescheduled = await TakeJobAsync(order, "sms", "Reschedule");
        rescheduled.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("APPOINTMENT_RESCHEDULED");
        rescheduled.Variables["smsParameters"]!["appointmentDate"]!.GetValue<string>().ShouldBe("2026-11-27T14:00:00+08:00");
        await CompleteAsync(rescheduled);

        var second = await OpenVisitAsync(order);
        second.Due.ShouldBe(new DateTime(2026, 11, 27, 6, 0, 0, DateTimeKind.Utc));
        await CompleteVisitAsync(second.Key, """{"visitOutcome": "parts-needed", "visitReport": "compressor broken"}""");
        var parts = (await OpenTasksAsync(order)).ShouldHaveSingleItem();
        parts.ElementId.ShouldBe("ProvideParts");
        (await Engine.CompleteUserTaskAsync(parts.Key, null, parts.Version, null, CancellationToken.None)).Ok.ShouldBeTrue();

        await CompleteVisitAsync((await OpenVisitAsync(order)).Key, """{"visitOutcome": "done", "visitReport": "compressor replaced"}""");
        var survey = await TakeJobAsync(order, "sms", "Survey");
        survey.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("FULFILMENT_SURVEY");
        survey.Variables["smsParameters"]!["technician"]!.GetValue<string>().ShouldBe("tom");
        await CompleteAsync(survey);

        (await StateAsync(order)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(order);
        variables["fulfilmentStatus"]!.GetValue<string>().ShouldBe("fulfilled");
        variables["visitCount"]!.GetValue<int>().ShouldBe(3);
        variables["visitReport"]!.GetValue<string>().ShouldBe("compressor replaced");
    }

    [Test]
    public async Task Cancelling_the_service_cancels_the_open_visit_and_confirms_by_sms()
    {
        var order = await StartOrderAsync("S-2");
        var visit = await OpenVisitAsync(order);

        (await PublishAsync("service-cancelled", "S-2")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([order]);

        (await CountAsync("SELECT count(*) FROM user_task WHERE key = @k AND state = 'CANCELED'", new { k = visit.Key })).ShouldBe(1);
        var confirm = await TakeJobAsync(order, "sms", "ConfirmCancellation");
        confirm.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("CANCELLATION_CONFIRMED");
        await CompleteAsync(confirm);
        (await StateAsync(order)).ShouldBe("COMPLETED");
        (await VariablesAsync(order))["fulfilmentStatus"]!.GetValue<string>().ShouldBe("cancelled");
    }

    /// <summary>Starts an order and plays the technician's assignment, the group-chat notice and the confirmation SMS.</summary>
    private async Task<long> StartOrderAsync(string serviceOrderId)
    {
        var order = await StartAsync("service-fulfilment", Vars($$"""
            {"serviceOrderId": "{{serviceOrderId}}", "customer": {"id": "C-5", "tier": "regular", "city": "Ningbo"},
             "serviceType": "repair", "address": "12 Harbour Rd", "appointmentDate": "2026-11-25T10:00:00+08:00"}
            """), serviceOrderId);
        var assign = await TakeJobAsync(order, "assign", "AssignTechnician");
        assign.CustomHeaders["mode"]!.GetValue<string>().ShouldBe("pool");
        assign.Variables["city"]!.GetValue<string>().ShouldBe("Ningbo");
        assign.Variables["serviceType"]!.GetValue<string>().ShouldBe("repair");
        (await Engine.CompleteJobAsync(assign.Key, Vars("""{"assignee": "tom", "candidateGroups": ["field-ningbo"], "assignmentReason": "nearest"}"""),
            CancellationToken.None)).Ok.ShouldBeTrue();
        var chat = await TakeJobAsync(order, "http", "NotifyAssigned");
        chat.Variables["httpRequestBody"]!["text"]!["content"]!.GetValue<string>().ShouldBe($"Service order {serviceOrderId} (repair, Ningbo) assigned to tom");
        await CompleteAsync(chat);
        var confirm = await TakeJobAsync(order, "sms", "ConfirmAppointment");
        confirm.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("APPOINTMENT_CONFIRMED");
        confirm.Variables["recipient"]!.GetValue<string>().ShouldBe("C-5");
        confirm.Variables["smsParameters"]!["technician"]!.GetValue<string>().ShouldBe("tom");
        await CompleteAsync(confirm);
        return order;
    }

    private async Task<(long Key, DateTime Due)> OpenVisitAsync(long order)
    {
        (await IncidentsAsync(order)).ShouldBeEmpty();
        await using var connection = await DataSource.OpenConnectionAsync();
        var visit = (await connection.QueryAsync<(long, DateTime, string, string)>(
            "SELECT key, due_date, element_id, assignee FROM user_task WHERE process_instance_key = @order AND state = 'CREATED'", new { order })).ToList().ShouldHaveSingleItem();
        visit.Item3.ShouldBe("Visit");
        visit.Item4.ShouldBe("tom");
        return (visit.Item1, visit.Item2);
    }

    private async Task CompleteVisitAsync(long key, string form) =>
        (await Engine.CompleteUserTaskAsync(key, Vars(form), null, "tom", CancellationToken.None)).Ok.ShouldBeTrue();

    private async Task<ActivatedJob> TakeJobAsync(long order, string type, string elementId)
    {
        (await IncidentsAsync(order)).ShouldBeEmpty();
        var job = (await ActivateAsync(type, 100)).Where(j => j.ProcessInstanceKey == order).ToList().ShouldHaveSingleItem();
        job.ElementId.ShouldBe(elementId);
        return job;
    }

    private async Task CompleteAsync(ActivatedJob job) =>
        (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
}
