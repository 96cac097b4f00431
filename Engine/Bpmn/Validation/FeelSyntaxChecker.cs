using Processes.Engine.Feel;

namespace Processes.Engine.Bpmn.Validation;

/// <summary>Checks model expressions with the engine's FEEL parser, so syntax errors surface at deployment.</summary>
internal sealed class FeelSyntaxChecker : IExpressionChecker
{
    public static readonly FeelSyntaxChecker Instance = new();

    private FeelSyntaxChecker()
    {
    }

    public string? Check(string expression) =>
        Feel.Feel.ParseExpression(expression) is { Error: { } error } ? error.ToString() : null;
}
