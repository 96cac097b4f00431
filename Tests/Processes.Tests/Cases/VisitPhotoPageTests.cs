using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Cases;

/// <summary>
/// The visit photo in Chromium against the real host: the technician completes the shipped visit form
/// (<c>service-visit</c>) with a photo in its file picker; the inbox uploads it through the documents API attached to
/// the case, the variable <c>visitPhoto</c> holds its document reference, and the case page shows it as a thumbnail
/// that opens full size. Someone who may not see the case gets neither the page nor the photo.
/// </summary>
public sealed class VisitPhotoPageTests : PageTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="visit-photo" name="Visit with a photo" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="Visit" name="Visit the customer">
              <bpmn:extensionElements>
                <zeebe:userTask />
                <zeebe:formDefinition formId="service-visit" />
                <zeebe:assignmentDefinition assignee="=technician" />
              </bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:userTask id="Audit" name="Audit">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="quality" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Visit" />
            <bpmn:sequenceFlow id="f2" sourceRef="Visit" targetRef="Audit" />
            <bpmn:sequenceFlow id="f3" sourceRef="Audit" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    /// <summary>A real 1×1 PNG, so the browser decodes the thumbnail.</summary>
    private static readonly byte[] Photo = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task Deploy()
    {
        _admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(_admin, "quality", "Quality");
        (await IdentityHost.DeployAsync(_admin, "visit-photo.bpmn", Model)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task The_technician_uploads_a_photo_on_the_visit_and_the_case_page_shows_it(int width, int height)
    {
        var technician = await Browser.Host.CreateUserAsync(roles: [Roles.Agent]);
        var order = $"SO-PHOTO-{width}";
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new
        {
            processDefinitionId = "visit-photo",
            variables = new
            {
                technician = technician.UserName,
                serviceOrderId = order,
                serviceOrder = new { serviceType = "install", network = "north", address = "1 Main St", customer = new { id = "C-1", city = "Hangzhou" } },
            },
        });
        var key = started.GetProperty("processInstanceKey").GetString()!;
        var taskKey = await EventuallyAsync(async () =>
        {
            var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{key}");
            return view.GetProperty("tasks").GetArrayLength() > 0 ? view.GetProperty("tasks")[0].GetProperty("userTaskKey") : (JsonElement?)null;
        });

        var taskKeyText = taskKey.GetString();
        var browser = await OpenAsync(technician, "/inbox", "processesInbox");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ClickAsync("#views [data-view='mine']");
        await page.ClickAsync($"#tasks [data-key='{taskKeyText}']");
        await page.Locator("#complete").WaitForAsync();
        // The shipped form, rendered once the task's variables are read (the buttons may show first).
        await page.Locator("#form").GetByText($"Service order {order}").WaitForAsync();
        await page.Locator("#form").GetByLabel("Work done").CheckAsync();
        await page.Locator("#form").GetByText("Photo of the work done").WaitForAsync();
        await page.Locator("#form input[type=file]").SetInputFilesAsync(new FilePayload { Name = "installed.png", MimeType = "image/png", Buffer = Photo });
        await page.Locator("#form").GetByText("installed.png").WaitForAsync();
        await page.Locator("#form").GetByLabel("Visit report").FillAsync("Installed and tested.");
        await page.ClickAsync("#complete");
        await page.Locator($"#tasks [data-key='{taskKeyText}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });

        var photo = await EventuallyAsync(async () =>
        {
            var variables = (await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{key}")).GetProperty("variables");
            return variables.TryGetProperty("visitPhoto", out var value) ? value : (JsonElement?)null;
        });
        photo.GetArrayLength().ShouldBe(1);
        var reference = photo[0];
        reference.GetProperty("camunda.document.type").GetString().ShouldBe("camunda");
        reference.GetProperty("metadata").GetProperty("processInstanceKey").GetString().ShouldBe(key);
        reference.GetProperty("metadata").GetProperty("fileName").GetString().ShouldBe("installed.png");

        await page.GotoAsync($"/cases/{key}");
        await page.EvaluateAsync("() => window.processesCase.ready");
        var thumbnail = page.Locator("#documents img.document-thumb");
        await thumbnail.WaitForAsync();
        (await thumbnail.GetAttributeAsync("alt")).ShouldBe("visitPhoto: installed.png");
        await page.WaitForFunctionAsync("() => document.querySelector('#documents img.document-thumb').naturalWidth === 1");
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).ShouldBeTrue("no sideways scrolling");
        await Screenshot(page, $"visit-photo-case-{width}.png");

        var popup = await page.Context.RunAndWaitForPageAsync(() => page.Locator("#documents a").ClickAsync());
        await popup.WaitForLoadStateAsync();
        popup.Url.ShouldContain($"/v2/documents/{reference.GetProperty("documentId").GetString()}");
        (await popup.EvaluateAsync<string>("() => document.contentType")).ShouldBe("image/png");
        await popup.CloseAsync();

        // Someone who may not see the case: no page, no photo.
        var stranger = await Browser.Host.CreateUserAsync(roles: [Roles.Agent]);
        using var api = Browser.Host.Bearer(stranger.ApiKey);
        using var refused = await api.GetAsync(new Uri($"/v2/documents/{reference.GetProperty("documentId").GetString()}", UriKind.Relative));
        refused.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var caseRefused = await api.GetAsync(new Uri($"/api/instances/{key}", UriKind.Relative));
        caseRefused.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static async Task Screenshot(IPage page, string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "journeys");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("The expected state did not arrive in 10 s.");
    }
}
