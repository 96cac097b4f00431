using System.Xml.Linq;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Designer;

/// <summary>
/// Every model we ship (Definitions/) and every shared real-world sample (../shared/bpmn-samples) opens in the
/// designer's bpmn-js in a real browser: no import error, no warning (each names its element), every flow node and
/// sequence flow drawn, and bpmn-js writes every zeebe: extension back unchanged.
/// </summary>
public sealed class ModelImportTests : DatabaseTest
{
    private BrowserHost _browser = null!;
    private BrowserPage _page = null!;

    public static IEnumerable<TestCaseData> Models()
    {
        var root = RepositoryRoot();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "Definitions"), "*.bpmn").Order(StringComparer.Ordinal))
        {
            yield return new TestCaseData(file).SetArgDisplayNames("Definitions/" + Path.GetFileName(file));
        }
        var samples = Path.GetFullPath(Path.Combine(root, "..", "shared", "bpmn-samples"));
        if (Directory.Exists(samples))
        {
            foreach (var file in Directory.EnumerateFiles(samples, "*.bpmn").Order(StringComparer.Ordinal))
            {
                yield return new TestCaseData(file).SetArgDisplayNames("bpmn-samples/" + Path.GetFileName(file));
            }
        }
        else
        {
            // One visible case for the missing folder, rather than seven cases dropped without a word.
            yield return new TestCaseData(MissingSamples).SetArgDisplayNames("bpmn-samples (missing)");
        }
    }

    private const string MissingSamples = "(../shared/bpmn-samples missing)";

    [OneTimeSetUp]
    public async Task OpenTheDesigner()
    {
        _browser = await BrowserHost.StartAsync(ConnectionString);
        _page = await _browser.SignInToDesignerAsync(await _browser.Host.CreateUserAsync(roles: [Roles.Designer]));
    }

    [OneTimeTearDown]
    public async Task CloseTheDesigner() => await _browser.DisposeAsync();

    [TestCaseSource(nameof(Models))]
    public async Task Opens_in_bpmn_js_without_warnings_and_draws_every_flow_element(string file)
    {
        if (file == MissingSamples)
        {
            Processes.Tests.Bpmn.BpmnSamples.Missing();
        }
        var xml = await File.ReadAllTextAsync(file);

        var report = await _page.ImportAsync(xml);

        report.Error.ShouldBeNull($"bpmn-js could not import {Path.GetFileName(file)}; warnings: {string.Join("; ", report.Warnings)}");
        report.Warnings.ShouldBeEmpty($"bpmn-js warned about {Path.GetFileName(file)}");
        report.FlowElementCount.ShouldBeGreaterThan(0);
        report.ElementCount.ShouldBeGreaterThan(0);
        report.Undrawn.ShouldBeEmpty($"flow elements of {Path.GetFileName(file)} without a shape or connection");
        var zeebe = ZeebeExtensions.Of(xml);
        ZeebeExtensions.Of(await _page.ExportAsync()).ShouldBe(zeebe, "zeebe: extensions after bpmn-js exported the model");
        if (file.Contains($"{Path.DirectorySeparatorChar}Definitions{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        {
            zeebe.ShouldNotBeEmpty("a shipped model configures its tasks with zeebe: extensions");
        }
        _page.Errors.ShouldBeEmpty();
    }

    /// <summary>The negative control: what bpmn-js cannot resolve or draw does show up in the report, by element id.</summary>
    [Test]
    public async Task A_model_with_a_dangling_reference_and_an_undrawn_task_is_reported_by_element_id()
    {
        const string xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d" targetNamespace="t">
              <bpmn:process id="p" isExecutable="true">
                <bpmn:startEvent id="Start" />
                <bpmn:task id="NotDrawn" />
              </bpmn:process>
              <bpmndi:BPMNDiagram id="diagram">
                <bpmndi:BPMNPlane id="plane" bpmnElement="p">
                  <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
                  <bpmndi:BPMNShape id="Ghost_di" bpmnElement="Ghost"><dc:Bounds x="200" y="100" width="100" height="80" /></bpmndi:BPMNShape>
                </bpmndi:BPMNPlane>
              </bpmndi:BPMNDiagram>
            </bpmn:definitions>
            """;

        var report = await _page.ImportAsync(xml);

        report.Error.ShouldBeNull();
        report.Warnings.ShouldContain(w => w.Contains("Ghost", StringComparison.Ordinal));
        report.Undrawn.ShouldBe(["NotDrawn"]);
    }

    /// <summary>
    /// An ad-hoc sub-process as Camunda Modeler saves it round-trips through the designer's bpmn-js: zeebe:adHoc, the
    /// completion condition and cancelRemainingInstances come back, and what it exports deploys (the server check).
    /// </summary>
    [Test]
    public async Task An_ad_hoc_sub_process_round_trips_and_what_the_designer_exports_passes_the_server_check()
    {
        var report = await _page.ImportAsync(Execution.AdHocModelerModelTests.Model);
        report.Error.ShouldBeNull();
        report.Warnings.ShouldBeEmpty();
        report.Undrawn.ShouldBeEmpty();

        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            await _page.Page.SetViewportSizeAsync(width, height);
            await _page.Page.EvaluateAsync("() => window.processesDesigner.modeler.get('canvas').zoom('fit-viewport')");
            await _page.Page.ScreenshotAsync(new Microsoft.Playwright.PageScreenshotOptions { Path = $"/tmp/designer-adhoc-{width}.png" });
        }
        var exported = await _page.ExportAsync();
        ZeebeExtensions.Of(exported).ShouldBe(ZeebeExtensions.Of(Execution.AdHocModelerModelTests.Model));
        var adHoc = XDocument.Parse(exported).Descendants(XName.Get("adHocSubProcess", "http://www.omg.org/spec/BPMN/20100524/MODEL")).ShouldHaveSingleItem();
        adHoc.Attribute("cancelRemainingInstances")!.Value.ShouldBe("false");
        adHoc.Element(XName.Get("completionCondition", "http://www.omg.org/spec/BPMN/20100524/MODEL"))!.Value.ShouldContain("list contains(findings");

        var designer = await _browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        using var api = _browser.Host.Bearer(designer.ApiKey);
        var check = await (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, "/api/designer/validation",
            new { resourceName = "complaint-checks.bpmn", content = exported })).Content.ReadAsStringAsync();
        check.ShouldContain("\"problems\":[]");

        // The live checks have nothing to say, and the replace menu of a plain subprocess offers the ad-hoc one.
        var lint = await _page.Page.EvaluateAsync<string[]>("""
            async () => {
              const results = await window.processesDesigner.modeler.get('linting').lint();
              return Object.entries(results).flatMap(([rule, issues]) => issues.map(issue => `${rule} ${issue.id}: ${issue.message}`));
            }
            """);
        lint.ShouldBeEmpty();
        var menu = await _page.Page.EvaluateAsync<string[]>("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const plain = modeler.get('bpmnReplace').replaceElement(modeler.get('elementRegistry').get('Checks'), { type: 'bpmn:SubProcess', isExpanded: true });
              modeler.get('popupMenu').open(plain, 'bpmn-replace', { x: 300, y: 300 });
              const ids = [...document.querySelectorAll('.djs-popup [data-id]')].map(e => e.dataset.id);
              modeler.get('popupMenu').close();
              modeler.get('commandStack').clear();
              return ids;
            }
            """);
        menu.ShouldContain("replace-with-ad-hoc-subprocess");
        _page.Errors.ShouldBeEmpty();
    }

    /// <summary>Guards the case source: a wrong folder would otherwise pass by finding nothing.</summary>
    [Test]
    public void The_cases_include_every_shipped_process()
    {
        var names = Models().Select(c => Path.GetFileName((string)c.Arguments[0]!)).ToList();
        names.ShouldContain("demand-ticket.bpmn");
        names.ShouldContain("sla-escalation.bpmn");
        names.ShouldContain("exception-order.bpmn");
        names.ShouldContain("service-fulfilment.bpmn");
        names.ShouldContain("monthly-settlement.bpmn");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Processes.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Processes.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The zeebe: content of a model, comparable across a bpmn-js round trip (prefixes and formatting aside).</summary>
internal static class ZeebeExtensions
{
    public static readonly XNamespace Zeebe = "http://camunda.org/schema/zeebe/1.0";

    /// <summary>Each zeebe: element (with its owner's id, attributes and text) and each zeebe: attribute, in document order.</summary>
    public static IReadOnlyList<string> Of(string xml)
    {
        var document = XDocument.Parse(xml);
        var found = new List<string>();
        foreach (var element in document.Descendants())
        {
            if (element.Name.Namespace == Zeebe)
            {
                var owner = element.Ancestors().FirstOrDefault(a => a.Attribute("id") is not null)?.Attribute("id")?.Value;
                var attributes = string.Join(" ", element.Attributes().Where(a => !a.IsNamespaceDeclaration)
                    .OrderBy(a => a.Name.ToString(), StringComparer.Ordinal).Select(a => $"{a.Name.LocalName}=\"{a.Value}\""));
                var text = element.HasElements ? "" : element.Value.Trim();
                found.Add($"{owner}: zeebe:{element.Name.LocalName} {attributes} {text}".TrimEnd());
            }
            foreach (var attribute in element.Attributes().Where(a => a.Name.Namespace == Zeebe))
            {
                found.Add($"{element.Attribute("id")?.Value}: @zeebe:{attribute.Name.LocalName}=\"{attribute.Value}\"");
            }
        }
        return found;
    }
}
