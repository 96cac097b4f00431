using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The inbound webhooks the models declare, called as a platform calls them (this test is the loopback "platform": an
/// anonymous client that signs its raw body with HMAC-SHA256 under the shared secret): the shipped service fulfilment's
/// tmall webhook starts one fulfilment per order id — replays get the first answer, bad signatures start nothing,
/// malformed bodies are refused naming the field — and a webhook on a message catch event, with an API key, reaches the
/// instance waiting for it; a new version of a model takes its path over.
/// </summary>
public sealed class ServiceOrderWebhookTests : ShippedHttpScenario
{
    private const string TmallPath = "/webhooks/service-orders/tmall";

    /// <summary>Monday 23 Nov 2026, 09:00 UTC.</summary>
    protected override DateTimeOffset Start => new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_signed_tmall_order_starts_one_fulfilment_however_often_it_is_replayed()
    {
        var platform = Host.Anonymous();
        var body = Order("TM-7001");

        var first = await SendAsync(platform, TmallPath, body, Sign(body));
        var firstText = await first.Content.ReadAsStringAsync();
        first.StatusCode.ShouldBe(HttpStatusCode.OK, firstText);
        var answer = JsonDocument.Parse(firstText).RootElement;
        answer.GetProperty("accepted").GetBoolean().ShouldBeTrue();
        answer.GetProperty("tid").GetString().ShouldBe("TM-7001");
        var key = answer.GetProperty("processInstanceKey").GetString()!;

        // The same order again (a platform retrying after a timeout): the first answer, nothing new.
        var replay = await SendAsync(platform, TmallPath, body, "sha256=" + Sign(body));
        replay.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await replay.Content.ReadAsStringAsync()).ShouldBe(firstText);
        replay.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        // Resent with another field changed: still the same order id, still the first answer.
        var changed = body.Replace("\"service_fee\": 180", "\"service_fee\": 181", StringComparison.Ordinal);
        var resent = await SendAsync(platform, TmallPath, changed, Sign(changed));
        resent.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await resent.Content.ReadAsStringAsync()).ShouldBe(firstText);

        var view = await WaitAtAsync(long.Parse(key, CultureInfo.InvariantCulture), "ManualDispatch"); // no technician profile here: dispatched by hand
        view.GetProperty("variables").GetProperty("serviceOrderId").GetString().ShouldBe("TM-7001");
        view.GetProperty("variables").GetProperty("platform").GetString().ShouldBe("tmall");
        (await InstancesAsync()).Count(i => i.BusinessKey == "tmall:TM-7001").ShouldBe(1);
    }

    [Test]
    public async Task Bad_signatures_and_malformed_bodies_start_nothing_and_say_why()
    {
        var platform = Host.Anonymous();
        var body = Order("TM-7002");
        var before = (await InstancesAsync()).Count;

        var forged = await SendAsync(platform, TmallPath, body, HmacHex("not-the-secret", body));
        forged.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await forged.Content.ReadAsStringAsync()).ShouldContain("X-Tmall-Signature");
        var unsigned = await SendAsync(platform, TmallPath, body, null);
        unsigned.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // Signed, then altered on the way: the signature covers the raw body.
        var altered = await SendAsync(platform, TmallPath, body.Replace("TM-7002", "TM-7003", StringComparison.Ordinal), Sign(body));
        altered.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var noTid = body.Replace("\"tid\": \"TM-7002\",", "", StringComparison.Ordinal);
        var missing = await SendAsync(platform, TmallPath, noTid, Sign(noTid));
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await missing.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("field").GetString().ShouldBe("tid");
        problem.GetProperty("detail").GetString()!.ShouldContain("'tid'");

        var noCity = body.Replace("\"city\": \"Hangzhou\",", "", StringComparison.Ordinal);
        var nested = await SendAsync(platform, TmallPath, noCity, Sign(noCity));
        nested.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await nested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString().ShouldBe("receiver.city");

        const string array = "[1, 2]";
        var notAnObject = await SendAsync(platform, TmallPath, array, Sign(array));
        notAnObject.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notAnObject.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString().ShouldBe("body");

        var unknown = await SendAsync(platform, "/webhooks/service-orders/nowhere", body, Sign(body));
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await InstancesAsync()).Count.ShouldBe(before, "nothing refused may start an instance");
    }

    [Test]
    public async Task A_webhook_on_a_message_catch_event_reaches_its_waiting_instance_and_the_latest_version_wins()
    {
        var designer = Host.Bearer((await UserAsync([Roles.Designer])).ApiKey);
        var deployed = await IdentityHost.DeployAsync(designer, "erp-confirmation.bpmn", CatchModel("erp/confirmations"));
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        var started = await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "erp-confirmation", variables = new { orderId = "ERP-1" } });
        var instance = long.Parse(started.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture);
        await WaitAtAsync(instance, "Confirmed");

        var platform = Host.Anonymous();
        const string body = """{"order": "ERP-1", "status": "confirmed"}""";
        var wrongKey = await SendAsync(platform, "/webhooks/erp/confirmations", body, null, ("X-Api-Key", "wrong"));
        wrongKey.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var nobodyWaits = await SendAsync(platform, "/webhooks/erp/confirmations", """{"order": "ERP-2", "status": "confirmed"}""", null, ("X-Api-Key", WebhookSecret));
        nobodyWaits.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var correlated = await SendAsync(platform, "/webhooks/erp/confirmations", body, null, ("X-Api-Key", WebhookSecret));
        correlated.StatusCode.ShouldBe(HttpStatusCode.OK, await correlated.Content.ReadAsStringAsync());
        (await correlated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processInstanceKey").GetString()
            .ShouldBe(instance.ToString(CultureInfo.InvariantCulture));
        var done = await CompletedAsync(instance);
        done.GetProperty("variables").GetProperty("erpStatus").GetString().ShouldBe("confirmed");

        // Version 2 moves the webhook: the old path stops answering.
        var moved = await IdentityHost.DeployAsync(designer, "erp-confirmation.bpmn", CatchModel("erp/confirmations-v2"));
        moved.StatusCode.ShouldBe(HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
        (await SendAsync(platform, "/webhooks/erp/confirmations", body, null, ("X-Api-Key", WebhookSecret))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await SendAsync(platform, "/webhooks/erp/confirmations-v2", body, null, ("X-Api-Key", WebhookSecret))).StatusCode.ShouldBe(HttpStatusCode.NotFound,
            "declared and signed, but no instance waits for ERP-1 any more");
    }

    private static string Sign(string body) => HmacHex(WebhookSecret, body);

    /// <summary>What the platform computes: <c>printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret"</c>.</summary>
    private static string HmacHex(string secret, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string body, string? signature, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.Add("X-Tmall-Signature", signature);
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        return await client.SendAsync(request);
    }

    private async Task<List<(string Key, string? BusinessKey)>> InstancesAsync()
    {
        var result = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "service-fulfilment" } });
        return [.. result.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("processInstanceKey").GetString()!,
            i.TryGetProperty("businessKey", out var b) ? b.GetString() : null))];
    }

    private static string Order(string tid) => $$"""
        {"tid": "{{tid}}", "buyer": {"nick": "buyer-70", "mobile": "+8613800000070", "vip": false},
         "receiver": {"city": "Hangzhou", "address": "70 West Lake Rd"},
         "orders": [{"outer_sku_id": "AC-9", "title": "Air conditioner", "num": 1, "needs_service": true}],
         "service_type": "INSTALL", "service_network": "net-hz", "service_fee": 180, "need_merchant_confirm": false}
        """;

    private static string CatchModel(string path) => $$"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:message id="M" name="erp-confirmed">
            <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements>
          </bpmn:message>
          <bpmn:process id="erp-confirmation" isExecutable="true">
            <bpmn:startEvent id="S"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
            <bpmn:intermediateCatchEvent id="Confirmed">
              <bpmn:extensionElements>
                <zeebe:properties>
                  <zeebe:property name="webhook.path" value="{{path}}" />
                  <zeebe:property name="webhook.auth" value="apiKey" />
                  <zeebe:property name="webhook.secret" value="TMALL_WEBHOOK_SECRET" />
                  <zeebe:property name="webhook.correlationKey" value="=body.order" />
                  <zeebe:property name="webhook.variables" value="={erpStatus: body.status}" />
                </zeebe:properties>
              </bpmn:extensionElements>
              <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
              <bpmn:messageEventDefinition messageRef="M" />
            </bpmn:intermediateCatchEvent>
            <bpmn:endEvent id="E"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
            <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Confirmed" />
            <bpmn:sequenceFlow id="f2" sourceRef="Confirmed" targetRef="E" />
          </bpmn:process>
        </bpmn:definitions>
        """;
}
