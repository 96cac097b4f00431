using System.Runtime.CompilerServices;
using Processes.Engine.Feel.Syntax;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Evaluation;

/// <summary>Bounds that keep a hostile or runaway expression from hanging or crashing the host.</summary>
/// <param name="MaxSteps">Evaluation steps (nodes evaluated, loop iterations, calls).</param>
/// <param name="MaxCollectionSize">Elements of any list built by the expression, and the weight of any value it builds (see <see cref="FeelValue"/>).</param>
/// <param name="MaxStringLength">Characters of any string built by the expression.</param>
/// <param name="MaxCallDepth">Nested function calls (recursion through lambdas).</param>
internal sealed record FeelLimits(int MaxSteps = 1_000_000, int MaxCollectionSize = 1_000_000, int MaxStringLength = 1_000_000, int MaxCallDepth = 200)
{
    public static FeelLimits Default { get; } = new();
}

/// <summary>
/// Per-evaluation state: the current scope, the step budget, and the reasons recorded when a sub-expression
/// evaluated to null because of an error. Not shared between threads; one per <c>Evaluate</c> call.
/// </summary>
internal sealed class EvalContext
{
    private readonly List<string> _warnings = [];
    private int _steps;

    public EvalContext(FeelScope scope, FeelLimits limits, DateTimeOffset now)
    {
        Scope = scope;
        Limits = limits;
        Now = now;
    }

    public FeelScope Scope { get; set; }

    public FeelLimits Limits { get; }

    /// <summary>Fixed at the start so <c>now()</c> and <c>today()</c> agree within one evaluation.</summary>
    public DateTimeOffset Now { get; }

    public int CallDepth { get; set; }

    /// <summary>Matching time left for regular expressions in this evaluation.</summary>
    public TimeSpan RegexBudget { get; set; } = TimeSpan.FromSeconds(1);

    public string? Failure { get; private set; }

    public bool Aborted => Failure is not null;

    public IReadOnlyList<string> Warnings => _warnings;

    public FeelValue Eval(Node node)
    {
        if (!Tick())
        {
            return FeelValue.Null;
        }
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            Abort("expression is nested too deeply to evaluate");
            return FeelValue.Null;
        }
        return node.Evaluate(this);
    }

    /// <summary>Evaluates <paramref name="node"/> in <paramref name="scope"/>, restoring the current scope afterwards.</summary>
    public FeelValue EvalIn(FeelScope scope, Node node)
    {
        var saved = Scope;
        Scope = scope;
        try
        {
            return Eval(node);
        }
        finally
        {
            Scope = saved;
        }
    }

    public bool Tick(int cost = 1)
    {
        _steps += cost;
        if (_steps > Limits.MaxSteps && Failure is null)
        {
            Abort($"evaluation exceeded the limit of {Limits.MaxSteps} steps");
        }
        return Failure is null;
    }

    public bool CheckSize(int count)
    {
        if (count > Limits.MaxCollectionSize)
        {
            Abort($"a collection of {count} elements exceeds the limit of {Limits.MaxCollectionSize}");
            return false;
        }
        return Failure is null;
    }

    /// <summary>Passes a value the expression built, unless it is larger than the limits allow.</summary>
    public FeelValue Built(FeelValue value)
    {
        if (value.Weight > Limits.MaxCollectionSize)
        {
            Abort($"a value of size {value.Weight} exceeds the limit of {Limits.MaxCollectionSize}");
            return FeelValue.Null;
        }
        return value;
    }

    public bool CheckLength(long length)
    {
        if (length > Limits.MaxStringLength)
        {
            Abort($"a string of {length} characters exceeds the limit of {Limits.MaxStringLength}");
            return false;
        }
        return true;
    }

    public void Abort(string reason) => Failure ??= reason;

    /// <summary>Records why a sub-expression is null and returns null, FEEL's result for an error.</summary>
    public FeelValue Warn(string reason)
    {
        if (_warnings.Count < 50)
        {
            _warnings.Add(reason);
        }
        return FeelValue.Null;
    }

    public FeelValue TypeError(string expected, FeelValue actual) =>
        Warn($"expected {expected} but found {Describe(actual)}");

    public static string Describe(FeelValue value) => value switch
    {
        FeelNull => "null",
        FeelFunction => "function",
        _ => $"{value.TypeName} {Truncate(value.ToString())}",
    };

    private static string Truncate(string s) => s.Length > 60 ? s[..57] + "..." : s;
}
