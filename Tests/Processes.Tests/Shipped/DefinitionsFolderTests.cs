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

    [Test]
    public void Every_shipped_user_task_has_a_form_so_the_inbox_can_complete_it_with_variables()
    {
        var missing = new List<string>();
        foreach (var name in Models())
        {
            var result = BpmnReader.Read(File.ReadAllBytes(Path.Combine(ShippedDefinitions.Directory, name)));
            missing.AddRange(result.Processes.SelectMany(p => p.Elements.Values).OfType<Processes.Engine.Bpmn.Executable.ExecutableActivity>()
                .Where(task => task.UserTask is not null && task.UserTask.Form?.FormId is null)
                .Select(task => $"{name}: {task.Id}"));
        }
        missing.ShouldBeEmpty();
    }

    [TestCase("exception-finance-review", "refundApproved", "checkbox")]
    [TestCase("exception-finance-review", "financeReviewNote", "textarea")]
    [TestCase("exception-follow-up", "followUpNote", "textarea")]
    [TestCase("service-order-review", "orderReviewRejected", "checkbox")]
    [TestCase("service-order-review", "orderReviewNotes", "textarea")]
    public void A_new_form_sets_the_variable_its_model_reads(string form, string key, string type)
    {
        var components = JsonNode.Parse(ShippedDefinitions.Text(form + ".form"))!["components"]!.AsArray();
        components.ShouldContain(c => c!["key"] != null && c["key"]!.GetValue<string>() == key && c["type"]!.GetValue<string>() == type);
    }

    [Test]
    public void The_order_review_form_writes_every_field_the_usable_check_reads_under_serviceOrder()
    {
        var group = JsonNode.Parse(ShippedDefinitions.Text("service-order-review.form"))!["components"]!.AsArray()
            .Single(c => c!["path"]?.GetValue<string>() == "serviceOrder")!;
        var keys = Keys(group).ToList();
        keys.ShouldBe(["id", "platform", "serviceType", "network", "fee", "merchantReview", "address", "customer.id", "customer.phone",
            "customer.city", "customer.tier", "items.sku", "items.name", "items.quantity", "items.serviceable"]);

        static IEnumerable<string> Keys(JsonNode node) => node["components"]!.AsArray().SelectMany(c => c!["path"] is { } path
            ? Keys(c).Select(k => path.GetValue<string>() + "." + k)
            : [c["key"]!.GetValue<string>()]);
    }
}
