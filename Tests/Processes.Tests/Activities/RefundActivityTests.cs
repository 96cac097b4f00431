using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Jobs;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Activities;

public sealed class RefundActivityTests : ActivityTest
{
    private FakeServer _api = null!;

    [SetUp]
    public async Task StartPaymentApi() => _api = await FakeServer.StartAsync();

    [TearDown]
    public async Task StopPaymentApi() => await _api.DisposeAsync();

    private Dictionary<string, string?> Settings(string threshold = "1000")
    {
        var settings = FastRetries("Refund");
        settings["Processes:Activities:Refund:BaseUrl"] = new Uri(_api.BaseUrl, "payments/v1").ToString();
        settings["Processes:Activities:Refund:AuthValue"] = "Bearer pay-secret";
        settings["Processes:Activities:Refund:ReviewThreshold"] = threshold;
        return settings;
    }

    private static string Refund(decimal amount, string orderId = "O-1", bool approved = false) =>
        $$"""{"amount": {{amount.ToString(CultureInfo.InvariantCulture)}}, "currency": "EUR", "orderId": "{{orderId}}", "reason": "damaged"{{(approved ? ", \"financeApproved\": true" : "")}}}""";

    [Test]
    public async Task A_re_run_after_a_crash_never_refunds_twice_at_the_payment_api()
    {
        var api = new IdempotentProvider((_, n) => new FakeAnswer(201, $$"""{"refundId": "r-{{n}}", "status": "PENDING"}"""));
        _api.Respond = api.Respond;
        var refund = Handler("refund", Settings());
        var job = Job("refund", Refund(49.90m));

        var first = Completed(await refund.HandleAsync(job, CancellationToken.None));
        var rerun = Completed(await refund.HandleAsync(job, CancellationToken.None));

        first["refundId"]!.GetValue<string>().ShouldBe("r-1");
        first["refundStatus"]!.GetValue<string>().ShouldBe("PENDING");
        rerun.ToJsonString().ShouldBe(first.ToJsonString());
        _api.Requests.Count.ShouldBe(1, "the local record answers the re-run");
        var request = _api.Requests.Single();
        request.Method.ShouldBe("POST");
        request.PathAndQuery.ShouldBe("/payments/v1/refunds");
        request.Header("Idempotency-Key").ShouldBe(job.Key.ToString(CultureInfo.InvariantCulture));
        request.Header("Authorization").ShouldBe("Bearer pay-secret");
        var body = JsonNode.Parse(request.Body)!;
        body["amount"]!.GetValue<decimal>().ShouldBe(49.90m);
        body["orderId"]!.GetValue<string>().ShouldBe("O-1");

        // Crash between the API call and the local record: the API sees the same key again and refunds nothing new.
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("DELETE FROM refund_sent WHERE job_key = @Key", new { job.Key });
        }
        Completed(await refund.HandleAsync(job, CancellationToken.None))["refundId"]!.GetValue<string>().ShouldBe("r-1");
        _api.Requests.Count.ShouldBe(2);
        api.Effects.ShouldBe(1, "one refund at the payment API");
    }

    [Test]
    public async Task A_business_decline_is_a_bpmn_error_with_the_api_code_and_transient_faults_are_retryable()
    {
        var refund = Handler("refund", Settings());

        _api.Respond = _ => new FakeAnswer(422, """{"code": "INSUFFICIENT_BALANCE", "message": "merchant balance too low"}""");
        var declined = Thrown(await refund.HandleAsync(Job("refund", Refund(10)), CancellationToken.None));
        declined.Code.ShouldBe("INSUFFICIENT_BALANCE");
        declined.Variables!["refundDeclineMessage"]!.GetValue<string>().ShouldBe("merchant balance too low");

        _api.Respond = _ => new FakeAnswer(422, "not json", "text/plain");
        Thrown(await refund.HandleAsync(Job("refund", Refund(10)), CancellationToken.None)).Code.ShouldBe("REFUND_DECLINED");

        _api.Requests.Clear();
        _api.Respond = _ => new FakeAnswer(502, "bad gateway");
        var down = Failed(await refund.HandleAsync(Job("refund", Refund(10)), CancellationToken.None));
        down.Retryable.ShouldBeTrue();
        _api.Requests.Count.ShouldBe(3, "the first attempt and two in-process retries");
        _api.Requests.Select(r => r.Header("Idempotency-Key")).Distinct().Count().ShouldBe(1, "every attempt carries the same key");

        _api.Respond = _ => new FakeAnswer(400, """{"error": "currency unknown"}""");
        Failed(await refund.HandleAsync(Job("refund", Refund(10)), CancellationToken.None)).Retryable.ShouldBeFalse();
    }

    [Test]
    public async Task A_payment_api_that_does_not_answer_in_time_is_a_retryable_failure()
    {
        var settings = Settings();
        settings["Processes:Activities:Refund:Retry:Timeout"] = "00:00:00.200";
        settings["Processes:Activities:Refund:Retry:MaxRetries"] = "1";
        var refund = Handler("refund", settings);
        _api.Respond = _ => new FakeAnswer(201, "{}", Delay: TimeSpan.FromSeconds(5));

        var job = Job("refund", Refund(10));

        var failed = Failed(await refund.HandleAsync(job, CancellationToken.None));

        failed.Retryable.ShouldBeTrue();
        failed.Message.ShouldContain("no answer within 0.2 s");
        _api.Requests.Count.ShouldBe(2);
        (await CountAsync("SELECT count(*) FROM refund_sent WHERE job_key = @Key", new { job.Key })).ShouldBe(0);
    }

    [Test]
    public async Task Above_the_threshold_a_refund_without_finance_approval_is_refused_with_REVIEW_REQUIRED_before_any_call()
    {
        var refund = Handler("refund", Settings(threshold: "500"));

        Thrown(await refund.HandleAsync(Job("refund", Refund(500.01m)), CancellationToken.None)).Code.ShouldBe("REVIEW_REQUIRED");
        Thrown(await refund.HandleAsync(Job("refund", Refund(100), """{"reviewThreshold": "50"}"""), CancellationToken.None)).Code
            .ShouldBe("REVIEW_REQUIRED", "a model's header lowers the threshold for its task");
        _api.Requests.ShouldBeEmpty();

        Completed(await refund.HandleAsync(Job("refund", Refund(500)), CancellationToken.None));
        Completed(await refund.HandleAsync(Job("refund", Refund(5000, approved: true)), CancellationToken.None));
        _api.Requests.Count.ShouldBe(2);
    }

    [Test]
    public async Task A_model_catches_ALREADY_REFUNDED_on_an_error_boundary_end_to_end()
    {
        await DeployAsync(Process("refund_declined",
            Start() + Task("refund", "refund") + End("refunded") +
            Boundary("alreadyRefunded", "refund", ErrorDef("errAlready")) + End("tellCustomer") +
            Flows("start->refund->refunded", "alreadyRefunded->tellCustomer"),
            root: Error("errAlready", "ALREADY_REFUNDED")));
        _api.Respond = _ => new FakeAnswer(422, """{"code": "ALREADY_REFUNDED", "message": "order O-9 was refunded on 2026-11-01"}""");
        var executor = new JobExecutor(RealEngine(), new JobHandlerRegistry([Handler("refund", Settings())]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var key = await StartAsync("refund_declined", Vars(Refund(20, "O-9")));

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", because: "the boundary catches the decline");
        var completed = await HistoryAsync(key);
        completed.ShouldContain("tellCustomer");
        completed.ShouldNotContain("refunded");
        (await IncidentsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_payment_api_outage_retries_the_job_until_the_refund_goes_through_once()
    {
        await DeployAsync(Process("refund_outage", Start() + Task("refund", "refund") + End() + Flows("start->refund->end")));
        var provider = new IdempotentProvider((_, n) => new FakeAnswer(201, $$"""{"refundId": "r-{{n}}"}"""));
        var down = true;
        _api.Respond = r => Volatile.Read(ref down) ? new FakeAnswer(503, "maintenance") : provider.Respond(r);
        var options = FastExecutor("node-a");
        options.BackOff = new RetryBackOff(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200), Jitter: 0);
        var executor = new JobExecutor(RealEngine(), new JobHandlerRegistry([Handler("refund", Settings())]), options);
        Run(executor.RunAsync);

        var key = await StartAsync("refund_outage", Vars(Refund(15, "O-outage")));
        await UntilAsync(async () => await ScalarAsync<int>("SELECT failures FROM job WHERE process_instance_key = @key", new { key }) >= 1,
            because: "the outage fails the first run retryably");
        (await IncidentsAsync(key)).ShouldBeEmpty();
        Volatile.Write(ref down, false);

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", because: "a later run gets through");
        (await VariablesAsync(key))["refundId"]!.GetValue<string>().ShouldBe("r-1");
        provider.Effects.ShouldBe(1);
    }

    /// <summary>The review pattern of the README: REVIEW_REQUIRED leads to a finance task, which a revocation interrupts.</summary>
    private static string ReviewModel() => Process("refund_review",
        Start() + Task("refund", "refund") + End("refunded") +
        Boundary("needsReview", "refund", ErrorDef("errReview")) +
        UserTask("financeReview", "<zeebe:assignmentDefinition candidateGroups=\"finance\" />") +
        Boundary("revoked", "financeReview", MessageDef("msgRevoked")) + End("revokedEnd") +
        Gateway("exclusiveGateway", "approved", "default=\"approved_rejectedEnd\"") + End("rejectedEnd") +
        ConditionalFlow("approved", "refund", "=financeApproved = true") +
        Flows("start->refund->refunded", "needsReview->financeReview->approved", "approved->rejectedEnd", "revoked->revokedEnd"),
        root: Error("errReview", "REVIEW_REQUIRED") + MessageWithKey("msgRevoked", "refund-revoked", "=orderId"));

    [Test]
    public async Task Above_the_threshold_finance_reviews_first_and_a_revocation_while_the_review_is_open_refunds_nothing()
    {
        await DeployAsync(ReviewModel());
        _api.Respond = _ => new FakeAnswer(201, """{"refundId": "r-big", "status": "PENDING"}""");
        var engine = RealEngine();
        var executor = new JobExecutor(engine, new JobHandlerRegistry([Handler("refund", Settings())]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var approvedKey = await StartAsync("refund_review", Vars(Refund(2500, "O-big")));
        var revokedKey = await StartAsync("refund_review", Vars(Refund(3000, "O-revoked")));
        await UntilAsync(async () => (await OpenTasksAsync(approvedKey)).Count == 1 && (await OpenTasksAsync(revokedKey)).Count == 1,
            because: "both refunds wait for finance");
        _api.Requests.ShouldBeEmpty();

        var review = (await OpenTasksAsync(approvedKey)).Single();
        var reviewed = await engine.CompleteUserTaskAsync(review.Key, Vars("""{"financeApproved": true}"""), null, null, CancellationToken.None);
        reviewed.Ok.ShouldBeTrue(reviewed.Message);
        (await engine.PublishMessageAsync("refund-revoked", "O-revoked", null, TimeSpan.Zero, null, CancellationToken.None)).Ok.ShouldBeTrue();

        await UntilAsync(async () => await StateAsync(approvedKey) == "COMPLETED" && await StateAsync(revokedKey) == "COMPLETED");
        (await VariablesAsync(approvedKey))["refundId"]!.GetValue<string>().ShouldBe("r-big");
        (await HistoryAsync(revokedKey)).ShouldContain("revokedEnd");
        _api.Requests.Count.ShouldBe(1, "only the approved refund reached the payment API");
        JsonNode.Parse(_api.Requests.Single().Body)!["orderId"]!.GetValue<string>().ShouldBe("O-big");
    }
}
