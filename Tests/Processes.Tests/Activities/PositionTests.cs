using System.Globalization;
using Processes.Activities.Assignment;

namespace Processes.Tests.Activities;

/// <summary>
/// Positions and permission limits: a refund within the requester's position limit needs no finance review, above it
/// goes to finance; central dispatch matches position, grade, outsourced staff and the tiers a position serves.
/// </summary>
public sealed class PositionTests : ActivityTest
{
    private FakeServer _api = null!;

    [SetUp]
    public async Task StartPaymentApi()
    {
        _api = await FakeServer.StartAsync();
        _api.Respond = _ => new FakeAnswer(201, """{"refundId": "r-1", "status": "REFUNDED"}""");
        var positions = new PositionStore(DataSource);
        await positions.SaveAsync(new AgentPosition("senior-agent", "Senior after-sales agent", ["refunds", "complaints"], ["VIP", "regular"], 500m),
            CancellationToken.None);
        await positions.SaveAsync(new AgentPosition("junior-agent", "After-sales agent", ["complaints"], ["regular"], 50m), CancellationToken.None);
        await positions.SaveAsync(new AgentPosition("trainee", "Trainee", [], [], null), CancellationToken.None);
        var agents = new AgentStore(DataSource);
        await agents.SaveAsync(Agent("sam", "senior-agent", "senior", outsourced: false), CancellationToken.None);
        await agents.SaveAsync(Agent("jo", "junior-agent", "junior", outsourced: true), CancellationToken.None);
        await agents.SaveAsync(Agent("tia", "trainee", "junior", outsourced: false), CancellationToken.None);
    }

    [TearDown]
    public async Task StopPaymentApi() => await _api.DisposeAsync();

    private static AgentProfile Agent(string name, string position, string grade, bool outsourced) =>
        new(name, ["after-sales"], ["Hangzhou"], ["zh"], ["VIP", "regular"], 10, true) { Position = position, Grade = grade, Outsourced = outsourced };

    private Dictionary<string, string?> Settings()
    {
        var settings = FastRetries("Refund");
        settings["Processes:Activities:Refund:BaseUrl"] = new Uri(_api.BaseUrl, "payments/v1").ToString();
        settings["Processes:Activities:Refund:ReviewThreshold"] = "1000";
        return settings;
    }

    private static string Refund(decimal amount, string? requestedBy) =>
        $$"""{"amount": {{amount.ToString(CultureInfo.InvariantCulture)}}, "currency": "CNY", "orderId": "O-{{amount}}", "reason": "damaged"{{(requestedBy is null ? "" : $", \"requestedBy\": \"{requestedBy}\"")}}}""";

    [Test]
    public async Task A_refund_within_the_requesters_position_limit_skips_finance_and_above_it_goes_to_finance()
    {
        var refund = Handler("refund", Settings());

        Completed(await refund.HandleAsync(Job("refund", Refund(500m, "sam")), CancellationToken.None))["refundStatus"]!.GetValue<string>().ShouldBe("REFUNDED");
        var above = Thrown(await refund.HandleAsync(Job("refund", Refund(500.01m, "sam")), CancellationToken.None));
        above.Code.ShouldBe("REVIEW_REQUIRED");
        above.Message!.ShouldContain("the refund limit of sam's position 500");

        Thrown(await refund.HandleAsync(Job("refund", Refund(60m, "JO")), CancellationToken.None)).Code.ShouldBe("REVIEW_REQUIRED",
            "a junior may grant 50 alone, whatever the case of the name");
        // A position without a limit, an unknown requester or none: the configured threshold (1000).
        Completed(await refund.HandleAsync(Job("refund", Refund(900m, "tia")), CancellationToken.None));
        Completed(await refund.HandleAsync(Job("refund", Refund(900m, "nobody")), CancellationToken.None));
        Thrown(await refund.HandleAsync(Job("refund", Refund(1000.5m, null)), CancellationToken.None)).Code.ShouldBe("REVIEW_REQUIRED");
        _api.Requests.Count.ShouldBe(3, "no call to the payment API for a refund waiting on finance");
    }

    [Test]
    public async Task Central_dispatch_matches_position_grade_outsourced_staff_and_the_tiers_a_position_serves()
    {
        var assign = Handler("assign", []);
        async Task<string?> AssigneeAsync(string needs) =>
            Completed(await assign.HandleAsync(Job("assign", needs, """{"mode": "central"}"""), CancellationToken.None))["assignee"]?.GetValue<string>();

        (await AssigneeAsync("""{"requiredSkills": ["after-sales"], "customerTier": "VIP", "position": "senior-agent"}""")).ShouldBe("sam");
        (await AssigneeAsync("""{"requiredSkills": ["after-sales"], "outsourced": true}""")).ShouldBe("jo");
        (await AssigneeAsync("""{"requiredSkills": ["after-sales"], "grade": "junior", "outsourced": false}""")).ShouldBe("tia");
        // jo's profile lists VIP, but the junior position serves regular customers only; tia's position names no tiers.
        var vip = Completed(await assign.HandleAsync(Job("assign", """{"requiredSkills": ["after-sales"], "customerTier": "VIP", "grade": "junior"}""",
            """{"mode": "central"}"""), CancellationToken.None));
        vip["assignee"]!.GetValue<string>().ShouldBe("tia");
        var none = Completed(await assign.HandleAsync(Job("assign", """{"requiredSkills": ["after-sales"], "customerTier": "VIP", "outsourced": true}""",
            """{"mode": "central"}"""), CancellationToken.None));
        none["assignee"].ShouldBeNull();
        none["assignmentReason"]!.GetValue<string>().ShouldContain("outsourced staff");
    }
}
