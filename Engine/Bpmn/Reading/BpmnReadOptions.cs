using System.Collections.Immutable;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Bpmn.Reading;

internal sealed record BpmnReadOptions
{
    public static readonly BpmnReadOptions Default = new();

    /// <summary>Larger files are refused before parsing; real models are tens of kilobytes.</summary>
    public long MaxSizeBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Element nesting limit; deeply nested subprocesses stay far below it.</summary>
    public int MaxDepth { get; init; } = 128;

    /// <summary>FEEL syntax of every `=` attribute is checked at deployment, so a typo fails the deploy, not an instance.</summary>
    public IExpressionChecker ExpressionChecker { get; init; } = FeelSyntaxChecker.Instance;

    /// <summary>
    /// Refuse markup a browser would run (<see cref="ForeignMarkup"/>). Deployment does; reading a file that is already
    /// stored does not, so definitions deployed before the rule keep running (their download is sandboxed instead).
    /// </summary>
    public bool RefuseForeignMarkup { get; init; } = true;

    /// <summary>These options for reading a file deployed earlier, under whatever rules held then.</summary>
    public BpmnReadOptions ForStoredFile() => RefuseForeignMarkup ? this with { RefuseForeignMarkup = false } : this;
}

/// <summary>
/// What reading a file produced. <see cref="Processes"/> is empty whenever <see cref="HasErrors"/>: a model with
/// errors is never half-usable. Warnings do not prevent deployment.
/// </summary>
internal sealed record BpmnReadResult(ImmutableArray<ExecutableProcess> Processes, ImmutableArray<ModelProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);

    public IEnumerable<ModelProblem> Errors => Problems.Where(p => p.IsError);

    public IEnumerable<ModelProblem> Warnings => Problems.Where(p => !p.IsError);
}
