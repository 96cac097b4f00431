using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Inbox;

/// <summary>GET /v2/user-tasks/{key}/form: the linked form's latest version, for those who may see the task.</summary>
public sealed class UserTaskFormApiTests : AdminHostTest
{
    private static string Model(string processId, string? formId) =>
        Api.TaskModels.DeskTask(processId, "check", "Check", "form-desk", formId is null ? "" : $"<zeebe:formDefinition formId=\"{formId}\" />");

    private static string Form(string label) =>
        $$"""{"id":"form-api-check","type":"default","components":[{"type":"textfield","key":"notes","label":"{{label}}"}]}""";

    private HttpClient _agent = null!;
    private HttpClient _outsider = null!;
    private HttpClient _designer = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var admin = Admin;
        await IdentityHost.PostAsync(admin, "/api/groups", new { name = "form-desk", displayName = "Form desk" });
        await IdentityHost.PostAsync(admin, "/api/groups", new { name = "elsewhere", displayName = "Elsewhere" });
        _agent = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Agent], groups: ["form-desk"])).ApiKey);
        _outsider = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Agent], groups: ["elsewhere"])).ApiKey);
        _designer = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        await DeployOkAsync("form-api-check.form", Form("Notes"));
        await DeployOkAsync("with-form.bpmn", Model("form-api-with", "form-api-check"));
        await DeployOkAsync("without-form.bpmn", Model("form-api-without", null));
        await DeployOkAsync("missing-form.bpmn", Model("form-api-missing", "never-deployed"));
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _agent.Dispose();
        _outsider.Dispose();
        _designer.Dispose();
    }

    [Test]
    public async Task The_form_of_a_task_is_its_latest_deployed_version_with_the_schema_as_text()
    {
        var task = await StartAsync("form-api-with");
        var first = await _agent.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{task}/form");
        first.GetProperty("formId").GetString().ShouldBe("form-api-check");
        first.GetProperty("tenantId").GetString().ShouldBe("<default>");
        var version = first.GetProperty("version").GetInt32();
        JsonDocument.Parse(first.GetProperty("schema").GetString()!).RootElement.GetProperty("id").GetString().ShouldBe("form-api-check");

        await DeployOkAsync("form-api-check.form", Form("Remarks"));
        var second = await _agent.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{task}/form");
        second.GetProperty("version").GetInt32().ShouldBe(version + 1);
        second.GetProperty("schema").GetString()!.ShouldContain("Remarks");
        second.GetProperty("formKey").GetString().ShouldNotBe(first.GetProperty("formKey").GetString());
    }

    [Test]
    public async Task A_task_without_a_form_answers_no_content_and_an_undeployed_form_is_a_problem_naming_it()
    {
        using var none = await _agent.GetAsync(new Uri($"/v2/user-tasks/{await StartAsync("form-api-without")}/form", UriKind.Relative));
        none.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var missing = await _agent.GetAsync(new Uri($"/v2/user-tasks/{await StartAsync("form-api-missing")}/form", UriKind.Relative));
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await missing.Content.ReadAsStringAsync()).ShouldContain("never-deployed");
    }

    [Test]
    public async Task Someone_who_may_not_see_the_task_gets_not_found()
    {
        var task = await StartAsync("form-api-with");
        using var response = await _outsider.GetAsync(new Uri($"/v2/user-tasks/{task}/form", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var unknown = await _agent.GetAsync(new Uri("/v2/user-tasks/not-a-key/form", UriKind.Relative));
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task DeployOkAsync(string name, string content)
    {
        using var response = await IdentityHost.DeployAsync(_designer, name, content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Starts an instance and returns its user task's key (the task is created in the start's transaction).</summary>
    private async Task<string> StartAsync(string processId)
    {
        var started = await IdentityHost.PostAsync(_agent, "/v2/process-instances", new { processDefinitionId = processId });
        var instance = started.GetProperty("processInstanceKey").GetString();
        var found = await IdentityHost.PostAsync(_agent, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } });
        return found.GetProperty("items").EnumerateArray().Single().GetProperty("userTaskKey").GetString()!;
    }
}
