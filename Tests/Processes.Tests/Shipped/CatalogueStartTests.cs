using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// Starts that are not a start form's submission carry the values the start form would offer all the same: a message
/// published or correlated, a webhook call and the <c>start-process</c> activity, each with a value outside the shipped
/// catalogue <c>refund-reasons</c>, start nothing — the caller gets the 422 naming the field and the value (the job an
/// incident saying so) — and the same start with a catalogue value goes through. The engine checks inside the start's
/// command, so every path is the one check.
/// </summary>
public sealed class CatalogueStartTests : HostedScenario
{
    private const string WebhookSecret = "cat-start-secret";
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        Host = IdentityHost.Start(ConnectionString, logs: Logs, settings: new Dictionary<string, string>
        {
            ["Processes:Secrets:CAT_START_SECRET"] = WebhookSecret,
        });
        _admin = await Host.AdminAsync();
        await EventuallyAsync("the seeded catalogue refund-reasons", async () =>
        {
            var response = await _admin.GetAsync(new Uri("/api/catalogues/refund-reasons", UriKind.Relative));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement : null;
        });
        using var deploy = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes(Model)), "resources", "cat-start.bpmn" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(StarterModel)), "resources", "cat-starter.bpmn" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(WaiterModel)), "resources", "cat-waiter.bpmn" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(Form)), "resources", "cat-start.form" },
        };
        var deployed = await _admin.PostAsync(new Uri("/v2/deployments", UriKind.Relative), deploy);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task A_message_outside_the_catalogue_starts_nothing_whether_published_or_correlated()
    {
        var published = await _admin.PostAsJsonAsync("/v2/messages/publication",
            new { name = "cat-start-msg", correlationKey = "P-1", timeToLive = 60000, variables = new { reason = "bored" } });
        await ShouldBeRefusedAsync(published);
        var correlated = await _admin.PostAsJsonAsync("/v2/messages/correlation", new { name = "cat-start-msg", correlationKey = "P-2", variables = new { reason = "bored" } });
        await ShouldBeRefusedAsync(correlated);
        (await InstancesAsync()).ShouldBe(0, "neither started an instance (nor was the message buffered to start one later)");

        var good = await _admin.PostAsJsonAsync("/v2/messages/correlation", new { name = "cat-start-msg", correlationKey = "P-3", variables = new { reason = "damaged" } });
        good.StatusCode.ShouldBe(HttpStatusCode.OK, await good.Content.ReadAsStringAsync());
        (await InstancesAsync()).ShouldBe(1);
    }

    [Test]
    public async Task A_message_that_starts_nothing_is_not_refused_for_the_start_form_it_does_not_fill()
    {
        // An instance waits for the message (started by the API with a catalogue value): the message only correlates.
        await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "cat-waiter", variables = new { orderId = "K-1", reason = "lost" } });
        await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "cat-waiter", variables = new { orderId = "K-2", reason = "lost" } });
        await EventuallyAsync("both instances waiting for the message", async () =>
            await WaitersAsync("catch") == 2 ? JsonSerializer.SerializeToElement(2) : null);
        var published = await _admin.PostAsJsonAsync("/v2/messages/publication",
            new { name = "cat-wait-msg", correlationKey = "K-1", timeToLive = 60000, variables = new { reason = "bored" } });
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        var correlated = await _admin.PostAsJsonAsync("/v2/messages/correlation", new { name = "cat-wait-msg", correlationKey = "K-2", variables = new { reason = "bored" } });
        correlated.StatusCode.ShouldBe(HttpStatusCode.OK, await correlated.Content.ReadAsStringAsync());
        await EventuallyAsync("both instances past the message", async () =>
            await WaitersAsync("wait") == 2 ? JsonSerializer.SerializeToElement(2) : null);
        (await WaitersAsync(null)).ShouldBe(2, "the messages started no instance");

        // A message with nobody waiting would start one: refused, nothing started.
        await ShouldBeRefusedAsync(await _admin.PostAsJsonAsync("/v2/messages/publication",
            new { name = "cat-wait-msg", correlationKey = "K-3", variables = new { reason = "bored" } }));
        (await WaitersAsync(null)).ShouldBe(2);

        // A message start holds its key: a second message with it starts nothing (accepted) unless it is buffered to
        // start the next instance when the first ends (refused: nobody would be told then).
        var first = await _admin.PostAsJsonAsync("/v2/messages/publication", new { name = "cat-wait-msg", correlationKey = "K-4", variables = new { reason = "lost" } });
        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        (await WaitersAsync(null)).ShouldBe(3);
        var dropped = await _admin.PostAsJsonAsync("/v2/messages/publication", new { name = "cat-wait-msg", correlationKey = "K-4", variables = new { reason = "bored" } });
        dropped.StatusCode.ShouldBe(HttpStatusCode.OK, await dropped.Content.ReadAsStringAsync());
        await ShouldBeRefusedAsync(await _admin.PostAsJsonAsync("/v2/messages/publication",
            new { name = "cat-wait-msg", correlationKey = "K-4", timeToLive = 60000, variables = new { reason = "bored" } }));
        (await WaitersAsync(null)).ShouldBe(3);
    }

    [Test]
    public async Task A_webhook_call_outside_the_catalogue_is_a_422_naming_the_field()
    {
        var platform = Host.Anonymous();
        var refused = await CallWebhookAsync(platform, """{"id": "W-1", "reason": "bored"}""");
        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetRawText().ShouldContain("reason");
        problem.GetRawText().ShouldContain("'bored' is not in the catalogue 'refund-reasons'");

        var accepted = await CallWebhookAsync(platform, """{"id": "W-2", "reason": "lost"}""");
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task The_start_process_activity_fails_with_an_incident_naming_the_field_and_the_value()
    {
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances",
            new { processDefinitionId = "cat-starter", variables = new { orderId = "S-1", reason = "bored" } });
        var starter = started.GetProperty("processInstanceKey").GetString()!;
        var incident = await EventuallyAsync("the start-process incident", async () =>
            (await IdentityHost.PostAsync(_admin, "/v2/incidents/search", new { filter = new { processInstanceKey = starter } }))
                .GetProperty("items").EnumerateArray().Select(i => (JsonElement?)i).FirstOrDefault());
        var message = incident.GetProperty("errorMessage").GetString()!;
        message.ShouldContain("reason: 'bored' is not in the catalogue 'refund-reasons'");
        (await InstancesAsync()).ShouldBe(0, "the child did not start");

        // The same activity with a catalogue value starts the child.
        var good = await IdentityHost.PostAsync(_admin, "/v2/process-instances",
            new { processDefinitionId = "cat-starter", variables = new { orderId = "S-2", reason = "defective" } });
        good.GetProperty("processInstanceKey").GetString().ShouldNotBeNull();
        await EventuallyAsync("the child started by start-process", async () =>
            await InstancesAsync() == 1 ? JsonSerializer.SerializeToElement(1) : null);
    }

    [TearDown]
    public async Task CancelChildren()
    {
        // Each test counts the children it started: the others' are cancelled.
        var items = (await IdentityHost.PostAsync(_admin, "/v2/process-instances/search",
            new { filter = new { processDefinitionId = "cat-start", state = "ACTIVE" } })).GetProperty("items");
        foreach (var item in items.EnumerateArray())
        {
            await _admin.PostAsJsonAsync($"/v2/process-instances/{item.GetProperty("processInstanceKey").GetString()}/cancellation", new { });
        }
    }

    private static async Task ShouldBeRefusedAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await response.Content.ReadAsStringAsync());
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("reason")[0].GetString()!.ShouldStartWith("'bored' is not in the catalogue 'refund-reasons' (version ");
    }

    private async Task<int> InstancesAsync() =>
        (await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "cat-start", state = "ACTIVE" } }))
            .GetProperty("items").GetArrayLength();

    /// <summary>Active cat-waiter instances; with an element id, those with an active element instance of it.</summary>
    private async Task<int> WaitersAsync(string? elementId)
    {
        var items = (await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "cat-waiter", state = "ACTIVE" } }))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("processInstanceKey").GetString()).ToList();
        if (elementId is null)
        {
            return items.Count;
        }
        var at = (await IdentityHost.PostAsync(_admin, "/v2/element-instances/search", new { filter = new { elementId, state = "ACTIVE" } })).GetProperty("items")
            .EnumerateArray().Select(e => e.GetProperty("processInstanceKey").GetString()).ToHashSet();
        return items.Count(at.Contains);
    }

    private static async Task<HttpResponseMessage> CallWebhookAsync(HttpClient platform, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/cat-start") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", WebhookSecret);
        return await platform.SendAsync(request);
    }

    private Task<JsonElement> EventuallyAsync(string what, Func<Task<JsonElement?>> probe) =>
        ScenarioHttp.EventuallyAsync(what, probe, _admin, null, Logs, TimeSpan.FromSeconds(30));

    private const string Form = """
        {"id": "cat-start-form", "type": "default", "schemaVersion": 16, "components": [
          {"type": "select", "id": "Field_Reason", "key": "reason", "label": "Reason",
           "values": [{"label": "Goods lost", "value": "lost"}], "properties": {"catalogue": "refund-reasons"}}
        ]}
        """;

    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:message id="M" name="cat-start-msg" />
          <bpmn:process id="cat-start" isExecutable="true">
            <bpmn:startEvent id="S">
              <bpmn:extensionElements>
                <zeebe:formDefinition formId="cat-start-form" />
                <zeebe:properties>
                  <zeebe:property name="webhook.path" value="cat-start" />
                  <zeebe:property name="webhook.auth" value="apiKey" />
                  <zeebe:property name="webhook.secret" value="CAT_START_SECRET" />
                  <zeebe:property name="webhook.idempotencyKey" value="=body.id" />
                  <zeebe:property name="webhook.variables" value="={reason: body.reason}" />
                </zeebe:properties>
              </bpmn:extensionElements>
            </bpmn:startEvent>
            <bpmn:startEvent id="ByMessage"><bpmn:messageEventDefinition messageRef="M" /></bpmn:startEvent>
            <bpmn:userTask id="wait" />
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="wait" />
            <bpmn:sequenceFlow id="f2" sourceRef="ByMessage" targetRef="wait" />
            <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    /// <summary>A start form with the catalogue field, a message start and a catch of the same message.</summary>
    private const string WaiterModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d3" targetNamespace="t">
          <bpmn:message id="MW" name="cat-wait-msg">
            <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements>
          </bpmn:message>
          <bpmn:process id="cat-waiter" isExecutable="true">
            <bpmn:startEvent id="S3">
              <bpmn:extensionElements><zeebe:formDefinition formId="cat-start-form" /></bpmn:extensionElements>
            </bpmn:startEvent>
            <bpmn:startEvent id="ByMessage3"><bpmn:messageEventDefinition messageRef="MW" /></bpmn:startEvent>
            <bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition messageRef="MW" /></bpmn:intermediateCatchEvent>
            <bpmn:userTask id="wait" />
            <bpmn:endEvent id="end3" />
            <bpmn:sequenceFlow id="h1" sourceRef="S3" targetRef="catch" />
            <bpmn:sequenceFlow id="h2" sourceRef="catch" targetRef="wait" />
            <bpmn:sequenceFlow id="h3" sourceRef="ByMessage3" targetRef="wait" />
            <bpmn:sequenceFlow id="h4" sourceRef="wait" targetRef="end3" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private const string StarterModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d2" targetNamespace="t">
          <bpmn:process id="cat-starter" isExecutable="true">
            <bpmn:startEvent id="s2" />
            <bpmn:serviceTask id="startChild">
              <bpmn:extensionElements>
                <zeebe:taskDefinition type="start-process" retries="1" />
                <zeebe:taskHeaders><zeebe:header key="bpmnProcessId" value="cat-start" /></zeebe:taskHeaders>
                <zeebe:ioMapping>
                  <zeebe:input source="=orderId" target="businessKey" />
                  <zeebe:input source="={reason: reason}" target="startVariables" />
                </zeebe:ioMapping>
              </bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:endEvent id="e2" />
            <bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="startChild" />
            <bpmn:sequenceFlow id="g2" sourceRef="startChild" targetRef="e2" />
          </bpmn:process>
        </bpmn:definitions>
        """;
}
