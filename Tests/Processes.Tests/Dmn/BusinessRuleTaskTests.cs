using System.Text;
using Dapper;
using Processes.Engine.Deployment;
using Processes.Tests.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Dmn;

/// <summary>Business-rule tasks with zeebe:calledDecision: the engine evaluates the decision and completes the task.</summary>
public sealed class DmnBusinessRuleTaskTests : EngineTest
{
    private static string RuleTask(string id, string decisionId, string resultVariable, string extra = "") =>
        $"<bpmn:businessRuleTask id=\"{id}\"><bpmn:extensionElements><zeebe:calledDecision decisionId=\"{decisionId}\" resultVariable=\"{resultVariable}\" />{extra}</bpmn:extensionElements></bpmn:businessRuleTask>";

    private static string Tiers(string vipPriority = "80") => DmnText.File(DmnText.Table("brt-tiers", "FIRST", ["customer.tier"], ["slaTarget", "priority"],
        [["\"VIP\"", "\"PT4H\"", vipPriority], ["-", "\"PT8H\"", "50"]]), id: "brt-tiers-drg");

    private async Task DeployDecisionAsync(string xml, string name)
    {
        var result = await new DeploymentService(DataSource, Definitions).DeployAsync([new DeploymentResource(name, Encoding.UTF8.GetBytes(xml))], CancellationToken.None);
        result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString());
    }

    [Test]
    public async Task The_task_evaluates_the_decision_sets_the_result_variable_and_completes()
    {
        await DeployDecisionAsync(Tiers(), "tiers.dmn");
        await DeployAsync(Process("brt-ok", Start() + RuleTask("decide", "brt-tiers", "targets") + Task("work", "brt-ok-work") + End() +
            Flows("start->decide->work->end")));

        var key = await StartAsync("brt-ok", Vars("""{"customer": {"tier": "VIP"}}"""));

        (await ActiveElementsAsync(key)).ShouldBe(["work"]);
        var targets = (await VariablesAsync(key))["targets"]!.AsObject();
        targets["slaTarget"]!.GetValue<string>().ShouldBe("PT4H");
        targets["priority"]!.GetValue<decimal>().ShouldBe(80);
        await using var connection = await DataSource.OpenConnectionAsync();
        var details = await connection.QuerySingleAsync<string>(
            "SELECT details::text FROM execution_history WHERE process_instance_key = @key AND event = 'DECISION_EVALUATED'", new { key });
        details.ShouldContain("\"decisionId\": \"brt-tiers\"");
        details.ShouldContain("\"version\": 1");
        details.ShouldContain("\"matchedRules\": [\"brt-tiers-r1\"]");
    }

    [Test]
    public async Task The_decision_id_may_be_an_expression_and_output_mappings_apply_to_the_result()
    {
        await DeployDecisionAsync(Tiers(), "tiers.dmn");
        await DeployAsync(Process("brt-expr", Start() +
            RuleTask("decide", "=decisionName", "targets", Io(Input("=tier", "customer.tier"), Output("=targets.priority", "priority"))) + End() +
            Flows("start->decide->end")));

        var key = await StartAsync("brt-expr", Vars("""{"decisionName": "brt-tiers", "tier": "regular"}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(key);
        variables["priority"]!.GetValue<decimal>().ShouldBe(50);
        variables.ContainsKey("targets").ShouldBeFalse("with output mappings only the mapped variables leave the task");
    }

    [Test]
    public async Task A_decision_that_is_not_deployed_raises_an_incident_and_resolving_after_deploying_it_completes_the_task()
    {
        await DeployAsync(Process("brt-missing", Start() + RuleTask("decide", "brt-later", "result") + End() + Flows("start->decide->end")));
        var key = await StartAsync("brt-missing", Vars("""{"x": 5}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("CALLED_DECISION_ERROR");
        incident.Message.ShouldContain("'brt-later'");
        incident.ElementId.ShouldBe("decide");

        await DeployDecisionAsync(DmnText.File(DmnText.Literal("brt-later", "x * 2"), id: "brt-later-drg"), "later.dmn");
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["result"]!.GetValue<decimal>().ShouldBe(10);
    }

    [Test]
    public async Task Two_matches_of_a_unique_table_raise_an_incident_naming_the_decision_and_rules_and_a_fixed_version_resolves_it()
    {
        string Table(string second) => DmnText.File(DmnText.Table("brt-unique", "UNIQUE", ["amount"], ["band"],
            [["> 10", "\"big\""], [second, "\"huge\""]]), id: "brt-unique-drg");
        await DeployDecisionAsync(Table("> 100"), "unique.dmn");
        await DeployAsync(Process("brt-unique", Start() + RuleTask("decide", "brt-unique", "band") + End() + Flows("start->decide->end")));
        var key = await StartAsync("brt-unique", Vars("""{"amount": 500}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("DECISION_EVALUATION_ERROR");
        incident.Message.ShouldContain("decision 'brt-unique'");
        incident.Message.ShouldContain("rule 'brt-unique-r1' (row 1)");
        incident.Message.ShouldContain("rule 'brt-unique-r2' (row 2)");

        await DeployDecisionAsync(Table("> 1000"), "unique.dmn");
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["band"]!.GetValue<string>().ShouldBe("big");
    }

    [Test]
    public async Task A_table_without_a_matching_rule_gives_null()
    {
        await DeployDecisionAsync(DmnText.File(DmnText.Table("brt-none", "UNIQUE", ["x"], ["y"], [["> 10", "1"]]), id: "brt-none-drg"), "none.dmn");
        await DeployAsync(Process("brt-none", Start() + RuleTask("decide", "brt-none", "y") + End() + Flows("start->decide->end")));

        var key = await StartAsync("brt-none", Vars("""{"x": 1}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(key);
        variables.ContainsKey("y").ShouldBeTrue();
        variables["y"].ShouldBeNull();
    }
}
