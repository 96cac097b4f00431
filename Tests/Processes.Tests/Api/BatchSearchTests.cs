using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// The batch operation and batch item searches answer exactly the rows each filter field of Camunda 8.8's spec
/// describes (batches: batchOperationKey, operationType, state; items: batchOperationKey, itemKey, processInstanceKey,
/// state), on data where rows that do not match exist; an unknown field is a 400 naming it; and random filter, sort and
/// page combinations never get a 5xx.
/// </summary>
public sealed class BatchSearchTests : AdminHostTest
{
    private static readonly string Model = TaskModels.OneUserTask("batch-search", "review", extensions: null);

    private string[] _instances = [];
    // cancelled: one item (instance 0) COMPLETED; moved: two items (1, 2) FAILED; again: one item (1) COMPLETED; none: no item.
    private string _cancelled = "", _moved = "", _again = "", _none = "";

    [OneTimeSetUp]
    public async Task CreateBatches()
    {
        (await IdentityHost.DeployAsync(Admin, "batch-search.bpmn", Model)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var instances = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            instances.Add((await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "batch-search" }))
                .GetProperty("processInstanceKey").GetString()!);
        }
        _instances = [.. instances];
        _cancelled = await RunAsync("/v2/process-instances/cancellation", new { filter = new { processInstanceKey = _instances[0] } });
        _moved = await RunAsync("/v2/process-instances/modification", new
        {
            filter = new { processInstanceKey = new Dictionary<string, object> { ["$in"] = new[] { _instances[1], _instances[2] } } },
            moveInstructions = new[] { new { sourceElementId = "start", targetElementId = "review" } },
        });
        _again = await RunAsync("/v2/process-instances/cancellation", new { filter = new { processInstanceKey = _instances[1] } });
        _none = await RunAsync("/v2/process-instances/incident-resolution", new { filter = new { processDefinitionId = "batch-search" } });
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        Logs.WriteErrorsTo(TestContext.Out);
    }

    /// <summary>Creates a batch and waits for it to end: the searches below run on settled rows.</summary>
    private async Task<string> RunAsync(string path, object body)
    {
        var key = (await IdentityHost.PostAsync(Admin, path, body)).GetProperty("batchOperationKey").GetString()!;
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var state = (await Admin.GetFromJsonAsync<JsonElement>($"/v2/batch-operations/{key}")).GetProperty("state").GetString();
            if (state is not ("ACTIVE" or "CREATED"))
            {
                return key;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Batch {key} did not end.");
    }

    private async Task<List<string>> BatchesAsync(object filter, object? sort = null) =>
        [.. (await IdentityHost.PostAsync(Admin, "/v2/batch-operations/search", new { filter, sort = sort ?? Array.Empty<object>() }))
            .GetProperty("items").EnumerateArray().Select(b => b.GetProperty("batchOperationKey").GetString()!)];

    private async Task<List<string>> ItemsAsync(object filter) =>
        [.. (await IdentityHost.PostAsync(Admin, "/v2/batch-operation-items/search", new { filter }))
            .GetProperty("items").EnumerateArray().Select(i => $"{Name(i.GetProperty("batchOperationKey").GetString()!)}:{Index(i.GetProperty("itemKey").GetString()!)}:{i.GetProperty("state").GetString()}")
            .Order()];

    private string Name(string batch) => batch == _cancelled ? "cancelled" : batch == _moved ? "moved" : batch == _again ? "again" : batch == _none ? "none" : batch;

    private int Index(string instance) => Array.IndexOf(_instances, instance);

    private static Dictionary<string, object> Op(string op, object value) => new() { [op] = value };

    [Test]
    public async Task Each_batch_filter_field_returns_exactly_the_batches_it_describes()
    {
        (await BatchesAsync(new { })).Order().ShouldBe(new[] { _cancelled, _moved, _again, _none }.Order());
        (await BatchesAsync(new { batchOperationKey = _moved })).ShouldBe([_moved]);
        (await BatchesAsync(new { batchOperationKey = Op("$in", new[] { _moved, _none }) })).Order().ShouldBe(new[] { _moved, _none }.Order());
        (await BatchesAsync(new { batchOperationKey = Op("$neq", _moved) })).Order().ShouldBe(new[] { _cancelled, _again, _none }.Order());
        (await BatchesAsync(new { operationType = "CANCEL_PROCESS_INSTANCE" })).Order().ShouldBe(new[] { _cancelled, _again }.Order());
        (await BatchesAsync(new { operationType = Op("$in", new[] { "MODIFY_PROCESS_INSTANCE", "RESOLVE_INCIDENT" }) })).Order().ShouldBe(new[] { _moved, _none }.Order());
        (await BatchesAsync(new { operationType = "MIGRATE_PROCESS_INSTANCE" })).ShouldBeEmpty();
        (await BatchesAsync(new { state = "PARTIALLY_COMPLETED" })).ShouldBe([_moved]);
        (await BatchesAsync(new { state = Op("$neq", "PARTIALLY_COMPLETED") })).Order().ShouldBe(new[] { _cancelled, _again, _none }.Order());
        (await BatchesAsync(new { state = "SUSPENDED" })).ShouldBeEmpty();
        (await BatchesAsync(new { operationType = "CANCEL_PROCESS_INSTANCE", state = "COMPLETED", batchOperationKey = Op("$neq", _cancelled) })).ShouldBe([_again]);
        (await BatchesAsync(new { }, new[] { new { field = "batchOperationKey", order = "DESC" } }))
            .ShouldBe(new[] { _cancelled, _moved, _again, _none }.OrderByDescending(long.Parse).ToList());
        (await BatchesAsync(new { }, new[] { new { field = "operationType", order = "ASC" }, new { field = "batchOperationKey", order = "ASC" } }))
            .ShouldBe([_cancelled, _again, _moved, _none]);
    }

    [Test]
    public async Task Each_item_filter_field_returns_exactly_the_items_it_describes()
    {
        (await ItemsAsync(new { })).ShouldBe(["again:1:COMPLETED", "cancelled:0:COMPLETED", "moved:1:FAILED", "moved:2:FAILED"]);
        (await ItemsAsync(new { batchOperationKey = _moved })).ShouldBe(["moved:1:FAILED", "moved:2:FAILED"]);
        (await ItemsAsync(new { batchOperationKey = Op("$in", new[] { _cancelled, _none }) })).ShouldBe(["cancelled:0:COMPLETED"]);
        (await ItemsAsync(new { itemKey = _instances[2] })).ShouldBe(["moved:2:FAILED"]);
        (await ItemsAsync(new { itemKey = _instances[1] })).ShouldBe(["again:1:COMPLETED", "moved:1:FAILED"]);
        (await ItemsAsync(new { processInstanceKey = _instances[1] })).ShouldBe(["again:1:COMPLETED", "moved:1:FAILED"]);
        (await ItemsAsync(new { processInstanceKey = Op("$notIn", new[] { _instances[1] }) })).ShouldBe(["cancelled:0:COMPLETED", "moved:2:FAILED"]);
        (await ItemsAsync(new { state = "FAILED" })).ShouldBe(["moved:1:FAILED", "moved:2:FAILED"]);
        (await ItemsAsync(new { state = Op("$in", new[] { "ACTIVE", "CANCELED" }) })).ShouldBeEmpty();
        (await ItemsAsync(new { state = "COMPLETED", processInstanceKey = _instances[1] })).ShouldBe(["again:1:COMPLETED"]);
    }

    [Test]
    public async Task An_unknown_filter_or_sort_field_is_a_400_naming_it()
    {
        foreach (var (path, body, named) in new (string, object, string)[]
        {
            ("/v2/batch-operations/search", new { filter = new { colour = "red" } }, "colour"),
            ("/v2/batch-operations/search", new { filter = new { itemKey = "1" } }, "itemKey"),
            ("/v2/batch-operation-items/search", new { filter = new { batchOperationType = "x" } }, "batchOperationType"),
            ("/v2/batch-operations/search", new { sort = new[] { new { field = "createdBy" } } }, "sort[0].field"),
            ("/v2/batch-operation-items/search", new { sort = new[] { new { field = "state" }, new { field = "errorMessage" } } }, "sort[1].field"),
            ("/v2/batch-operations/search", new { filter = new { state = "DONE" } }, "state"),
        })
        {
            var response = await Admin.PostAsJsonAsync(path, body);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
            JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()!.ShouldContain(named);
        }
    }

    [Test]
    public async Task Random_filter_sort_and_page_combinations_never_get_a_5xx()
    {
        var random = new Random(20261207);
        string[] batchFields = ["batchOperationKey", "operationType", "state", "startDate", "endDate", "itemKey", "nope"];
        string[] itemFields = ["batchOperationKey", "itemKey", "processInstanceKey", "state", "operationType", "nope"];
        string[] operators = ["$eq", "$neq", "$in", "$notIn", "$exists", "$like", "$gt", "$gte", "$lt", "$lte", "$nope"];
        JsonNode?[] values = [_moved, _instances[0], "COMPLETED", "CANCEL_PROCESS_INSTANCE", "2026-12-07T10:00:00Z", "x*", "", 12, -1, 1.5, true, null,
            new JsonArray(_moved, "1"), new JsonArray(), new JsonObject(), "9223372036854775808", "ACTIVE"];
        var failures = new List<string>();
        for (var round = 0; round < 150; round++)
        {
            var items = round % 2 == 1;
            var fields = items ? itemFields : batchFields;
            var filter = new JsonObject();
            for (var n = random.Next(0, 3); n > 0; n--)
            {
                var value = values[random.Next(values.Length)]?.DeepClone();
                filter[fields[random.Next(fields.Length)]] = random.Next(2) == 0 ? value : new JsonObject { [operators[random.Next(operators.Length)]] = value };
            }
            var body = new JsonObject { ["filter"] = filter };
            if (random.Next(2) == 0)
            {
                body["sort"] = new JsonArray(new JsonObject { ["field"] = fields[random.Next(fields.Length)], ["order"] = random.Next(3) switch { 0 => "ASC", 1 => "desc", _ => "sideways" } });
            }
            if (random.Next(2) == 0)
            {
                var page = new JsonObject();
                switch (random.Next(4))
                {
                    case 0: page["limit"] = random.Next(-1, 3); break;
                    case 1: page["from"] = random.Next(-1, 5); break;
                    case 2: page["after"] = random.Next(2) == 0 ? "garbage" : null; break;
                    default: page["before"] = "eyJ4IjoxfQ"; break;
                }
                body["page"] = page;
            }
            using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            var response = await Admin.PostAsync(items ? "/v2/batch-operation-items/search" : "/v2/batch-operations/search", content);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 500 || (response.StatusCode != HttpStatusCode.OK && !text.Contains("\"detail\"", StringComparison.Ordinal)))
            {
                failures.Add($"{(items ? "items" : "batches")} {body.ToJsonString()} → {(int)response.StatusCode} {text}");
            }
        }
        failures.ShouldBeEmpty();
    }
}
