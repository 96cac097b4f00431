using Microsoft.Extensions.Logging.Abstractions;
using Processes.Engine.Batches;
using Processes.Engine.Execution;
using Processes.Engine.Execution.Modification;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// Tokens moved into or out of a multi-instance body, by a batch and by a single modification: what Camunda 8.8 does
/// (a multi-instance activity activated whole, an inner instance terminated as one item ended) is done; what it does not
/// (a batch move of a multi-instance source, a target inside a multi-instance subprocess) is refused naming the element.
/// </summary>
public sealed class MultiInstanceMoveTests : EngineTest
{
    private static readonly Caller Operator = new("mi-operator", new HashSet<CallerRole> { CallerRole.Operator }, []);

    // review, then 'each' (a multi-instance user task), then 'sub' (a multi-instance subprocess around 'inner'), then done.
    private static readonly string Model = Process("mi-move", Start() + UserTask("review") +
        $"<bpmn:userTask id=\"each\" name=\"each\"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements>{Loop("=items", "item")}</bpmn:userTask>" +
        $"<bpmn:subProcess id=\"sub\">{Loop("=items", "item")}{Start("s-start")}{UserTask("inner")}{End("s-end")}{Flows("s-start->inner->s-end")}</bpmn:subProcess>" +
        UserTask("done") + End() + Flows("start->review->each->sub->done->end"));

    private BatchOperations _batches = null!;

    [SetUp]
    public async Task DeployModelAsync()
    {
        _batches = new BatchOperations(Engine);
        await DeployAsync(Model);
    }

    private Task<long> StartTwoItemsAsync() => StartAsync("mi-move", Vars("""{"items":["a","b"]}"""));

    private static Query Only(long instance) => Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, instance));

    [Test]
    public async Task A_batch_move_out_of_a_multi_instance_activity_or_into_a_multi_instance_subprocess_is_refused_naming_the_element()
    {
        var instance = await StartTwoItemsAsync();
        var batchesBefore = await CountAsync("SELECT count(*) FROM batch_operation");

        var fromBody = await _batches.ModifyInstancesAsync(Operator, Only(instance), [new BatchMove("review", "done"), new BatchMove("each", "done")], CancellationToken.None);
        (fromBody.Error, fromBody.Message).ShouldBe((CommandError.InvalidArgument,
            "moveInstructions[1].sourceElementId: 'each' is a multi-instance activity of process 'mi-move'; its tokens cannot be moved in a batch (one per item) — modify the instances one at a time instead."));
        var fromInside = await _batches.ModifyInstancesAsync(Operator, Only(instance), [new BatchMove("inner", "done")], CancellationToken.None);
        fromInside.Message.ShouldStartWith("moveInstructions[0].sourceElementId: 'inner' is inside the multi-instance subprocess 'sub'");
        var intoInside = await _batches.ModifyInstancesAsync(Operator, Only(instance), [new BatchMove("review", "inner")], CancellationToken.None);
        intoInside.Message.ShouldBe("moveInstructions[0].targetElementId: 'inner' is inside the multi-instance subprocess 'sub' of process 'mi-move'; move to 'sub' instead.");

        (await CountAsync("SELECT count(*) FROM batch_operation")).ShouldBe(batchesBefore, "a refused batch is not created");
        (await ActiveElementsAsync(instance)).ShouldBe(["review"]);
    }

    [Test]
    public async Task A_batch_move_into_a_multi_instance_activity_activates_its_body_with_one_instance_per_item()
    {
        var instance = await StartTwoItemsAsync();

        var created = await _batches.ModifyInstancesAsync(Operator, Only(instance), [new BatchMove("review", "each")], CancellationToken.None);
        created.Ok.ShouldBeTrue(created.Message);
        await new BatchRunner(Engine, TimeSpan.FromSeconds(1), NullLogger.Instance).ExecuteAsync(CancellationToken.None);

        (await _batches.Queries.FindAsync(Caller.System, created.Value, CancellationToken.None))!.State.ShouldBe("COMPLETED");
        (await ActiveElementsAsync(instance)).ShouldBe(["each", "each", "each"], "the body and one inner instance per item");
        (await OpenTasksAsync(instance)).Select(t => t.ElementId).ShouldBe(["each", "each"]);
    }

    [Test]
    public async Task A_single_modification_activates_a_multi_instance_activity_whole_and_ends_one_inner_instance_as_one_item()
    {
        var instance = await StartTwoItemsAsync();
        var review = (await ElementsAsync(instance, "review")).Single().Key;

        var into = await Engine.ModifyInstanceAsync(Caller.System, instance, new ModificationPlan([new ModificationActivation("each", null, [])], [review]), null,
            CancellationToken.None);
        into.Ok.ShouldBeTrue(into.Message);
        var tasks = await OpenTasksAsync(instance);
        tasks.Count.ShouldBe(2, "one task per item");

        // Out of the body: one inner instance terminated counts as that item ended; the other item still holds the body.
        var inner = (await ElementsAsync(instance, "each")).Where(e => !e.IsMultiInstanceBody).Select(e => e.Key).First();
        (await Engine.ModifyInstanceAsync(Caller.System, instance, new ModificationPlan([], [inner]), null, CancellationToken.None)).Ok.ShouldBeTrue();
        var left = (await OpenTasksAsync(instance)).ShouldHaveSingleItem();
        (await ActiveElementsAsync(instance)).ShouldBe(["each", "each"]);
        (await Engine.CompleteUserTaskAsync(left.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await ActiveElementsAsync(instance)).ShouldBe(["inner", "inner", "sub", "sub", "sub"], "the body completed and the flow went on into 'sub'");

        var intoSub = await Engine.ModifyInstanceAsync(Caller.System, instance, new ModificationPlan([new ModificationActivation("inner", null, [])], []), null,
            CancellationToken.None);
        (intoSub.Error, intoSub.Message).ShouldBe((CommandError.InvalidArgument,
            "activateInstructions[0].elementId: 'inner' is inside an event subprocess, a multi-instance subprocess or an ad-hoc sub-process; activate that subprocess instead (an ad-hoc sub-process's elements: POST /v2/element-instances/ad-hoc-activities/{key}/activation)."));
    }

    private async Task<List<ElementRow>> ElementsAsync(long instance, string elementId) =>
        [.. (await QuerySql.RunAsync(DataSource, ElementInstanceQueries.Model, Caller.System,
            Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, instance), new FieldCondition("elementId", FilterOperator.Eq, elementId))
                with { CountTotal = false }, CancellationToken.None)).Items];
}
