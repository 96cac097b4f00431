using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// Managed catalogues through the API on the real host with the shipped models: the seeded catalogues, versions with who
/// and when, the audit row, refusals (bad entries, a stale version, a non-admin); a catalogue change changes the next
/// form's options (the exception order's cascading problem detail) without redeploying anything; a start and a task
/// completion with a value outside the catalogue are 422s naming the field and the value; the <c>catalogue</c> activity
/// gives a model the current entries.
/// </summary>
public sealed class CatalogueScenarioTests : HostedScenario
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private FakeServer _chat = null!;
    private HttpClient _admin = null!;
    private TestUser _responsible = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _chat = await StartServerAsync();
        _chat.Respond = _ => new FakeAnswer(200, """{"errcode": 0}""");
        Host = IdentityHost.Start(ConnectionString, logs: Logs, settings: new Dictionary<string, string>
        {
            ["Processes:Secrets:EXCEPTION_CHAT_WEBHOOK"] = new Uri(_chat.BaseUrl, "hooks/exception-orders").ToString(),
        });
        _admin = await Host.AdminAsync();
        _responsible = await Host.CreateUserAsync(roles: [Roles.Agent]);
        // The shipped catalogues are seeded after the shipped forms deploy; the child (problem details) last.
        await EventuallyAsync("the seeded catalogues", async () =>
        {
            var response = await _admin.GetAsync(new Uri("/api/catalogues/exception-problem-details", UriKind.Relative));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement : null;
        });
    }

    [Test]
    public async Task Catalogues_are_versioned_audited_and_checked()
    {
        var listed = await _admin.GetFromJsonAsync<JsonElement>("/api/catalogues");
        var names = listed.EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        names.ShouldContain("demand-appeals");
        names.ShouldContain("demand-entrances");
        names.ShouldContain("exception-problem-types");
        var appeals = listed.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "demand-appeals");
        appeals.GetProperty("createdBy").GetString().ShouldBe("system");
        var version = appeals.GetProperty("version").GetInt32();

        var entries = Values(appeals).Select(v => new { value = v, label = v }).Append(new { value = (string?)"warranty", label = (string?)"Warranty claim" }).ToList();
        var saved = await _admin.PutAsJsonAsync("/api/catalogues/demand-appeals", new { title = "Demand appeals", entries, version });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var body = await saved.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("version").GetInt32().ShouldBe(version + 1);
        body.GetProperty("createdBy").GetString().ShouldBe("admin");

        // The same base version again lost the race: a 409, nothing saved.
        var stale = await _admin.PutAsJsonAsync("/api/catalogues/demand-appeals", new { title = "Demand appeals", entries, version });
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var history = await _admin.GetFromJsonAsync<JsonElement>("/api/catalogues/demand-appeals/versions");
        history.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()).ShouldBe([version + 1, version]);
        var old = await _admin.GetFromJsonAsync<JsonElement>($"/api/catalogues/demand-appeals/versions/{version}");
        Values(old).ShouldNotContain("warranty", "an old version stays what it was");

        var audit = await _admin.GetFromJsonAsync<JsonElement>("/api/audit?action=catalogue.saved");
        audit.GetProperty("items").EnumerateArray().ShouldContain(e => e.GetProperty("targetId").GetString() == "demand-appeals");

        // Every problem at once, by field; a child entry must name a value of its parent catalogue.
        var bad = await _admin.PutAsJsonAsync("/api/catalogues/bad-one", new
        {
            title = "",
            parent = "exception-problem-types",
            entries = new object[] { new { value = "a b", label = "x" }, new { value = "ok", label = "say \"hi\"", parent = "no-such-type" } },
        });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.TryGetProperty("title", out _).ShouldBeTrue();
        errors.TryGetProperty("entries[0].value", out _).ShouldBeTrue();
        errors.TryGetProperty("entries[0].parent", out _).ShouldBeTrue();
        errors.TryGetProperty("entries[1].label", out _).ShouldBeTrue();
        errors.GetProperty("entries[1].parent")[0].GetString()!.ShouldContain("no-such-type");

        var agent = Host.Bearer(_responsible.ApiKey);
        (await agent.PutAsJsonAsync("/api/catalogues/demand-appeals", new { title = "x", entries })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.GetAsync(new Uri("/api/catalogues/demand-appeals", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK, "forms offer them to anyone");
        (await _admin.GetAsync(new Uri("/api/catalogues/no-such", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_catalogue_change_changes_the_next_start_form_and_the_check_without_redeploying()
    {
        var agent = Host.Bearer(_responsible.ApiKey);
        var definition = (await IdentityHost.PostAsync(_admin, "/v2/process-definitions/search", new { filter = new { processDefinitionId = "exception-order" } }))
            .GetProperty("items").EnumerateArray().OrderByDescending(d => d.GetProperty("version").GetInt32()).First();
        var key = definition.GetProperty("processDefinitionKey").GetString()!;
        var before = await StartFormAsync(agent, key);
        var detail = Field(before.Schema, "problemDetail");
        detail.GetProperty("valuesExpression").GetString()!.ShouldContain("\"fully-sold-out\"");
        detail.GetProperty("valuesExpression").GetString()!.ShouldNotContain("stock-miscount");
        Field(before.Schema, "problemType").GetProperty("values").EnumerateArray().Select(v => v.GetProperty("value").GetString())
            .ShouldBe(["sold-out", "size-change", "payment-failure", "dispute", "technical-fault", "other"]);

        // Not yet in the catalogue: the start is refused naming the field and the value; nothing starts.
        var refused = await StartAsync(agent, "O-CAT-1", "sold-out", "stock-miscount");
        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("problemDetail")[0].GetString()!.ShouldContain("'stock-miscount' is not in the catalogue 'exception-problem-details'");
        // A detail of another type is refused under the chosen type.
        var wrongParent = await StartAsync(agent, "O-CAT-2", "sold-out", "duplicate-charge");
        wrongParent.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await wrongParent.Content.ReadAsStringAsync()).ShouldContain("under 'sold-out'");

        var details = await _admin.GetFromJsonAsync<JsonElement>("/api/catalogues/exception-problem-details");
        var entries = details.GetProperty("entries").EnumerateArray()
            .Select(e => new { value = e.GetProperty("value").GetString(), label = e.GetProperty("label").GetString(), parent = e.GetProperty("parent").GetString() })
            .Append(new { value = (string?)"stock-miscount", label = (string?)"Stock miscount", parent = (string?)"sold-out" }).ToList();
        var saved = await _admin.PutAsJsonAsync("/api/catalogues/exception-problem-details", new
        {
            title = details.GetProperty("title").GetString(),
            parent = "exception-problem-types",
            entries,
            version = details.GetProperty("version").GetInt32(),
        });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());

        var after = await StartFormAsync(agent, key);
        after.Version.ShouldBe(before.Version, "the form was not redeployed");
        Field(after.Schema, "problemDetail").GetProperty("valuesExpression").GetString()!.ShouldContain("{label: \"Stock miscount\", value: \"stock-miscount\"}");
        var accepted = await StartAsync(agent, "O-CAT-3", "sold-out", "stock-miscount");
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        // The decision exception-problems still routes the order: a detail it does not know yet ends it as unknown.
        var unknown = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processInstanceKey").GetString()!;
        await EventuallyAsync("the order whose detail the decision does not know yet to end", async () =>
        {
            var instance = await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{unknown}");
            return instance.GetProperty("state").GetString() == "COMPLETED" ? instance : null;
        });

        // The taxonomy change as a new version of the decision, deployed through the API: the next order is routed by it
        // (it waits for its update instead of ending), and the process itself is not redeployed.
        var versionsBefore = await ProcessVersionsAsync("exception-order");
        var table = ShippedDefinitions.Text("exception-problems.dmn").Replace("\"fully-sold-out\", \"partly-sold-out\"",
            "\"fully-sold-out\", \"partly-sold-out\", \"stock-miscount\"", StringComparison.Ordinal);
        table.ShouldContain("stock-miscount");
        var deployed = await IdentityHost.DeployAsync(_admin, "exception-problems.dmn", table);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        var routed = await StartAsync(agent, "O-CAT-5", "sold-out", "stock-miscount");
        routed.StatusCode.ShouldBe(HttpStatusCode.OK, await routed.Content.ReadAsStringAsync());
        var routedOrder = (await routed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processInstanceKey").GetString()!;
        await EventuallyAsync("the routed order's RecordUpdate task", async () =>
            (await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { elementId = "RecordUpdate", state = "CREATED", processInstanceKey = routedOrder } }))
                .GetProperty("items").EnumerateArray().Select(t => (JsonElement?)t).FirstOrDefault());
        (await ProcessVersionsAsync("exception-order")).ShouldBe(versionsBefore, "the process was not redeployed");

        var started = await StartAsync(agent, "O-CAT-4", "sold-out", "fully-sold-out");
        started.StatusCode.ShouldBe(HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        var order = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processInstanceKey").GetString()!;

        // The update task's refund reason comes from refund-reasons: a value outside it is a 422, the task stays open.
        var task = await EventuallyAsync("the RecordUpdate task", async () =>
            (await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { elementId = "RecordUpdate", state = "CREATED", processInstanceKey = order } }))
                .GetProperty("items").EnumerateArray().Select(t => (JsonElement?)t).FirstOrDefault());
        var taskKey = task.GetProperty("userTaskKey").GetString()!;
        var form = await agent.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{taskKey}/form");
        Field(form.GetProperty("schema").GetString()!, "refundReason").GetProperty("values").GetArrayLength().ShouldBe(5);
        var complete = await agent.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion",
            new { variables = new { updateType = "refund", note = "n", refundAmount = 10, refundReason = "bored" } });
        complete.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await complete.Content.ReadAsStringAsync()).ShouldContain("'bored' is not in the catalogue 'refund-reasons'");
        var closed = await agent.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion", new { variables = new { updateType = "close", note = "done" } });
        closed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await closed.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task The_catalogue_activity_gives_a_model_the_current_entries()
    {
        using (var deploy = new MultipartFormDataContent())
        {
            deploy.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(ReaderModel)), "resources", "catalogue-reader.bpmn");
            var deployed = await _admin.PostAsync(new Uri("/v2/deployments", UriKind.Relative), deploy);
            deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        }
        var started = await _admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "catalogue-reader", variables = new { type = "dispute", detail = "price-dispute" } });
        started.StatusCode.ShouldBe(HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        var instance = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processInstanceKey").GetString()!;
        var variables = await EventuallyAsync("the catalogue's entries", async () =>
        {
            var found = await IdentityHost.PostAsync(_admin, "/v2/variables/search", new { filter = new { processInstanceKey = instance } });
            var all = found.GetProperty("items").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("value").GetString()!);
            return all.ContainsKey("detailValid") ? JsonSerializer.SerializeToElement(all) : null;
        });
        variables.GetProperty("detailValid").GetString().ShouldBe("true");
        JsonDocument.Parse(variables.GetProperty("details").GetString()!).RootElement.EnumerateArray().Select(v => v.GetString())
            .ShouldBe(["price-dispute", "quality-dispute", "delivery-dispute"]);
    }

    private const string ReaderModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://example.test">
          <bpmn:process id="catalogue-reader" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="read" />
            <bpmn:serviceTask id="read">
              <bpmn:extensionElements>
                <zeebe:taskDefinition type="catalogue" />
                <zeebe:taskHeaders><zeebe:header key="catalogue" value="exception-problem-details" /></zeebe:taskHeaders>
                <zeebe:ioMapping>
                  <zeebe:input source="=type" target="catalogueParent" />
                  <zeebe:input source="=detail" target="catalogueValue" />
                  <zeebe:output source="=catalogueValues" target="details" />
                  <zeebe:output source="=catalogueValid" target="detailValid" />
                </zeebe:ioMapping>
              </bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:sequenceFlow id="f2" sourceRef="read" targetRef="wait" />
            <bpmn:userTask id="wait" />
            <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end" />
            <bpmn:endEvent id="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private async Task<int> ProcessVersionsAsync(string processDefinitionId) =>
        (await IdentityHost.PostAsync(_admin, "/v2/process-definitions/search", new { filter = new { processDefinitionId } })).GetProperty("items").GetArrayLength();

    private static List<string?> Values(JsonElement catalogue) => [.. catalogue.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("value").GetString())];

    private static JsonElement Field(string schema, string key)
    {
        static IEnumerable<JsonElement> All(JsonElement components) => components.EnumerateArray()
            .SelectMany(c => c.TryGetProperty("components", out var inner) ? All(inner).Prepend(c) : [c]);
        return All(JsonDocument.Parse(schema).RootElement.GetProperty("components")).Single(c => c.TryGetProperty("key", out var k) && k.GetString() == key);
    }

    private static async Task<(string Schema, int Version)> StartFormAsync(HttpClient client, string definitionKey)
    {
        var form = await client.GetFromJsonAsync<JsonElement>($"/v2/process-definitions/{definitionKey}/form");
        return (form.GetProperty("schema").GetString()!, form.GetProperty("version").GetInt32());
    }

    private Task<HttpResponseMessage> StartAsync(HttpClient client, string orderId, string problemType, string problemDetail) =>
        client.PostAsJsonAsync("/v2/process-instances", new
        {
            processDefinitionId = "exception-order",
            variables = new
            {
                orderId,
                customer = new { id = "C-1", phone = "+86 135 0000 0001", tier = "regular", city = "Suzhou" },
                problemType,
                problemDetail,
                responsible = _responsible.UserName,
            },
        });

    private Task<JsonElement> EventuallyAsync(string what, Func<Task<JsonElement?>> probe) =>
        ScenarioHttp.EventuallyAsync(what, probe, _admin, null, Logs, Patience);
}
