using System.Text.Json.Nodes;
using Processes.Engine.Execution;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped service fulfilment (Definitions/service-fulfilment.bpmn) at engine level: a platform order arrives by
/// message, is normalised, split, reviewed, dispatched, accepted, visited, verified, audited and its fee released or
/// frozen. The jobs (assign, sms, verification-code, http) are played by the test; ServiceFulfilmentHttpScenarioTests
/// runs the real handlers.
/// </summary>
public sealed class ServiceFulfilmentTests : EngineTest
{
    [SetUp]
    public async Task DeployShippedModel()
    {
        await DeployAsync(ShippedDefinitions.Text("service-fulfilment.bpmn"), "service-fulfilment.bpmn");
        // The status sync is its own versioned process (PlatformStatusSyncTests and the HTTP scenarios run the real one);
        // here a callee that ends at once keeps each step's sync out of the way of the jobs this test plays.
        await DeployAsync("""
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
              <bpmn:process id="platform-status-sync" isExecutable="true">
                <bpmn:startEvent id="S"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
                <bpmn:endEvent id="E"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>
                <bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E" />
              </bpmn:process>
            </bpmn:definitions>
            """, "platform-status-sync.bpmn");
    }

    /// <summary>A tmall order: two lines of the same air conditioner (merged) and a cable that needs no service.</summary>
    private static JsonObject Tmall(string tid, bool merchantConfirm = false, string? extra = null) => Vars($$$"""
        {"platform": "tmall", {{{extra}}}
         "order": {"tid": "{{{tid}}}", "buyer": {"nick": "buyer-7", "mobile": "+8613800000007", "vip": false},
                   "receiver": {"city": "Hangzhou", "address": "1 West Lake Rd"},
                   "orders": [{"outer_sku_id": "AC-9", "title": "Air conditioner", "num": 1, "needs_service": true},
                              {"outer_sku_id": "CBL-1", "title": "Cable", "num": 2, "needs_service": false},
                              {"outer_sku_id": "AC-9", "title": "Air conditioner", "num": 2, "needs_service": true}],
                   "service_type": "INSTALL", "service_network": "net-hz", "service_fee": 180, "need_merchant_confirm": {{{(merchantConfirm ? "true" : "false")}}}}}
        """);

    /// <summary>A jd order: other field names, the service type as a code, the fee in cents.</summary>
    private static JsonObject Jd(string orderId, bool serviceable = true, int merchantAudit = 0, string? extra = null) => Vars($$$"""
        {"platform": "jd", {{{extra}}}
         "order": {"orderId": "{{{orderId}}}", "customerId": "jd-55", "customerPhone": "+8613900000055", "customerLevel": 2,
                   "shipTo": {"cityName": "Ningbo", "detail": "8 Harbour Rd"},
                   "skuList": [{"skuId": "WH-2", "skuName": "Water heater", "count": 1, "serviceFlag": {{{(serviceable ? 1 : 0)}}}}],
                   "serviceTypeCode": 2, "stationCode": "net-nb", "serviceFeeCents": 9950, "merchantAudit": {{{merchantAudit}}}}}
        """);

    [Test]
    public async Task A_tmall_order_is_normalised_merged_reviewed_dispatched_centrally_verified_after_a_wrong_code_and_its_fee_released_after_the_audit()
    {
        var order = await ArriveAsync(Tmall("TM-1001", merchantConfirm: true, extra: "\"followUpSampled\": false,"));

        var serviceOrder = (await VariablesAsync(order))["serviceOrder"]!;
        serviceOrder["id"]!.GetValue<string>().ShouldBe("TM-1001");
        ShouldBeJson(serviceOrder["customer"]!, """{"id":"buyer-7","phone":"+8613800000007","city":"Hangzhou","tier":"regular"}""");
        serviceOrder["serviceType"]!.GetValue<string>().ShouldBe("install");
        serviceOrder["network"]!.GetValue<string>().ShouldBe("net-hz");
        ShouldBeJson(serviceOrder["items"]!, """[{"sku":"AC-9","name":"Air conditioner","quantity":3}]""", "only the serviceable sku, its lines merged");
        ShouldBeJson((await VariablesAsync(order))["otherItems"], """[{"sku":"CBL-1","name":"Cable","quantity":2,"serviceable":false}]""");

        await CompleteTaskAsync(order, "MerchantReview", """{"merchantApproved": true}""", group: "merchants");
        var assign = await TakeJobAsync(order, "assign", "CheckCapacity");
        assign.CustomHeaders["mode"]!.GetValue<string>().ShouldBe("central");
        ShouldBeJson(assign.Variables["requiredSkills"]!, """["install"]""");
        assign.Variables["region"]!.GetValue<string>().ShouldBe("Hangzhou");
        await CompleteJobAsync(assign, """{"assignee": "tom", "candidateGroups": [], "assignmentReason": "central: tom has the least open work"}""");

        await AcceptAsync(order, "tom");
        await VisitAndVerifyAsync(order, "tom", wrongFirst: true);

        (await VariablesAsync(order))["followUp"]!.GetValue<bool>().ShouldBeFalse("the platform said: not sampled");
        var audit = (await TimersAsync(order)).ShouldHaveSingleItem();
        audit.ElementId.ShouldBe("AuditPeriod");
        audit.DueAt.ShouldBe(StartTime.UtcDateTime.AddDays(7), "P7D after the verification");
        Clock.Advance(TimeSpan.FromDays(7));
        (await Engine.TriggerTimerAsync(audit.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        var release = await TakeJobAsync(order, "http", "ReleaseFee");
        release.CustomHeaders["url"]!.GetValue<string>().ShouldBe("{{secrets.LEDGER_URL}}/fees/released");
        ShouldBeJson(release.Variables["httpRequestBody"]!, """{"serviceOrderId":"TM-1001","network":"net-hz","fee":180,"period":"2026-11"}""");
        await CompleteJobAsync(release);
        var credit = await TakeJobAsync(order, "settlement-credit", "CreditPool");
        ShouldBeJson(new System.Text.Json.Nodes.JsonObject { ["network"] = credit.Variables["network"]!.DeepClone(), ["serviceOrderId"] = credit.Variables["serviceOrderId"]!.DeepClone(),
            ["fee"] = credit.Variables["fee"]!.DeepClone(), ["period"] = credit.Variables["period"]!.DeepClone() },
            """{"network":"net-hz","serviceOrderId":"TM-1001","fee":180,"period":"2026-11"}""");
        await CompleteJobAsync(credit);

        (await StateAsync(order)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(order);
        variables["feeStatus"]!.GetValue<string>().ShouldBe("released");
        variables["fulfilmentStatus"]!.GetValue<string>().ShouldBe("fulfilled");
        variables["technician"]!.GetValue<string>().ShouldBe("tom");
        variables["verificationAttempts"]!.GetValue<int>().ShouldBe(2);
        variables["photoUrl"]!.GetValue<string>().ShouldBe("https://photos.example/TM-1001.jpg");
        variables.ContainsKey("verificationCode").ShouldBeFalse();
        variables["enteredCode"].ShouldBeNull("the check clears what was entered");
        (await HistoryAsync(order)).ShouldContain("FeeReleased");
    }

    [Test]
    public async Task A_jd_order_without_a_serviceable_item_ends_with_nothing_to_serve()
    {
        var order = await ArriveAsync(Jd("JD-2001", serviceable: false));

        (await StateAsync(order)).ShouldBe("COMPLETED");
        (await HistoryAsync(order)).ShouldContain("NothingToServe");
        var variables = await VariablesAsync(order);
        variables["fulfilmentStatus"]!.GetValue<string>().ShouldBe("nothing-to-serve");
        variables["serviceOrder"]!["customer"]!["city"]!.GetValue<string>().ShouldBe("Ningbo");
        variables["serviceOrder"]!["serviceType"]!.GetValue<string>().ShouldBe("repair", "jd's code 2");
        variables["serviceOrder"]!["fee"]!.GetValue<decimal>().ShouldBe(99.5m, "jd sends cents");
    }

    [Test]
    public async Task The_merchant_rejecting_the_order_ends_it()
    {
        var order = await ArriveAsync(Jd("JD-2002", merchantAudit: 1));

        await CompleteTaskAsync(order, "MerchantReview", """{"merchantApproved": false, "merchantNotes": "not our product"}""", group: "merchants");

        (await StateAsync(order)).ShouldBe("COMPLETED");
        (await HistoryAsync(order)).ShouldContain("MerchantRejected");
        (await VariablesAsync(order))["fulfilmentStatus"]!.GetValue<string>().ShouldBe("rejected-by-merchant");
    }

    [Test]
    public async Task An_unknown_platform_goes_to_a_dispatcher_who_normalises_it_by_hand_or_leaves_it()
    {
        var order = await ArriveAsync(Vars("""{"platform": "pdd", "order": {"id": "PDD-1"}}"""));
        (await VariablesAsync(order))["serviceOrder"].ShouldBeNull();
        await CompleteTaskAsync(order, "ReviewOrder", """
            {"serviceOrder": {"id": "PDD-1", "platform": "pdd", "customer": {"id": "p-1", "phone": "+8613700000001", "city": "Hangzhou", "tier": "regular"},
             "address": "3 River Rd", "items": [{"sku": "TV-1", "name": "TV", "quantity": 1, "serviceable": true}],
             "serviceType": "install", "network": "net-hz", "fee": 60}}
            """, group: "dispatchers");
        (await TakeJobAsync(order, "assign", "CheckCapacity")).Variables["region"]!.GetValue<string>().ShouldBe("Hangzhou");
        (await VariablesAsync(order))["serviceOrderId"]!.GetValue<string>().ShouldBe("PDD-1");

        var left = await ArriveAsync(Vars("""{"platform": "pdd", "order": {"id": "PDD-2"}}"""));
        await CompleteTaskAsync(left, "ReviewOrder", """{"orderReviewNotes": "not a service order"}""", group: "dispatchers");
        (await StateAsync(left)).ShouldBe("COMPLETED");
        (await HistoryAsync(left)).ShouldContain("OrderRejected");
    }

    [Test]
    public async Task Grab_offers_the_order_to_the_network_and_falls_back_to_manual_dispatch_after_the_grab_timeout()
    {
        var order = await ArriveAsync(Jd("JD-2003", extra: "\"dispatchMode\": \"grab\", \"grabTimeout\": \"PT10M\","));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": "nina", "candidateGroups": [], "assignmentReason": "central"}""");

        var grab = (await OpenTasksAsync(order)).ShouldHaveSingleItem();
        grab.ElementId.ShouldBe("GrabOrder");
        grab.Assignee.ShouldBeNull("offered, not assigned");
        (await CandidateGroupsAsync(grab.Key)).ShouldBe(["net-nb-technicians"]);
        var timer = (await TimersAsync(order)).ShouldHaveSingleItem();
        timer.ElementId.ShouldBe("GrabTimedOut");
        timer.DueAt.ShouldBe(StartTime.UtcDateTime.AddMinutes(10));
        Clock.Advance(TimeSpan.FromMinutes(10));
        (await Engine.TriggerTimerAsync(timer.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        await CompleteTaskAsync(order, "ManualDispatch", """{"technician": "nina"}""", group: "dispatchers");
        (await OpenTasksAsync(order)).ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            t => t.ElementId.ShouldBe("Accept"), t => t.Assignee.ShouldBe("nina"));
        (await HistoryAsync(order, "ELEMENT_TERMINATED")).ShouldContain("GrabOrder");
    }

    [Test]
    public async Task A_technician_of_the_network_grabs_the_order_and_gets_its_acceptance_a_decline_sends_it_to_manual_dispatch()
    {
        // The fixture's other orders are in the same report: this test counts what its own order adds.
        var reports = new Processes.Engine.Reports.FulfilmentQueries(DataSource);
        var admin = new Processes.Engine.Visibility.Caller("root", new HashSet<Processes.Engine.Visibility.CallerRole> { Processes.Engine.Visibility.CallerRole.Admin }, []);
        var day = new Processes.Engine.Reports.ReportFilter(StartTime.AddHours(-1), StartTime.AddDays(1));
        var baseline = (await reports.FulfilmentAsync(admin, day, CancellationToken.None)).SingleOrDefault(r => r.Network == "net-nb")
            ?? new Processes.Engine.Reports.FulfilmentRow("net-nb", 0, 0, 0, 0, 0);
        var order = await ArriveAsync(Jd("JD-2007", extra: "\"dispatchMode\": \"grab\","));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": "nina", "candidateGroups": [], "assignmentReason": "central"}""");
        await CompleteTaskAsync(order, "GrabOrder", """{"technician": "omar"}""", group: "net-nb-technicians");
        (await TimersAsync(order)).Select(t => t.ElementId).ShouldBe(["AcceptanceAt50", "AcceptanceAt75", "AcceptanceOverdue"], "the grab timer is gone");

        await CompleteTaskAsync(order, "Accept", """{"accepted": false}""", assignee: "omar");

        (await VariablesAsync(order))["accepted"]!.GetValue<bool>().ShouldBeFalse();
        await CompleteTaskAsync(order, "ManualDispatch", "{}", group: "dispatchers");
        await CompleteTaskAsync(order, "ManualDispatch", """{"technician": "nina"}""", group: "dispatchers");
        await CompleteTaskAsync(order, "Accept", "{}", assignee: "nina");
        (await OpenTasksAsync(order)).ShouldHaveSingleItem().ElementId.ShouldBe("ManualDispatch", "no answer is no acceptance");

        // The supervisors' fulfilment report: two offers decided, none accepted; the third, accepted, counts once.
        var before = (await reports.FulfilmentAsync(admin, day, CancellationToken.None)).Single(r => r.Network == "net-nb");
        (before.Orders - baseline.Orders, before.Offers - baseline.Offers, before.Accepted - baseline.Accepted).ShouldBe((1L, 2L, 0L));
        await CompleteTaskAsync(order, "ManualDispatch", """{"technician": "nina"}""", group: "dispatchers");
        await CompleteTaskAsync(order, "Accept", """{"accepted": true, "appointmentDate": "2026-11-25T10:00:00+08:00"}""", assignee: "nina");
        var after = (await reports.FulfilmentAsync(admin, day, CancellationToken.None)).Single(r => r.Network == "net-nb");
        (after.Offers - baseline.Offers, after.Accepted - baseline.Accepted).ShouldBe((3L, 1L));
        after.Verifications.ShouldBe(before.Verifications, "not visited yet");
    }

    [Test]
    public async Task A_manual_dispatch_without_a_technician_opens_the_manual_dispatch_again()
    {
        var order = await ArriveAsync(Jd("JD-2008", extra: "\"dispatchMode\": \"manual\","));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": null, "candidateGroups": ["dispatchers"], "assignmentReason": "no capacity"}""");
        await CompleteTaskAsync(order, "ManualDispatch", "{}", group: "dispatchers");
        await CompleteTaskAsync(order, "ManualDispatch", """{"technician": "nina"}""", group: "dispatchers");
        (await OpenTasksAsync(order)).ShouldHaveSingleItem().Assignee.ShouldBe("nina");
    }

    [Test]
    public async Task A_tmall_order_without_order_lines_goes_to_review_instead_of_running_with_nothing()
    {
        var order = await ArriveAsync(Vars("""
            {"platform": "tmall", "order": {"tid": "TM-9", "buyer": {"nick": "b", "mobile": "+8613800000009"}, "receiver": {"city": "Hangzhou"},
             "service_type": "REPAIR", "service_network": "net-hz", "service_fee": 50}}
            """));
        (await OpenTasksAsync(order)).ShouldHaveSingleItem().ElementId.ShouldBe("ReviewOrder");
    }

    [Test]
    public async Task A_rescheduled_visit_tells_the_customer_the_new_date_and_opens_the_visit_again()
    {
        var order = await ArriveAsync(Jd("JD-2009"));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": "nina", "candidateGroups": [], "assignmentReason": "central"}""");
        await AcceptAsync(order, "nina");
        await CompleteTaskAsync(order, "Visit", """{"visitOutcome": "rescheduled", "appointmentDate": "2026-11-27T14:00:00+08:00"}""", assignee: "nina");

        var rescheduled = await TakeJobAsync(order, "sms", "Reschedule");
        rescheduled.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("APPOINTMENT_RESCHEDULED");
        rescheduled.Variables["smsParameters"]!["appointmentDate"]!.GetValue<string>().ShouldBe("2026-11-27T14:00:00+08:00");
        await CompleteJobAsync(rescheduled);
        var visit = (await OpenTasksAsync(order)).ShouldHaveSingleItem();
        visit.ElementId.ShouldBe("Visit");
        (await CountAsync("SELECT count(*) FROM user_task WHERE key = @k AND due_date = '2026-11-27T06:00:00Z'", new { k = visit.Key })).ShouldBe(1);
        await CompleteTaskAsync(order, "Visit", """{"visitReport": "repaired"}""", assignee: "nina");
        await CheckLocationAsync(order, "unchecked");
        (await TakeJobAsync(order, "verification-code", "SendCode")).ShouldNotBeNull();
    }

    [Test]
    public async Task Cancelling_the_service_cancels_the_open_visit_and_confirms_by_sms()
    {
        var order = await ArriveAsync(Jd("JD-2010"));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": "nina", "candidateGroups": [], "assignmentReason": "central"}""");
        await AcceptAsync(order, "nina");
        var visit = (await OpenTasksAsync(order)).ShouldHaveSingleItem();

        (await PublishAsync("service-cancelled", "JD-2010")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([order]);

        (await CountAsync("SELECT count(*) FROM user_task WHERE key = @k AND state = 'CANCELED'", new { k = visit.Key })).ShouldBe(1);
        var confirm = await TakeJobAsync(order, "sms", "ConfirmCancellation");
        confirm.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("CANCELLATION_CONFIRMED");
        confirm.Variables["recipient"]!.GetValue<string>().ShouldBe("+8613900000055");
        await CompleteJobAsync(confirm);
        (await StateAsync(order)).ShouldBe("COMPLETED");
        (await VariablesAsync(order))["fulfilmentStatus"]!.GetValue<string>().ShouldBe("cancelled");
    }

    [Test]
    public async Task The_acceptance_sla_reminds_at_50_warns_at_75_and_sends_the_order_back_to_dispatch_at_100_percent()
    {
        var order = await ArriveAsync(Jd("JD-2004", extra: "\"acceptanceSla\": \"PT1H\","));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": "nina", "candidateGroups": [], "assignmentReason": "central"}""");
        var timers = await TimersAsync(order);
        timers.Select(t => (t.ElementId, t.DueAt)).ShouldBe([
            ("AcceptanceAt50", StartTime.UtcDateTime.AddMinutes(30)), ("AcceptanceAt75", StartTime.UtcDateTime.AddMinutes(45)),
            ("AcceptanceOverdue", StartTime.UtcDateTime.AddHours(1))]);

        Clock.Advance(TimeSpan.FromMinutes(30));
        (await Engine.TriggerTimerAsync(timers[0].Key, CancellationToken.None)).Ok.ShouldBeTrue();
        var remind = await TakeJobAsync(order, "sms", "RemindTechnician");
        remind.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("ACCEPTANCE_REMINDER");
        remind.Variables["recipient"]!.GetValue<string>().ShouldBe("nina");
        await CompleteJobAsync(remind);
        Clock.Advance(TimeSpan.FromMinutes(15));
        (await Engine.TriggerTimerAsync(timers[1].Key, CancellationToken.None)).Ok.ShouldBeTrue();
        var warn = await TakeJobAsync(order, "http", "NotifyDispatchers");
        warn.Variables["httpRequestBody"]!["text"]!["content"]!.GetValue<string>()
            .ShouldBe("Service order JD-2004 is at 75 % of its acceptance SLA, still not accepted by nina");
        await CompleteJobAsync(warn);
        (await OpenTasksAsync(order)).ShouldHaveSingleItem().ElementId.ShouldBe("Accept", "the warnings do not interrupt");

        Clock.Advance(TimeSpan.FromMinutes(15));
        (await Engine.TriggerTimerAsync(timers[2].Key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await OpenTasksAsync(order)).ShouldHaveSingleItem().ElementId.ShouldBe("ManualDispatch");
        (await TimersAsync(order)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_sampled_follow_up_call_with_an_exception_freezes_the_fee_and_opens_after_sales()
    {
        var order = await ArriveAsync(Jd("JD-2005", extra: "\"followUpSampled\": true, \"dispatchMode\": \"manual\","));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": "nina", "candidateGroups": [], "assignmentReason": "central"}""");
        await CompleteTaskAsync(order, "ManualDispatch", """{"technician": "nina"}""", group: "dispatchers");
        await AcceptAsync(order, "nina");
        await VisitAndVerifyAsync(order, "nina", wrongFirst: false);

        (await TimersAsync(order)).ShouldHaveSingleItem().ElementId.ShouldBe("AuditEndsFirst");
        await CompleteTaskAsync(order, "FollowUpCall", """{"followUpResult": "exception", "followUpNotes": "heater leaks"}""", group: "quality");

        // After-sales is a demand in this product, started once per order (the business key).
        var afterSales = await TakeJobAsync(order, "start-process", "OpenAfterSales");
        afterSales.CustomHeaders["bpmnProcessId"]!.GetValue<string>().ShouldBe("demand-ticket");
        afterSales.Variables["businessKey"]!.GetValue<string>().ShouldBe("AS-JD-2005");
        var demand = afterSales.Variables["startVariables"]!;
        demand["demandId"]!.GetValue<string>().ShouldBe("AS-JD-2005");
        demand["scenario"]!["orderId"]!.GetValue<string>().ShouldBe("JD-2005");
        demand["scenario"]!["defectType"]!.GetValue<string>().ShouldBe("follow-up exception: heater leaks");
        demand["afterSales"]!["technician"]!.GetValue<string>().ShouldBe("nina");
        demand["customer"]!["phone"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        await CompleteJobAsync(afterSales, """{"started": true, "businessKey": "AS-JD-2005", "startedInstanceKey": "42"}""");

        (await StateAsync(order)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(order);
        variables["feeStatus"]!.GetValue<string>().ShouldBe("frozen");
        variables["fulfilmentStatus"]!.GetValue<string>().ShouldBe("after-sales");
        variables["afterSalesDemandId"]!.GetValue<string>().ShouldBe("AS-JD-2005");
        variables["afterSalesStarted"]!.GetValue<bool>().ShouldBeTrue();
        (await HistoryAsync(order)).ShouldNotContain("ReleaseFee");
    }

    [Test]
    public async Task Three_wrong_codes_freeze_the_fee()
    {
        var order = await ArriveAsync(Jd("JD-2006"));
        await CompleteJobAsync(await TakeJobAsync(order, "assign", "CheckCapacity"), """{"assignee": "nina", "candidateGroups": [], "assignmentReason": "central"}""");
        await AcceptAsync(order, "nina");
        await CompleteTaskAsync(order, "Visit", """{"visitReport": "done"}""", assignee: "nina");
        await CheckLocationAsync(order, "unchecked");
        await CompleteJobAsync(await TakeJobAsync(order, "verification-code", "SendCode"), """{"verificationCodeHash": "v1:x"}""");
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await CompleteTaskAsync(order, "EnterCode", """{"enteredCode": "111111"}""", assignee: "nina");
            await CompleteJobAsync(await TakeJobAsync(order, "verification-code", "CheckCode"), """{"codeVerified": false}""");
        }

        var afterSales = await TakeJobAsync(order, "start-process", "OpenAfterSales");
        afterSales.Variables["startVariables"]!["afterSales"]!["reason"]!.GetValue<string>().ShouldBe("verification failed after 3 attempts");
    }

    /// <summary>Publishes the platform's order as the sales adapter does; the message start creates the instance.</summary>
    private async Task<long> ArriveAsync(JsonObject variables)
    {
        var before = await InstancesOfAsync("service-fulfilment");
        var published = await PublishAsync("service-order-received", Guid.NewGuid().ToString("N"), variables);
        published.Ok.ShouldBeTrue(published.Message);
        var order = (await InstancesOfAsync("service-fulfilment")).Except(before).ShouldHaveSingleItem();
        (await IncidentsAsync(order)).ShouldBeEmpty();
        return order;
    }

    /// <summary>The technician accepts with an appointment; the customer gets APPOINTMENT_CONFIRMED.</summary>
    private async Task AcceptAsync(long order, string technician)
    {
        await CompleteTaskAsync(order, "Accept", """{"accepted": true, "appointmentDate": "2026-11-25T10:00:00+08:00"}""", assignee: technician);
        var confirm = await TakeJobAsync(order, "sms", "ConfirmAppointment");
        confirm.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("APPOINTMENT_CONFIRMED");
        confirm.Variables["smsParameters"]!["technician"]!.GetValue<string>().ShouldBe(technician);
        confirm.Variables["recipient"]!.GetValue<string>().ShouldStartWith("+86");
        await CompleteJobAsync(confirm);
    }

    private async Task VisitAndVerifyAsync(long order, string technician, bool wrongFirst)
    {
        await CompleteTaskAsync(order, "Visit", """{"visitReport": "installed"}""", assignee: technician);
        await CheckLocationAsync(order, "unchecked");
        var send = await TakeJobAsync(order, "verification-code", "SendCode");
        send.CustomHeaders["action"]!.GetValue<string>().ShouldBe("issue");
        send.CustomHeaders["codeTemplateId"]!.GetValue<string>().ShouldBe("VERIFICATION_CODE");
        send.Variables["recipient"]!.GetValue<string>().ShouldStartWith("+86");
        await CompleteJobAsync(send, """{"verificationCodeHash": "v1:hash", "smsMessageId": "m-1", "smsStatus": "SENT"}""");
        if (wrongFirst)
        {
            await CompleteTaskAsync(order, "EnterCode", """{"enteredCode": "000000"}""", assignee: technician);
            var wrong = await TakeJobAsync(order, "verification-code", "CheckCode");
            wrong.Variables["enteredCode"]!.GetValue<string>().ShouldBe("000000");
            wrong.Variables["verificationCodeHash"]!.GetValue<string>().ShouldBe("v1:hash");
            await CompleteJobAsync(wrong, """{"codeVerified": false}""");
        }
        var serviceOrderId = (await VariablesAsync(order))["serviceOrderId"]!.GetValue<string>();
        await CompleteTaskAsync(order, "EnterCode", $$"""{"enteredCode": "123456", "photoUrl": "https://photos.example/{{serviceOrderId}}.jpg"}""", assignee: technician);
        await CompleteJobAsync(await TakeJobAsync(order, "verification-code", "CheckCode"), """{"codeVerified": true}""");
        var survey = await TakeJobAsync(order, "sms", "Survey");
        survey.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("FULFILMENT_SURVEY");
        survey.Variables["smsParameters"]!["technician"]!.GetValue<string>().ShouldBe(technician);
        await CompleteJobAsync(survey);
    }

    /// <summary>The POI check after the visit, answered as the handler would (PoiCheckTests run the real one).</summary>
    private async Task<ActivatedJob> CheckLocationAsync(long order, string result)
    {
        var check = await TakeJobAsync(order, "poi-check", "CheckLocation");
        check.CustomHeaders["radiusMeters"]!.GetValue<string>().ShouldBe("500");
        await CompleteJobAsync(check, $$$"""{"poiCheck": {"result": "{{{result}}}", "radiusMeters": 500}}""");
        return check;
    }

    private async Task CompleteTaskAsync(long order, string elementId, string variables, string? assignee = null, string? group = null)
    {
        (await IncidentsAsync(order)).ShouldBeEmpty();
        var task = (await OpenTasksAsync(order)).ShouldHaveSingleItem($"one open task, {elementId}");
        task.ElementId.ShouldBe(elementId);
        task.Assignee.ShouldBe(assignee);
        if (group is not null)
        {
            (await CandidateGroupsAsync(task.Key)).ShouldBe([group]);
        }
        var result = await Engine.CompleteUserTaskAsync(task.Key, Vars(variables), task.Version, assignee, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }

    private async Task<string[]> CandidateGroupsAsync(long taskKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<string[]>(connection, "SELECT candidate_groups FROM user_task WHERE key = @taskKey", new { taskKey }) ?? [];
    }

    /// <summary>JSON equality whatever the key order (jsonb keeps its own).</summary>
    private static void ShouldBeJson(JsonNode? actual, string expected, string? because = null) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).ShouldBeTrue($"{actual?.ToJsonString()} should be {expected} {because}");

    private async Task<ActivatedJob> TakeJobAsync(long order, string type, string elementId)
    {
        (await IncidentsAsync(order)).ShouldBeEmpty();
        var job = (await ActivateAsync(type, 100)).Where(j => j.ProcessInstanceKey == order).ToList().ShouldHaveSingleItem($"one {type} job ({elementId})");
        job.ElementId.ShouldBe(elementId);
        return job;
    }

    private async Task CompleteJobAsync(ActivatedJob job, string? variables = null)
    {
        var result = await Engine.CompleteJobAsync(job.Key, variables is null ? null : Vars(variables), CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }
}
