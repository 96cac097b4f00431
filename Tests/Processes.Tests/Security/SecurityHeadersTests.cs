using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Processes.Host.Identity;
using Processes.Host.Security;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Security;

/// <summary>
/// One header policy on every route family: pages, the 403 page, /v2 and /api JSON, model documents (downloads),
/// problem+json 400/404, 401/403, the antiforgery refusal, static assets, health and the OpenAPI document. Every answer
/// has nosniff, no-referrer and a content security policy (the page policy for HTML, the data policy otherwise, the
/// sandbox for documents); answers to a signed-in user and API answers are not stored; HSTS only over https.
/// </summary>
public sealed class SecurityHeadersTests : DatabaseTest
{
    private const string DmnFile = """
        <?xml version="1.0" encoding="UTF-8"?>
        <definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="headers-drg" name="Headers" namespace="http://camunda.org/schema/1.0/dmn">
          <decision id="headers-decision" name="Headers decision"><literalExpression><text>"ok"</text></literalExpression></decision>
        </definitions>
        """;

    private const string BpmnFile = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
          <bpmn:process id="headers-process" isExecutable="true">
            <bpmn:startEvent id="start" /><bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private const string FormModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="headers-with-form" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="task"><bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="headers-form" /></bpmn:extensionElements></bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
            <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private enum Kind
    {
        Page,
        Data,
        Document,
        Asset,
    }

    private IdentityHost _host = null!;
    private HttpClient _admin = null!;
    private HttpClient _adminSession = null!;
    private HttpClient _agent = null!;
    private HttpClient _agentSession = null!;
    private string _processKey = "";
    private string _decisionKey = "";

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = IdentityHost.Start(ConnectionString);
        _admin = await _host.AdminAsync();
        _adminSession = await _host.SignInAsync(IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword);
        var agent = await _host.CreateUserAsync(roles: [Roles.Agent]);
        _agent = _host.Bearer(agent.ApiKey);
        _agentSession = await _host.SignInAsync(agent.UserName, agent.Password);
        (await _agentSession.PostAsJsonAsync("/api/auth/password", new { currentPassword = agent.Password, newPassword = "the agent's own password" }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);
        foreach (var (name, text) in new[] { ("headers process.bpmn", BpmnFile), ("headers.dmn", DmnFile) })
        {
            using var deployed = await IdentityHost.DeployAsync(_admin, name, text);
            deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        }
        _processKey = await FirstKeyAsync("/v2/process-definitions/search", "headers-process", "processDefinitionId", "processDefinitionKey");
        _decisionKey = await FirstKeyAsync("/v2/decision-definitions/search", "headers-decision", "decisionDefinitionId", "decisionDefinitionKey");
    }

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _admin.Dispose();
        _adminSession.Dispose();
        _agent.Dispose();
        _agentSession.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<string> FirstKeyAsync(string path, string id, string idProperty, string keyProperty)
    {
        var found = await IdentityHost.PostAsync(_admin, path, new { filter = new Dictionary<string, string> { [idProperty] = id } });
        return found.GetProperty("items")[0].GetProperty(keyProperty).GetString()!;
    }

    private static async Task<HttpResponseMessage> Navigate(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return await client.SendAsync(request);
    }

    private static void ShouldFollowPolicy(HttpResponseMessage response, Kind kind, HttpStatusCode status)
    {
        var what = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}";
        response.StatusCode.ShouldBe(status, what);
        Header(response, "X-Content-Type-Options").ShouldBe("nosniff", what);
        Header(response, "Referrer-Policy").ShouldBe("no-referrer", what);
        Header(response, "Strict-Transport-Security").ShouldBeNull(what + " (http)");
        var policy = Header(response, "Content-Security-Policy");
        var cache = Header(response, "Cache-Control");
        var type = response.Content.Headers.ContentType?.MediaType;
        switch (kind)
        {
            case Kind.Page:
                type.ShouldBe("text/html", what);
                policy.ShouldBe(SecurityHeaders.PagePolicy, what);
                policy.ShouldNotBeNull().ShouldContain("script-src 'self'");
                policy.ShouldContain("frame-ancestors 'none'");
                cache.ShouldBe("no-store", what);
                break;
            case Kind.Data:
                type.ShouldNotBe("text/html", what);
                policy.ShouldBe("default-src 'none'; frame-ancestors 'none'", what);
                // Health checks write "no-store, no-cache" themselves.
                cache.ShouldNotBeNull(what).Split(", ").ShouldContain("no-store", what);
                break;
            case Kind.Document:
                type.ShouldBe("text/xml", what);
                policy.ShouldBe(ModelDocuments.SandboxPolicy, what);
                policy!.ShouldStartWith("sandbox;");
                cache.ShouldBe("no-store", what);
                response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment", what);
                break;
            case Kind.Asset:
                policy.ShouldBe("default-src 'none'; frame-ancestors 'none'", what);
                cache.ShouldBe("no-cache", what + ": the bundle may be cached, revalidated");
                break;
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    [Test]
    public async Task Pages_signed_in_or_not_and_the_403_page_get_the_page_policy()
    {
        ShouldFollowPolicy(await Navigate(_host.Anonymous(), "/login"), Kind.Page, HttpStatusCode.OK);
        ShouldFollowPolicy(await Navigate(_adminSession, "/designer"), Kind.Page, HttpStatusCode.OK);
        ShouldFollowPolicy(await Navigate(_agentSession, "/inbox"), Kind.Page, HttpStatusCode.OK);
        var forbidden = await Navigate(_agentSession, "/designer");
        ShouldFollowPolicy(forbidden, Kind.Page, HttpStatusCode.Forbidden);
        (await forbidden.Content.ReadAsStringAsync()).ShouldContain("Forbidden");
        var redirect = await Navigate(_host.Anonymous(), "/operations");
        ShouldFollowPolicy(redirect, Kind.Data, HttpStatusCode.Redirect);
    }

    [Test]
    public async Task Api_answers_json_and_problems_get_the_data_policy_and_are_not_stored()
    {
        ShouldFollowPolicy(await _admin.PostAsJsonAsync("/v2/process-definitions/search", new { }), Kind.Data, HttpStatusCode.OK);
        ShouldFollowPolicy(await _adminSession.GetAsync("/api/auth/me"), Kind.Data, HttpStatusCode.OK);
        ShouldFollowPolicy(await _admin.GetAsync("/api/users"), Kind.Data, HttpStatusCode.OK);
        ShouldFollowPolicy(await _admin.GetAsync("/v2/topology"), Kind.Data, HttpStatusCode.OK);

        var badKey = await _admin.GetAsync("/v2/process-definitions/not-a-key/xml");
        ShouldFollowPolicy(badKey, Kind.Data, HttpStatusCode.BadRequest);
        badKey.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var missing = await _admin.GetAsync("/v2/decision-definitions/999999/xml");
        ShouldFollowPolicy(missing, Kind.Data, HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        ShouldFollowPolicy(await _admin.GetAsync("/no/such/route"), Kind.Data, HttpStatusCode.NotFound);
        using var hostile = await IdentityHost.DeployAsync(_admin, "hostile.bpmn", HostileModels.ScriptInExtension("headers-hostile"));
        ShouldFollowPolicy(hostile, Kind.Data, HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Refusals_401_403_and_the_antiforgery_400_get_the_data_policy()
    {
        ShouldFollowPolicy(await _host.Anonymous().GetAsync("/api/auth/me"), Kind.Data, HttpStatusCode.Unauthorized);
        ShouldFollowPolicy(await _host.Anonymous().GetAsync($"/v2/process-definitions/{_processKey}/xml"), Kind.Data, HttpStatusCode.Unauthorized);
        ShouldFollowPolicy(await _agent.GetAsync("/api/users"), Kind.Data, HttpStatusCode.Forbidden);
        var noToken = await _host.SignInAsync(IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword, withAntiforgery: false);
        ShouldFollowPolicy(await noToken.PostAsJsonAsync("/api/groups", new { name = "csrf" }), Kind.Data, HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Model_documents_are_sandboxed_attachments_named_after_the_resource_with_the_xml_as_body()
    {
        var process = await _agent.GetAsync($"/v2/process-definitions/{_processKey}/xml");
        ShouldFollowPolicy(process, Kind.Document, HttpStatusCode.OK);
        var disposition = process.Content.Headers.ContentDisposition!;
        disposition.FileNameStar.ShouldBe("headers process.bpmn");
        disposition.FileName!.Trim('"').ShouldBe("headers_process.bpmn");
        (await process.Content.ReadAsStringAsync()).ShouldBe(BpmnFile);

        var decision = await _adminSession.GetAsync($"/v2/decision-definitions/{_decisionKey}/xml");
        ShouldFollowPolicy(decision, Kind.Document, HttpStatusCode.OK);
        decision.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe("headers.dmn");
        (await decision.Content.ReadAsStringAsync()).ShouldBe(DmnFile);
    }

    [Test]
    public async Task A_task_form_answer_carries_the_download_headers_as_well()
    {
        using (var form = await IdentityHost.DeployAsync(_admin, "headers-form.form", """{"id":"headers-form","type":"default","components":[]}"""))
        {
            form.StatusCode.ShouldBe(HttpStatusCode.OK, await form.Content.ReadAsStringAsync());
        }
        using (var deployed = await IdentityHost.DeployAsync(_admin, "headers-with-form.bpmn", FormModel))
        {
            deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        }
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "headers-with-form" });
        var tasks = await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = started.GetProperty("processInstanceKey").GetString() } });
        var task = tasks.GetProperty("items").EnumerateArray().Single().GetProperty("userTaskKey").GetString();

        var answer = await _admin.GetAsync($"/v2/user-tasks/{task}/form");

        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        answer.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        Header(answer, "Content-Security-Policy").ShouldBe(ModelDocuments.SandboxPolicy);
        Header(answer, "X-Content-Type-Options").ShouldBe("nosniff");
        Header(answer, "Cache-Control").ShouldBe("no-store");
        answer.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe("headers-form.form.json");
        (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("formId").GetString().ShouldBe("headers-form");
    }

    [Test]
    public void A_resource_name_cannot_break_the_content_disposition_header()
    {
        var value = ModelDocuments.Attachment("evil\"\r\nSet-Cookie: x=1;.bpmn");

        value.ShouldNotContain("\r");
        value.ShouldNotContain("\n");
        var parsed = ContentDispositionHeaderValue.Parse(value);
        parsed.DispositionType.ShouldBe("attachment");
        parsed.FileNameStar.ShouldBe("evil\"\r\nSet-Cookie: x=1;.bpmn");
    }

    [Test]
    public async Task Static_assets_health_and_openapi_follow_the_policy()
    {
        var anonymous = _host.Anonymous();
        ShouldFollowPolicy(await anonymous.GetAsync("/designer/designer.js"), Kind.Asset, HttpStatusCode.OK);
        ShouldFollowPolicy(await anonymous.GetAsync("/designer/designer.css"), Kind.Asset, HttpStatusCode.OK);
        ShouldFollowPolicy(await anonymous.GetAsync("/health/live"), Kind.Data, HttpStatusCode.OK);
        ShouldFollowPolicy(await anonymous.GetAsync("/health/ready"), Kind.Data, HttpStatusCode.OK);
        var openApi = await anonymous.GetAsync("/openapi/v1.json");
        ShouldFollowPolicy(openApi, Kind.Data, HttpStatusCode.OK);
        JsonDocument.Parse(await openApi.Content.ReadAsStringAsync()).RootElement.GetProperty("paths")
            .TryGetProperty("/v2/process-definitions/{key}/xml", out _).ShouldBeTrue();
    }

    [Test]
    public async Task Strict_transport_security_is_sent_over_https_only()
    {
        using var https = _host.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        using var http = _host.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost"), AllowAutoRedirect = false });

        Header(await https.GetAsync("/health/live"), "Strict-Transport-Security").ShouldBe(SecurityHeaders.StrictTransportSecurity);
        Header(await https.GetAsync("/login"), "Strict-Transport-Security").ShouldBe(SecurityHeaders.StrictTransportSecurity);
        Header(await http.GetAsync("/health/live"), "Strict-Transport-Security").ShouldBeNull();
    }
}
