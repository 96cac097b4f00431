namespace Processes.Engine.Bpmn.Validation;

/// <summary>
/// Checks the syntax of one FEEL expression found in a model. The reader stays independent of the FEEL
/// implementation: the host plugs in a checker backed by the FEEL parser; until then every expression passes.
/// </summary>
internal interface IExpressionChecker
{
    /// <summary>Returns null when <paramref name="expression"/> (without the leading <c>=</c>) is valid, else a message.</summary>
    string? Check(string expression);
}

internal sealed class AcceptAllExpressionChecker : IExpressionChecker
{
    public static readonly AcceptAllExpressionChecker Instance = new();

    private AcceptAllExpressionChecker()
    {
    }

    public string? Check(string expression) => null;
}
