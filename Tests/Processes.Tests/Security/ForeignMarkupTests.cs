using System.Text;
using Dapper;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;
using Processes.Engine.Deployment;
using Processes.Engine.Dmn;
using Processes.Tests.Bpmn;
using Processes.Tests.Dmn;
using Processes.Tests.Shipped;
using Processes.Tests.Storage;

namespace Processes.Tests.Security;

/// <summary>
/// Deployment refuses what only a browser would act on: XHTML, script elements in any namespace, event-handler
/// attributes and javascript: URLs on foreign elements, xml-stylesheet instructions — in BPMN (diagram included) and
/// DMN — and active content in the text of form components. Every shipped file and shared sample still deploys, and a
/// file stored before the rule still runs.
/// </summary>
public sealed class ForeignMarkupTests : DatabaseTest
{
    private const string Xhtml = "http://www.w3.org/1999/xhtml";

    private DeploymentService _service = null!;
    private ProcessDefinitions _definitions = null!;

    [SetUp]
    public void CreateService()
    {
        _definitions = new ProcessDefinitions(DataSource);
        _service = new DeploymentService(DataSource, _definitions);
    }

    private static ModelProblem SingleError(BpmnReadResult result) => result.Errors.ShouldHaveSingleItem(string.Join("\n", result.Problems));

    private static string InExtension(string content) =>
        BpmnText.Around($"<bpmn:serviceTask id=\"x\"><bpmn:extensionElements><zeebe:taskDefinition type=\"work\" />{content}</bpmn:extensionElements></bpmn:serviceTask>");

    [Test]
    public void An_xhtml_script_is_refused_naming_the_element_its_line_the_rule_and_where_it_sits()
    {
        var problem = SingleError(BpmnReader.Read(HostileModels.ScriptInExtension("hostile")));

        problem.ElementType.ShouldBe("html:script");
        problem.Line.ShouldBe(HostileModels.ScriptLine);
        problem.Message.ShouldContain(ForeignMarkup.XhtmlRule);
        problem.Message.ShouldContain("userTask 'review'");
    }

    [TestCase("<x:script xmlns:x=\"urn:example\">run()</x:script>", "x:script", ForeignMarkup.ScriptRule)]
    [TestCase("<SCRIPT xmlns=\"urn:example\" />", "SCRIPT", ForeignMarkup.ScriptRule)]
    [TestCase("<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\" />", "svg:svg", ForeignMarkup.EventHandlerRule)]
    [TestCase("<x:link xmlns:x=\"urn:example\" href=\" java&#x09;script:alert(1)\" />", "x:link", ForeignMarkup.JavaScriptUrlRule)]
    [TestCase("<svg:animate xmlns:svg=\"http://www.w3.org/2000/svg\" attributeName=\"href\" values=\"https://x;JavaScript:alert(1)\" />", "svg:animate", ForeignMarkup.JavaScriptUrlRule)]
    [TestCase("<h:div xmlns:h=\"" + Xhtml + "\">text</h:div>", "h:div", ForeignMarkup.XhtmlRule)]
    public void Browser_markup_in_extension_elements_is_refused(string content, string element, string rule)
    {
        var problem = SingleError(BpmnReader.Read(InExtension(content)));

        problem.ElementType.ShouldBe(element);
        problem.Message.ShouldContain($"rule {rule}");
        problem.Message.ShouldContain("serviceTask 'x'");
        problem.Line.ShouldNotBeNull();
    }

    [Test]
    public void Markup_inside_the_diagram_is_refused_too_though_the_engine_never_reads_it()
    {
        var xml = BpmnText.Around(BpmnText.ServiceTask("x"), rootDefinitions: $"""
            <bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="diagram">
              <bpmndi:BPMNPlane id="plane" bpmnElement="p"><h:img xmlns:h="{Xhtml}" src="x" onerror="alert(1)" /></bpmndi:BPMNPlane>
            </bpmndi:BPMNDiagram>
            """);

        var result = BpmnReader.Read(xml);

        result.Errors.Select(e => e.ElementType).ShouldBe(["h:img", "h:img"], string.Join("\n", result.Problems));
        result.Errors.ShouldContain(e => e.Message.Contains(ForeignMarkup.XhtmlRule) && e.Message.Contains("BPMNPlane 'plane'"));
        result.Errors.ShouldContain(e => e.Message.Contains(ForeignMarkup.EventHandlerRule) && e.Message.Contains("'onerror'"));
    }

    [Test]
    public void An_xml_stylesheet_instruction_is_refused()
    {
        var xml = InExtension("").Replace("?>\n", "?>\n<?xml-stylesheet type=\"text/xsl\" href=\"/evil.xsl\"?>\n", StringComparison.Ordinal);

        var problem = SingleError(BpmnReader.Read(xml));

        problem.Message.ShouldContain(ForeignMarkup.StylesheetRule);
        problem.Line.ShouldBe(2);
    }

    /// <summary>Only markup a browser acts on is refused; any on… attribute of a foreign element counts as a handler.</summary>
    [Test]
    public void Extension_content_of_other_tools_without_active_markup_still_reads()
    {
        var result = BpmnReader.Read(InExtension("<x:owner xmlns:x=\"urn:example\" team=\"ops\" status=\"online\"><x:note>on call</x:note></x:owner>"));

        result.Errors.ShouldBeEmpty(string.Join("\n", result.Problems));
    }

    [Test]
    public void A_dmn_file_with_xhtml_in_a_description_is_refused_with_its_line()
    {
        var table = DmnText.Table("level", "UNIQUE", ["amount"], ["level"], [["> 100", "\"high\""]]);
        var xml = DmnText.File(table.Replace("<decisionTable", $"<description><h:b xmlns:h=\"{Xhtml}\" onclick=\"go()\">bold</h:b></description>\n<decisionTable",
            StringComparison.Ordinal));

        var read = DmnReader.Read(xml);

        read.Requirements.ShouldBeNull();
        var problems = read.Errors.ToList();
        problems.ShouldContain(p => p.ElementType == "h:b" && p.Message.Contains(ForeignMarkup.XhtmlRule) && p.Message.Contains("decision 'level'"));
        problems.ShouldAllBe(p => p.Line == 4);
    }

    [Test]
    public void A_file_stored_before_the_rule_still_reads_for_execution()
    {
        var stored = BpmnReader.Read(HostileModels.ScriptInExtension("older"), BpmnReadOptions.Default.ForStoredFile());

        stored.Errors.ShouldBeEmpty();
        stored.Processes.ShouldHaveSingleItem().Id.ShouldBe("older");
    }

    [Test]
    public async Task The_deployment_is_refused_all_or_nothing_and_an_older_deployment_of_such_a_file_still_runs()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var before = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM deployment");

        var result = await _service.DeployAsync([
            new("hostile.bpmn", Encoding.UTF8.GetBytes(HostileModels.ScriptInExtension("hostile"))),
            new("fine.bpmn", Encoding.UTF8.GetBytes(BpmnText.Around(BpmnText.ServiceTask("x")))),
        ], CancellationToken.None);

        var error = result.ShouldBeOfType<DeploymentResult.Rejected>().Errors.ShouldHaveSingleItem();
        (error.ResourceName, error.Problem.ElementType, error.Problem.Line).ShouldBe(("hostile.bpmn", "html:script", HostileModels.ScriptLine));
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM deployment")).ShouldBe(before);

        var key = await HostileModels.StoreAsOlderDeploymentAsync(DataSource, "older-hostile", "older.bpmn", HostileModels.ScriptInExtension("older-hostile"));
        (await _definitions.GetExecutableAsync(key, CancellationToken.None)).ShouldNotBeNull().Id.ShouldBe("older-hostile");
    }

    [TestCase("text", "text", "Hello <script>alert(1)</script>", FormMarkup.ActiveElementRule)]
    [TestCase("html", "content", "<iframe src=\"https://example.com\"></iframe>", FormMarkup.ActiveElementRule)]
    [TestCase("html", "content", "<object data=\"x.swf\"></object>", FormMarkup.ActiveElementRule)]
    [TestCase("html", "content", "<embed src=\"x.swf\">", FormMarkup.ActiveElementRule)]
    [TestCase("text", "text", "<img src=x onerror=alert(1)>", FormMarkup.EventHandlerRule)]
    [TestCase("text", "text", "[click me](javascript:alert(1))", FormMarkup.ScriptUrlRule)]
    [TestCase("text", "text", "<a href=\"JaVa Script:alert(1)\">x</a>", FormMarkup.ScriptUrlRule)]
    public async Task A_form_component_with_active_content_is_refused_naming_the_component(string type, string property, string value, string rule)
    {
        var component = new Dictionary<string, object> { ["type"] = type, ["id"] = "greeting", [property] = value };
        var json = System.Text.Json.JsonSerializer.Serialize(new
        {
            id = "hostile-form", type = "default",
            components = new object[] { new { type = "group", id = "outer", components = new object[] { component } } },
        });

        var result = await _service.DeployAsync([new("hostile.form", Encoding.UTF8.GetBytes(json))], CancellationToken.None);

        var error = result.ShouldBeOfType<DeploymentResult.Rejected>().Errors.ShouldHaveSingleItem();
        error.ResourceName.ShouldBe("hostile.form");
        (error.Problem.ElementId, error.Problem.ElementType).ShouldBe(("greeting", type));
        error.Problem.Message.ShouldContain($"rule {rule}");
        error.Problem.Message.ShouldContain($"'{property}'");
    }

    [Test]
    public async Task A_form_with_formatting_links_and_templates_deploys()
    {
        const string json = """
            {"id":"plain-form","type":"default","components":[
              {"type":"text","id":"t","text":"### Order {{orderId}}\n\n**Note:** <b>check</b> the [guide](https://example.com/guide) — online = on time"},
              {"type":"html","id":"h","content":"<p class=\"hint\">Call {{phone}}</p><img src=\"https://example.com/logo.png\" alt=\"logo\">"},
              {"type":"textfield","id":"f","key":"notes","label":"Notes on {{orderId}}"}]}
            """;

        var result = await _service.DeployAsync([new("plain.form", Encoding.UTF8.GetBytes(json))], CancellationToken.None);

        result.ShouldBeOfType<DeploymentResult.Deployed>().Forms.ShouldHaveSingleItem().FormId.ShouldBe("plain-form");
    }

    [Test]
    public async Task Every_shipped_definition_deploys_in_one_deployment()
    {
        var files = ShippedDefinitions.Files(".bpmn", ".dmn", ".form")
            .Select(name => new DeploymentResource(name, File.ReadAllBytes(Path.Combine(ShippedDefinitions.Directory, name)))).ToList();

        var result = await _service.DeployAsync(files, CancellationToken.None);

        result.ShouldBeOfType<DeploymentResult.Deployed>(result is DeploymentResult.Rejected r ? string.Join("\n", r.Problems) : "");
        files.Count.ShouldBeGreaterThan(10);
    }

    [TestCaseSource(typeof(BpmnSampleTests), nameof(BpmnSampleTests.SampleNames))]
    public async Task Every_shared_sample_deploys(string name)
    {
        var bytes = BpmnSamples.Read(name);
        if (bytes is null)
        {
            Assert.Ignore("../shared/bpmn-samples is not present next to the repository.");
        }

        var result = await _service.DeployAsync([new(name, bytes)], CancellationToken.None);

        result.ShouldBeOfType<DeploymentResult.Deployed>(result is DeploymentResult.Rejected r ? string.Join("\n", r.Problems) : "");
    }
}
