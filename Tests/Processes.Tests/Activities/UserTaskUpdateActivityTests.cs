namespace Processes.Tests.Activities;

/// <summary>
/// The user-task-update activity's refusals; what it changes, and that a re-run changes nothing twice, is driven
/// through the shipped demand model (DemandTicketTests, DemandHttpScenarioTests).
/// </summary>
public sealed class UserTaskUpdateActivityTests : ActivityTest
{
    [TestCase("""{"taskPriority": 120}""", "taskPriority must be a whole number between 0 and 100, not 120.")]
    [TestCase("""{"taskPriority": 12.5}""", "taskPriority must be a whole number between 0 and 100, not 12.5.")]
    [TestCase("""{"taskPriorityRaise": 2.5}""", "taskPriorityRaise must be a whole number between -100 and 100, not 2.5.")]
    [TestCase("""{"taskPriorityRaise": -101}""", "taskPriorityRaise must be a whole number between -100 and 100, not -101.")]
    public async Task A_priority_out_of_range_is_a_failure_no_retry_can_fix(string variables, string message)
    {
        var failed = Failed(await Handler("user-task-update", []).HandleAsync(Job("user-task-update", variables), CancellationToken.None));
        failed.Retryable.ShouldBeFalse();
        failed.Message.ShouldBe(message);
    }

    [Test]
    public async Task An_instance_without_open_tasks_completes_with_nothing_to_report()
    {
        var done = Completed(await Handler("user-task-update", []).HandleAsync(Job("user-task-update", """{"taskPriority": 70}"""), CancellationToken.None));
        done["updatedTasks"]!.AsArray().ShouldBeEmpty();
        done["currentAssignees"]!.AsArray().ShouldBeEmpty();
    }
}
