using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// Camunda 8.8's process-instance tags: given on creation (a set of at most ten, each by the spec's pattern), returned
/// by get, search and job activation, searched as "holds all of them", the same filter in batch operations; instances
/// a call activity starts carry none (as Zeebe's child instances). Every search runs where instances with other tags
/// and without tags exist.
/// </summary>
public sealed class CamundaTagsTests : DatabaseTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="tags-defs" targetNamespace="http://processes.test">
          <bpmn:process id="tags-child" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
            <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="tags-work" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
            <bpmn:endEvent id="end" />
          </bpmn:process>
          <bpmn:process id="tags-parent" isExecutable="true">
            <bpmn:startEvent id="p-start" />
            <bpmn:sequenceFlow id="p1" sourceRef="p-start" targetRef="call" />
            <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="tags-child" /></bpmn:extensionElements></bpmn:callActivity>
            <bpmn:sequenceFlow id="p2" sourceRef="call" targetRef="p-end" />
            <bpmn:endEvent id="p-end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;
    private readonly Dictionary<string, string> _keys = [];

    [OneTimeSetUp]
    public async Task StartInstances()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _admin = await _host.AdminAsync();
        var deployed = await IdentityHost.DeployAsync(_admin, "tags.bpmn", Model);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        foreach (var (name, tags) in new (string, string[]?)[] { ("abc", ["a", "b", "c"]), ("ab", ["a", "b"]), ("ac", ["a", "c"]), ("none", null),
            ("other", ["b", "region:emea"]) })
        {
            var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "tags-child", tags });
            started.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(tags ?? []);
            _keys[name] = started.GetProperty("processInstanceKey").GetString()!;
        }
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private async Task<List<string>> NamesAsync(Dictionary<string, object> filter)
    {
        filter.TryAdd("processDefinitionId", "tags-child");
        var found = await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter });
        var byKey = _keys.ToDictionary(k => k.Value, k => k.Key);
        return [.. found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("processInstanceKey").GetString()!)
            .Where(byKey.ContainsKey).Select(k => byKey[k]).Order(StringComparer.Ordinal)];
    }

    [Test]
    public async Task A_search_by_tags_answers_the_instances_holding_all_of_them()
    {
        (await NamesAsync(new() { ["tags"] = new[] { "a" } })).ShouldBe(["ab", "abc", "ac"]);
        (await NamesAsync(new() { ["tags"] = new[] { "a", "b" } })).ShouldBe(["ab", "abc"]);
        (await NamesAsync(new() { ["tags"] = new[] { "b" } })).ShouldBe(["ab", "abc", "other"]);
        (await NamesAsync(new() { ["tags"] = new[] { "a", "d" } })).ShouldBeEmpty("no instance holds d");
        (await NamesAsync(new() { ["tags"] = new[] { "region:emea" } })).ShouldBe(["other"]);
        (await NamesAsync(new() { ["tags"] = new[] { "A" } })).ShouldBeEmpty("tags are case-sensitive");
        (await NamesAsync(new() { ["tags"] = Array.Empty<string>() })).ShouldBe(["ab", "abc", "ac", "none", "other"]);
        (await NamesAsync(new() { ["tags"] = new[] { "c" }, ["state"] = "ACTIVE" })).ShouldBe(["abc", "ac"]);
        (await NamesAsync(new() { ["$or"] = new object[] { new { tags = new[] { "c", "b" } }, new { tags = new[] { "region:emea" } } } }))
            .ShouldBe(["abc", "other"]);

        var bad = await _admin.PostAsJsonAsync("/v2/process-instances/search", new { filter = new { tags = new[] { "a", "9lives" } } });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        bad.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!.ShouldStartWith("filter.tags[1] '9lives'");
    }

    [Test]
    public async Task Get_and_search_return_an_instance_s_tags_and_an_empty_set_when_it_has_none()
    {
        (await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{_keys["abc"]}")).GetProperty("tags").EnumerateArray()
            .Select(t => t.GetString()).ShouldBe(["a", "b", "c"]);
        (await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{_keys["none"]}")).GetProperty("tags").GetArrayLength().ShouldBe(0);
        var found = await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter = new { processInstanceKey = _keys["other"] } });
        found.GetProperty("items")[0].GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["b", "region:emea"]);
    }

    [Test]
    public async Task A_tag_set_is_stored_once_per_tag_and_wrong_tags_are_refused_naming_the_tag_and_the_rule()
    {
        var twice = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "tags-child", tags = new[] { "x", "y", "x" } });
        twice.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["x", "y"], "a set: each tag once, in the order first given");
        var longest = "t" + new string('9', 99);
        (await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "tags-child", tags = new[] { longest, "a_b-c:d.e" } }))
            .GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe([longest, "a_b-c:d.e"]);

        var cases = new (object? Tags, string Detail)[]
        {
            (new[] { "ok", "1abc" }, "tags[1] '1abc' is not a tag"),
            (new[] { "a b" }, "tags[0] 'a b' is not a tag"),
            (new[] { "" }, "tags[0] '' is not a tag"),
            (new[] { "x" + new string('y', 100) }, "tags[0] 'x"),
            (new[] { "é" }, "tags[0] 'é' is not a tag"),
            (new[] { "ok\n" }, "tags[0] 'ok\n' is not a tag"),
            (new string?[] { "ok", null }, "tags[1] null is not a tag"),
            (Enumerable.Range(0, 11).Select(i => $"t{i}").ToArray(), "tags has 11 tags; an instance has at most 10"),
        };
        foreach (var (tags, detail) in cases)
        {
            var refused = await _admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "tags-child", tags });
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, detail);
            refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            var text = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
            text.ShouldStartWith(detail);
        }
        var wrongType = await _admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "tags-child", tags = "a" });
        wrongType.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "tags is a list");
        var left = await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter = new { tags = new[] { "ok" } } });
        left.GetProperty("page").GetProperty("totalItems").GetInt32().ShouldBe(0, "no refused start left an instance behind");
    }

    [Test]
    public async Task An_activated_job_carries_its_instance_s_tags()
    {
        var jobs = await IdentityHost.PostAsync(_admin, "/v2/jobs/activation", new { type = "tags-work", worker = "tags", timeout = 60000, maxJobsToActivate = 100 });
        var byInstance = jobs.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("processInstanceKey").GetString()!);
        byInstance[_keys["abc"]].GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["a", "b", "c"]);
        byInstance[_keys["other"]].GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["b", "region:emea"]);
        byInstance[_keys["none"]].GetProperty("tags").GetArrayLength().ShouldBe(0);
        foreach (var job in byInstance.Values)
        {
            (await _admin.PostAsJsonAsync($"/v2/jobs/{job.GetProperty("jobKey").GetString()}/failure", new { retries = 1, retryBackOff = 0 }))
                .StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
    }

    [Test]
    public async Task An_instance_a_call_activity_starts_carries_no_tags()
    {
        var parent = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "tags-parent", tags = new[] { "parent" } });
        var parentKey = parent.GetProperty("processInstanceKey").GetString()!;
        var children = await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter = new { parentProcessInstanceKey = parentKey } });
        var child = children.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        child.GetProperty("tags").GetArrayLength().ShouldBe(0, "as in Zeebe, a called instance starts with a fresh record: tags come only from the create command");
        var tagged = await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter = new { tags = new[] { "parent" } } });
        tagged.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("processInstanceKey").GetString()).ShouldBe([parentKey]);
    }

    [Test]
    public async Task A_cancellation_batch_by_tag_cancels_the_tagged_instances_only()
    {
        var doomed = (await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "tags-child", tags = new[] { "doomed", "batch" } }))
            .GetProperty("processInstanceKey").GetString()!;
        var spared = (await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "tags-child", tags = new[] { "batch" } }))
            .GetProperty("processInstanceKey").GetString()!;
        var created = await IdentityHost.PostAsync(_admin, "/v2/process-instances/cancellation", new { filter = new { tags = new[] { "batch", "doomed" } } });
        var batch = created.GetProperty("batchOperationKey").GetString()!;
        JsonElement read = default;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            read = await _admin.GetFromJsonAsync<JsonElement>($"/v2/batch-operations/{batch}");
            if (read.GetProperty("state").GetString() != "ACTIVE")
            {
                break;
            }
            await Task.Delay(500);
        }
        read.GetProperty("state").GetString().ShouldBe("COMPLETED", read.ToString());
        read.GetProperty("operationsTotalCount").GetInt32().ShouldBe(1);
        (await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{doomed}")).GetProperty("state").GetString().ShouldBe("TERMINATED");
        (await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{spared}")).GetProperty("state").GetString().ShouldBe("ACTIVE");
        foreach (var other in _keys.Values)
        {
            (await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{other}")).GetProperty("state").GetString().ShouldBe("ACTIVE");
        }
        var wrong = await _admin.PostAsJsonAsync("/v2/process-instances/cancellation", new { filter = new { tags = new[] { "-x" } } });
        wrong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!.ShouldStartWith("filter.tags[0] '-x'");
    }
}
