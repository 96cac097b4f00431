using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Tests.Execution;

namespace Processes.Tests.Visibility;

/// <summary>
/// The engine's query model on real rows: the operators, variable filters, sorting on declared fields, keyset
/// cursors forward and back, and the refusal of fields a read model does not declare.
/// </summary>
public sealed class QueryModelTests : EngineTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="qm" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="work" name="Work">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="=team" />
                <zeebe:priorityDefinition priority="=prio" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
            <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private static readonly Caller Admin = new("root", new HashSet<CallerRole> { CallerRole.Admin }, []);
    private static readonly Caller Blue = new("bea", new HashSet<CallerRole> { CallerRole.Agent }, ["blue"]);
    private readonly List<long> _instances = [];
    private UserTaskQueries _tasks = null!;
    private InstanceQueries _instanceQueries = null!;

    [OneTimeSetUp]
    public async Task Seed()
    {
        _tasks = new UserTaskQueries(DataSource, VariableMasking.None);
        _instanceQueries = new InstanceQueries(DataSource, VariableMasking.None);
        await DeployAsync(Model);
        for (var i = 0; i < 7; i++)
        {
            _instances.Add(await StartAsync("qm", new JsonObject { ["team"] = i % 2 == 0 ? "blue" : "red", ["prio"] = 10 * i, ["n"] = i }, $"QM-{i}"));
        }
    }

    [Test]
    public async Task Operators_compose_and_totals_count_only_what_the_caller_sees()
    {
        var page = await _tasks.SearchAsync(Admin, Query.Where(
            new FieldCondition("priority", FilterOperator.Gte, 20L),
            new FieldCondition("priority", FilterOperator.Lt, 60L),
            new FieldCondition("candidateGroup", FilterOperator.In, new[] { "blue", "red" })), CancellationToken.None);
        page.Items.Select(t => t.Priority).Order().ShouldBe([20, 30, 40, 50]);
        page.Total.ShouldBe(4);

        var blue = await _tasks.SearchAsync(Blue, new Query(), CancellationToken.None);
        blue.Total.ShouldBe(4, "tasks of group blue only");
        blue.Items.ShouldAllBe(t => t.CandidateGroups.Contains("blue"));

        var like = await _instanceQueries.SearchAsync(Admin, Query.Where(new FieldCondition("businessKey", FilterOperator.Like, "QM-?")) with
        {
            Conditions = [new FieldCondition("businessKey", FilterOperator.Like, "QM-?"), new FieldCondition("businessKey", FilterOperator.NotIn, new[] { "QM-0", "QM-1" })],
        }, CancellationToken.None);
        like.Total.ShouldBe(5);
        var none = await _instanceQueries.SearchAsync(Admin, Query.Where(new FieldCondition("parentProcessInstanceKey", FilterOperator.Exists, true)), CancellationToken.None);
        none.Total.ShouldBe(0);
    }

    [Test]
    public async Task A_capped_total_is_exact_up_to_the_cap_and_says_when_more_match()
    {
        // A caller of one tenant: the rule compares the tenant with = (the inbox index's leading column).
        var blue = Blue with { Tenants = [TenantIds.Default] };
        var query = Query.Where(new FieldCondition("state", FilterOperator.Eq, "CREATED")) with { Page = new PageRequest(2) };

        var capped = await _tasks.SearchAsync(blue, query with { TotalCap = 3 }, CancellationToken.None);
        capped.Total.ShouldBe(3);
        capped.TotalCapped.ShouldBeTrue("blue sees four tasks, one more than the cap");
        capped.Items.Count.ShouldBe(2);
        capped.HasMore.ShouldBeTrue();

        var exact = await _tasks.SearchAsync(blue, query with { TotalCap = 4 }, CancellationToken.None);
        (exact.Total, exact.TotalCapped).ShouldBe((4L, false));
        var uncapped = await _tasks.SearchAsync(blue, query, CancellationToken.None);
        (uncapped.Total, uncapped.TotalCapped).ShouldBe((4L, false));
        var elsewhere = await _tasks.SearchAsync(Blue with { Tenants = ["another"] }, query with { TotalCap = 3 }, CancellationToken.None);
        (elsewhere.Total, elsewhere.TotalCapped).ShouldBe((0L, false));
    }

    [Test]
    public async Task Variable_filters_match_name_and_value()
    {
        var page = await _instanceQueries.SearchAsync(Admin, new Query { Variables = [new VariableCondition("n", JsonValue.Create(3))] }, CancellationToken.None);
        page.Items.ShouldHaveSingleItem().Key.ShouldBe(_instances[3]);
    }

    [Test]
    public async Task Keyset_cursors_page_forward_and_back_over_a_declared_sort()
    {
        var sorted = new Query { Sort = [new SortBy("priority", SortOrder.Desc)], Page = new PageRequest(3), CountTotal = false };
        var first = await _tasks.SearchAsync(Admin, sorted, CancellationToken.None);
        first.Items.Select(t => t.Priority).ShouldBe([60, 50, 40]);
        first.HasMore.ShouldBeTrue();
        var second = await _tasks.SearchAsync(Admin, sorted with { Page = new PageRequest(3, After: first.EndCursor) }, CancellationToken.None);
        second.Items.Select(t => t.Priority).ShouldBe([30, 20, 10]);
        var third = await _tasks.SearchAsync(Admin, sorted with { Page = new PageRequest(3, After: second.EndCursor) }, CancellationToken.None);
        third.Items.Select(t => t.Priority).ShouldBe([0]);
        third.HasMore.ShouldBeFalse();
        var back = await _tasks.SearchAsync(Admin, sorted with { Page = new PageRequest(3, Before: second.StartCursor) }, CancellationToken.None);
        back.Items.Select(t => t.Priority).ShouldBe([60, 50, 40]);

        var otherSort = new Query { Sort = [new SortBy("creationDate")], Page = new PageRequest(3, After: first.EndCursor) };
        (await Should.ThrowAsync<QueryException>(() => _tasks.SearchAsync(Admin, otherSort, CancellationToken.None))).Field.ShouldBe("page.after");
    }

    [Test]
    public async Task History_pages_forward_by_cursor_and_filters_by_event()
    {
        var cases = new CaseQueries(DataSource, _instanceQueries, VariableMasking.None);
        var all = new List<long>();
        string? after = null;
        do
        {
            var page = (await cases.HistoryAsync(Admin, _instances[0], false, new PageRequest(4, After: after), null, CancellationToken.None))!;
            all.AddRange(page.Items.Select(h => h.Id));
            after = page.HasMore ? page.EndCursor : null;
        }
        while (after is not null);
        all.Count.ShouldBeGreaterThan(4);
        all.ShouldBe(all.Order().ToList());
        all.Distinct().Count().ShouldBe(all.Count);
        var created = (await cases.HistoryAsync(Admin, _instances[0], false, new PageRequest(100),
            Query.Where(new FieldCondition("event", FilterOperator.Eq, "TASK_CREATED")), CancellationToken.None))!;
        created.Items.ShouldHaveSingleItem().Event.ShouldBe("TASK_CREATED");
        (await cases.HistoryAsync(Blue, _instances[1], false, new PageRequest(100), null, CancellationToken.None)).ShouldBeNull("a red case is not Blue's");
    }

    [Test]
    public void Fields_a_read_model_does_not_declare_are_refused_by_name()
    {
        using var filter = JsonDocument.Parse("""{"processInstanceKeys": "1"}""");
        Should.Throw<QueryException>(() => JsonFilter.Read(InstanceQueries.Model, filter.RootElement)).Field.ShouldBe("filter.processInstanceKeys");
        using var bad = JsonDocument.Parse("""{"priority": {"$between": 1}}""");
        Should.Throw<QueryException>(() => JsonFilter.Read(UserTaskQueries.Model, bad.RootElement)).Field.ShouldBe("filter.priority.$between");
        using var state = JsonDocument.Parse("""{"state": "SIDEWAYS"}""");
        Should.Throw<QueryException>(() => JsonFilter.Read(InstanceQueries.Model, state.RootElement)).Message.ShouldContain("ACTIVE, COMPLETED, TERMINATED");
        using var ok = JsonDocument.Parse("""{"state": "CANCELED", "hasIncident": false, "startDate": {"$gte": "2026-01-01T00:00:00Z"}}""");
        JsonFilter.Read(InstanceQueries.Model, ok.RootElement).Conditions.Count.ShouldBe(3);
    }
}
