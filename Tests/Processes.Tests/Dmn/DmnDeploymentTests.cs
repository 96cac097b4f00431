using System.Text;
using Processes.Engine.Deployment;
using Processes.Engine.Dmn;
using Processes.Tests.Bpmn;
using Processes.Tests.Storage;

namespace Processes.Tests.Dmn;

/// <summary>Deploying .dmn files: validated with the BPMN files (all or nothing), versioned per decision id.</summary>
public sealed class DmnDeploymentTests : DatabaseTest
{
    private DeploymentService _service = null!;
    private DecisionDefinitions _decisions = null!;

    [SetUp]
    public void CreateService()
    {
        _service = new DeploymentService(DataSource, new ProcessDefinitions(DataSource));
        _decisions = new DecisionDefinitions(DataSource);
    }

    private static DeploymentResource Resource(string name, string xml) => new(name, Encoding.UTF8.GetBytes(xml));

    private static string Decisions(string prefix, string answer = "42") => DmnText.File(
        DmnText.Literal(prefix + "-answer", answer) + "\n" + DmnText.Literal(prefix + "-double", prefix + "-answer * 2", DmnText.Requires(prefix + "-answer")),
        id: prefix + "-drg");

    private async Task<DeploymentResult.Deployed> DeployAsync(params DeploymentResource[] resources)
    {
        var result = await _service.DeployAsync(resources, CancellationToken.None);
        return result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString());
    }

    [Test]
    public async Task A_dmn_file_deploys_its_decisions_and_its_decision_requirements()
    {
        var deployed = await DeployAsync(Resource("answers.dmn", Decisions("v")));

        deployed.Decisions.Select(d => (d.DecisionId, d.Version, d.IsDuplicate)).ShouldBe([("v-answer", 1, false), ("v-double", 1, false)]);
        deployed.Decisions.ShouldAllBe(d => d.DecisionRequirementsId == "v-drg" && d.ResourceName == "answers.dmn");
        var drg = deployed.DecisionRequirements.ShouldHaveSingleItem();
        (drg.DecisionRequirementsId, drg.Version, drg.Name).ShouldBe(("v-drg", 1, "Test decisions"));
        deployed.Decisions.ShouldAllBe(d => d.DecisionRequirementsKey == drg.DecisionRequirementsKey);
        var stored = await _decisions.FindLatestAsync("v-double", CancellationToken.None);
        stored!.DecisionDefinitionKey.ShouldBe(deployed.Decisions[1].DecisionDefinitionKey);
        stored.Name.ShouldBe("v-double decision");
    }

    [Test]
    public async Task Boxed_expressions_business_knowledge_models_and_decision_services_deploy_and_evaluate_from_the_stored_file()
    {
        var xml = DmnText.File(
            "<businessKnowledgeModel id=\"bx-fee\" name=\"Fee\"><encapsulatedLogic><formalParameter name=\"amount\" typeRef=\"number\"/>" +
            "<literalExpression><text>amount * 0.1</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>\n" +
            "<decision id=\"bx-total\" name=\"Total\"><variable name=\"Total\" typeRef=\"number\"/><context>" +
            "<contextEntry><variable name=\"fee\"/><invocation><literalExpression><text>Fee</text></literalExpression>" +
            "<binding><parameter name=\"amount\"/><literalExpression><text>price</text></literalExpression></binding></invocation></contextEntry>" +
            "<contextEntry><literalExpression><text>price + fee</text></literalExpression></contextEntry></context></decision>\n" +
            "<decisionService id=\"bx-service\" name=\"Pricing\"><outputDecision href=\"#bx-total\"/></decisionService>", id: "bx-drg");

        var deployed = await DeployAsync(Resource("boxed.dmn", xml));

        deployed.Decisions.ShouldHaveSingleItem().DecisionId.ShouldBe("bx-total");
        var stored = await _decisions.FindLatestAsync("bx-total", CancellationToken.None);
        var graph = await _decisions.GetGraphAsync(stored!, CancellationToken.None);
        graph.Model.Parts.KnowledgeModels.ShouldHaveSingleItem().Name.ShouldBe("Fee");
        graph.Model.Parts.Services.ShouldHaveSingleItem().Name.ShouldBe("Pricing");
        var result = DecisionEvaluator.Evaluate(graph.Model, graph.Model.Find("bx-total")!,
            new Processes.Engine.Feel.Evaluation.FeelContext().Set("price", new Processes.Engine.Feel.Values.FeelNumber(200)), DateTimeOffset.UtcNow);
        result.Failure.ShouldBeNull();
        result.Output.ToString().ShouldBe("220");
    }

    [Test]
    public async Task Unchanged_content_keeps_the_version_and_changed_content_gets_the_next()
    {
        var first = await DeployAsync(Resource("versions.dmn", Decisions("w")));
        var same = await DeployAsync(Resource("versions.dmn", Decisions("w")));
        var changed = await DeployAsync(Resource("versions.dmn", Decisions("w", answer: "43")));

        same.Decisions.ShouldAllBe(d => d.IsDuplicate && d.Version == 1);
        same.Decisions[0].DecisionDefinitionKey.ShouldBe(first.Decisions[0].DecisionDefinitionKey);
        same.DecisionRequirements[0].IsDuplicate.ShouldBeTrue();
        changed.Decisions.ShouldAllBe(d => !d.IsDuplicate && d.Version == 2);
        changed.DecisionRequirements[0].Version.ShouldBe(2);
        var latest = await _decisions.FindLatestAsync("w-answer", CancellationToken.None);
        latest!.Version.ShouldBe(2);
        var graph = await _decisions.GetGraphAsync(latest, CancellationToken.None);
        graph.Model.Find("w-answer")!.Logic.ShouldBeOfType<LiteralExpressionLogic>().Expression.Text.ShouldBe("43");
    }

    [Test]
    public async Task An_invalid_dmn_file_rejects_the_whole_deployment_with_decision_element_and_line()
    {
        var broken = DmnText.File(DmnText.Table("x-broken", "FIRST", ["amount"], ["band"], [["> 10", "\"big\""], ["-", "\"small"]]), id: "x-drg");

        var result = await _service.DeployAsync([Resource("good.bpmn", BpmnText.Around("<bpmn:task id=\"x\" />")), Resource("broken.dmn", broken)],
            CancellationToken.None);

        var rejected = result.ShouldBeOfType<DeploymentResult.Rejected>();
        var problem = rejected.Errors.ShouldHaveSingleItem();
        problem.ResourceName.ShouldBe("broken.dmn");
        problem.Problem.ElementId.ShouldBe("x-broken");
        problem.Problem.Line.ShouldBe(6);
        problem.Problem.Message.ShouldContain("Rule 'x-broken-r2' (row 2), output entry 1");
        rejected.Describe().ShouldContain("'broken.dmn':\n  - Error decision 'x-broken' (line 6");
        (await new ProcessDefinitions(DataSource).ListVersionsAsync("p", CancellationToken.None)).ShouldBeEmpty("nothing of a rejected deployment is stored");
    }

    [Test]
    public async Task A_decision_id_in_two_files_of_one_deployment_is_an_error()
    {
        var result = await _service.DeployAsync([Resource("a.dmn", Decisions("dup")), Resource("b.dmn", Decisions("dup").Replace("dup-drg", "other-drg", StringComparison.Ordinal))],
            CancellationToken.None);

        result.ShouldBeOfType<DeploymentResult.Rejected>().Errors.Select(e => e.Problem.Message)
            .ShouldContain(m => m.Contains("'dup-answer' is also defined in 'a.dmn'", StringComparison.Ordinal));
    }
}
