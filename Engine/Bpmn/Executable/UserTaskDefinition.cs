namespace Processes.Engine.Bpmn.Executable;

internal sealed record AssignmentDefinition(
    ModelExpression? Assignee,
    ModelExpression? CandidateGroups,
    ModelExpression? CandidateUsers)
{
    public static readonly AssignmentDefinition None = new(null, null, null);
}

internal sealed record TaskScheduleDefinition(ModelExpression? DueDate, ModelExpression? FollowUpDate)
{
    public static readonly TaskScheduleDefinition None = new(null, null);
}

/// <summary>
/// The form shown for a user task. Exactly one of the references is usually set: a <see cref="FormKey"/>
/// (custom key, or <c>camunda-forms:bpmn:ID</c> pointing at a form embedded in the process, resolved into
/// <see cref="EmbeddedFormJson"/>), a deployed form by <see cref="FormId"/>, or an <see cref="ExternalReference"/>.
/// </summary>
internal sealed record FormDefinition(
    string? FormKey,
    string? FormId,
    ModelExpression? ExternalReference,
    BindingType BindingType,
    string? VersionTag,
    string? EmbeddedFormJson);

/// <summary>
/// A human task. <see cref="IsCamundaUserTask"/> is the <c>zeebe:userTask</c> marker (engine-managed task);
/// without it Camunda 8 models a user task as a job of type <c>io.camunda.zeebe:userTask</c>.
/// </summary>
internal sealed record UserTaskDefinition(
    bool IsCamundaUserTask,
    AssignmentDefinition Assignment,
    TaskScheduleDefinition Schedule,
    ModelExpression? Priority,
    FormDefinition? Form)
{
    public const string JobWorkerUserTaskType = "io.camunda.zeebe:userTask";
}
