using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Cases;

/// <summary>
/// The /cases/{key} page in headless Chromium against the real host, with the shipped customer demand: central
/// dispatch with no agent profiles offers the work ticket to the group <c>dispatch</c>, so its agents see the case.
/// At a desktop and a phone width: the diagram with the live call activity marked, the called work ticket and its
/// task, the last three history entries with the rest behind "Show all", the variables; no sideways scrolling on
/// the phone. Someone the case is not visible to is told it was not found; an admin cancels it from the page.
/// </summary>
public sealed class CasePageTests : PageTest
{
    /// <summary>One task to do first, then two at once: one already past its due date, one due in a minute (with its diagram: the page draws what the DI places).</summary>
    private const string SlaModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
            xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="t">
          <bpmn:process id="case-sla" name="SLA case" isExecutable="true">
            <bpmn:extensionElements>
              <zeebe:properties><zeebe:property name="title" value="=&quot;SLA case &quot; + ref" /></zeebe:properties>
            </bpmn:extensionElements>
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="first" name="First">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="dispatch" /><zeebe:taskSchedule dueDate="=firstDue" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:parallelGateway id="fork" />
            <bpmn:userTask id="late" name="Late">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="dispatch" /><zeebe:taskSchedule dueDate="=lateDue" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:userTask id="soon" name="Soon">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="dispatch" /><zeebe:taskSchedule dueDate="=soonDue" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:parallelGateway id="join" />
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first" />
            <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="fork" />
            <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="late" />
            <bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="soon" />
            <bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="join" />
            <bpmn:sequenceFlow id="f6" sourceRef="soon" targetRef="join" />
            <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="end" />
          </bpmn:process>
          <bpmndi:BPMNDiagram id="di"><bpmndi:BPMNPlane id="plane" bpmnElement="case-sla">
            <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
            <bpmndi:BPMNShape id="first_di" bpmnElement="first"><dc:Bounds x="180" y="78" width="100" height="80" /></bpmndi:BPMNShape>
            <bpmndi:BPMNShape id="fork_di" bpmnElement="fork"><dc:Bounds x="330" y="93" width="50" height="50" /></bpmndi:BPMNShape>
            <bpmndi:BPMNShape id="late_di" bpmnElement="late"><dc:Bounds x="430" y="10" width="100" height="80" /></bpmndi:BPMNShape>
            <bpmndi:BPMNShape id="soon_di" bpmnElement="soon"><dc:Bounds x="430" y="150" width="100" height="80" /></bpmndi:BPMNShape>
            <bpmndi:BPMNShape id="join_di" bpmnElement="join"><dc:Bounds x="580" y="93" width="50" height="50" /></bpmndi:BPMNShape>
            <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="680" y="100" width="36" height="36" /></bpmndi:BPMNShape>
            <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="180" y="118" /></bpmndi:BPMNEdge>
            <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="280" y="118" /><di:waypoint x="330" y="118" /></bpmndi:BPMNEdge>
            <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="380" y="118" /><di:waypoint x="430" y="50" /></bpmndi:BPMNEdge>
            <bpmndi:BPMNEdge id="f4_di" bpmnElement="f4"><di:waypoint x="380" y="118" /><di:waypoint x="430" y="190" /></bpmndi:BPMNEdge>
            <bpmndi:BPMNEdge id="f5_di" bpmnElement="f5"><di:waypoint x="530" y="50" /><di:waypoint x="580" y="118" /></bpmndi:BPMNEdge>
            <bpmndi:BPMNEdge id="f6_di" bpmnElement="f6"><di:waypoint x="530" y="190" /><di:waypoint x="580" y="118" /></bpmndi:BPMNEdge>
            <bpmndi:BPMNEdge id="f7_di" bpmnElement="f7"><di:waypoint x="630" y="118" /><di:waypoint x="680" y="118" /></bpmndi:BPMNEdge>
          </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
        </bpmn:definitions>
        """;

    private HttpClient _admin = null!;
    private TestUser _stranger = null!;

    /// <summary>Supervisors here see phone numbers masked (the default unmasks them), so a masked variable is on the page to be refused.</summary>
    private protected override Task<IReadOnlyDictionary<string, string>?> HostSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>?>(new Dictionary<string, string>
        {
            ["Processes:Visibility:UnmaskedRoles:0"] = "agent",
            ["Processes:Visibility:UnmaskedRoles:1"] = "operator",
            ["Processes:Visibility:UnmaskedRoles:2"] = "admin",
        });

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(_admin, "dispatch", "Dispatch");
        await IdentityHost.PostAsync(_admin, "/api/groups", new { name = "elsewhere", displayName = "Elsewhere" });
        _stranger = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["elsewhere"]);
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task The_diagram_shows_the_path_taken_and_each_tasks_sla_met_warned_or_breached(int width, int height)
    {
        // The same file again is no new version, so each case may deploy it.
        (await IdentityHost.DeployAsync(_admin, "case-sla.bpmn", SlaModel)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        var now = DateTimeOffset.UtcNow;
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new
        {
            processDefinitionId = "case-sla",
            variables = new { @ref = $"S-{width}", firstDue = now.AddDays(1).ToString("o"), lateDue = now.AddHours(-1).ToString("o"), soonDue = now.AddSeconds(60).ToString("o") },
        });
        var key = started.GetProperty("processInstanceKey").GetString()!;
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        using (var api = Browser.Host.Bearer(agent.ApiKey))
        {
            var first = (await ViewAsync($"/api/instances/{key}")).GetProperty("tasks")[0].GetProperty("userTaskKey").GetString();
            (await api.PostAsJsonAsync($"/v2/user-tasks/{first}/assignment", new { assignee = agent.UserName })).EnsureSuccessStatusCode();
            (await api.PostAsJsonAsync($"/v2/user-tasks/{first}/completion", new { })).EnsureSuccessStatusCode();
        }
        // The SLA round as it would run 50 s from now: "soon" has used three quarters of its minute, "late" is past due.
        await Browser.Host.Service<Processes.Engine.Execution.IProcessEngine>().UserTasks.RecordSlaWarningsAsync(now.AddSeconds(50), CancellationToken.None);

        var page = (await OpenAsync(agent, $"/cases/{key}", "processesCase")).Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await page.EvaluateAsync("() => window.processesCase.ready");
        (await page.Locator("#case-title").TextContentAsync()).ShouldBe($"SLA case S-{width}");
        foreach (var done in new[] { "start", "f1", "first", "f2", "fork", "f3", "f4" })
        {
            (await page.Locator($"#diagram .djs-element.done[data-element-id='{done}']").CountAsync()).ShouldBe(1, $"{done} is on the path taken");
        }
        foreach (var ahead in new[] { "late", "soon", "join", "end", "f7" })
        {
            (await page.Locator($"#diagram .djs-element.done[data-element-id='{ahead}']").CountAsync()).ShouldBe(0, $"{ahead} is not behind the case");
        }
        (await page.Locator(".sla-badge[data-element-id='first']").GetAttributeAsync("data-sla")).ShouldBe("met");
        (await page.Locator(".sla-badge[data-element-id='late']").GetAttributeAsync("data-sla")).ShouldBe("breached");
        (await page.Locator(".sla-badge[data-element-id='soon']").GetAttributeAsync("data-sla")).ShouldBe("warned");
        (await page.Locator(".sla-badge[data-element-id='soon']").TextContentAsync()).ShouldBe("SLA warned");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/case-sla-{width}.png", FullPage = true });
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task An_agent_of_the_group_sees_the_demand_with_its_token_its_work_ticket_history_and_variables(int width, int height)
    {
        var demand = await StartDemandAsync($"D-CASE-{width}");
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var browser = await OpenAsync(agent, $"/cases/{demand}", "processesCase");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await page.EvaluateAsync("() => window.processesCase.ready");

        // The model's title (demand id · tier · appeal), not the instance key.
        (await page.Locator("#case-title").TextContentAsync()).ShouldBe($"D-CASE-{width} · regular · delivery");
        await page.Locator("#diagram .djs-element.token[data-element-id='Ticket']").WaitForAsync();
        // The path so far, and the work ticket's SLA on the call activity that runs it.
        (await page.Locator("#diagram .djs-element.done[data-element-id='DemandReceived']").CountAsync()).ShouldBe(1, "the start event is behind the case");
        (await page.Locator("#diagram .djs-element.done[data-element-id='Ticket']").CountAsync()).ShouldBe(0, "the live ticket is not done");
        (await page.Locator(".sla-badge[data-element-id='Ticket']").GetAttributeAsync("data-sla")).ShouldBe("on-track");
        (await page.Locator("#called").TextContentAsync())!.ShouldContain("sla-escalation");
        (await page.Locator("#task-rows tr").CountAsync()).ShouldBe(1);
        (await page.Locator("#task-rows").TextContentAsync())!.ShouldContain("dispatch");
        (await page.Locator("#history > li").CountAsync()).ShouldBe(3, "the last three updates on top");
        await page.ClickAsync("#history-all");
        (await page.Locator("#history > li").CountAsync()).ShouldBeGreaterThan(3);
        (await page.Locator("#variables").TextContentAsync())!.ShouldContain($"D-CASE-{width}");
        (await page.Locator("#cancel-case").CountAsync()).ShouldBe(0, "cancelling is the operators'");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/case-{width}.png", FullPage = true });
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    [Test]
    public async Task A_case_not_visible_to_the_user_is_not_found_and_an_admin_cancels_one_from_the_page()
    {
        var demand = await StartDemandAsync("D-CASE-CANCEL");
        var strangerPage = await OpenAsync(_stranger, $"/cases/{demand}", "processesCase");
        var stranger = strangerPage.Page;
        (await stranger.Locator("#message").TextContentAsync())!.ShouldContain("was not found");
        (await stranger.Locator("#case").IsVisibleAsync()).ShouldBeFalse();
        // The browser logs the API's 404 as a failed resource; that answer is the point here.
        strangerPage.Errors.RemoveAll(error => error.Contains("404 (Not Found)", StringComparison.Ordinal));

        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var page = (await OpenAsync(admin, $"/cases/{demand}", "processesCase")).Page;
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.ClickAsync("#cancel-case");
        await page.Locator("#message").GetByText("Case cancelled.").WaitForAsync();
        var instance = await ViewAsync($"/v2/process-instances/{demand}");
        instance.GetProperty("state").GetString().ShouldBe("TERMINATED");
    }

    [Test]
    public async Task An_operator_reads_the_case_and_may_cancel_it_though_the_models_actions_are_not_theirs()
    {
        var demand = await StartDemandAsync("D-CASE-OPERATOR");
        var opened = await OpenAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Operator]), $"/cases/{demand}", "processesCase");
        var page = opened.Page;
        (await page.Locator("#case").IsVisibleAsync()).ShouldBeTrue("an operator reads the case");
        (await page.Locator("#case-facts").TextContentAsync())!.ShouldContain(demand);
        (await page.Locator("#cancel-case").CountAsync()).ShouldBe(1, "cancelling is the operators'");
        // The actions are the task workers' (403 for an operator): the page shows no model action instead of failing.
        (await page.Locator("#actions button").CountAsync()).ShouldBe(1, "only the cancel button");
        opened.Errors.RemoveAll(error => error.Contains("403 (Forbidden)", StringComparison.Ordinal));
    }

    [Test]
    public async Task The_inbox_links_the_task_to_its_case_and_to_the_instance_that_runs_it()
    {
        var demand = await StartDemandAsync("D-CASE-LINK");
        var page = (await OpenAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]), "/inbox", "processesInbox")).Page;
        await page.ClickAsync("#views [data-view='group']");
        await page.Locator("#tasks li", new PageLocatorOptions { HasText = "D-CASE-LINK" }).ClickAsync();
        (await page.Locator("#case-link").TextContentAsync()).ShouldBe(demand, "the case is the demand");
        await page.ClickAsync("#instance-link");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/cases/\\d+$"));
        await page.WaitForFunctionAsync("() => window.processesCase !== undefined");
        await page.EvaluateAsync("() => window.processesCase.ready");
        (await page.Locator("#case-facts").TextContentAsync())!.ShouldContain("Called by");
    }

    [Test]
    public async Task The_work_tickets_action_is_offered_on_the_demands_case_page()
    {
        var demand = await StartDemandAsync("D-CASE-FIRST-RESPONSE");
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var page = (await OpenAsync(agent, $"/cases/{demand}", "processesCase")).Page;
        var button = page.Locator("#action-first-response");
        (await button.TextContentAsync()).ShouldBe("Record the first response");
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await button.ClickAsync();
        await page.Locator("#message").GetByText("Done: Record the first response.").WaitForAsync();
        var ticket = (await ViewAsync($"/api/instances/{demand}")).GetProperty("calledInstances").EnumerateArray()
            .Single(c => c.GetProperty("processDefinitionId").GetString() == "sla-escalation").GetProperty("processInstanceKey").GetString();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(await ViewAsync($"/api/instances/{ticket}")).GetProperty("variables").TryGetProperty("firstResponseAt", out var at) || at.ValueKind == JsonValueKind.Null)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the work ticket records the first response");
            await Task.Delay(300);
        }
        var audit = (await ViewAsync($"/api/audit?action=case.action&actor={agent.UserName}")).GetProperty("items").EnumerateArray().ToList();
        audit.ShouldContain(entry => entry.GetProperty("targetId").GetString() == demand, "audited against the demand");
    }

    [Test]
    public async Task A_supervisor_edits_a_variable_as_json_a_masked_one_stays_masked_and_an_agent_only_reads()
    {
        var demand = await StartDemandAsync("D-CASE-EDIT");
        var supervisor = await Browser.Host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["dispatch"]);
        var page = (await OpenAsync(supervisor, $"/cases/{demand}", "processesCase")).Page;
        (await page.Locator("#variables").TextContentAsync())!.ShouldContain("***", Case.Sensitive, "the phone is masked for supervisors here");
        (await page.Locator("#variables [data-variable='customer']").CountAsync()).ShouldBe(0, "a masked value is not offered for editing");
        await page.ClickAsync("#variables [data-variable='entrance']");
        var editor = page.GetByLabel("New value of entrance (JSON)");
        (await page.EvaluateAsync<string>("() => document.activeElement.id")).ShouldBe("edit-entrance", "the editor takes the focus");
        await editor.FillAsync("hotline");
        await page.ClickAsync(".variable-editor button[type=submit]");
        (await page.Locator(".variable-editor .message").TextContentAsync())!.ShouldStartWith("Not JSON");
        await editor.FillAsync("\"hotline\"");
        await page.ClickAsync(".variable-editor button[type=submit]");
        await page.Locator("#message").GetByText("Saved entrance.").WaitForAsync();
        (await ViewAsync($"/api/instances/{demand}")).GetProperty("variables").GetProperty("entrance").GetString().ShouldBe("hotline");
        (await page.EvaluateAsync<string>("() => document.activeElement.dataset.variable")).ShouldBe("entrance", "focus stays on the edited variable");
        var audit = (await ViewAsync($"/api/audit?action=case.variable.set&actor={supervisor.UserName}")).GetProperty("items").EnumerateArray().ToList();
        audit.ShouldContain(entry => entry.GetProperty("targetId").GetString() == demand && entry.GetProperty("details").GetRawText().Contains("entrance", StringComparison.Ordinal));

        using var lead = Browser.Host.Bearer(supervisor.ApiKey);
        using var masked = await lead.PutAsJsonAsync($"/api/instances/{demand}/variables/customer", new { value = new { id = "C-1", phone = "***" } });
        masked.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden, await masked.Content.ReadAsStringAsync());
        using var unknown = await lead.PutAsJsonAsync($"/api/instances/{demand}/variables/nothingLikeIt", new { value = 1 });
        unknown.StatusCode.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("nothingLikeIt");
        using var empty = await lead.PutAsJsonAsync($"/api/instances/{demand}/variables/entrance", new { });
        empty.StatusCode.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);
        (await empty.Content.ReadAsStringAsync()).ShouldContain("value");

        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var agentPage = (await OpenAsync(agent, $"/cases/{demand}", "processesCase")).Page;
        (await agentPage.Locator("#variables [data-variable]").CountAsync()).ShouldBe(0, "agents read the variables");
        (await agentPage.Locator("#variables").TextContentAsync())!.ShouldContain("+86 138 0000 0077", Case.Sensitive, "agents see the phone");
        using var refused = await Browser.Host.Bearer(agent.ApiKey).PutAsJsonAsync($"/api/instances/{demand}/variables/entrance", new { value = "chat" });
        refused.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Whoever_sees_the_case_comments_on_it_and_a_stranger_gets_404()
    {
        var demand = await StartDemandAsync("D-CASE-COMMENT");
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var page = (await OpenAsync(agent, $"/cases/{demand}", "processesCase")).Page;
        await page.GetByLabel("Add a comment").FillAsync("Customer called again, wants a callback.");
        await page.ClickAsync("#comment-add");
        await page.Locator("#message").GetByText("Comment added.").WaitForAsync();
        (await page.Locator("#comments li").CountAsync()).ShouldBe(1);
        (await page.Locator("#comments li").TextContentAsync())!.ShouldContain(agent.UserName);
        (await page.EvaluateAsync<string>("() => document.activeElement.id")).ShouldBe("comment-text", "focus stays in the comment box");

        var colleague = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var listed = await Browser.Host.Bearer(colleague.ApiKey).GetFromJsonAsync<JsonElement>($"/api/instances/{demand}/comments");
        listed.EnumerateArray().Single().GetProperty("text").GetString().ShouldBe("Customer called again, wants a callback.");
        (await Browser.Host.Bearer(_stranger.ApiKey).GetAsync($"/api/instances/{demand}/comments")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        using var blank = await Browser.Host.Bearer(colleague.ApiKey).PostAsJsonAsync($"/api/instances/{demand}/comments", new { text = " " });
        blank.StatusCode.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);
        var audit = (await ViewAsync($"/api/audit?action=case.commented&actor={agent.UserName}")).GetProperty("items").EnumerateArray().ToList();
        audit.ShouldContain(entry => entry.GetProperty("targetId").GetString() == demand);
        // The task comments stay the task's: the case's comment is not among its ticket's.
        var ticket = (await ViewAsync($"/api/instances/{demand}")).GetProperty("tasks")[0].GetProperty("userTaskKey").GetString();
        (await Browser.Host.Bearer(colleague.ApiKey).GetFromJsonAsync<JsonElement>($"/api/tasks/{ticket}/comments")).GetArrayLength().ShouldBe(0);
    }

    private async Task<string> StartDemandAsync(string demandId)
    {
        var demand = await Shipped.ShippedDemands.StartAsync(_admin, demandId);
        await Shipped.ShippedDemands.NextTicketAsync(_admin, demand, null);
        return demand;
    }

    private async Task<JsonElement> ViewAsync(string path) => await _admin.GetFromJsonAsync<JsonElement>(path);
}
