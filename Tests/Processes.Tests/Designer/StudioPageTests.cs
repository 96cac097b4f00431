using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Designer;

/// <summary>
/// The designer studio in headless Chromium at a desktop and a phone width: the decision editor (the shipped
/// <c>sla-targets</c> changed in a cell and deployed), the form builder (a form built, deployed and linked to a user
/// task from the properties panel's dropdown), an activity template (Send SMS dropped from the append menu, deployed and
/// run: the SMS lands in the outbox), and live checks (a marker on a gateway without a default flow, no standard loop
/// in the replace menu).
/// </summary>
public sealed class StudioPageTests : PageTest
{
    private HttpClient _api = null!;

    [OneTimeSetUp]
    public async Task CreateApiClient()
    {
        var admin = await Browser.Host.AdminAsync(); // the host's own client, kept for the fixture
        await IdentityHost.EnsureGroupAsync(admin, "reviewers", "Reviewers");
        _api = Browser.Host.Bearer((await DesignerAsync()).ApiKey);
    }

    [OneTimeTearDown]
    public void DisposeApi() => _api.Dispose();

    /// <summary>
    /// A designer who may also run what is drawn (starting instances needs the agent role) and sees the test model's
    /// tasks (group reviewers); one per sign-in, as the first sign-in changes the password.
    /// </summary>
    private Task<TestUser> DesignerAsync() => Browser.Host.CreateUserAsync(roles: [Roles.Designer, Roles.Agent], groups: ["reviewers"]);

    private async Task<IPage> OpenDesignerAsync(int width, int height, string path = "/designer")
    {
        var browser = await OpenAsync(await DesignerAsync(), path, "processesDesigner");
        await browser.Page.SetViewportSizeAsync(width, height);
        return browser.Page;
    }

    private static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), $"studio-{name}.png"), FullPage = false });

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task A_designer_changes_a_cell_of_sla_targets_deploys_a_new_version_and_the_decision_answers_with_it(int width, int height)
    {
        var page = await OpenDesignerAsync(width, height);
        var before = await LatestDecisionVersionAsync("sla-targets");

        await page.Locator("#decisions button[data-id='sla-targets-definitions']").ClickAsync();
        await page.Locator("#status-text").Filter(new() { HasText = "sla-targets-definitions version" }).WaitForAsync();
        var cell = page.Locator("#decision-canvas td[data-element-id='rule-vip-sla']");
        await cell.WaitForAsync();
        var target = $"\"PT{width % 7 + 2}H\"";
        await cell.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync(target);
        await page.Locator("#decision-canvas").ClickAsync(new() { Position = new() { X = 5, Y = 5 } });
        (await page.Locator("#diagram-title").TextContentAsync())!.ShouldContain("(changed)");
        await ScreenshotAsync(page, $"decision-{width}");

        await page.ClickAsync("#deploy");

        await page.Locator("#status.success #status-text").Filter(new() { HasText = $"Deployed sla-targets-definitions version {before + 1}." }).WaitForAsync();
        (await LatestDecisionVersionAsync("sla-targets")).ShouldBe(before + 1);
        // The new version answers: a VIP demand gets the new target.
        using var evaluated = await _api.PostAsJsonAsync("/v2/decision-definitions/evaluation", new
        {
            decisionDefinitionId = "sla-targets",
            variables = new { customer = new { tier = "VIP" }, entrance = "hotline" },
        });
        var output = JsonDocument.Parse((await evaluated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("output").GetString()!).RootElement;
        output.GetProperty("slaTarget").GetString().ShouldBe(target.Trim('"'));
        // The deployed file keeps its name, so the versions stay one file in the history.
        var models = await _api.GetFromJsonAsync<JsonElement>("/api/designer/models");
        models.EnumerateArray().Where(m => m.GetProperty("id").GetString() == "sla-targets-definitions")
            .Select(m => m.GetProperty("resourceName").GetString()).Distinct().ShouldBe(["sla-targets.dmn"]);

        // The version picker opens the previous version read-only.
        await page.Locator("#version").SelectOptionAsync(before.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#diagram-title").Filter(new() { HasText = "older version, read-only" }).WaitForAsync();
        (await page.Locator("#deploy").IsDisabledAsync()).ShouldBeTrue();
        await NoSidewaysScrollingAsync(page, width);
    }

    [Test]
    public async Task A_decision_the_engine_refuses_is_marked_on_its_cell()
    {
        var page = await OpenDesignerAsync(1280, 800);
        await page.Locator("#decisions button[data-id='sla-targets-definitions']").ClickAsync();
        var cell = page.Locator("#decision-canvas td[data-element-id='rule-vip-priority']");
        await cell.WaitForAsync();
        await cell.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("80 +* (");
        await page.Locator("#decision-canvas").ClickAsync(new() { Position = new() { X = 5, Y = 5 } });

        await page.ClickAsync("#deploy");

        await page.Locator("#status.error #status-text").Filter(new() { HasText = "rejected" }).WaitForAsync();
        (await page.Locator("#problems li").CountAsync()).ShouldBeGreaterThan(0);
        // The browser logs every refused request; this one was the point of the test.
        LastPage.Errors.RemoveAll(e => e.Contains("status of 400", StringComparison.Ordinal));
        var marked = page.Locator("#decision-canvas td.processes-problem[data-element-id='rule-vip-priority']");
        await marked.WaitForAsync();
        (await marked.GetAttributeAsync("title") ?? "").ShouldNotBeEmpty("the engine's message is the cell's tooltip");
        await ScreenshotAsync(page, "decision-problem");
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task A_designer_builds_a_form_deploys_it_and_links_it_to_a_user_task_from_the_dropdown(int width, int height)
    {
        var formId = $"studio-form-{width}";
        var processId = $"studio-form-process-{width}";
        await DeployAsync($"{processId}.bpmn", StudioModels.UserTaskOnly(processId));
        var page = await OpenDesignerAsync(width, height);

        await page.ClickAsync("#new-menu > summary");
        await page.ClickAsync("#new-form");
        await page.Locator("#form-canvas .fjs-editor-container").WaitForAsync();
        // A text field through the builder's own modeling (drag and drop is the mouse's way to the same command).
        await page.EvaluateAsync("""
            (formId) => {
              const editor = window.processesDesigner.editor().modeler;
              const modeling = editor.get('modeling');
              const form = editor._getState().schema;
              modeling.editFormField(form, 'id', formId);
              modeling.addFormField({ type: 'textfield', key: 'outcome', label: 'Outcome' }, form, 0);
            }
            """, formId);
        await page.Locator("#form-canvas .fjs-form-field").Filter(new() { HasText = "Outcome" }).First.WaitForAsync();
        await ScreenshotAsync(page, $"form-{width}");
        await page.ClickAsync("#deploy");
        await page.Locator("#status.success #status-text").Filter(new() { HasText = $"Deployed {formId} version 1." }).WaitForAsync();
        (await page.Locator($"#forms button[data-id='{formId}']").CountAsync()).ShouldBe(1);

        // The user task links it by the dropdown of deployed forms.
        await page.Locator($"#definitions button[data-process-id='{processId}']").ClickAsync();
        await page.Locator("#status-text").Filter(new() { HasText = $"{processId} version 1 opened." }).WaitForAsync();
        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              modeler.get('selection').select(modeler.get('elementRegistry').get('Review'));
            }
            """);
        var select = page.Locator("#properties select[name='processes-form']");
        await select.WaitForAsync();
        await select.SelectOptionAsync(formId);
        await ScreenshotAsync(page, $"form-link-{width}");
        await page.ClickAsync("#deploy");
        await page.Locator("#status.success #status-text").Filter(new() { HasText = $"Deployed {processId} version 2." }).WaitForAsync();

        // A started instance's task shows the form.
        var started = await PostAsync("/v2/process-instances", new { processDefinitionId = processId });
        var taskKey = await WaitForUserTaskAsync(started.GetProperty("processInstanceKey").GetString()!);
        var form = await _api.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{taskKey}/form");
        form.GetProperty("formId").GetString().ShouldBe(formId);
        form.GetProperty("schema").GetString()!.ShouldContain("\"outcome\"");
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task A_designer_drops_Send_SMS_from_the_templates_deploys_and_runs_it_and_the_SMS_lands_in_the_outbox(int width, int height)
    {
        var page = await OpenDesignerAsync(width, height);
        await page.ClickAsync("#new-menu > summary");
        await page.ClickAsync("#new");
        await page.Locator("#status-text").Filter(new() { HasText = "A new diagram opened." }).WaitForAsync();

        // Append from the start event's context pad: the append menu lists the activities' templates.
        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const start = modeler.get('elementRegistry').get('StartEvent_1');
              modeler.get('selection').select(start);
              modeler.get('contextPad').open(start);
            }
            """);
        await page.Locator(".djs-context-pad .entry[data-action='append']").ClickAsync();
        await page.Locator(".djs-popup input").FillAsync("Send SMS");
        await page.Locator(".djs-popup .entry").Filter(new() { HasText = "Send SMS" }).First.ClickAsync();
        var smsTask = await page.EvaluateAsync<string>("""
            () => window.processesDesigner.modeler.get('elementRegistry').filter(e => e.type === 'bpmn:ServiceTask')[0].id
            """);
        // The template's fields in the properties panel: the SMS template and the recipient.
        await page.Locator("#properties .bio-properties-panel-header-type").Filter(new() { HasText = "Send SMS" }).WaitForAsync();
        // The SMS template is a dropdown of the templates stored on the server (the shipped texts are there).
        var smsTemplate = page.Locator("#properties .bio-properties-panel-entry").Filter(new() { Has = page.Locator("label:text-is('SMS template')") })
            .Locator("select");
        (await smsTemplate.Locator("option").AllAsync()).Count.ShouldBeGreaterThan(1);
        await smsTemplate.SelectOptionAsync("ACCEPTANCE_REMINDER");
        await FillTemplateFieldAsync(page, "Recipient", "+86 138 0013 8000");
        await page.EvaluateAsync("""
            (taskId) => {
              const modeler = window.processesDesigner.modeler;
              const registry = modeler.get('elementRegistry');
              const task = registry.get(taskId);
              const end = modeler.get('elementFactory').createShape({ type: 'bpmn:EndEvent' });
              modeler.get('modeling').appendShape(task, end, { x: task.x + 200, y: task.y + 40 });
            }
            """, smsTask);
        var xml = await page.EvaluateAsync<string>("() => window.processesDesigner.exportXML()");
        xml.ShouldContain("<zeebe:taskDefinition type=\"sms\"");
        xml.ShouldContain("zeebe:modelerTemplate=\"processes.sms\"");
        await ScreenshotAsync(page, $"template-{width}");

        var sentBefore = await CountOutboxAsync();
        await page.ClickAsync("#run");
        // No start form on this start event: the dialog asks for the variables as JSON.
        await page.Locator("#run-variables").FillAsync("""{"serviceOrderId": "S-1", "technician": "Li"}""");
        await ScreenshotAsync(page, $"run-{width}");
        await page.ClickAsync("#run-start");
        // The designer follows the new instance on its case page.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/cases/[0-9]+\\?started=1"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountOutboxAsync() == sentBefore && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        (await CountOutboxAsync()).ShouldBe(sentBefore + 1, "the sms job ran and sent one message");
        // The case has no task of the designer's groups, so its page asks again and then says it is not visible: those
        // 404s are logged by the browser and are what the case page is meant to do.
        await page.GotoAsync("about:blank");
        LastPage.Errors.RemoveAll(e => e.Contains("status of 404", StringComparison.Ordinal));
    }

    [Test]
    public async Task A_gateway_without_a_default_flow_is_marked_while_drawing_and_the_replace_menu_offers_no_standard_loop()
    {
        var page = await OpenDesignerAsync(1280, 800);
        await page.ClickAsync("#new-menu > summary");
        await page.ClickAsync("#new");
        await page.Locator("#status-text").Filter(new() { HasText = "A new diagram opened." }).WaitForAsync();

        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const registry = modeler.get('elementRegistry');
              const factory = modeler.get('elementFactory');
              const modeling = modeler.get('modeling');
              const start = registry.get('StartEvent_1');
              const gateway = modeling.appendShape(start, factory.createShape({ type: 'bpmn:ExclusiveGateway' }), { x: 320, y: 120 });
              modeling.updateProperties(gateway, { id: 'Decide' });
              const a = modeling.appendShape(gateway, factory.createShape({ type: 'bpmn:Task' }), { x: 460, y: 60 });
              const b = modeling.appendShape(gateway, factory.createShape({ type: 'bpmn:Task' }), { x: 460, y: 200 });
              modeling.updateProperties(a, { id: 'Loop' });
            }
            """);

        var marker = page.Locator(".djs-overlays[data-container-id='Decide'] .bjsl-overlay");
        await marker.WaitForAsync();
        var issues = await page.EvaluateAsync<string[]>("""
            async () => {
              const linting = window.processesDesigner.modeler.get('linting');
              const results = await linting.lint();
              return Object.values(results).flat().filter(issue => issue.id === 'Decide').map(issue => issue.message);
            }
            """);
        issues.ShouldContain(message => message.Contains("No default flow", StringComparison.Ordinal));
        await ScreenshotAsync(page, "lint");

        // The replace menu of a task has no standard loop marker and no refused element types.
        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const task = modeler.get('elementRegistry').get('Loop');
              modeler.get('popupMenu').open(task, 'bpmn-replace', { x: 500, y: 300 });
            }
            """);
        await page.Locator(".djs-popup").WaitForAsync();
        (await page.Locator(".djs-popup [data-id='toggle-parallel-mi']").CountAsync()).ShouldBe(1, "multi-instance stays on offer");
        (await page.Locator(".djs-popup [data-id='toggle-loop']").CountAsync()).ShouldBe(0);
        var gatewayMenu = await page.EvaluateAsync<string[]>("""
            () => {
              const modeler = window.processesDesigner.modeler;
              const gateway = modeler.get('elementRegistry').get('Decide');
              modeler.get('popupMenu').close();
              modeler.get('popupMenu').open(gateway, 'bpmn-replace', { x: 300, y: 300 });
              return [...document.querySelectorAll('.djs-popup [data-id]')].map(e => e.dataset.id);
            }
            """);
        gatewayMenu.ShouldContain("replace-with-parallel-gateway");
        gatewayMenu.ShouldNotContain("replace-with-complex-gateway");

        // A standard loop drawn anyway (a file from elsewhere) is marked as the engine refuses it.
        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              modeler.get('popupMenu').close();
              const task = modeler.get('elementRegistry').get('Loop');
              const loop = modeler.get('bpmnFactory').create('bpmn:StandardLoopCharacteristics');
              modeler.get('modeling').updateProperties(task, { loopCharacteristics: loop });
            }
            """);
        await page.Locator(".djs-overlays[data-container-id='Loop'] .bjsl-overlay").WaitForAsync();
        // Nothing was deployed; the undeployed diagram is discarded with the page.
        await page.EvaluateAsync("() => window.processesDesigner.modeler.get('commandStack').clear()");

        // A model the engine runs as it is has nothing to complain about.
        var clean = await page.EvaluateAsync<string[]>("""
            async (xml) => {
              await window.processesDesigner.importXML(xml);
              const results = await window.processesDesigner.modeler.get('linting').lint();
              return Object.entries(results).flatMap(([rule, issues]) => issues.map(issue => `${rule} ${issue.id}: ${issue.message}`));
            }
            """, StudioModels.UserTaskOnly("studio-lint-clean"));
        clean.ShouldBeEmpty();
    }

    [Test]
    public async Task A_version_opens_from_the_address_and_a_timer_shows_its_business_calendar_in_a_dropdown()
    {
        var page = await OpenDesignerAsync(1280, 800, "/designer?process=demand-ticket&version=1");
        await page.Locator("#diagram-title").Filter(new() { HasText = "Customer demand — version 1" }).WaitForAsync();
        (await page.Locator("#version").InputValueAsync()).ShouldBe("1");

        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              modeler.get('selection').select(modeler.get('elementRegistry').get('DeadlinePassed'));
            }
            """);
        var calendar = page.Locator("#properties select[name='processes-business-calendar']");
        await calendar.WaitForAsync();
        (await calendar.InputValueAsync()).ShouldBe("cn-support");
        (await calendar.Locator("option").AllTextContentsAsync()).ShouldContain("cn-support");
        await ScreenshotAsync(page, "calendar");

        // Choosing "none" removes the property; the timer then counts calendar time.
        await calendar.SelectOptionAsync("");
        var xml = await page.EvaluateAsync<string>("() => window.processesDesigner.exportXML()");
        var deadline = xml[xml.IndexOf("id=\"DeadlinePassed\"", StringComparison.Ordinal)..];
        deadline[..deadline.IndexOf("</bpmn:boundaryEvent>", StringComparison.Ordinal)].ShouldNotContain("businessCalendar");
        await page.EvaluateAsync("() => window.processesDesigner.modeler.get('commandStack').clear()");
    }

    [Test]
    public async Task Create_form_for_this_task_builds_a_linked_form_from_the_task_inputs()
    {
        const string processId = "studio-create-form";
        await DeployAsync($"{processId}.bpmn", StudioModels.UserTaskOnly(processId).Replace("<zeebe:userTask />",
            "<zeebe:userTask /><zeebe:ioMapping><zeebe:input source=\"=order.id\" target=\"orderId\" /></zeebe:ioMapping>", StringComparison.Ordinal));
        var page = await OpenDesignerAsync(1280, 800, $"/designer?process={processId}");
        await page.Locator("#status-text").Filter(new() { HasText = $"{processId} version 1 opened." }).WaitForAsync();
        await page.EvaluateAsync("""
            () => {
              const modeler = window.processesDesigner.modeler;
              modeler.get('selection').select(modeler.get('elementRegistry').get('Review'));
            }
            """);

        await page.Locator("#properties .processes-create-form").ClickAsync();

        await page.Locator("#form-canvas .fjs-form-field").Filter(new() { HasText = "Order Id" }).First.WaitForAsync();
        await page.ClickAsync("#deploy");
        await page.Locator("#status.success #status-text").Filter(new() { HasText = "Deployed Review-form version 1." }).WaitForAsync();
        await page.ClickAsync("#back");
        await page.Locator("#diagram-title").Filter(new() { HasText = "Form process — version 1 (changed)" }).WaitForAsync();
        await page.ClickAsync("#deploy");
        await page.Locator("#status.success #status-text").Filter(new() { HasText = $"Deployed {processId} version 2." }).WaitForAsync();
        var xml = await page.EvaluateAsync<string>("() => window.processesDesigner.exportXML()");
        xml.ShouldContain("<zeebe:formDefinition formId=\"Review-form\" />");
    }

    [Test]
    public async Task The_element_templates_are_served_to_designers()
    {
        var templates = await _api.GetFromJsonAsync<JsonElement>("/api/designer/element-templates");
        templates.EnumerateArray().Select(t => t.GetProperty("id").GetString()).Order(StringComparer.Ordinal).ShouldBe(
            ["processes.assign", "processes.http", "processes.poi-check", "processes.refund", "processes.settlement-credit", "processes.sms", "processes.user-task-update",
                "processes.verification-code"]);
    }

    private static async Task FillTemplateFieldAsync(IPage page, string label, string value)
    {
        var field = page.Locator("#properties .bio-properties-panel-entry").Filter(new() { Has = page.Locator($"label:text-is('{label}')") })
            .Locator("input, [contenteditable], textarea").First;
        await field.ClickAsync();
        await page.Keyboard.TypeAsync(value);
        await page.Keyboard.PressAsync("Tab");
    }

    private static async Task NoSidewaysScrollingAsync(IPage page, int width)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    private async Task<int> LatestDecisionVersionAsync(string decisionId)
    {
        using var response = await _api.PostAsJsonAsync("/v2/decision-definitions/search", new { filter = new { decisionDefinitionId = decisionId, isLatestVersion = true } });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items")[0].GetProperty("version").GetInt32();
    }

    private async Task DeployAsync(string name, string xml)
    {
        using var response = await IdentityHost.DeployAsync(_api, name, xml);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await _api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<string> WaitForUserTaskAsync(string processInstanceKey)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var found = await PostAsync("/v2/user-tasks/search", new { filter = new { processInstanceKey } });
            if (found.GetProperty("items").GetArrayLength() > 0)
            {
                return found.GetProperty("items")[0].GetProperty("userTaskKey").GetString()!;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No user task of instance {processInstanceKey}.");
            }
            await Task.Delay(250);
        }
    }

    private async Task<long> CountOutboxAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM sms_outbox WHERE text LIKE 'Li, service order S-1 %'");
    }
}
