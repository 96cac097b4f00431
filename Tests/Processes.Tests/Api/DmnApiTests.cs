using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Dmn;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>Decisions over Camunda's v2 API: deployment response, evaluation, search and XML, on real PostgreSQL.</summary>
public sealed class DmnApiTests : DatabaseTest
{
    private static readonly string Decisions = DmnText.File(string.Join("\n",
        DmnText.Table("api-tier", "FIRST", ["amount"], ["tier"], [[">= 1000", "\"gold\""], ["-", "\"basic\""]]),
        DmnText.Table("api-discount", "UNIQUE", ["api-tier", "amount"], ["discount", "reason"],
            [["\"gold\"", "-", "10", "\"gold tier\""], ["\"basic\"", ">= 100", "5", "\"big order\""], ["\"basic\"", "< 100", "0", "\"none\""]],
            requires: DmnText.Requires("api-tier"))), id: "api-drg");

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _designer = null!;
    private HttpClient _agent = null!;

    [OneTimeSetUp]
    public async Task CreateUsers()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _designer = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        _agent = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        var deployed = await IdentityHost.DeployAsync(_designer, "discounts.dmn", Decisions);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _designer.Dispose();
        _agent.Dispose();
        await _host.DisposeAsync();
    }

    [Test]
    public async Task The_deployment_lists_decisions_and_decision_requirements_as_camunda_does()
    {
        var response = await IdentityHost.DeployAsync(_designer, "discounts.dmn", Decisions);
        var deployments = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deployments").EnumerateArray().ToList();

        var decisions = deployments.Where(d => d.TryGetProperty("decisionDefinition", out _)).Select(d => d.GetProperty("decisionDefinition")).ToList();
        decisions.Select(d => d.GetProperty("decisionDefinitionId").GetString()).ShouldBe(["api-tier", "api-discount"]);
        var discount = decisions[1];
        discount.GetProperty("version").GetInt32().ShouldBe(1, "unchanged content keeps its version");
        discount.GetProperty("name").GetString().ShouldBe("api-discount decision");
        discount.GetProperty("decisionRequirementsId").GetString().ShouldBe("api-drg");
        discount.GetProperty("decisionDefinitionKey").ValueKind.ShouldBe(JsonValueKind.String);
        discount.GetProperty("decisionRequirementsKey").ValueKind.ShouldBe(JsonValueKind.String);
        discount.GetProperty("tenantId").GetString().ShouldBe("<default>");
        discount.TryGetProperty("processDefinition", out _).ShouldBeFalse("each item carries only what it is");
        var drg = deployments.Single(d => d.TryGetProperty("decisionRequirements", out _)).GetProperty("decisionRequirements");
        drg.GetProperty("decisionRequirementsId").GetString().ShouldBe("api-drg");
        drg.GetProperty("decisionRequirementsName").GetString().ShouldBe("Test decisions");
        drg.GetProperty("resourceName").GetString().ShouldBe("discounts.dmn");
        drg.GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Test]
    public async Task Evaluation_by_id_answers_output_and_every_evaluated_decision_with_its_matched_rules()
    {
        var result = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/evaluation",
            new { decisionDefinitionId = "api-discount", variables = new { amount = 250 } });

        result.GetProperty("decisionDefinitionId").GetString().ShouldBe("api-discount");
        result.GetProperty("decisionDefinitionVersion").GetInt32().ShouldBe(1);
        result.GetProperty("decisionRequirementsId").GetString().ShouldBe("api-drg");
        var output = JsonDocument.Parse(result.GetProperty("output").GetString()!).RootElement;
        output.GetProperty("discount").GetDecimal().ShouldBe(5);
        output.GetProperty("reason").GetString().ShouldBe("big order");
        result.GetProperty("failureMessage").GetString().ShouldBe("", "8.8 requires the field; Camunda sends it empty when nothing failed");
        result.GetProperty("decisionEvaluationKey").GetString().ShouldNotBeNullOrEmpty();
        var evaluated = result.GetProperty("evaluatedDecisions").EnumerateArray().ToList();
        evaluated.Select(e => e.GetProperty("decisionDefinitionId").GetString()).ShouldBe(["api-tier", "api-discount"]);
        evaluated[0].GetProperty("output").GetString().ShouldBe("\"basic\"");
        evaluated[1].GetProperty("decisionDefinitionType").GetString().ShouldBe("DECISION_TABLE");
        var rule = evaluated[1].GetProperty("matchedRules").EnumerateArray().ShouldHaveSingleItem();
        rule.GetProperty("ruleId").GetString().ShouldBe("api-discount-r2");
        rule.GetProperty("ruleIndex").GetInt32().ShouldBe(2);
        rule.GetProperty("evaluatedOutputs").EnumerateArray().Select(o => (o.GetProperty("outputName").GetString(), o.GetProperty("outputValue").GetString()))
            .ShouldBe([("discount", "5"), ("reason", "\"big order\"")]);
        evaluated[1].GetProperty("evaluatedInputs").EnumerateArray().Select(i => i.GetProperty("inputValue").GetString()).ShouldBe(["\"basic\"", "250"]);
    }

    [Test]
    public async Task Evaluation_by_key_and_a_failing_decision_report_the_failure_like_camunda()
    {
        var search = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/search", new { filter = new { decisionDefinitionId = "api-tier" } });
        var key = search.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("decisionDefinitionKey").GetString();

        var byKey = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/evaluation", new { decisionDefinitionKey = key, variables = new { amount = 5000 } });
        byKey.GetProperty("output").GetString().ShouldBe("\"gold\"");

        var failed = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/evaluation",
            new { decisionDefinitionId = "api-discount", variables = new { amount = "lots" } });
        failed.GetProperty("failedDecisionDefinitionId").GetString().ShouldBe("-", "no rule of the basic tier matches a string: null, not a failure");
        failed.GetProperty("failureMessage").GetString().ShouldBe("");
        failed.GetProperty("output").GetString().ShouldBe("null");
    }

    [Test]
    public async Task An_evaluation_that_fails_answers_the_failed_decision_and_why()
    {
        var ambiguous = DmnText.File(DmnText.Table("api-ambiguous", "UNIQUE", ["x"], ["y"], [["> 1", "1"], ["> 2", "2"]]), id: "api-ambiguous-drg");
        (await IdentityHost.DeployAsync(_designer, "ambiguous.dmn", ambiguous)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var failed = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/evaluation", new { decisionDefinitionId = "api-ambiguous", variables = new { x = 5 } });

        failed.GetProperty("failedDecisionDefinitionId").GetString().ShouldBe("api-ambiguous");
        failed.GetProperty("failureMessage").GetString()!.ShouldContain("rule 'api-ambiguous-r1' (row 1), rule 'api-ambiguous-r2' (row 2)");
        failed.GetProperty("output").GetString().ShouldBe("null");
    }

    [Test]
    public async Task Bad_evaluation_requests_are_refused_naming_the_field()
    {
        var noDecision = await _agent.PostAsJsonAsync("/v2/decision-definitions/evaluation", new { variables = new { } });
        noDecision.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noDecision.Content.ReadAsStringAsync()).ShouldContain("decisionDefinitionId");

        var badVariables = await _agent.PostAsJsonAsync("/v2/decision-definitions/evaluation", new { decisionDefinitionId = "api-tier", variables = new[] { 1 } });
        badVariables.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badVariables.Content.ReadAsStringAsync()).ShouldContain("variables must be a JSON object");

        var badKey = await _agent.PostAsJsonAsync("/v2/decision-definitions/evaluation", new { decisionDefinitionKey = "abc" });
        badKey.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badKey.Content.ReadAsStringAsync()).ShouldContain("decisionDefinitionKey 'abc'");

        var unknown = await _agent.PostAsJsonAsync("/v2/decision-definitions/evaluation", new { decisionDefinitionId = "nowhere" });
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("'nowhere'");
    }

    [Test]
    public async Task Search_filters_decisions_and_xml_returns_the_deployed_file()
    {
        var latest = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/search", new { filter = new { decisionRequirementsId = "api-drg", isLatestVersion = true } });
        var items = latest.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("decisionDefinitionId").GetString()).ShouldBe(["api-discount", "api-tier"]);
        latest.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(2);

        var xml = await _agent.GetAsync($"/v2/decision-definitions/{items[0].GetProperty("decisionDefinitionKey").GetString()}/xml");
        xml.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await xml.Content.ReadAsStringAsync()).ShouldBe(Decisions);
        (await _agent.GetAsync("/v2/decision-definitions/123/xml")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _agent.GetAsync("/v2/decision-definitions/x/xml")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Search_takes_filter_objects_and_sort_and_a_decision_is_read_by_key()
    {
        var all = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/search",
            new { filter = new { decisionRequirementsId = "api-drg" }, sort = new[] { new { field = "decisionDefinitionId", order = "DESC" } } });
        var items = all.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("decisionDefinitionId").GetString()).ShouldBe(["api-tier", "api-discount"]);
        var tierKey = items[0].GetProperty("decisionDefinitionKey").GetString();

        var byKey = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/search",
            new { filter = new { decisionDefinitionKey = new Dictionary<string, object> { ["$in"] = new[] { tierKey } } } });
        byKey.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("decisionDefinitionId").GetString().ShouldBe("api-tier");
        var notTier = await IdentityHost.PostAsync(_agent, "/v2/decision-definitions/search",
            new { filter = new { decisionRequirementsId = "api-drg", decisionDefinitionKey = new Dictionary<string, object> { ["$neq"] = tierKey! } } });
        notTier.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("decisionDefinitionId").GetString().ShouldBe("api-discount");

        var one = await _agent.GetFromJsonAsync<JsonElement>($"/v2/decision-definitions/{tierKey}");
        one.GetProperty("decisionRequirementsId").GetString().ShouldBe("api-drg");
        (await _agent.GetAsync("/v2/decision-definitions/999999")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var unknown = await _agent.PostAsJsonAsync("/v2/decision-definitions/search", new { filter = new { decisionId = "api-tier" } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("filter.decisionId");
    }

    [Test]
    public async Task A_broken_dmn_deployment_is_a_problem_listing_decision_and_line()
    {
        var broken = DmnText.File(DmnText.Table("api-broken", "SOMETIMES", ["x"], ["y"], [["-", "1"]]), id: "api-broken-drg");

        var response = await IdentityHost.DeployAsync(_designer, "broken.dmn", broken);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().ShouldHaveSingleItem();
        problem.GetProperty("resource").GetString().ShouldBe("broken.dmn");
        problem.GetProperty("elementId").GetString().ShouldBe("api-broken");
        problem.GetProperty("line").GetInt32().ShouldBe(4);
        problem.GetProperty("message").GetString()!.ShouldContain("'SOMETIMES'");
    }
}
