using Processes.Engine.Feel.Evaluation;

namespace Processes.Engine.Feel.Values;

/// <summary>One callable signature. Parameters ending in '?' are optional; a variadic overload takes the rest as a list.</summary>
/// Declared types (null: any) serve function types in <c>instance of</c>.
internal sealed record FeelOverload(string[] Parameters, bool Variadic, Func<EvalContext, FeelValue[], FeelValue> Body,
    IReadOnlyList<FeelType?>? ParameterTypes = null, FeelType? ResultType = null)
{
    public int Required => Parameters.Count(p => !p.EndsWith('?'));

    public string ParameterName(int i) => Parameters[i].TrimEnd('?');
}

/// <summary>A function value: a built-in, a user-defined lambda (with its closure), or a host-supplied function.</summary>
internal sealed class FeelFunction : FeelValue
{
    internal FeelFunction(string name, IReadOnlyList<FeelOverload> overloads)
    {
        Name = name;
        Overloads = overloads;
    }

    public string Name { get; }

    internal IReadOnlyList<FeelOverload> Overloads { get; }

    public override string TypeName => "function";

    public override string ToString() =>
        "function " + Name + "(" + string.Join(", ", Overloads[0].Parameters.Select(p => p.TrimEnd('?'))) + ")";

    internal static FeelFunction Create(string name, string[] parameters, Func<EvalContext, FeelValue[], FeelValue> body,
        IReadOnlyList<FeelType?>? parameterTypes = null, FeelType? resultType = null) =>
        new(name, [new FeelOverload(parameters, false, body, parameterTypes, resultType)]);
}
