using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// Process definition searches and reads through the definitions read model: Camunda's filter objects on every
/// declared field, sort, opaque cursors — on data where mismatching rows exist, on real PostgreSQL.
/// </summary>
public sealed class DefinitionSearchTests : DatabaseTest
{
    private static string Model(string id, string name, string tag) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="{id}" name="{name}" isExecutable="true">
            <bpmn:extensionElements><zeebe:versionTag value="{tag}" /></bpmn:extensionElements>
            <bpmn:startEvent id="start" />
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _designer = null!;
    private HttpClient _agent = null!;
    private readonly List<string> _keys = [];

    [OneTimeSetUp]
    public async Task Deploy()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _designer = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        _agent = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        foreach (var (id, name, tag) in new[] { ("ds-alpha", "Alpha", "v1"), ("ds-alpha", "Alpha two", "v2"), ("ds-beta", "Beta", "v1") })
        {
            var deployed = await IdentityHost.DeployAsync(_designer, $"{id}.bpmn", Model(id, name, tag));
            deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
            var body = await deployed.Content.ReadFromJsonAsync<JsonElement>();
            _keys.Add(body.GetProperty("deployments")[0].GetProperty("processDefinition").GetProperty("processDefinitionKey").GetString()!);
        }
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _designer.Dispose();
        _agent.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<List<JsonElement>> SearchAsync(object filter, object? sort = null) =>
        [.. (await IdentityHost.PostAsync(_agent, "/v2/process-definitions/search", new { filter, sort })).GetProperty("items").EnumerateArray()];

    [Test]
    public async Task Filters_on_key_version_tag_and_latest_return_exactly_the_matching_definitions()
    {
        (await SearchAsync(new { processDefinitionKey = _keys[1] })).ShouldHaveSingleItem().GetProperty("name").GetString().ShouldBe("Alpha two");
        (await SearchAsync(new { processDefinitionKey = new Dictionary<string, object> { ["$in"] = new[] { _keys[0], _keys[2] } } }))
            .Select(d => d.GetProperty("processDefinitionKey").GetString()).ShouldBe([_keys[0], _keys[2]], ignoreOrder: true);
        (await SearchAsync(new { processDefinitionId = new Dictionary<string, object> { ["$like"] = "ds-*" }, versionTag = "v1" }))
            .Select(d => d.GetProperty("processDefinitionId").GetString()).ShouldBe(["ds-alpha", "ds-beta"]);
        (await SearchAsync(new { processDefinitionId = "ds-alpha", isLatestVersion = true })).ShouldHaveSingleItem().GetProperty("version").GetInt32().ShouldBe(2);
        (await SearchAsync(new { processDefinitionId = "ds-alpha", version = new Dictionary<string, object> { ["$gt"] = 1 } }))
            .ShouldHaveSingleItem().GetProperty("versionTag").GetString().ShouldBe("v2");
    }

    [Test]
    public async Task Sort_is_honoured_and_cursors_page_forward_and_back()
    {
        var filter = new { processDefinitionId = new Dictionary<string, object> { ["$in"] = new[] { "ds-alpha", "ds-beta" } } };
        var sort = new[] { new { field = "name", order = "DESC" } };
        (await SearchAsync(filter, sort)).Select(d => d.GetProperty("name").GetString()).ShouldBe(["Beta", "Alpha two", "Alpha"]);

        var first = await IdentityHost.PostAsync(_agent, "/v2/process-definitions/search", new { filter, sort, page = new { limit = 2 } });
        first.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(3);
        var end = first.GetProperty("page").GetProperty("endCursor").GetString()!;
        end.ShouldNotBe("2", "cursors are opaque, not offsets");
        var second = await IdentityHost.PostAsync(_agent, "/v2/process-definitions/search", new { filter, sort, page = new { limit = 2, after = end } });
        second.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ShouldBe(["Alpha"]);
        var back = await IdentityHost.PostAsync(_agent, "/v2/process-definitions/search",
            new { filter, sort, page = new { limit = 2, before = second.GetProperty("page").GetProperty("startCursor").GetString() } });
        back.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ShouldBe(["Beta", "Alpha two"]);
    }

    [Test]
    public async Task An_unknown_field_or_a_foreign_cursor_is_a_400_naming_it()
    {
        var unknown = await _agent.PostAsJsonAsync("/v2/process-definitions/search", new { filter = new { colour = "red" } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("filter.colour");
        var cursor = await _agent.PostAsJsonAsync("/v2/process-definitions/search", new { page = new { after = "0" } });
        cursor.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await cursor.Content.ReadAsStringAsync()).ShouldContain("page.after");
    }

    [Test]
    public async Task A_definition_is_read_by_key_and_an_unknown_key_is_a_404()
    {
        var found = await _agent.GetFromJsonAsync<JsonElement>($"/v2/process-definitions/{_keys[2]}");
        found.GetProperty("processDefinitionId").GetString().ShouldBe("ds-beta");
        found.GetProperty("resourceName").GetString().ShouldBe("ds-beta.bpmn");
        found.GetProperty("hasStartForm").GetBoolean().ShouldBeFalse();
        (await _agent.GetAsync("/v2/process-definitions/999999")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_process_with_a_form_on_its_start_event_has_a_start_form_also_when_deployed_before_the_column()
    {
        const string withForm = """
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
              <bpmn:process id="ds-formed" isExecutable="true">
                <bpmn:startEvent id="start">
                  <bpmn:extensionElements><zeebe:formDefinition formId="ds-start-form" /></bpmn:extensionElements>
                </bpmn:startEvent>
                <bpmn:endEvent id="end" />
                <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
              </bpmn:process>
            </bpmn:definitions>
            """;
        var deployed = await IdentityHost.DeployAsync(_designer, "ds-formed.bpmn", withForm);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        (await SearchAsync(new { processDefinitionId = "ds-formed" })).Single().GetProperty("hasStartForm").GetBoolean().ShouldBeTrue();

        // A definition of an install before migration 0028: the migration's backfill reads the form from the stored file.
        await using (var connection = new Npgsql.NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using (var clear = new Npgsql.NpgsqlCommand("UPDATE process_definition SET start_form_id = NULL WHERE bpmn_process_id = 'ds-formed'", connection))
            {
                await clear.ExecuteNonQueryAsync();
            }
            await using var stream = typeof(Processes.Engine.Queries.DefinitionQueries).Assembly.GetManifestResourceStream("Processes.Engine.Migrations.0028_start_form.sql")!;
            var migration = await new StreamReader(stream).ReadToEndAsync();
            await using var backfill = new Npgsql.NpgsqlCommand(migration[migration.IndexOf("DO $$", StringComparison.Ordinal)..], connection);
            await backfill.ExecuteNonQueryAsync();
        }
        (await SearchAsync(new { processDefinitionId = "ds-formed" })).Single().GetProperty("hasStartForm").GetBoolean().ShouldBeTrue();
        (await SearchAsync(new { processDefinitionId = "ds-beta" })).Single().GetProperty("hasStartForm").GetBoolean().ShouldBeFalse();
    }
}
