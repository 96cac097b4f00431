using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Designer;

/// <summary>
/// The server's own check while drawing: /api/designer/validation reads a file exactly as a deployment would (FEEL
/// syntax included) and stores nothing; the designer calls it a moment after each edit and marks the problems on the
/// elements. The engine serves what it runs (/api/designer/engine-support) for the menus and lint rules. The toolbar
/// stays on one row at 1280 px.
/// </summary>
public sealed class LiveCheckPageTests : PageTest
{
    [Test]
    public async Task The_validation_endpoint_names_each_problem_and_deploys_nothing_and_the_engine_says_what_it_runs()
    {
        var designer = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        using var api = Browser.Host.Bearer(designer.ApiKey);
        var broken = StudioModels.UserTaskOnly("live-check-api").Replace("""<bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="End" />""",
            """<bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="End"><bpmn:conditionExpression>= amount &gt;</bpmn:conditionExpression></bpmn:sequenceFlow>""",
            StringComparison.Ordinal);

        var answer = await (await api.PostAsJsonAsync("/api/designer/validation", new { resourceName = "live-check-api.bpmn", content = broken })).Content
            .ReadFromJsonAsync<JsonElement>();
        var problem = answer.GetProperty("problems").EnumerateArray().ShouldHaveSingleItem();
        problem.GetProperty("elementId").GetString().ShouldBe("f2");
        problem.GetProperty("severity").GetString().ShouldBe("error");
        problem.GetProperty("line").GetInt32().ShouldBeGreaterThan(0);
        var clean = await (await api.PostAsJsonAsync("/api/designer/validation", new { resourceName = "live-check-api.bpmn", content = StudioModels.UserTaskOnly("live-check-api") }))
            .Content.ReadFromJsonAsync<JsonElement>();
        clean.GetProperty("problems").GetArrayLength().ShouldBe(0);
        var search = await api.PostAsJsonAsync("/v2/process-definitions/search", new { filter = new { processDefinitionId = "live-check-api" } });
        (await search.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength().ShouldBe(0, "validation deploys nothing");
        var unnamed = await api.PostAsJsonAsync("/api/designer/validation", new { content = broken });
        unnamed.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await unnamed.Content.ReadAsStringAsync()).ShouldContain("resourceName");

        var support = await api.GetFromJsonAsync<JsonElement>("/api/designer/engine-support");
        var types = support.GetProperty("flowNodeTypes").EnumerateArray().Select(t => t.GetString()).ToList();
        types.ShouldContain("userTask");
        types.ShouldNotContain("complexGateway");
        support.GetProperty("refusedEventDefinitions").GetProperty("compensateEventDefinition").GetString()!.ShouldContain("not supported");
        support.GetProperty("refusedMarkers").GetProperty("standardLoopCharacteristics").GetString()!.ShouldContain("multi-instance");
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task A_FEEL_syntax_error_is_marked_on_its_flow_while_drawing_and_goes_when_fixed(int width, int height)
    {
        var designer = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        var browser = await OpenAsync(designer, "/designer", "processesDesigner");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, height);
        await page.Locator("#checks", new() { HasText = "Server check: no problems." }).WaitForAsync();

        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const registry = modeler.get('elementRegistry');
              const factory = modeler.get('elementFactory');
              const modeling = modeler.get('modeling');
              const start = registry.get('StartEvent_1');
              const task = modeling.appendShape(start, factory.createShape({ type: 'bpmn:Task' }), { x: 320, y: 120 });
              const flow = task.incoming[0];
              modeling.updateProperties(flow, { id: 'Checked' });
              modeling.updateProperties(flow, { conditionExpression: modeler.get('moddle').create('bpmn:FormalExpression', { body: '= amount >' }) });
            }
            """);

        var badge = page.Locator(".djs-overlays[data-container-id='Checked'] .processes-problem-badge");
        await badge.WaitForAsync();
        (await badge.GetAttributeAsync("title"))!.ShouldNotBeNullOrWhiteSpace();
        await page.Locator("#checks.error", new() { HasText = "a deployment would be rejected" }).WaitForAsync();
        (await page.Locator("#check-problems li[data-element-id='Checked']").CountAsync()).ShouldBe(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/designer-live-check-{width}.png" });

        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const flow = modeler.get('elementRegistry').get('Checked');
              modeler.get('modeling').updateProperties(flow, { conditionExpression: modeler.get('moddle').create('bpmn:FormalExpression', { body: '= amount > 10' }) });
            }
            """);
        await page.Locator("#checks", new() { HasText = "Server check: no problems." }).WaitForAsync();
        (await badge.CountAsync()).ShouldBe(0);
        browser.Errors.ShouldBeEmpty();
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task The_toolbar_shows_the_brand_and_the_file_name_whole_and_the_page_never_scrolls_sideways(int width, int height)
    {
        var designer = await Browser.Host.CreateUserAsync(roles: [Roles.Designer, Roles.Admin, Roles.Supervisor, Roles.Operator]);
        var page = (await OpenAsync(designer, "/designer", "processesDesigner")).Page;
        await page.SetViewportSizeAsync(width, height);
        if (width >= 1024)
        {
            await page.ClickAsync("#definitions button[data-process-id]");
            await page.Locator("#status-text").GetByText("opened").WaitForAsync();
            // Readable: the brand and the opened model's name are not cut (a name past 40 characters would be).
            (await page.EvaluateAsync<bool>("() => { const b = document.querySelector('.toolbar .brand'); return b.clientWidth > 0 && b.scrollWidth <= b.clientWidth; }"))
                .ShouldBeTrue($"the brand whole at {width} px");
            (await page.EvaluateAsync<bool>("() => { const t = document.querySelector('.toolbar .title'); return t.textContent.length > 0 && t.scrollWidth <= t.clientWidth; }"))
                .ShouldBeTrue($"the file name whole at {width} px");
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/designer-toolbar-{width}.png" });
        // No toolbar item reaches past the right edge: what does not fit wraps to a second row.
        (await page.EvaluateAsync<bool>("""
            () => [...document.querySelectorAll('.toolbar > *')].filter(e => e.offsetParent !== null && !e.hidden)
              .every(e => e.getBoundingClientRect().right <= window.innerWidth)
            """)).ShouldBeTrue($"every toolbar item inside the window at {width} px");
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).ShouldBeTrue($"no horizontal overflow at {width} px");
    }
}
