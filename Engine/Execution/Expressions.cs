using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Execution;

/// <summary>An evaluated model value, or why it could not be evaluated (the text of an incident).</summary>
internal readonly record struct Evaluated<T>(T Value, string? Failure)
{
    public bool Ok => Failure is null;

    public static Evaluated<T> Fail(string failure) => new(default!, failure);
}

/// <summary>
/// Evaluates the model's values: FEEL expressions (parsed once per text, cached) against the variables visible
/// from an element instance, and literals as they are. Typed accessors turn a wrong type into a failure that
/// names the expression, the expected type and what was found.
/// </summary>
internal sealed class Expressions(FeelExpressionCache cache, TimeProvider clock)
{
    private static readonly FeelLimits Limits = new(MaxSteps: 200_000, MaxCollectionSize: 100_000, MaxStringLength: 1_000_000, MaxCallDepth: 100);

    public Evaluated<FeelValue> Evaluate(ModelExpression expression, FeelScope scope)
    {
        if (!expression.IsExpression)
        {
            return new(FeelValue.Of(expression.Text), null);
        }
        var parsed = cache.GetExpression(expression.Text);
        if (parsed.Expression is null)
        {
            return Evaluated<FeelValue>.Fail($"failed to parse expression '{expression.Text}': {parsed.Error}");
        }
        var result = parsed.Expression.Run(scope, Limits, clock.GetUtcNow());
        if (result.Aborted)
        {
            return Evaluated<FeelValue>.Fail($"failed to evaluate expression '{expression.Text}': {result.Failure}");
        }
        // A null result is a value (FEEL's rule); typed accessors that cannot use null say why it was null.
        return new(result.Value, null);
    }

    public Evaluated<JsonNode?> Json(ModelExpression expression, FeelScope scope)
    {
        var value = Evaluate(expression, scope);
        return value.Ok ? new(FeelJson.ToJsonNode(value.Value), null) : Evaluated<JsonNode?>.Fail(value.Failure!);
    }

    public Evaluated<bool> Boolean(ModelExpression expression, FeelScope scope)
    {
        var value = Evaluate(expression, scope);
        if (!value.Ok)
        {
            return Evaluated<bool>.Fail(value.Failure!);
        }
        return value.Value is FeelBoolean b
            ? new(b.Value, null)
            : Evaluated<bool>.Fail(Mismatch(expression, "boolean", value.Value, scope));
    }

    public Evaluated<string> String(ModelExpression expression, FeelScope scope)
    {
        var value = Evaluate(expression, scope);
        if (!value.Ok)
        {
            return Evaluated<string>.Fail(value.Failure!);
        }
        return value.Value switch
        {
            FeelString s => new(s.Value, null),
            FeelNumber n => new(n.Value.ToString(CultureInfo.InvariantCulture), null),
            _ => Evaluated<string>.Fail(Mismatch(expression, "string", value.Value, scope)),
        };
    }

    public Evaluated<int> Integer(ModelExpression expression, FeelScope scope)
    {
        var value = Evaluate(expression, scope);
        if (!value.Ok)
        {
            return Evaluated<int>.Fail(value.Failure!);
        }
        return value.Value switch
        {
            FeelNumber n when n.Value == decimal.Truncate(n.Value) && n.Value is >= int.MinValue and <= int.MaxValue => new((int)n.Value, null),
            FeelString s when int.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => new(i, null),
            _ => Evaluated<int>.Fail(Mismatch(expression, "integer number", value.Value, scope)),
        };
    }

    public Evaluated<IReadOnlyList<FeelValue>> List(ModelExpression expression, FeelScope scope)
    {
        var value = Evaluate(expression, scope);
        if (!value.Ok)
        {
            return Evaluated<IReadOnlyList<FeelValue>>.Fail(value.Failure!);
        }
        return value.Value is FeelList list
            ? new(list.Items, null)
            : Evaluated<IReadOnlyList<FeelValue>>.Fail(Mismatch(expression, "list", value.Value, scope));
    }

    /// <summary>Candidate groups and users: a FEEL list of strings, or (as Camunda accepts) "a, b" as a literal.</summary>
    public Evaluated<IReadOnlyList<string>> StringList(ModelExpression expression, FeelScope scope)
    {
        var value = Evaluate(expression, scope);
        if (!value.Ok)
        {
            return Evaluated<IReadOnlyList<string>>.Fail(value.Failure!);
        }
        switch (value.Value)
        {
            case FeelString s:
                return new([.. s.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)], null);
            case FeelList list when list.Items.All(i => i is FeelString):
                return new([.. list.Items.Cast<FeelString>().Select(s => s.Value)], null);
            case FeelNull:
                return new([], null);
            default:
                return Evaluated<IReadOnlyList<string>>.Fail(Mismatch(expression, "list of strings", value.Value, scope));
        }
    }

    /// <summary>Due dates: a FEEL date and time with offset or zone, or an ISO 8601 string.</summary>
    public Evaluated<DateTimeOffset?> DateTime(ModelExpression expression, FeelScope scope)
    {
        var value = Evaluate(expression, scope);
        if (!value.Ok)
        {
            return Evaluated<DateTimeOffset?>.Fail(value.Failure!);
        }
        switch (value.Value)
        {
            case FeelNull:
                return new(null, null);
            case FeelDateTime dt when dt.EffectiveOffset is { } offset && dt.UtcTicks is >= 0 and <= 3155378975999999999:
                return new(new DateTimeOffset(dt.Local, offset).ToUniversalTime(), null);
            case FeelString s when DateTimeOffset.TryParse(s.Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed):
                // Stored as timestamptz, which takes instants in UTC only.
                return new(parsed.ToUniversalTime(), null);
            default:
                return Evaluated<DateTimeOffset?>.Fail(Mismatch(expression, "date and time with a time zone (ISO 8601)", value.Value, scope));
        }
    }

    private string Mismatch(ModelExpression expression, string expected, FeelValue actual, FeelScope scope)
    {
        var text = expression.IsExpression ? $"'{expression.Text}'" : $"\"{expression.Text}\"";
        var reason = actual is FeelNull && expression.IsExpression ? WhyNull(expression, scope) : null;
        return $"Expected result of the expression {text} to be {expected}, but was {Describe(actual)}" +
            (reason is null ? "." : $" ({reason}).");
    }

    private string? WhyNull(ModelExpression expression, FeelScope scope)
    {
        var parsed = cache.GetExpression(expression.Text);
        return parsed.Expression?.Run(scope, Limits, clock.GetUtcNow()).Reason;
    }

    private static string Describe(FeelValue value) => value switch
    {
        FeelNull => "null",
        FeelString s => $"the string \"{Truncate(s.Value)}\"",
        _ => $"{value.TypeName} {Truncate(value.ToString() ?? "")}",
    };

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}

/// <summary>The variables visible from an element instance, converted to FEEL on first use.</summary>
internal sealed class VariableScope : FeelScope
{
    private readonly InstanceState _instance;
    private readonly long _scopeKey;
    private readonly Dictionary<string, FeelValue> _converted = new(StringComparer.Ordinal);

    private VariableScope(InstanceState instance, long scopeKey, FeelScope? parent)
        : base(parent)
    {
        _instance = instance;
        _scopeKey = scopeKey;
    }

    /// <summary>A chain from the process scope down to <paramref name="scopeKey"/>, so inner names shadow outer ones.</summary>
    public static FeelScope For(InstanceState instance, long scopeKey)
    {
        var chain = new List<long>();
        for (long? current = scopeKey; current is { } key; current = instance.Find(key)?.FlowScopeKey)
        {
            chain.Add(key);
            if (key == instance.Key)
            {
                break;
            }
        }
        FeelScope? scope = null;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            scope = new VariableScope(instance, chain[i], scope);
        }
        return scope ?? new VariableScope(instance, instance.Key, null);
    }

    /// <summary>Extra bindings on top of a scope (e.g. a job's result variables for its output mappings).</summary>
    public static FeelScope With(FeelScope parent, JsonObject variables) => FeelContext.FromJson(variables, null) is var context
        ? new OverlayScope(parent, context)
        : parent;

    private protected override bool TryGetLocal(string name, out FeelValue value)
    {
        if (_converted.TryGetValue(name, out value!))
        {
            return true;
        }
        if (_instance.TryGetLocal(_scopeKey, name, out var json))
        {
            value = FeelJson.FromJsonNode(json);
            _converted[name] = value;
            return true;
        }
        value = FeelValue.Null;
        return false;
    }


    private sealed class OverlayScope(FeelScope parent, FeelContext overlay) : FeelScope(parent)
    {
        private protected override bool TryGetLocal(string name, out FeelValue value) => overlay.TryLookup(name, out value);

    }
}
