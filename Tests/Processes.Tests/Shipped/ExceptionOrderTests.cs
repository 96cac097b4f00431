using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Execution;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>
/// Scenarios of the shipped exception-order chain (Definitions/exception-order.bpmn): the responsible person records
/// updates; SMS and hand-overs advance on their own, refunds go through a finance review that refund-revoked cancels.
/// </summary>
public sealed class ExceptionOrderTests : EngineTest
{
    [SetUp]
    public async Task DeployShippedModel()
    {
        await DeployAsync(ShippedDefinitions.Text("exception-problems.dmn"), "exception-problems.dmn");
        await DeployAsync(ShippedDefinitions.Text("exception-order.bpmn"), "exception-order.bpmn");
    }

    [Test]
    public async Task An_unknown_problem_detail_is_rejected_at_once()
    {
        var order = await StartOrderAsync("O-1", "sold-out", "price-dispute");

        (await StateAsync(order)).ShouldBe("COMPLETED");
        (await VariablesAsync(order))["problemValid"]!.GetValue<bool>().ShouldBeFalse();
        (await HistoryAsync(order)).ShouldContain("ExceptionRejected");
    }

    [TestCase("payment-failure", "settlement-failed", null, true)]
    [TestCase("technical-fault", "sync-failed", null, true)]
    [TestCase("unheard-of", "sync-failed", null, false)]
    [TestCase("other", "anything", "courier strike in the region", true)]
    [TestCase("other", "anything", null, false)]
    [TestCase("other", "anything", "", false)]
    public async Task Problem_type_and_detail_come_from_fixed_lists_and_other_needs_a_note(string type, string detail, string? note, bool valid)
    {
        var key = await StartAsync("exception-order", Vars($$"""
            {"orderId": "O-T", "customer": {"id": "C-9", "phone": "+86 135 0000 0009"}, "problemType": "{{type}}", "problemDetail": "{{detail}}",
             "problemNote": {{(note is null ? "null" : $"\"{note}\"")}}, "responsible": "lee"}
            """), null);
        (await VariablesAsync(key))["problemValid"]!.GetValue<bool>().ShouldBe(valid);
        (await Engine.CancelInstanceAsync(key, CancellationToken.None)).Ok.ShouldBe(valid, "a valid exception waits for its assignment; a rejected one has ended");
    }

    [Test]
    public async Task Updates_sms_and_hand_overs_advance_on_their_own_until_the_exception_is_closed()
    {
        var order = await StartOrderAsync("O-2", "sold-out", "partly-sold-out");
        var assign = await TakeJobAsync(order, "assign");
        assign.CustomHeaders["mode"]!.GetValue<string>().ShouldBe("manual");
        assign.Variables["requestedAssignee"]!.GetValue<string>().ShouldBe("lee");
        (await Engine.CompleteJobAsync(assign.Key, Vars("""{"assignee": "lee", "candidateGroups": ["exceptions"], "assignmentReason": "requested"}"""),
            CancellationToken.None)).Ok.ShouldBeTrue();
        var chat = await TakeJobAsync(order, "http");
        chat.CustomHeaders["method"]!.GetValue<string>().ShouldBe("POST");
        chat.Variables["httpRequestBody"]!["text"]!["content"]!.GetValue<string>().ShouldBe("Exception order O-2 (sold-out/partly-sold-out) assigned to lee");
        await CompleteAsync(chat);

        await UpdateAsync(order, """{"updateType": "sms", "note": "replacement ships tomorrow"}""");
        var sms = await TakeJobAsync(order, "sms");
        sms.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("EXCEPTION_UPDATE");
        sms.Variables["recipient"]!.GetValue<string>().ShouldBe("+86 135 0000 0009");
        sms.Variables["smsParameters"]!["note"]!.GetValue<string>().ShouldBe("replacement ships tomorrow");
        await CompleteAsync(sms);

        await UpdateAsync(order, """{"updateType": "product", "note": "batch 42 is faulty"}""");
        var handOver = await TakeJobAsync(order, "http");
        handOver.Variables["httpRequestBody"]!["text"]!["content"]!.GetValue<string>().ShouldBe("Exception order O-2 handed to product");
        await CompleteAsync(handOver);
        var product = (await OpenTasksAsync(order)).ShouldHaveSingleItem();
        product.ElementId.ShouldBe("ProductFollowUp");
        (await Engine.CompleteUserTaskAsync(product.Key, null, product.Version, null, CancellationToken.None)).Ok.ShouldBeTrue();

        await UpdateAsync(order, """{"updateType": "close", "note": "customer accepted the replacement"}""");

        (await StateAsync(order)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(order);
        variables["updateCount"]!.GetValue<int>().ShouldBe(3);
        variables["resolution"]!.GetValue<string>().ShouldBe("customer accepted the replacement");
        variables["updates"]!.AsArray().Select(u => u!["type"]!.GetValue<string>()).ShouldBe(["sms", "product", "close"]);
        variables["recentUpdates"]!.AsArray().Select(u => u!["note"]!.GetValue<string>())
            .ShouldBe(["customer accepted the replacement", "batch 42 is faulty", "replacement ships tomorrow"], "the latest three, newest first");
        variables["recentUpdates"]![0]!["n"]!.GetValue<int>().ShouldBe(3);
        variables["recentUpdates"]![0]!["by"]!.GetValue<string>().ShouldBe("lee");
        (await HistoryAsync(order, "TASK_COMPLETED")).ShouldBe(["RecordUpdate", "RecordUpdate", "ProductFollowUp", "RecordUpdate"]);
    }

    [Test]
    public async Task An_approved_refund_is_paid_a_revoked_one_is_not_and_refund_errors_are_recorded()
    {
        var order = await AssignedOrderAsync("O-3");

        await UpdateAsync(order, """{"updateType": "refund", "note": "parcel lost", "refundAmount": 59.9, "refundReason": "lost"}""");
        var review = await OpenReviewAsync(order);
        (await Engine.CompleteUserTaskAsync(review.Key, Vars("""{"refundApproved": true}"""), review.Version, null, CancellationToken.None)).Ok.ShouldBeTrue();
        var refund = await TakeJobAsync(order, "refund");
        refund.ElementId.ShouldBe("Refund");
        refund.Variables["financeApproved"]!.GetValue<bool>().ShouldBeTrue();
        refund.Variables["requestedBy"]!.GetValue<string>().ShouldBe("lee");
        refund.Variables["amount"]!.GetValue<decimal>().ShouldBe(59.9m);
        refund.Variables["currency"]!.GetValue<string>().ShouldBe("CNY");
        refund.Variables["orderId"]!.GetValue<string>().ShouldBe("O-3");
        refund.Variables["reason"]!.GetValue<string>().ShouldBe("lost");
        await CompleteAsync(refund);
        (await VariablesAsync(order))["refundStatus"]!.GetValue<string>().ShouldBe("refunded");

        await UpdateAsync(order, """{"updateType": "refund", "note": "and the shipping fee", "refundAmount": 8, "refundReason": "goodwill"}""");
        var second = await OpenReviewAsync(order);
        (await PublishAsync("refund-revoked", "O-3")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([order]);
        (await CountAsync("SELECT count(*) FROM user_task WHERE key = @k AND state = 'CANCELED'", new { k = second.Key })).ShouldBe(1);
        (await VariablesAsync(order))["refundStatus"]!.GetValue<string>().ShouldBe("revoked");

        await UpdateAsync(order, """{"updateType": "refund", "note": "retry the fee", "refundAmount": 8, "refundReason": "goodwill"}""");
        var third = await OpenReviewAsync(order);
        (await Engine.CompleteUserTaskAsync(third.Key, Vars("""{"refundApproved": true}"""), third.Version, null, CancellationToken.None)).Ok.ShouldBeTrue();
        var failing = await TakeJobAsync(order, "refund");
        (await Engine.ThrowJobErrorAsync(failing.Key, "ALREADY_REFUNDED", "refunded on 20 Nov", null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await VariablesAsync(order))["refundStatus"]!.GetValue<string>().ShouldBe("already-refunded");

        await UpdateAsync(order, """{"updateType": "refund", "note": "one more", "refundAmount": 1, "refundReason": "goodwill"}""");
        var fourth = await OpenReviewAsync(order);
        (await Engine.CompleteUserTaskAsync(fourth.Key, Vars("""{"refundApproved": false}"""), fourth.Version, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await VariablesAsync(order))["refundStatus"]!.GetValue<string>().ShouldBe("rejected");

        await UpdateAsync(order, """{"updateType": "close", "note": "done"}""");
        (await StateAsync(order)).ShouldBe("COMPLETED");
        (await VariablesAsync(order))["updateCount"]!.GetValue<int>().ShouldBe(5);
        (await HistoryAsync(order)).Count(e => e == "Refund").ShouldBe(1);
    }

    [Test]
    public async Task A_refund_within_the_requesters_limit_is_paid_without_a_finance_review()
    {
        var order = await AssignedOrderAsync("O-4");
        await UpdateAsync(order, """{"updateType": "refund", "note": "small goodwill", "refundAmount": 20, "refundReason": "goodwill"}""");
        var request = await TakeJobAsync(order, "refund");
        request.ElementId.ShouldBe("RequestRefund");
        request.Variables["requestedBy"]!.GetValue<string>().ShouldBe("lee");
        await CompleteAsync(request);

        var variables = await VariablesAsync(order);
        variables["refundStatus"]!.GetValue<string>().ShouldBe("refunded");
        variables["refundReviewed"]!.GetValue<bool>().ShouldBeFalse();
        (await OpenTasksAsync(order)).ShouldHaveSingleItem().ElementId.ShouldBe("RecordUpdate", "no finance review: back to the next update");
        (await HistoryAsync(order)).ShouldNotContain("FinanceReview");
    }

    private async Task<long> AssignedOrderAsync(string orderId)
    {
        var order = await StartOrderAsync(orderId, "payment-failure", "duplicate-charge");
        var assign = await TakeJobAsync(order, "assign");
        (await Engine.CompleteJobAsync(assign.Key, Vars("""{"assignee": "lee", "candidateGroups": ["exceptions"]}"""), CancellationToken.None)).Ok.ShouldBeTrue();
        await CompleteAsync(await TakeJobAsync(order, "http"));
        return order;
    }

    private async Task<(long Key, string ElementId, string? Assignee, int Version)> OpenReviewAsync(long order)
    {
        // The first refund job asks in the requester's name; above their limit the handler answers REVIEW_REQUIRED.
        var request = await TakeJobAsync(order, "refund");
        request.ElementId.ShouldBe("RequestRefund");
        request.Variables["requestedBy"]!.GetValue<string>().ShouldBe("lee");
        request.Variables["financeApproved"]!.GetValue<bool>().ShouldBeFalse();
        (await Engine.ThrowJobErrorAsync(request.Key, "REVIEW_REQUIRED", "above lee's limit", null, CancellationToken.None)).Ok.ShouldBeTrue();
        var chat = await TakeJobAsync(order, "http");
        chat.ElementId.ShouldBe("NotifyFinance");
        chat.Variables["httpRequestBody"]!["text"]!["content"]!.GetValue<string>().ShouldStartWith("Exception order O-3: refund of ");
        await CompleteAsync(chat);
        var review = (await OpenTasksAsync(order)).ShouldHaveSingleItem();
        review.ElementId.ShouldBe("FinanceReview");
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<string[]>("SELECT candidate_groups FROM user_task WHERE key = @k", new { k = review.Key }))!.ShouldBe(["finance"]);
        return review;
    }

    private async Task CompleteAsync(ActivatedJob job) =>
        (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();

    private async Task<long> StartOrderAsync(string orderId, string problemType, string problemDetail)
    {
        var key = await StartAsync("exception-order", Vars($$"""
            {"orderId": "{{orderId}}", "customer": {"id": "C-9", "phone": "+86 135 0000 0009", "tier": "regular", "city": "Suzhou"},
             "problemType": "{{problemType}}", "problemDetail": "{{problemDetail}}", "responsible": "lee"}
            """), orderId);
        (await IncidentsAsync(key)).ShouldBeEmpty();
        return key;
    }

    private async Task<ActivatedJob> TakeJobAsync(long order, string type)
    {
        (await IncidentsAsync(order)).ShouldBeEmpty();
        return (await ActivateAsync(type, 100)).Where(j => j.ProcessInstanceKey == order).ToList().ShouldHaveSingleItem($"one {type} job");
    }

    private async Task UpdateAsync(long order, string form)
    {
        (await IncidentsAsync(order)).ShouldBeEmpty();
        var task = (await OpenTasksAsync(order)).ShouldHaveSingleItem();
        task.ElementId.ShouldBe("RecordUpdate");
        task.Assignee.ShouldBe("lee");
        (await Engine.CompleteUserTaskAsync(task.Key, Vars(form), task.Version, "lee", CancellationToken.None)).Ok.ShouldBeTrue();
    }
}
