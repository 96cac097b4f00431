using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;

namespace Processes.Tests.Designer;

/// <summary>
/// Decision-table problems by cell: the server's check names the decision, the rule (1-based) and the column, and the
/// decision editor marks that cell while a designer types and lists the problem with its rule and column. Token
/// simulation (bpmn-js-token-simulation) as a toggle on the process canvas: a token runs from the start event in the
/// browser, and the diagram stays unchanged.
/// </summary>
public sealed class StudioCheckPageTests : PageTest
{
    private static string SlaTargets() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Definitions", "sla-targets.dmn"));

    [Test]
    public async Task The_check_names_the_rule_and_column_of_a_decision_table_problem()
    {
        var designer = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        using var api = Browser.Host.Bearer(designer.ApiKey);
        var broken = SlaTargets().Replace("""<inputEntry id="rule-international-entrance"><text>-</text></inputEntry>""",
            """<inputEntry id="rule-international-entrance"><text>[1..</text></inputEntry>""", StringComparison.Ordinal);
        broken.ShouldNotBe(SlaTargets());

        var answer = await (await api.PostAsJsonAsync("/api/designer/validation", new { resourceName = "sla-targets.dmn", content = broken })).Content
            .ReadFromJsonAsync<JsonElement>();

        var problem = answer.GetProperty("problems").EnumerateArray().ShouldHaveSingleItem();
        problem.GetProperty("elementId").GetString().ShouldBe("sla-targets");
        problem.GetProperty("ruleIndex").GetInt32().ShouldBe(2);
        problem.GetProperty("columnId").GetString().ShouldBe("input-entrance");
        problem.GetProperty("message").GetString()!.ShouldContain("rule-international");
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task A_broken_cell_is_marked_while_typing_and_listed_with_its_rule_and_column(int width, int height)
    {
        var designer = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        var page = (await OpenAsync(designer, "/designer?decision=sla-targets-definitions", "processesDesigner")).Page;
        await page.SetViewportSizeAsync(width, height);
        var cell = page.Locator("#decision-canvas td[data-element-id='rule-international-entrance']");
        await cell.WaitForAsync();

        await cell.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("[1..");

        var marked = page.Locator("#decision-canvas td.processes-problem[data-element-id='rule-international-entrance']");
        await marked.WaitForAsync();
        (await marked.GetAttributeAsync("title"))!.ShouldContain("not valid FEEL unary tests");
        var listed = page.Locator("#check-problems li").Filter(new() { HasText = "rule 2, column input-entrance" });
        (await listed.CountAsync()).ShouldBe(1);
        // Only that cell: the rest of its row and column are not marked.
        (await page.Locator("#decision-canvas .processes-problem").CountAsync()).ShouldBe(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), $"studio-cell-check-{width}.png") });
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task Token_simulation_runs_a_token_from_the_start_event_without_changing_the_diagram(int width, int height)
    {
        var designer = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        var processId = $"simulated-{width}";
        using (var api = Browser.Host.Bearer(designer.ApiKey))
        using (var deployed = await Identity.IdentityHost.DeployAsync(api, $"{processId}.bpmn", StudioModels.UserTaskOnly(processId)))
        {
            deployed.IsSuccessStatusCode.ShouldBeTrue(await deployed.Content.ReadAsStringAsync());
        }
        var page = (await OpenAsync(designer, $"/designer?process={processId}", "processesDesigner")).Page;
        await page.SetViewportSizeAsync(width, height);
        await page.Locator("#diagram-title").Filter(new() { HasText = "version 1" }).WaitForAsync();

        await page.Locator("#canvas .bts-toggle-mode").ClickAsync();

        await page.Locator("body.simulating").WaitForAsync();
        (await page.Locator("#canvas .djs-palette").GetAttributeAsync("class"))!.ShouldContain("hidden");
        await page.Locator(".djs-overlays[data-container-id='Start'] .bts-context-pad[title='Trigger Event']").ClickAsync();
        // The token passes the start event: the simulation's log records it (the log panel is not opened for that).
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.bts-log .bts-content .bts-entry:not(.placeholder)').length > 0");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), $"studio-simulation-{width}.png") });

        await page.Locator("#canvas .bts-toggle-mode").ClickAsync();
        await page.Locator("body:not(.simulating)").WaitForAsync();
        (await page.Locator("#diagram-title").TextContentAsync())!.ShouldNotContain("(changed)");
        (await page.EvaluateAsync<bool>("() => window.processesDesigner.modeler.get('commandStack').canUndo()")).ShouldBeFalse("a simulation changes nothing");
    }
}
