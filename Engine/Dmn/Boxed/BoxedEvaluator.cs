using Processes.Engine.Dmn.Types;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Syntax;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn.Boxed;

/// <summary>
/// Evaluates boxed expressions (DMN 1.5 chapter 7) inside one FEEL evaluation, so a decision's whole logic shares
/// one step budget, clock and list of warnings. Errors give null with a warning, as in FEEL; a value that does not
/// conform to its declared typeRef becomes null (§7.3.4).
/// </summary>
internal sealed class BoxedEvaluator(TypeConformance types)
{
    public TypeConformance Types { get; } = types;

    public FeelValue Evaluate(BoxedExpression expression, FeelContext scope, EvalContext ctx)
    {
        if (ctx.Aborted || !ctx.Tick())
        {
            return FeelValue.Null;
        }
        var value = EvaluateUntyped(expression, scope, ctx);
        return Conform(expression.TypeRef, value, ctx, "the boxed expression");
    }

    /// <summary>The value as <paramref name="typeRef"/> takes it; a non-conforming value is null with a warning.</summary>
    public FeelValue Conform(string? typeRef, FeelValue value, EvalContext ctx, string what)
    {
        var coerced = Types.Coerce(typeRef, value);
        return coerced is FeelNull && value is not FeelNull
            ? ctx.Warn($"{what}'s value ({EvalContext.Describe(value)}) does not conform to its type '{typeRef}'; it is null")
            : coerced;
    }

    private FeelValue EvaluateUntyped(BoxedExpression expression, FeelContext scope, EvalContext ctx) => expression switch
    {
        LiteralBox literal => literal.Expression.EvaluateIn(ctx, scope),
        ContextBox context => EvaluateContext(context, scope, ctx),
        InvocationBox invocation => EvaluateInvocation(invocation, scope, ctx),
        ListBox list => ctx.CheckSize(list.Items.Length) ? ctx.Built(new FeelList([.. list.Items.Select(i => Evaluate(i, scope, ctx))])) : FeelValue.Null,
        ConditionalBox conditional => Evaluate(Evaluate(conditional.If, scope, ctx) is FeelBoolean { Value: true } ? conditional.Then : conditional.Else, scope, ctx),
        FilterBox filter => EvaluateFilter(filter, scope, ctx),
        IteratorBox iterator => EvaluateIterator(iterator, scope, ctx),
        FunctionBox function => MakeFunction(function, scope),
        RelationBox relation => EvaluateRelation(relation, scope, ctx),
        TableBox table => EvaluateTable(table, scope, ctx),
        NoLogicBox => ctx.Warn("the decision has no decision logic"),
        _ => ctx.Warn($"unknown boxed expression {expression.GetType().Name}"),
    };

    /// <summary>
    /// A FEEL function value for a function definition (a BKM's logic or a boxed function), closed over
    /// <paramref name="closure"/>; its results take <paramref name="resultType"/> (a BKM's function type's output).
    /// </summary>
    public FeelFunction MakeFunction(FunctionBox definition, FeelContext closure, string? resultType = null) =>
        FeelFunction.Create(definition.Name, [.. definition.Parameters.Select(p => p.Name + "?")], (ctx, args) =>
        {
            if (definition.Body is null)
            {
                return ctx.Warn($"function '{definition.Name}' has no body");
            }
            if (definition.Kind != "FEEL")
            {
                return ctx.Warn($"function '{definition.Name}' is of kind '{definition.Kind}', which this engine does not run");
            }
            var scope = new FeelContext(closure);
            for (var i = 0; i < definition.Parameters.Length; i++)
            {
                var parameter = definition.Parameters[i];
                var argument = i < args.Length ? args[i] : FeelValue.Null;
                var coerced = Types.Coerce(parameter.TypeRef, argument);
                if (coerced is FeelNull && argument is not FeelNull)
                {
                    // An argument that doesn't conform to its parameter's type makes the invocation fail (§10.3.2.9).
                    return ctx.Warn($"function '{definition.Name}': argument '{parameter.Name}' ({EvalContext.Describe(argument)}) does not conform to type '{parameter.TypeRef}'");
                }
                scope.Set(parameter.Name, coerced);
            }
            var result = Evaluate(definition.Body, scope, ctx);
            var typed = Types.Coerce(resultType, result);
            return typed is FeelNull && result is not FeelNull
                ? ctx.Warn($"function '{definition.Name}': its result ({EvalContext.Describe(result)}) does not conform to type '{resultType}'")
                : typed;
        });

    private FeelValue EvaluateContext(ContextBox box, FeelContext scope, EvalContext ctx)
    {
        var inner = new FeelContext(scope);
        var entries = new List<KeyValuePair<string, FeelValue>>();
        foreach (var entry in box.Entries)
        {
            var value = Evaluate(entry.Value, inner, ctx);
            if (entry.Name is null)
            {
                return value;
            }
            value = Conform(entry.TypeRef, value, ctx, $"context entry '{entry.Name}'");
            inner.Set(entry.Name, value);
            entries.Add(new(entry.Name, value));
        }
        return new FeelContextValue(entries);
    }

    private FeelValue EvaluateInvocation(InvocationBox box, FeelContext scope, EvalContext ctx)
    {
        if (Evaluate(box.Callee, scope, ctx) is not FeelFunction function)
        {
            return ctx.Warn("the invocation's callee is not a function");
        }
        var arguments = box.Bindings.Select(b => new KeyValuePair<string, FeelValue>(b.Parameter, b.Value is null ? FeelValue.Null : Evaluate(b.Value, scope, ctx))).ToList();
        return arguments.Count == 0 ? Calls.Invoke(ctx, function, []) : Calls.InvokeNamed(ctx, function, arguments);
    }

    private FeelValue EvaluateFilter(FilterBox box, FeelContext scope, EvalContext ctx)
    {
        if (Evaluate(box.In, scope, ctx) is not FeelList list)
        {
            return ctx.Warn("the boxed filter's 'in' is not a list");
        }
        var result = new List<FeelValue>();
        foreach (var item in list.Items)
        {
            var itemScope = new FeelContext(scope).Set("item", item);
            if (item is FeelContextValue c)
            {
                // A context item's entries are visible by name, as in FEEL's filter.
                itemScope = FeelContext.FromValues(c.Entries, itemScope);
            }
            var outcome = Evaluate(box.Match, itemScope, ctx);
            if (outcome is not FeelBoolean b)
            {
                return ctx.Warn("the boxed filter's match is not boolean");
            }
            if (b.Value)
            {
                result.Add(item);
            }
        }
        return new FeelList(result);
    }

    private FeelValue EvaluateIterator(IteratorBox box, FeelContext scope, EvalContext ctx)
    {
        if (Evaluate(box.In, scope, ctx) is not FeelList list)
        {
            return ctx.Warn($"the boxed {box.Kind.ToString().ToLowerInvariant()}'s 'in' is not a list");
        }
        var results = list.Items.Select(item => Evaluate(box.Body, new FeelContext(scope).Set(box.Variable, item), ctx)).ToList();
        return box.Kind switch
        {
            IteratorKind.For => ctx.Built(new FeelList(results)),
            IteratorKind.Every => results.All(r => r is FeelBoolean) ? FeelValue.Of(results.All(r => r is FeelBoolean { Value: true })) : FeelValue.Null,
            _ => results.Any(r => r is FeelBoolean { Value: true }) ? FeelValue.True : results.All(r => r is FeelBoolean) ? FeelValue.False : FeelValue.Null,
        };
    }

    private FeelValue EvaluateRelation(RelationBox box, FeelContext scope, EvalContext ctx)
    {
        var rows = box.Rows.Select(row => (FeelValue)new FeelContextValue(
            box.Columns.Zip(row, (column, cell) => new KeyValuePair<string, FeelValue>(column, Evaluate(cell, scope, ctx))))).ToList();
        return ctx.CheckSize(rows.Count) ? new FeelList(rows) : FeelValue.Null;
    }

    private FeelValue EvaluateTable(TableBox box, FeelContext scope, EvalContext ctx)
    {
        var result = DecisionTableEvaluator.Evaluate(box.Table, scope, ctx.Limits, ctx.Now, Types);
        return (result.Failure ?? result.Violation) is { } failure ? ctx.Warn(failure) : result.Value;
    }
}
