using System.Text.Json.Nodes;
using System.Xml.Linq;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Tests.Shipped;

/// <summary>Everything the host deploys at start-up from Definitions/ reads and validates: a broken file would be skipped.</summary>
public sealed class DefinitionsFolderTests
{
    private static IEnumerable<string> Models() => ShippedDefinitions.Files(".bpmn");

    private static IEnumerable<string> Forms() => ShippedDefinitions.Files(".form");

    private static IEnumerable<string> Decisions() => ShippedDefinitions.Files(".dmn");

    [Test]
    public void The_shipped_models_and_forms_are_there()
    {
        Models().ShouldContain("demand-ticket.bpmn");
        Models().ShouldContain("sla-escalation.bpmn");
        Models().ShouldContain("exception-order.bpmn");
        Models().ShouldContain("monthly-settlement.bpmn");
        Models().ShouldContain("service-fulfilment.bpmn");
        Forms().ShouldContain("demand-work-ticket.form");
        Forms().ShouldContain("exception-update.form");
        ShippedDefinitions.Files(".dmn").ShouldContain("sla-targets.dmn");
    }

    [TestCaseSource(nameof(Decisions))]
    public void Decision_file_reads_without_problems_and_draws_every_decision(string name)
    {
        var result = Processes.Engine.Dmn.DmnReader.Read(File.ReadAllBytes(Path.Combine(ShippedDefinitions.Directory, name)));

        result.Problems.ShouldBeEmpty(string.Join("\n", result.Problems));
        var drawn = XDocument.Parse(ShippedDefinitions.Text(name)).Descendants()
            .Where(e => e.Name.LocalName == "DMNShape").Select(e => (string?)e.Attribute("dmnElementRef")).ToHashSet();
        result.Requirements!.Decisions.Where(d => !drawn.Contains(d.Id)).ShouldBeEmpty("decisions dmn-js would not draw");
    }

    [Test]
    public void The_sla_targets_decision_is_a_first_hit_table_of_tier_and_entrance()
    {
        var decision = Processes.Engine.Dmn.DmnReader.Read(File.ReadAllBytes(Path.Combine(ShippedDefinitions.Directory, "sla-targets.dmn")))
            .Requirements!.Find("sla-targets").ShouldNotBeNull();
        decision.Name.ShouldBe("SLA targets per customer tier");
        var table = decision.Logic.ShouldBeOfType<Processes.Engine.Dmn.DecisionTable>();
        table.HitPolicy.ShouldBe(Processes.Engine.Dmn.HitPolicy.First);
        table.Inputs.Select(i => i.Expression.Text).ShouldBe(["customer.tier", "entrance"]);
        table.Outputs.Select(o => o.Name).ShouldBe(["slaTarget", "firstResponseTarget", "demandDeadline", "priority"]);
        table.Rules[^1].InputEntries.Select(e => e.Text).ShouldAllBe(t => t == "-");
    }

    [TestCaseSource(nameof(Models))]
    public void Model_reads_and_validates_without_problems(string name)
    {
        var result = BpmnReader.Read(File.ReadAllBytes(Path.Combine(ShippedDefinitions.Directory, name)),
            new BpmnReadOptions { ExpressionChecker = FeelSyntaxChecker.Instance });

        result.Errors.ShouldBeEmpty(string.Join("\n", result.Errors));
        result.Warnings.ShouldBeEmpty(string.Join("\n", result.Warnings));
        result.Processes.ShouldNotBeEmpty();
        result.Processes.ShouldContain(p => p.Id == Path.GetFileNameWithoutExtension(name), "the process id is the file name");
    }

    [TestCaseSource(nameof(Models))]
    public void Model_has_a_diagram_shape_or_edge_for_every_element(string name)
    {
        XNamespace bpmn = "http://www.omg.org/spec/BPMN/20100524/MODEL";
        XNamespace di = "http://www.omg.org/spec/BPMN/20100524/DI";
        var document = XDocument.Parse(ShippedDefinitions.Text(name));
        var drawn = document.Descendants().Where(e => e.Name == di + "BPMNShape" || e.Name == di + "BPMNEdge")
            .Select(e => (string?)e.Attribute("bpmnElement")).ToHashSet();
        var elements = document.Root!.Elements(bpmn + "process").SelectMany(p => p.Descendants())
            .Where(e => e.Name.Namespace == bpmn && e.Attribute("id") is not null && e.Parent!.Name.LocalName is "process" or "subProcess")
            .Select(e => (string)e.Attribute("id")!).ToList();

        elements.ShouldNotBeEmpty();
        elements.Where(id => !drawn.Contains(id)).ShouldBeEmpty("elements the Modeler would not draw");
    }

    [TestCaseSource(nameof(Forms))]
    public void Form_is_a_form_js_schema_with_components(string name)
    {
        var form = JsonNode.Parse(ShippedDefinitions.Text(name))!.AsObject();

        form["type"]!.GetValue<string>().ShouldBe("default");
        form["id"]!.GetValue<string>().ShouldBe(Path.GetFileNameWithoutExtension(name));
        form["schemaVersion"]!.GetValue<int>().ShouldBeGreaterThan(0);
        var components = form["components"]!.AsArray();
        components.ShouldNotBeEmpty();
        foreach (var component in components)
        {
            component!["type"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
            component["id"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        }
    }

    [Test]
    public void Every_form_a_shipped_user_task_refers_to_is_shipped()
    {
        var forms = Forms().Select(Path.GetFileNameWithoutExtension).ToHashSet();
        foreach (var name in Models())
        {
            var result = BpmnReader.Read(File.ReadAllBytes(Path.Combine(ShippedDefinitions.Directory, name)));
            foreach (var task in result.Processes.SelectMany(p => p.Elements.Values).OfType<Processes.Engine.Bpmn.Executable.ExecutableActivity>())
            {
                if (task.UserTask?.Form?.FormId is { } formId)
                {
                    forms.ShouldContain(formId, $"{name}: {task.Id}");
                }
            }
        }
    }
}
