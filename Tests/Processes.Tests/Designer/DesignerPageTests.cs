using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;

namespace Processes.Tests.Designer;

/// <summary>
/// The /designer page in headless Chromium against the real host: a designer signs in through the sign-in page, opens
/// a deployed definition, deploys a change (a new version) or a broken model (the problems, by element id), and
/// someone without the role is refused.
/// </summary>
public sealed class DesignerPageTests : PageTest
{
    private BrowserPage _designer = null!;
    private HttpClient _api = null!;

    private IPage Page => _designer.Page;

    [OneTimeSetUp]
    public async Task SignInAsADesigner()
    {
        var user = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        _api = Browser.Host.Bearer(user.ApiKey);
        await DeployAsync(DesignerModels.Executable("designer-roundtrip", "Round trip"));
        await DeployAsync(DesignerModels.Executable("designer-change", "Change me"));
        _designer = await Browser.SignInToDesignerAsync(user);
        Track(_designer);
        // A dialog would be the discard-changes question; no test leaves unsaved changes behind, so none must appear.
        Page.Dialog += async (_, dialog) =>
        {
            _designer.Errors.Add($"unexpected dialog: {dialog.Message}");
            await dialog.DismissAsync(); // a handled dialog is no longer dismissed by Playwright itself
        };
    }

    [OneTimeTearDown]
    public void DisposeApi() => _api.Dispose();

    [Test]
    public async Task Opens_a_deployed_definition_and_writes_its_zeebe_extensions_back_unchanged()
    {
        await OpenAsync("designer-roundtrip");

        (await Page.Locator("#diagram-title").TextContentAsync()).ShouldBe("Round trip — version 1");
        (await Page.Locator("#canvas [data-element-id='Work']").CountAsync()).ShouldBe(1);
        (await Page.Locator("#canvas [data-element-id='Review']").CountAsync()).ShouldBe(1);
        var exported = await _designer.ExportAsync();
        ZeebeExtensions.Of(exported).ShouldBe(ZeebeExtensions.Of(DesignerModels.Executable("designer-roundtrip", "Round trip")));
        ZeebeExtensions.Of(exported).ShouldContain("Work: zeebe:taskDefinition retries=\"5\" type=\"designer-check\"");

        // Selecting the service task shows its job type in the Camunda 8 properties panel.
        await Page.ClickAsync("#canvas [data-element-id='Work']");
        await Page.Locator("#properties").GetByText("Task definition").First.WaitForAsync();
    }

    /// <summary>The largest shipped model, deployed at start-up, opens from the list (and is what the screenshot shows).</summary>
    [Test]
    public async Task Opens_a_shipped_process_from_the_list()
    {
        await OpenAsync("demand-ticket");

        (await Page.Locator("#diagram-title").TextContentAsync()).ShouldBe("Customer demand — version 1");
        (await Page.Locator("#canvas .djs-element").CountAsync()).ShouldBeGreaterThan(20);
        if (Environment.GetEnvironmentVariable("PROCESSES_DESIGNER_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        }
    }

    [Test]
    public async Task Deploying_a_changed_model_makes_version_2_and_shows_it()
    {
        await OpenAsync("designer-change");

        // The change a designer makes by renaming the task on the canvas, through bpmn-js's modeling commands.
        await Page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              modeler.get('modeling').updateLabel(modeler.get('elementRegistry').get('Review'), 'Review twice');
            }
            """);
        (await Page.Locator("#diagram-title").TextContentAsync()).ShouldBe("Change me — version 1 (changed)");
        await Page.ClickAsync("#deploy");

        await Page.Locator("#status.success #status-text").Filter(new() { HasText = "Deployed designer-change version 2." }).WaitForAsync();
        (await Page.Locator("#diagram-title").TextContentAsync()).ShouldBe("Change me — version 2");
        (await Page.Locator("#definitions button.selected .meta").TextContentAsync()).ShouldBe("designer-change · v2");
        var latest = await LatestAsync("designer-change");
        latest.GetProperty("version").GetInt32().ShouldBe(2);
        var xml = await _api.GetStringAsync($"/v2/process-definitions/{latest.GetProperty("processDefinitionKey").GetString()}/xml");
        xml.ShouldContain("name=\"Review twice\"");
        xml.ShouldContain("zeebe:taskDefinition type=\"designer-check\" retries=\"5\"");
    }

    [Test]
    public async Task Deploying_an_unchanged_model_keeps_its_version_and_says_so()
    {
        await DeployAsync(DesignerModels.Executable("designer-same", "Same"));
        await Page.EvaluateAsync("() => window.processesDesigner.loadDefinitions()");
        await OpenAsync("designer-same");

        await Page.ClickAsync("#deploy");

        await Page.Locator("#status.success #status-text").Filter(new() { HasText = "designer-same is unchanged: still version 1." }).WaitForAsync();
        (await LatestAsync("designer-same")).GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Test]
    public async Task Deploying_a_broken_model_lists_the_problems_with_their_element_ids()
    {
        await Page.SetInputFilesAsync("#open-file", new FilePayload
        {
            Name = "designer-broken.bpmn",
            MimeType = "application/xml",
            Buffer = Encoding.UTF8.GetBytes(DesignerModels.GatewayWithoutConditions),
        });
        await Page.Locator("#status-text").Filter(new() { HasText = "designer-broken.bpmn opened." }).WaitForAsync();

        await Page.ClickAsync("#deploy");

        await Page.Locator("#status.error #status-text").Filter(new() { HasText = "The deployment was rejected" }).WaitForAsync();
        var problem = Page.Locator("#problems li[data-element-id='Decide']");
        (await problem.CountAsync()).ShouldBe(1);
        var text = await problem.TextContentAsync() ?? "";
        text.ShouldContain("Decide");
        text.ShouldContain("line ");
        text.ShouldContain("'toA'");
        (await LatestAsync("designer-broken")).ValueKind.ShouldBe(JsonValueKind.Undefined, "nothing was deployed");
        // The browser logs every refused request; this one was the point of the test.
        _designer.Errors.RemoveAll(e => e.Contains("status of 400", StringComparison.Ordinal) && e.Contains("/v2/deployments", StringComparison.Ordinal)).ShouldBe(1);

        // A problem in the list selects its element on the canvas.
        await problem.ClickAsync();
        (await Page.EvaluateAsync<string[]>("() => window.processesDesigner.modeler.get('selection').get().map(e => e.id)")).ShouldBe(["Decide"]);
    }

    [Test]
    public async Task A_new_diagram_is_an_executable_Camunda_8_process_that_deploys_as_version_1()
    {
        await Page.ClickAsync("#new-menu > summary");
        await Page.ClickAsync("#new");
        await Page.Locator("#status-text").Filter(new() { HasText = "A new diagram opened." }).WaitForAsync();
        (await Page.Locator("#definitions button.selected").CountAsync()).ShouldBe(0);
        var processId = await Page.EvaluateAsync<string>("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const start = modeler.get('elementRegistry').get('StartEvent_1');
              const end = modeler.get('elementFactory').createShape({ type: 'bpmn:EndEvent' });
              modeler.get('modeling').appendShape(start, end, { x: start.x + 200, y: start.y + 18 });
              return modeler.getDefinitions().rootElements.find(e => e.$type === 'bpmn:Process').id;
            }
            """);
        var exported = await _designer.ExportAsync();
        exported.ShouldContain("isExecutable=\"true\"");
        exported.ShouldContain("modeler:executionPlatform=\"Camunda Cloud\"");

        await Page.ClickAsync("#deploy");

        await Page.Locator("#status.success #status-text").Filter(new() { HasText = $"Deployed {processId} version 1." }).WaitForAsync();
        (await LatestAsync(processId)).GetProperty("resourceName").GetString().ShouldBe($"{processId}.bpmn");
    }

    [Test]
    public async Task A_signed_in_user_without_the_designer_role_gets_403_on_the_page()
    {
        var agent = await Browser.SignInAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Agent, Roles.Operator]));

        var response = await agent.Page.GotoAsync("/designer");

        response!.Status.ShouldBe(403);
        (await agent.Page.Locator("h1").TextContentAsync()).ShouldBe("Forbidden");
        (await agent.Page.Locator("main").TextContentAsync() ?? "").ShouldContain("designer");
        (await agent.Page.EvaluateAsync<bool>("() => window.processesDesigner === undefined")).ShouldBeTrue();
        // The session itself is fine (the password was changed): it is the role that is missing.
        (await agent.Api.GetAsync("/api/auth/me")).Status.ShouldBe(200);
    }

    [Test]
    public async Task A_browser_without_a_session_is_sent_to_sign_in_while_an_api_client_gets_401()
    {
        // A client of its own: the factory's clients follow redirects once the host runs on Kestrel.
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = Browser.BaseAddress };
        using var page = new HttpRequestMessage(HttpMethod.Get, "/designer");
        page.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var redirected = await client.SendAsync(page);
        redirected.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        redirected.Headers.Location!.ToString().ShouldBe("/login?returnUrl=%2Fdesigner");

        using var api = await client.GetAsync("/designer");
        api.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // The page shells are served only by their endpoints, never as static files past the role check.
        using var shell = await client.GetAsync("/designer/pages/designer.html");
        shell.StatusCode.ShouldNotBe(HttpStatusCode.OK);
        using var script = await client.GetAsync("/designer/designer.js");
        script.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task The_sign_in_page_says_when_the_password_is_wrong()
    {
        var browser = await Browser.NewPageAsync();
        await browser.Page.GotoAsync("/login");
        await browser.Page.FillAsync("input[name=userName]", "nobody");
        await browser.Page.FillAsync("input[name=password]", "not the password");
        await browser.Page.ClickAsync("#login button[type=submit]");

        await browser.Page.Locator("#message").Filter(new() { HasText = "The user name or password is wrong" }).WaitForAsync();
        browser.Page.Url.ShouldEndWith("/login");
    }

    private async Task OpenAsync(string processId)
    {
        await Page.ClickAsync($"#definitions button[data-process-id='{processId}']");
        await Page.Locator("#status-text").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{processId} version \\d+ opened\\.$") }).WaitForAsync();
    }

    private async Task DeployAsync(string xml)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(xml));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        content.Add(file, "resources", "model.bpmn");
        using var response = await _api.PostAsync("/v2/deployments", content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The latest version of a process id from the API, or an undefined element when none is deployed.</summary>
    private async Task<JsonElement> LatestAsync(string processId)
    {
        using var response = await _api.PostAsJsonAsync("/v2/process-definitions/search", new { filter = new { processDefinitionId = processId, isLatestVersion = true } });
        var items = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
        return items.GetArrayLength() == 0 ? default : items[0].Clone();
    }
}
