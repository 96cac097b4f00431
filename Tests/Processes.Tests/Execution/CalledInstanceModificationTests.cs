using Processes.Engine.Execution;
using Processes.Engine.Execution.Modification;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// A called instance modified down to nothing would leave its parent's call activity waiting for good. Camunda refuses
/// such a modification (camunda/camunda#10347) and has the parent modified instead: its call activity terminated ends the
/// called instance with it, and the parent goes on where it is told to.
/// </summary>
public sealed class CalledInstanceModificationTests : EngineTest
{
    [Test]
    public async Task Terminating_everything_in_a_called_instance_is_refused_and_the_parent_is_modified_instead()
    {
        await DeployAsync(Process("mc-child", Start() + UserTask("review") + End() + Flows("start->review->end")), "child.bpmn");
        await DeployAsync(Process("mc-parent", Start() + CallActivity("call", "mc-child") + UserTask("after") + End() + Flows("start->call->after->end")));
        var parent = await StartAsync("mc-parent");
        var child = (await InstancesOfAsync("mc-child")).ShouldHaveSingleItem();
        var review = await ElementKeyAsync(child, "review");

        var refused = await Engine.ModifyInstanceAsync(Caller.System, child, new ModificationPlan([], [review]), null, CancellationToken.None);

        refused.Error.ShouldBe(CommandError.InvalidArgument);
        refused.Message.ShouldBe($"terminateInstructions: they would terminate every element instance of process instance {child}, which " +
            $"process instance {parent} called; terminate its call activity in process instance {parent} instead.");
        (await ActiveElementsAsync(child)).ShouldBe(["review"]);
        (await StateAsync(child)).ShouldBe("ACTIVE");

        // Replacing the task is still a modification of the called instance: something is left in it.
        (await Engine.ModifyInstanceAsync(Caller.System, child, new ModificationPlan([new ModificationActivation("review", null, [])], [review]), null,
            CancellationToken.None)).Ok.ShouldBeTrue();
        (await ActiveElementsAsync(child)).ShouldBe(["review"]);

        var call = await ElementKeyAsync(parent, "call");
        var moved = await Engine.ModifyInstanceAsync(Caller.System, parent, new ModificationPlan([new ModificationActivation("after", null, [])], [call]), null,
            CancellationToken.None);
        moved.Ok.ShouldBeTrue(moved.Message);
        (await StateAsync(child)).ShouldBe("TERMINATED");
        (await ActiveElementsAsync(parent)).ShouldBe(["after"]);
        var task = (await OpenTasksAsync(parent)).ShouldHaveSingleItem();
        (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await StateAsync(parent)).ShouldBe("COMPLETED");
    }
}
