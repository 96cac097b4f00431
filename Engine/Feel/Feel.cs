using Processes.Engine.Feel.Builtins;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Syntax;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel;

/// <summary>Entry points for FEEL: parse once, then evaluate the returned <see cref="FeelExpression"/> many times.</summary>
internal static class Feel
{
    /// <summary>Parses an expression. Never throws; the result holds either the expression or a positioned error.</summary>
    public static FeelParseResult ParseExpression(string text) => Parse(text, null, false);

    /// <summary>
    /// Parses an expression whose variables may have names with spaces or keywords in them
    /// (e.g. <c>Date of Birth</c>): such names lex as one name when the text matches them.
    /// </summary>
    public static FeelParseResult ParseExpression(string text, IEnumerable<string> knownNames) => Parse(text, knownNames, false);

    /// <summary>Parses DMN unary tests (an input entry such as <c>&lt; 10</c>, <c>[1..5]</c>, <c>"a","b"</c>, <c>not(...)</c>, <c>-</c>).</summary>
    public static FeelParseResult ParseUnaryTests(string text) => Parse(text, null, true);

    public static FeelParseResult ParseUnaryTests(string text, IEnumerable<string> knownNames) => Parse(text, knownNames, true);

    /// <summary>A Camunda attribute: an expression when it starts with '=', otherwise a static string.</summary>
    public static FeelAttribute ParseAttribute(string? attribute)
    {
        if (attribute is null || !attribute.StartsWith('='))
        {
            return new FeelAttribute(attribute, null, null);
        }
        var result = ParseExpression(attribute[1..]);
        return new FeelAttribute(null, result.Expression, result.Error);
    }

    private static FeelParseResult Parse(string? text, IEnumerable<string>? knownNames, bool unaryTests)
    {
        text ??= "";
        IReadOnlyList<string> names = BuiltinRegistry.MultiWordNames;
        if (knownNames is not null)
        {
            names = [.. knownNames.Where(n => n.Any(c => !Lexer.IsNamePart(c)))
                .Concat(BuiltinRegistry.MultiWordNames).Distinct().OrderByDescending(n => n.Length)];
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return new FeelParseResult(null, new FeelParseError(1, 1, "expected an expression but found end of input"));
        }
        var (node, error) = Parser.Parse(text, names, unaryTests);
        return error is not null
            ? new FeelParseResult(null, new FeelParseError(error.Line, error.Column, error.Message))
            : new FeelParseResult(new FeelExpression(text, node!, unaryTests), null);
    }
}

internal sealed record FeelParseError(int Line, int Column, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}

internal sealed record FeelParseResult(FeelExpression? Expression, FeelParseError? Error)
{
    public bool Success => Expression is not null;
}

/// <summary>A BPMN attribute value: either a static literal or a FEEL expression (the text after '=').</summary>
internal sealed record FeelAttribute(string? Literal, FeelExpression? Expression, FeelParseError? Error)
{
    public bool IsExpression => Expression is not null || Error is not null;
}

/// <summary>
/// The outcome of an evaluation. Following FEEL, errors make (sub-)results null; <see cref="Warnings"/> records
/// why. <see cref="Failure"/> is set only when evaluation was aborted (a limit was hit).
/// </summary>
internal readonly record struct FeelEvaluation(FeelValue Value, IReadOnlyList<string> Warnings, string? Failure)
{
    public bool Aborted => Failure is not null;

    /// <summary>The reason to show in an incident when the result is null: the abort reason or the first warning.</summary>
    public string? Reason => Failure ?? (Value is FeelNull && Warnings.Count > 0 ? Warnings[0] : null);
}

/// <summary>A parsed, bound expression. Immutable and thread-safe: evaluate it from any number of threads.</summary>
internal sealed class FeelExpression
{
    private readonly Node _root;

    internal FeelExpression(string text, Node root, bool isUnaryTests)
    {
        Text = text;
        _root = root;
        IsUnaryTests = isUnaryTests;
    }

    public string Text { get; }

    public bool IsUnaryTests { get; }

    public FeelEvaluation Evaluate(FeelContext variables) => Run(variables, FeelLimits.Default, null);

    public FeelEvaluation Evaluate(FeelContext variables, FeelLimits limits) => Run(variables, limits, null);

    /// <summary>With an explicit clock reading for <c>now()</c> and <c>today()</c> (e.g. from the engine's TimeProvider).</summary>
    public FeelEvaluation Evaluate(FeelContext variables, FeelLimits limits, DateTimeOffset now) => Run(variables, limits, now);

    /// <summary>For unary tests: whether <paramref name="input"/> passes (true/false, or null when undecidable).</summary>
    public FeelEvaluation Test(FeelValue input, FeelContext variables, FeelLimits? limits = null) =>
        Run(new BindingScope(variables, "?", input), limits ?? FeelLimits.Default, null);

    /// <summary>Unary tests against any scope, with the caller's clock reading (decision tables evaluate many entries at one instant).</summary>
    internal FeelEvaluation Test(FeelValue input, FeelScope variables, FeelLimits limits, DateTimeOffset now) =>
        Run(new BindingScope(variables, "?", input), limits, now);

    /// <summary>Inside a running evaluation (a DMN boxed expression): shares its step budget, clock and warnings.</summary>
    internal FeelValue EvaluateIn(EvalContext context, FeelScope scope) => context.EvalIn(scope, _root);

    /// <summary>Unary tests inside a running evaluation.</summary>
    internal FeelValue TestIn(EvalContext context, FeelValue input, FeelScope scope) => context.EvalIn(new BindingScope(scope, "?", input), _root);

    internal FeelEvaluation Run(FeelScope scope, FeelLimits limits, DateTimeOffset? now)
    {
        var ctx = new EvalContext(scope, limits, now ?? DateTimeOffset.UtcNow);
        var value = ctx.Eval(_root);
        return ctx.Aborted
            ? new FeelEvaluation(FeelValue.Null, ctx.Warnings, ctx.Failure)
            : new FeelEvaluation(value, ctx.Warnings, null);
    }

    public override string ToString() => Text;
}
