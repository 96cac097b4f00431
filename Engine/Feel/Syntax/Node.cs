using Processes.Engine.Feel.Builtins;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Syntax;

/// <summary>A node of the bound syntax tree. Nodes are immutable, so one tree serves any number of concurrent evaluations.</summary>
internal abstract class Node
{
    /// <summary>Called through <see cref="EvalContext.Eval"/>, which accounts for steps and stack depth.</summary>
    internal abstract FeelValue Evaluate(EvalContext ctx);
}

internal sealed class LiteralNode(FeelValue value) : Node
{
    public FeelValue Value { get; } = value;

    internal override FeelValue Evaluate(EvalContext ctx) => Value;
}

/// <summary>A literal whose text denotes no value: null with a warning each time it is evaluated.</summary>
internal sealed class InvalidLiteralNode(string reason) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx) => ctx.Warn(reason);
}

internal sealed class NameNode(string name) : Node
{
    public string Name { get; } = name;

    internal override FeelValue Evaluate(EvalContext ctx)
    {
        if (ctx.Scope.TryLookup(Name, out var value))
        {
            return value;
        }
        if (BuiltinRegistry.TryGet(Name, out var function))
        {
            return function;
        }
        return ctx.Warn($"no variable found with name '{Name}'");
    }
}

internal sealed class PathNode(Node target, string name) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx) => Select(ctx, ctx.Eval(target), name);

    public static FeelValue Select(EvalContext ctx, FeelValue value, string name)
    {
        switch (value)
        {
            case FeelContextValue c:
                return c.TryGet(name, out var v) ? v : ctx.Warn($"no context entry found with key '{name}'");
            case FeelList list:
                if (!ctx.CheckSize(list.Items.Count))
                {
                    return FeelValue.Null;
                }
                var items = new FeelValue[list.Items.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Select(ctx, list.Items[i], name);
                }
                return ctx.Built(new FeelList(items));
            case FeelNull:
                return FeelValue.Null;
            default:
                return TemporalProperties.Get(value, name) ?? ctx.Warn($"no property '{name}' on {EvalContext.Describe(value)}");
        }
    }
}

internal sealed class FilterNode(Node target, Node filter) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var source = ctx.Eval(target);
        if (source is FeelNull)
        {
            return FeelValue.Null;
        }
        var items = source is FeelList l ? l.Items : [source];
        if (items.Count == 0)
        {
            var probe = ctx.Eval(filter);
            return probe is FeelNumber ? FeelValue.Null : FeelList.Empty;
        }
        var result = new List<FeelValue>();
        for (var i = 0; i < items.Count; i++)
        {
            if (!ctx.Tick())
            {
                return FeelValue.Null;
            }
            var item = items[i];
            FeelScope scope = new BindingScope(ctx.Scope, "item", item);
            if (item is FeelContextValue c)
            {
                scope = new ContextScope(scope, c);
            }
            var outcome = ctx.EvalIn(scope, filter);
            if (i == 0 && outcome is FeelNumber index)
            {
                return Index(ctx, items, index.Value);
            }
            if (outcome is FeelBoolean { Value: true })
            {
                result.Add(item);
            }
        }
        return ctx.Built(new FeelList(result));
    }

    private static FeelValue Index(EvalContext ctx, IReadOnlyList<FeelValue> items, decimal index)
    {
        if (index != decimal.Truncate(index) || index == 0 || Math.Abs(index) > items.Count)
        {
            return ctx.Warn($"index {FeelNumber.Format(index)} out of range for a list of {items.Count} elements");
        }
        var i = (int)index;
        return i > 0 ? items[i - 1] : items[items.Count + i];
    }
}

internal sealed class NegationNode(Node operand) : Node
{
    public Node Operand => operand;

    internal override FeelValue Evaluate(EvalContext ctx) => Arithmetic.Negate(ctx, ctx.Eval(operand));
}

internal enum BinaryOp
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Power,
}

internal sealed class ArithmeticNode(BinaryOp op, Node left, Node right) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var a = ctx.Eval(left);
        var b = ctx.Eval(right);
        return op switch
        {
            BinaryOp.Add => Arithmetic.Add(ctx, a, b),
            BinaryOp.Subtract => Arithmetic.Subtract(ctx, a, b),
            BinaryOp.Multiply => Arithmetic.Multiply(ctx, a, b),
            BinaryOp.Divide => Arithmetic.Divide(ctx, a, b),
            _ => Arithmetic.Power(ctx, a, b),
        };
    }
}

internal enum CompareOp
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

internal sealed class ComparisonNode(CompareOp op, Node left, Node right) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx) => Apply(ctx, op, ctx.Eval(left), ctx.Eval(right));

    public static FeelValue Apply(EvalContext ctx, CompareOp op, FeelValue a, FeelValue b)
    {
        if (op is CompareOp.Equal or CompareOp.NotEqual)
        {
            var equal = FeelComparer.ValueEquals(a, b);
            if (equal is null)
            {
                return ctx.Warn($"can't compare {EvalContext.Describe(a)} with {EvalContext.Describe(b)}");
            }
            return FeelValue.Of(op == CompareOp.Equal ? equal.Value : !equal.Value);
        }
        var order = FeelComparer.Compare(a, b);
        if (order is not { } c)
        {
            return a is FeelNull || b is FeelNull
                ? FeelValue.Null
                : ctx.Warn($"can't compare {EvalContext.Describe(a)} with {EvalContext.Describe(b)}");
        }
        return FeelValue.Of(op switch
        {
            CompareOp.Less => c < 0,
            CompareOp.LessOrEqual => c <= 0,
            CompareOp.Greater => c > 0,
            _ => c >= 0,
        });
    }
}

/// <summary>Three-valued conjunction: false wins over null, null over true.</summary>
internal sealed class AndNode(Node left, Node right) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var a = ctx.Eval(left);
        if (a is FeelBoolean { Value: false })
        {
            return FeelValue.False;
        }
        var b = ctx.Eval(right);
        if (b is FeelBoolean { Value: false })
        {
            return FeelValue.False;
        }
        return a is FeelBoolean && b is FeelBoolean ? FeelValue.True : FeelValue.Null;
    }
}

/// <summary>Three-valued disjunction: true wins over null, null over false.</summary>
internal sealed class OrNode(Node left, Node right) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var a = ctx.Eval(left);
        if (a is FeelBoolean { Value: true })
        {
            return FeelValue.True;
        }
        var b = ctx.Eval(right);
        if (b is FeelBoolean { Value: true })
        {
            return FeelValue.True;
        }
        return a is FeelBoolean && b is FeelBoolean ? FeelValue.False : FeelValue.Null;
    }
}

internal sealed class BetweenNode(Node value, Node low, Node high) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var v = ctx.Eval(value);
        var lo = ComparisonNode.Apply(ctx, CompareOp.GreaterOrEqual, v, ctx.Eval(low));
        var hi = ComparisonNode.Apply(ctx, CompareOp.LessOrEqual, v, ctx.Eval(high));
        if (lo is FeelBoolean { Value: false } || hi is FeelBoolean { Value: false })
        {
            return FeelValue.False;
        }
        return lo is FeelBoolean && hi is FeelBoolean ? FeelValue.True : FeelValue.Null;
    }
}

internal sealed class IfNode(Node condition, Node then, Node otherwise) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx) =>
        ctx.Eval(condition) is FeelBoolean { Value: true } ? ctx.Eval(then) : ctx.Eval(otherwise);
}

internal sealed class ListNode(IReadOnlyList<Node> items) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var values = new FeelValue[items.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ctx.Eval(items[i]);
        }
        return ctx.Built(new FeelList(values));
    }
}

internal sealed class ContextNode(IReadOnlyList<KeyValuePair<string, Node>> entries) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var scope = new GrowingScope(ctx.Scope);
        var values = new List<KeyValuePair<string, FeelValue>>(entries.Count);
        foreach (var (key, node) in entries)
        {
            if (values.Any(v => v.Key == key))
            {
                return ctx.Warn($"duplicate context entry key '{key}'");
            }
            var value = ctx.EvalIn(scope, node);
            scope.Set(key, value);
            values.Add(new(key, value));
        }
        return ctx.Built(new FeelContextValue(values));
    }
}

internal sealed class RangeNode(bool startIncluded, Node? start, Node? end, bool endIncluded) : Node
{
    public Node? Start => start;

    public Node? End => end;

    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var s = start is null ? FeelValue.Null : ctx.Eval(start);
        var e = end is null ? FeelValue.Null : ctx.Eval(end);
        if (s is not FeelNull && e is not FeelNull && FeelComparer.Compare(s, e) is null)
        {
            return ctx.Warn($"range endpoints {EvalContext.Describe(s)} and {EvalContext.Describe(e)} are not comparable");
        }
        return new FeelRange(s, startIncluded, e, endIncluded);
    }
}

/// <summary>A unary comparison such as <c>&lt; 10</c>; as a value it is the range it describes.</summary>
internal sealed class UnaryComparisonNode(CompareOp op, Node operand) : Node
{
    public CompareOp Op { get; } = op;

    public Node Operand { get; } = operand;

    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var v = ctx.Eval(Operand);
        return Op switch
        {
            CompareOp.Less => new FeelRange(FeelValue.Null, false, v, false, startUnbounded: true),
            CompareOp.LessOrEqual => new FeelRange(FeelValue.Null, false, v, true, startUnbounded: true),
            CompareOp.Greater => new FeelRange(v, false, FeelValue.Null, false, endUnbounded: true),
            CompareOp.GreaterOrEqual => new FeelRange(v, true, FeelValue.Null, false, endUnbounded: true),
            CompareOp.Equal => new FeelRange(v, true, v, true) { IsEquality = true },
            _ => v,
        };
    }
}

internal sealed class InstanceOfNode(Node value, FeelType type) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx) => FeelValue.Of(type.Matches(ctx.Eval(value)));
}
