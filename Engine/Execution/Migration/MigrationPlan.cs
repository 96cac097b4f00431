namespace Processes.Engine.Execution.Migration;

/// <summary>Moves the instances of <see cref="SourceElementId"/> to <see cref="TargetElementId"/> of the target version.</summary>
public sealed record MigrationMappingInstruction(string SourceElementId, string TargetElementId);

/// <summary>
/// Camunda 8's migration plan: the target definition and the element mapping. An active element without an
/// instruction keeps its id when the target has an element with that id (Camunda wants every one listed; the
/// same-id default saves writing the identity map for a new version of the same process).
/// </summary>
public sealed record MigrationPlan(long TargetProcessDefinitionKey, IReadOnlyList<MigrationMappingInstruction> MappingInstructions);

/// <summary>Why an instance cannot move: the element of the source (or of the plan) and what is wrong with it.</summary>
public sealed record MigrationProblem(string ElementId, string Message)
{
    public override string ToString() => $"'{ElementId}': {Message}";
}

/// <summary>
/// What happened (or, for a dry run, would happen) to one instance: moved, or the problems that keep it where it is.
/// </summary>
public sealed record InstanceMigration(
    long ProcessInstanceKey,
    string SourceProcessId,
    int SourceVersion,
    long SourceProcessDefinitionKey,
    long TargetProcessDefinitionKey,
    int TargetVersion,
    bool Migrated,
    IReadOnlyList<MigrationProblem> Problems)
{
    /// <summary>
    /// The instance was already on the target version: nothing moved and nothing was recorded, so re-running a batch
    /// that stopped half-way migrates each instance once.
    /// </summary>
    public bool AlreadyOnTarget { get; init; }

    /// <summary>One line naming every problem, for a refusal's detail.</summary>
    public string Describe() => AlreadyOnTarget
        ? $"Process instance {ProcessInstanceKey} is already on version {TargetVersion}."
        : Problems.Count == 0
        ? $"Process instance {ProcessInstanceKey} can move from version {SourceVersion} to version {TargetVersion}."
        : $"Process instance {ProcessInstanceKey} cannot move to version {TargetVersion} of '{SourceProcessId}': " +
          string.Join("; ", Problems.Select(p => p.ToString())) + ".";
}
