using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// The 8.8 filter and sort fields that map onto what Processes stores indirectly — an instance's incidents, element
/// instances, jobs and batch operations, a task's local variables, element names, <c>$or</c> — answer exactly the rows
/// they describe, on two scenarios (parents without incidents, children with one) where mismatching rows exist.
/// </summary>
public sealed class CamundaSearchFieldTests : CamundaScenarioTest
{
    private const string Message = "the scenario fails it";
    private string[] All => [One.ParentKey, One.ChildKey, Two.ParentKey, Two.ChildKey];

    private async Task<List<string?>> InstancesAsync(Dictionary<string, object> filter)
    {
        filter.TryAdd("processInstanceKey", new Dictionary<string, object> { ["$in"] = All });
        var found = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter });
        return [.. found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("processInstanceKey").GetString())];
    }

    private async Task<List<JsonElement>> ItemsAsync(string path, object body) =>
        [.. (await IdentityHost.PostAsync(Admin, path, body)).GetProperty("items").EnumerateArray()];

    /// <summary>Java's String.hashCode(), as Camunda computes incidentErrorHashCode (C# chars are UTF-16 units, as Java's).</summary>
    private static int JavaHash(string text)
    {
        var hash = 0;
        foreach (var c in text)
        {
            hash = unchecked((31 * hash) + c);
        }
        return hash;
    }

    [Test]
    public async Task Instances_by_their_open_incidents_message_and_hash()
    {
        (await InstancesAsync(new() { ["errorMessage"] = Message })).ShouldBe([One.ChildKey, Two.ChildKey], ignoreOrder: true);
        (await InstancesAsync(new() { ["errorMessage"] = new Dictionary<string, object> { ["$like"] = "*scenario*" } })).ShouldBe([One.ChildKey, Two.ChildKey], ignoreOrder: true);
        (await InstancesAsync(new() { ["errorMessage"] = "another message" })).ShouldBeEmpty();
        (await InstancesAsync(new() { ["incidentErrorHashCode"] = JavaHash(Message) })).ShouldBe([One.ChildKey, Two.ChildKey], ignoreOrder: true);
        (await InstancesAsync(new() { ["incidentErrorHashCode"] = JavaHash(Message) + 1 })).ShouldBeEmpty();
        // The database's hash is Java's on any text: empty, beyond the BMP (a surrogate pair in Java), overflowing 32 bits.
        await using var data = Npgsql.NpgsqlDataSource.Create(ConnectionString);
        foreach (var text in new[] { "", "a", Message, "é€😀 a longer message, so the hash wraps around 32 bits more than once" })
        {
            await using var command = data.CreateCommand("SELECT java_string_hash($1)");
            command.Parameters.AddWithValue(text);
            (await command.ExecuteScalarAsync()).ShouldBe(JavaHash(text), text);
        }
    }

    [Test]
    public async Task Instances_by_an_element_instance_the_conditions_hold_on_together()
    {
        (await InstancesAsync(new() { ["elementId"] = "work", ["hasElementInstanceIncident"] = true })).ShouldBe([One.ChildKey, Two.ChildKey], ignoreOrder: true);
        // The user task is active but has no incident: no single element instance matches both.
        (await InstancesAsync(new() { ["elementId"] = "review", ["hasElementInstanceIncident"] = true })).ShouldBeEmpty();
        (await InstancesAsync(new() { ["elementId"] = "child-start", ["elementInstanceState"] = "COMPLETED" })).ShouldBe([One.ChildKey, Two.ChildKey], ignoreOrder: true);
        (await InstancesAsync(new() { ["elementId"] = "child-start", ["elementInstanceState"] = "ACTIVE" })).ShouldBeEmpty();
        var parents = await InstancesAsync(new() { ["elementInstanceState"] = "ACTIVE", ["elementId"] = new Dictionary<string, object> { ["$notIn"] = new[] { "work", "review", "ping", "fork" } } });
        parents.ShouldBe([One.ParentKey, Two.ParentKey], ignoreOrder: true, "the parents wait in their call activity; the children's active elements are excluded");
    }

    [Test]
    public async Task Instances_with_a_failed_job_that_has_retries_left()
    {
        var started = await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "conformance-child", variables = new { orderId = "O-retry" } });
        var key = started.GetProperty("processInstanceKey").GetString()!;
        var jobs = await IdentityHost.PostAsync(Admin, "/v2/jobs/activation", new { type = "conformance-work", worker = "retry", timeout = 60000, maxJobsToActivate = 10 });
        var job = jobs.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("processInstanceKey").GetString() == key).GetProperty("jobKey").GetString();
        (await Admin.PostAsJsonAsync($"/v2/jobs/{job}/failure", new { retries = 2, errorMessage = "try again" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var keys = new Dictionary<string, object> { ["$in"] = new[] { key, One.ChildKey, One.ParentKey } };
        (await InstancesAsync(new() { ["processInstanceKey"] = keys, ["hasRetriesLeft"] = true })).ShouldBe([key]);
        (await InstancesAsync(new() { ["processInstanceKey"] = keys, ["hasRetriesLeft"] = false })).ShouldBe([One.ChildKey, One.ParentKey], ignoreOrder: true,
            "the scenario's job failed with no retries left (an incident), the parent has no job");
    }

    [Test]
    public async Task Instances_a_batch_operation_touched()
    {
        var started = await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "conformance-child", variables = new { orderId = "O-batch" } });
        var key = started.GetProperty("processInstanceKey").GetString()!;
        var batch = await IdentityHost.PostAsync(Admin, "/v2/process-instances/cancellation", new { filter = new { processInstanceKey = key } });
        var batchKey = batch.GetProperty("batchOperationKey").GetString()!;
        var keys = new Dictionary<string, object> { ["$in"] = new[] { key, One.ChildKey, Two.ParentKey } };
        (await InstancesAsync(new() { ["processInstanceKey"] = keys, ["batchOperationId"] = batchKey })).ShouldBe([key]);
        (await InstancesAsync(new() { ["processInstanceKey"] = keys, ["batchOperationId"] = new Dictionary<string, object> { ["$neq"] = batchKey } }))
            .ShouldBe([One.ChildKey, Two.ParentKey], ignoreOrder: true);
        (await InstancesAsync(new() { ["processInstanceKey"] = keys, ["batchOperationId"] = new Dictionary<string, object> { ["$exists"] = true } })).ShouldBe([key]);
    }

    [Test]
    public async Task Instances_by_any_of_several_filters_and_the_other_fields()
    {
        var or = new object[] { new { processInstanceKey = One.ParentKey }, new { processInstanceKey = Two.ChildKey }, new { errorMessage = Message } };
        (await InstancesAsync(new() { ["$or"] = or })).ShouldBe([One.ParentKey, One.ChildKey, Two.ChildKey], ignoreOrder: true);
        (await InstancesAsync(new() { ["$or"] = or, ["processDefinitionId"] = "conformance-child" })).ShouldBe([One.ChildKey, Two.ChildKey], ignoreOrder: true);
        (await InstancesAsync(new() { ["$or"] = new object[] { new { variables = new[] { new { name = "orderId", value = "\"O-two\"" } } } } }))
            .ShouldBe([Two.ParentKey, Two.ChildKey], ignoreOrder: true);
        var nested = await Admin.PostAsJsonAsync("/v2/process-instances/search", new { filter = new Dictionary<string, object> { ["$or"] = new[] { new Dictionary<string, object> { ["$or"] = Array.Empty<object>() } } } });
        nested.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await nested.Content.ReadAsStringAsync()).ShouldContain("filter.$or[0].$or");
        var elsewhere = await Admin.PostAsJsonAsync("/v2/incidents/search", new { filter = new Dictionary<string, object> { ["$or"] = Array.Empty<object>() } });
        elsewhere.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "the 8.8 spec has $or on process instances only");
    }

    [Test]
    public async Task User_tasks_by_every_state_word_and_by_local_variables()
    {
        var task = (await ItemsAsync("/v2/user-tasks/search", new { filter = new { userTaskKey = One.UserTaskKey } })).Single();
        var elementKey = task.GetProperty("elementInstanceKey").GetString();
        (await Admin.PutAsJsonAsync($"/v2/element-instances/{elementKey}/variables", new { variables = new { note = "local" }, local = true }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var both = new Dictionary<string, object> { ["$in"] = new[] { One.UserTaskKey, Two.UserTaskKey } };
        async Task<List<string?>> Tasks(object filter) =>
            [.. (await ItemsAsync("/v2/user-tasks/search", new { filter })).Select(t => t.GetProperty("userTaskKey").GetString())];
        (await Tasks(new { userTaskKey = both, localVariables = new[] { new { name = "note", value = "\"local\"" } } })).ShouldBe([One.UserTaskKey]);
        (await Tasks(new { userTaskKey = both, processInstanceVariables = new[] { new { name = "note", value = "\"local\"" } } })).ShouldBe([One.UserTaskKey]);
        (await Tasks(new { userTaskKey = both, localVariables = new[] { new { name = "orderId", value = "\"O-one\"" } } })).ShouldBeEmpty("orderId is the instance's, not the task's");
        (await Tasks(new { userTaskKey = both, state = "CREATED" })).ShouldBe([One.UserTaskKey, Two.UserTaskKey], ignoreOrder: true);
        foreach (var state in new[] { "CREATING", "ASSIGNING", "UPDATING", "COMPLETING", "CANCELING", "FAILED", "COMPLETED" })
        {
            (await Tasks(new { userTaskKey = both, state })).ShouldBeEmpty(state);
        }
        (await Admin.PostAsJsonAsync("/v2/user-tasks/search", new { filter = new { state = "SLEEPING" } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_task_s_variables_by_name_operators_and_sorted_with_wrong_types_named()
    {
        var path = $"/v2/user-tasks/{One.UserTaskKey}/variables/search";
        (await ItemsAsync(path, new { filter = new { name = new Dictionary<string, object> { ["$like"] = "order*" } } })).Select(v => v.GetProperty("name").GetString()).ShouldBe(["orderId"]);
        (await ItemsAsync(path, new { filter = new { name = new Dictionary<string, object> { ["$in"] = new[] { "amount", "nothing" } } } })).Select(v => v.GetProperty("name").GetString()).ShouldBe(["amount"]);
        var names = (await ItemsAsync(path, new { sort = new[] { new { field = "name", order = "DESC" } } })).Select(v => v.GetProperty("name").GetString()!).ToList();
        names.ShouldBe(names.OrderDescending(StringComparer.Ordinal).ToList());
        foreach (var (body, field) in new (object, string)[] { (new { filter = new { name = 5 } }, "filter.name"), (new { filter = new { colour = "red" } }, "filter.colour"),
            (new { filter = new { name = new Dictionary<string, object> { ["$gt"] = "a" } } }, "filter.name.$gt"), (new { sort = new[] { new { field = "colour" } } }, "sort[0].field") })
        {
            var response = await Admin.PostAsJsonAsync(path, body);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().ShouldStartWith(field);
        }
    }

    [Test]
    public async Task Element_instances_by_name_and_sorted_by_it_and_variables_sorted_by_value()
    {
        var byName = await ItemsAsync("/v2/element-instances/search", new { filter = new { processInstanceKey = One.ChildKey, elementName = "Do the work" } });
        byName.Select(e => e.GetProperty("elementId").GetString()).ShouldBe(["work"]);
        (await ItemsAsync("/v2/element-instances/search", new { filter = new { processInstanceKey = One.ChildKey, elementName = "work" } })).ShouldBeEmpty("work is the id; its name is Do the work");
        (await ItemsAsync("/v2/element-instances/search", new { filter = new { processInstanceKey = One.ChildKey, elementName = "fork" } }))
            .Select(e => e.GetProperty("elementId").GetString()).ShouldBe(["fork"], "an element without a name goes by its id");
        async Task<List<string>> Sorted(string path, object filter, string field, string order) =>
            [.. (await ItemsAsync(path, new { filter, sort = new[] { new { field, order } } })).Select(e => e.GetProperty(field == "elementName" ? "elementName" : "value").GetString()!)];
        var ascending = await Sorted("/v2/element-instances/search", new { processInstanceKey = One.ChildKey }, "elementName", "ASC");
        ascending.ShouldBe(["child-start", "Do the work", "fork", "ping", "Review"], ignoreOrder: true);
        (await Sorted("/v2/element-instances/search", new { processInstanceKey = One.ChildKey }, "elementName", "DESC")).ShouldBe(Enumerable.Reverse(ascending).ToList());
        var values = await Sorted("/v2/variables/search", new { processInstanceKey = One.ParentKey }, "value", "ASC");
        values.Count.ShouldBeGreaterThan(1);
        (await Sorted("/v2/variables/search", new { processInstanceKey = One.ParentKey }, "value", "DESC")).ShouldBe(Enumerable.Reverse(values).ToList());
    }

    [Test]
    public async Task Jobs_by_kind_listener_event_and_denial_as_Processes_has_them()
    {
        async Task<int> Count(object filter) => (await IdentityHost.PostAsync(Admin, "/v2/jobs/search", new { filter })).GetProperty("page").GetProperty("totalItems").GetInt32();
        var all = await Count(new { processInstanceKey = One.ChildKey });
        all.ShouldBe(1);
        (await Count(new { processInstanceKey = One.ChildKey, kind = "BPMN_ELEMENT", listenerEventType = "UNSPECIFIED", isDenied = false })).ShouldBe(1);
        (await Count(new { processInstanceKey = One.ChildKey, deniedReason = new Dictionary<string, object> { ["$exists"] = false } })).ShouldBe(1);
        (await Count(new { processInstanceKey = One.ChildKey, kind = "TASK_LISTENER" })).ShouldBe(0);
        (await Count(new { processInstanceKey = One.ChildKey, listenerEventType = "COMPLETING" })).ShouldBe(0);
        (await Count(new { processInstanceKey = One.ChildKey, isDenied = true })).ShouldBe(0);
        (await Admin.PostAsJsonAsync("/v2/jobs/search", new { filter = new { kind = "HUMAN" } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Process_definitions_by_whether_they_start_with_a_form()
    {
        var withForm = await ItemsAsync("/v2/process-definitions/search", new { filter = new { hasStartForm = true } });
        var without = await ItemsAsync("/v2/process-definitions/search", new { filter = new { hasStartForm = false } });
        withForm.ShouldAllBe(d => d.GetProperty("hasStartForm").GetBoolean());
        without.ShouldAllBe(d => !d.GetProperty("hasStartForm").GetBoolean());
        without.Select(d => d.GetProperty("processDefinitionId").GetString()).ShouldContain("conformance-child");
        var total = await ItemsAsync("/v2/process-definitions/search", new { });
        (withForm.Count + without.Count).ShouldBe(total.Count);
    }
}
