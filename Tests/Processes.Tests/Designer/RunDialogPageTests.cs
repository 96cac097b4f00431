using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using static Processes.Tests.Designer.DrawnModels;

namespace Processes.Tests.Designer;

/// <summary>
/// "Deploy and run" in the designer: a start event with a linked form asks for that form (form-js, the same viewer and
/// endpoint as the start dialog of the inbox), a required field left empty is refused in the dialog, and the started
/// instance is followed on its case page with the form's values as its variables.
/// </summary>
public sealed partial class RunDialogPageTests : PageTest
{
    private HttpClient _api = null!;

    [OneTimeSetUp]
    public async Task CreateApiClient()
    {
        var admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(admin, "reviewers", "Reviewers");
        _api = Browser.Host.Bearer((await DesignerAsync()).ApiKey);
    }

    [OneTimeTearDown]
    public void DisposeApi() => _api.Dispose();

    private Task<TestUser> DesignerAsync() => Browser.Host.CreateUserAsync(roles: [Roles.Designer, Roles.Agent], groups: ["reviewers"]);

    private static string StartForm(string formId) => JsonSerializer.Serialize(new
    {
        id = formId,
        type = "default",
        schemaVersion = 16,
        components = new object[]
        {
            new { id = "customerName", type = "textfield", key = "customerName", label = "Customer name", validate = new { required = true } },
        },
    });

    /// <summary>start (with the form) → user task for the reviewers → end.</summary>
    private static string WithStartForm(string processId, string formId) => Line(processId, "Run with a form",
    [
        new Step("Start", $"<bpmn:startEvent id=\"Start\"><bpmn:extensionElements><zeebe:formDefinition formId=\"{formId}\" /></bpmn:extensionElements></bpmn:startEvent>", true),
        UserTask("Review", "Review", "<zeebe:userTask /><zeebe:assignmentDefinition candidateGroups=\"reviewers\" />"),
        End(),
    ]);

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task Deploy_and_run_asks_for_the_start_form_and_follows_the_instance_on_its_case_page(int width, int height)
    {
        var formId = $"run-start-form-{width}";
        var processId = $"run-with-form-{width}";
        await DeployAsync($"{formId}.form", StartForm(formId));
        await DeployAsync($"{processId}.bpmn", WithStartForm(processId, formId));
        var page = (await OpenAsync(await DesignerAsync(), $"/designer?process={processId}", "processesDesigner")).Page;
        await page.SetViewportSizeAsync(width, height);
        await page.Locator("#diagram-title").Filter(new() { HasText = $"version 1" }).WaitForAsync();

        await page.ClickAsync("#run");

        var dialog = page.Locator("#run-dialog");
        await dialog.Locator(".fjs-form").WaitForAsync();
        (await dialog.Locator("h2").TextContentAsync())!.ShouldContain(formId);
        (await page.Locator("#run-variables").CountAsync()).ShouldBe(0, "a start form replaces the JSON field");
        // The form's own validation: a required field left empty keeps the dialog open.
        await page.ClickAsync("#run-start");
        await dialog.Locator(".run-error").Filter(new() { HasText = "highlighted" }).WaitForAsync();
        await dialog.GetByLabel("Customer name").FillAsync("Wang Fang");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), $"studio-run-form-{width}.png") });
        await page.ClickAsync("#run-start");

        await page.WaitForURLAsync(CaseUrl());
        var instanceKey = CaseUrl().Match(page.Url).Groups[1].Value;
        await page.Locator("#case").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), $"studio-run-case-{width}.png") });
        using var found = await _api.PostAsJsonAsync("/v2/variables/search", new { filter = new { processInstanceKey = instanceKey, name = "customerName" } });
        var items = (await found.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
        items.GetArrayLength().ShouldBe(1);
        items[0].GetProperty("value").GetString().ShouldBe("\"Wang Fang\"");
        // The case page may have asked before the first task opened (a 404 it retries).
        LastPage.Errors.RemoveAll(e => e.Contains("status of 404", StringComparison.Ordinal));
    }

    [GeneratedRegex("/cases/([0-9]+)\\?started=1")]
    private static partial Regex CaseUrl();

    private async Task DeployAsync(string name, string content)
    {
        using var response = await IdentityHost.DeployAsync(_api, name, content);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }
}
