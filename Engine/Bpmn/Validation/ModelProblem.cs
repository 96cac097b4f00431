namespace Processes.Engine.Bpmn.Validation;

public enum ProblemSeverity
{
    /// <summary>The model can be deployed; the designer should still look at it.</summary>
    Warning,
    /// <summary>The model cannot be deployed.</summary>
    Error,
}

/// <summary>
/// Something wrong with a model, worded for the person who drew it. Element id/type and position are null when
/// the problem concerns the file as a whole (not XML, too large, wrong namespace).
/// </summary>
public sealed record ModelProblem(
    ProblemSeverity Severity,
    string Message,
    string? ElementId = null,
    string? ElementType = null,
    int? Line = null,
    int? Column = null)
{
    public bool IsError => Severity == ProblemSeverity.Error;

    /// <summary>For a decision table: the rule (row, 1-based) the problem is in; null for the table as a whole or a column.</summary>
    public int? RuleIndex { get; init; }

    /// <summary>For a decision table: the id of the input or output column the problem is in; null for a whole rule or the table.</summary>
    public string? ColumnId { get; init; }

    public override string ToString()
    {
        var where = ElementId is null ? "" : $" {ElementType ?? "element"} '{ElementId}'";
        var at = Line is null ? "" : Column is null ? $" (line {Line})" : $" (line {Line}, column {Column})";
        return $"{Severity}{where}{at}: {Message}";
    }
}
