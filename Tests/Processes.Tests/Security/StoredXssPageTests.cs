using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Security;

/// <summary>
/// The pen-test's stored XSS chain in a real browser. A designer deploys a BPMN whose extension elements carry an XHTML
/// script: refused, naming it. The same file stored as an older deployment (straight into the database), and an admin who
/// follows <c>/login?returnUrl=/v2/process-definitions/&lt;key&gt;/xml</c> and signs in: the browser downloads the file, no
/// dialog opens, no script runs and no admin is created — even when the browser is made to render it (the sandbox
/// policy), while the same bytes without the host's headers do run (the payload is live). And form values with markup
/// show as text in the inbox's form.
/// </summary>
public sealed class StoredXssPageTests : PageTest
{
    private const string NoteForm = """
        {"id":"xss-note","type":"default","schemaVersion":16,"components":[
          {"type":"text","id":"said","text":"Customer says: {{note}}\n\nFrom {{name}}"},
          {"type":"textfield","id":"replyField","key":"reply","label":"Reply to {{name}}"}]}
        """;

    private const string NoteModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="xss-note" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="reply" name="Reply to the customer">
              <bpmn:extensionElements>
                <zeebe:userTask />
                <zeebe:formDefinition formId="xss-note" />
                <zeebe:assignmentDefinition candidateGroups="xss-desk" />
              </bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="reply" />
            <bpmn:sequenceFlow id="f2" sourceRef="reply" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        _admin = await Browser.Host.AdminAsync();
        await IdentityHost.PostAsync(_admin, "/api/groups", new { name = "xss-desk", displayName = "XSS desk" });
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    [Test]
    public async Task Deploying_the_pen_test_model_is_refused_with_a_400_naming_the_script()
    {
        using var designer = Browser.Host.Bearer((await Browser.Host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);

        using var response = await IdentityHost.DeployAsync(designer, "hostile.bpmn", HostileModels.ScriptInExtension("hostile-deploy"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().ShouldHaveSingleItem();
        problem.GetProperty("resource").GetString().ShouldBe("hostile.bpmn");
        problem.GetProperty("elementType").GetString().ShouldBe("html:script");
        problem.GetProperty("line").GetInt32().ShouldBe(HostileModels.ScriptLine);
        problem.GetProperty("message").GetString()!.ShouldContain("rule no-xhtml");
        var search = await IdentityHost.PostAsync(_admin, "/v2/process-definitions/search", new { filter = new { processDefinitionId = "hostile-deploy" } });
        search.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Test]
    public async Task An_admin_signing_in_towards_an_older_hostile_document_downloads_it_and_nothing_runs()
    {
        var key = await HostileModels.StoreAsOlderDeploymentAsync(DataSource, "older-hostile", "older-hostile.bpmn", HostileModels.ScriptInExtension("older-hostile"));
        var xmlPath = $"/v2/process-definitions/{key}/xml";
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var usersBefore = await UserNamesAsync();
        var browser = await Browser.NewPageAsync();
        var page = browser.Page;
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };

        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString(xmlPath));
        await page.FillAsync("input[name=userName]", admin.UserName);
        await page.FillAsync("input[name=password]", admin.Password);
        await page.ClickAsync("#login button[type=submit]");
        await page.Locator("#change-password").WaitForAsync();
        await page.FillAsync("input[name=newPassword]", BrowserHost.ChangedPassword);
        await page.FillAsync("input[name=repeatPassword]", BrowserHost.ChangedPassword);
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#change-password button[type=submit]"));

        download.SuggestedFilename.ShouldBe("older-hostile.bpmn");
        (await File.ReadAllTextAsync((await download.PathAsync())!)).ShouldBe(HostileModels.ScriptInExtension("older-hostile"), "served as uploaded");
        await page.WaitForTimeoutAsync(1000);
        dialogs.ShouldBeEmpty();
        (await UserNamesAsync()).ShouldBe(usersBefore);

        // A browser made to render it anyway (no attachment) meets the sandbox: no origin, no scripts.
        await page.Context.RouteAsync("**" + xmlPath, async route =>
        {
            var response = await route.FetchAsync();
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Headers = Without(response.Headers, "content-disposition") });
        });
        var rendered = await page.GotoAsync(xmlPath);
        rendered!.Headers["content-security-policy"].ShouldStartWith("sandbox");
        await page.WaitForTimeoutAsync(1000);
        dialogs.ShouldBeEmpty();
        (await UserNamesAsync()).ShouldBe(usersBefore);
        (await page.EvaluateAsync<string>("() => window.origin")).ShouldBe("null", "a sandboxed document has an opaque origin");

        // The control: the same bytes without the host's download headers run the payload (creating users is blocked here).
        await page.Context.UnrouteAllAsync();
        await page.Context.RouteAsync("**/api/users", route => route.AbortAsync());
        await page.Context.RouteAsync("**" + xmlPath, async route =>
        {
            var response = await route.FetchAsync();
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Response = response, Headers = Without(response.Headers, "content-disposition", "content-security-policy"),
            });
        });
        await page.GotoAsync(xmlPath);
        for (var waited = 0; dialogs.Count == 0 && waited < 100; waited++)
        {
            await page.WaitForTimeoutAsync(100);
        }
        dialogs.ShouldBe(["xss"]);
        (await UserNamesAsync()).ShouldNotContain(HostileModels.IntruderName);
    }

    [Test]
    public async Task A_variable_value_with_markup_shows_as_text_in_the_task_form_not_as_an_element()
    {
        using (var form = await IdentityHost.DeployAsync(_admin, "xss-note.form", NoteForm))
        {
            form.StatusCode.ShouldBe(HttpStatusCode.OK, await form.Content.ReadAsStringAsync());
        }
        using (var model = await IdentityHost.DeployAsync(_admin, "xss-note.bpmn", NoteModel))
        {
            model.StatusCode.ShouldBe(HttpStatusCode.OK, await model.Content.ReadAsStringAsync());
        }
        const string note = "<img src=x onerror=\"window.__xss = 1\"> <b>bold</b>";
        const string name = "O'Brien & Co: 12:30 {{x}}";
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "xss-note", variables = new { note, name } });
        var instance = started.GetProperty("processInstanceKey").GetString();
        var tasks = await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } });
        var task = tasks.GetProperty("items").EnumerateArray().Single().GetProperty("userTaskKey").GetString();
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["xss-desk"]);

        var page = (await OpenAsync(agent, "/inbox", "processesInbox")).Page;
        await page.ClickAsync($"#tasks [data-key='{task}']");
        var text = page.Locator("#form .fjs-form-field-text");
        await text.GetByText("Customer says:").WaitForAsync();

        (await text.InnerTextAsync()).ShouldContain("Customer says: " + note, Case.Sensitive);
        (await text.InnerTextAsync()).ShouldContain("From " + name, Case.Sensitive);
        (await page.Locator("#form img").CountAsync()).ShouldBe(0, "the value's <img> must not become an element");
        (await page.Locator("#form b").CountAsync()).ShouldBe(0, "nor its <b>");
        (await page.EvaluateAsync<bool>("() => window.__xss === undefined")).ShouldBeTrue();
        (await page.Locator("#form").GetByLabel("Reply to " + name).CountAsync()).ShouldBe(1, "labels show the value as it is, not as entities");
    }

    private static Dictionary<string, string> Without(Dictionary<string, string> headers, params string[] names) =>
        headers.Where(h => !names.Contains(h.Key, StringComparer.OrdinalIgnoreCase)).ToDictionary(h => h.Key, h => h.Value);

    private async Task<List<string>> UserNamesAsync()
    {
        var users = await _admin.GetFromJsonAsync<JsonElement>("/api/users?limit=200");
        return [.. users.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("userName").GetString()!).Order(StringComparer.Ordinal)];
    }
}
