using System.Collections.Frozen;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

/// <summary>The built-in function library, built once and shared (functions are immutable).</summary>
internal static partial class BuiltinRegistry
{
    private static readonly FrozenDictionary<string, FeelFunction> Functions = Build();

    /// <summary>Built-in names containing spaces, so the lexer can recognise them as single names.</summary>
    public static IReadOnlyList<string> MultiWordNames { get; } =
        [.. Functions.Keys.Where(k => k.Contains(' ', StringComparison.Ordinal))
            .Concat(["days and time duration", "time offset", "start included", "end included"])
            .Distinct().OrderByDescending(k => k.Length)];

    public static IEnumerable<string> Names => Functions.Keys;

    public static bool TryGet(string name, out FeelFunction function) => Functions.TryGetValue(name, out function!);

    private static FrozenDictionary<string, FeelFunction> Build()
    {
        var builder = new Builder();
        AddConversion(builder);
        AddStrings(builder);
        AddMoreStrings(builder);
        AddLists(builder);
        AddNumbers(builder);
        AddTemporal(builder);
        AddRanges(builder);
        AddContexts(builder);
        AddCamundaExtensions(builder);
        AddDmn15(builder);
        return builder.Build();
    }

    private sealed class Builder
    {
        private readonly Dictionary<string, List<FeelOverload>> _overloads = new(StringComparer.Ordinal);

        /// <summary>Adds an overload; parameters ending in '?' are optional.</summary>
        public void Add(string name, string[] parameters, Func<EvalContext, FeelValue[], FeelValue> body) =>
            Get(name).Add(new FeelOverload(parameters, false, Metered(body)));

        /// <summary>Adds an overload whose arguments beyond the named ones are collected (e.g. <c>max(1, 2, 3)</c>).</summary>
        public void AddVariadic(string name, string[] parameters, Func<EvalContext, FeelValue[], FeelValue> body) =>
            Get(name).Add(new FeelOverload(parameters, true, Metered(body)));

        /// <summary>Built-ins walk their arguments, so a call costs steps in proportion to the arguments' size.</summary>
        private static Func<EvalContext, FeelValue[], FeelValue> Metered(Func<EvalContext, FeelValue[], FeelValue> body) =>
            (ctx, args) =>
            {
                long weight = 0;
                foreach (var arg in args)
                {
                    weight = FeelValue.AddWeights(weight, arg.Weight);
                }
                if (!ctx.Tick((int)Math.Min(weight / 4, int.MaxValue)))
                {
                    return FeelValue.Null;
                }
                try
                {
                    return body(ctx, args);
                }
                catch (ArithmeticException)
                {
                    // decimal and date arithmetic signal overflow by throwing; in FEEL that is a null result.
                    return ctx.Warn("number out of range");
                }
            };

        /// <summary>A function of one list, also callable with the items as separate arguments.</summary>
        public void AddListOrItems(string name, Func<EvalContext, IReadOnlyList<FeelValue>, FeelValue> body)
        {
            Add(name, ["list"], (ctx, a) => a[0] switch
            {
                FeelList l => body(ctx, l.Items),
                FeelNull => ctx.Warn($"{name}: expected a list but found null"),
                _ => body(ctx, [a[0]]),
            });
            AddVariadic(name, ["item1", "item2"], (ctx, a) => body(ctx, a));
        }

        private List<FeelOverload> Get(string name)
        {
            if (!_overloads.TryGetValue(name, out var list))
            {
                list = [];
                _overloads[name] = list;
            }
            return list;
        }

        public FrozenDictionary<string, FeelFunction> Build() =>
            _overloads.ToFrozenDictionary(p => p.Key, p => new FeelFunction(p.Key, p.Value), StringComparer.Ordinal);
    }

    // Argument helpers: each returns false (after recording why) when the argument has the wrong type.
    private static bool Num(EvalContext ctx, FeelValue v, out decimal d)
    {
        if (v is FeelNumber n)
        {
            d = n.Value;
            return true;
        }
        d = 0;
        if (v is not FeelNull)
        {
            ctx.TypeError("number", v);
        }
        return false;
    }

    private static bool Str(EvalContext ctx, FeelValue v, out string s)
    {
        if (v is FeelString str)
        {
            s = str.Value;
            return true;
        }
        s = "";
        if (v is not FeelNull)
        {
            ctx.TypeError("string", v);
        }
        return false;
    }

    private static bool List(EvalContext ctx, FeelValue v, out IReadOnlyList<FeelValue> items)
    {
        switch (v)
        {
            case FeelList l:
                items = l.Items;
                return true;
            case FeelNull:
                items = [];
                return false;
            default:
                // FEEL treats a single value as a singleton list wherever a list is expected.
                items = [v];
                return true;
        }
    }

    private static bool Int(EvalContext ctx, FeelValue v, out int i)
    {
        i = 0;
        if (!Num(ctx, v, out var d))
        {
            return false;
        }
        d = decimal.Truncate(d);
        if (d is < int.MinValue or > int.MaxValue)
        {
            ctx.Warn("number out of range");
            return false;
        }
        i = (int)d;
        return true;
    }

    private static FeelValue Arg(FeelValue[] args, int i) => i < args.Length ? args[i] : FeelValue.Null;
}
