using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Syntax;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

/// <summary>DMN 1.5 additions: <c>is()</c> (§10.3.4.1) and <c>range()</c> from a range literal string (§10.3.4.1).</summary>
internal static partial class BuiltinRegistry
{
    private static readonly string[] TemporalConstructors = ["date", "time", "date and time", "duration"];

    private static void AddDmn15(Builder b)
    {
        // is(): the same element of the semantic domain. Unlike '=', values of different types, and temporals that
        // are equal but differ in zone or offset (an instant @Europe/Paris against the same instant at +01:00), are not.
        b.Add("is", ["value1", "value2"], (_, a) => FeelValue.Of(
            a[0].TypeName == a[1].TypeName && FeelComparer.ValueEquals(a[0], a[1]) == true &&
            (a[0] is not (FeelDate or FeelTime or FeelDateTime) || a[0].ToString() == a[1].ToString())));
        b.Add("range", ["from"], (ctx, a) => a[0] is FeelString s ? RangeFromString(ctx, s.Value) : ctx.TypeError("a string", a[0]));
    }

    /// <summary>
    /// A range literal (<c>[1..10)</c>, <c>(@"2020-01-01"..@"2021-01-01"]</c>) or the range of a unary comparison
    /// (<c>&lt; 10</c>, <c>&gt;= date("2020-01-01")</c>, <c>= 5</c>). Endpoints must be literals of one type:
    /// numbers, strings, temporal literals or temporal constructors of a string literal.
    /// </summary>
    private static FeelValue RangeFromString(EvalContext ctx, string text)
    {
        var (node, error) = Parser.Parse(text, MultiWordNames, unaryTests: false);
        if (error is not null || node is null)
        {
            return ctx.Warn($"range: \"{text}\" is not a range literal");
        }
        var endpoints = node switch
        {
            RangeNode r => new[] { r.Start, r.End },
            UnaryComparisonNode u when u.Op is not CompareOp.NotEqual => [u.Operand],
            _ => null,
        };
        if (endpoints is null || endpoints.All(e => e is null) || !endpoints.All(e => e is null || IsLiteralEndpoint(e)))
        {
            return ctx.Warn($"range: \"{text}\" is not a range with literal endpoints");
        }
        var value = ctx.Eval(node);
        if (value is not FeelRange range || (range.Start is FeelNull && !range.StartUnbounded) || (range.End is FeelNull && !range.EndUnbounded))
        {
            return ctx.Warn($"range: \"{text}\" has an endpoint that is not a value");
        }
        if (range.Start is not FeelNull && range.End is not FeelNull)
        {
            if (range.Start.TypeName != range.End.TypeName || FeelComparer.Compare(range.Start, range.End) is null)
            {
                return ctx.Warn($"range: the endpoints of \"{text}\" are not of one comparable type");
            }
        }
        return range;
    }

    private static bool IsLiteralEndpoint(Node node) => node switch
    {
        LiteralNode => true,
        NegationNode { Operand: LiteralNode { Value: FeelNumber } } => true,
        InvocationNode { Callee: NameNode name, HasNamedArguments: false, Positional: [LiteralNode { Value: FeelString }] } =>
            TemporalConstructors.Contains(name.Name),
        _ => false,
    };
}
