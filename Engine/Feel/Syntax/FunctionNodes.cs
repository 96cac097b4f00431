using Processes.Engine.Feel.Builtins;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Syntax;

internal sealed class InvocationNode(Node callee, IReadOnlyList<Node> positional, IReadOnlyList<KeyValuePair<string, Node>>? named) : Node
{
    public Node Callee => callee;

    public IReadOnlyList<Node> Positional => positional;

    public bool HasNamedArguments => named is { Count: > 0 };

    internal override FeelValue Evaluate(EvalContext ctx)
    {
        FeelValue target;
        if (callee is NameNode name)
        {
            if (!ctx.Scope.TryLookup(name.Name, out target) || target is not FeelFunction)
            {
                if (BuiltinRegistry.TryGet(name.Name, out var builtin))
                {
                    target = builtin;
                }
                else if (target is not FeelFunction)
                {
                    return ctx.Warn($"no function found with name '{name.Name}'");
                }
            }
        }
        else
        {
            target = ctx.Eval(callee);
        }
        if (target is not FeelFunction function)
        {
            return ctx.TypeError("function", target);
        }
        if (named is null)
        {
            var args = new FeelValue[positional.Count];
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = ctx.Eval(positional[i]);
            }
            return Calls.Invoke(ctx, function, args);
        }
        var namedValues = new List<KeyValuePair<string, FeelValue>>(named.Count);
        foreach (var (key, node) in named)
        {
            namedValues.Add(new(key, ctx.Eval(node)));
        }
        return Calls.InvokeNamed(ctx, function, namedValues);
    }
}

internal sealed class FunctionDefinitionNode(IReadOnlyList<(string Name, FeelType? Type)> parameters, Node body) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var closure = ctx.Scope;
        var names = parameters.Select(p => p.Name).ToArray();
        return FeelFunction.Create("anonymous", names, (callCtx, args) =>
        {
            var scope = closure;
            for (var i = 0; i < names.Length; i++)
            {
                var arg = i < args.Length ? args[i] : FeelValue.Null;
                if (parameters[i].Type is { } type && arg is not FeelNull && !type.Matches(arg))
                {
                    return callCtx.Warn($"parameter '{names[i]}' expects {type} but found {EvalContext.Describe(arg)}");
                }
                scope = new BindingScope(scope, names[i], arg);
            }
            return callCtx.EvalIn(scope, body);
        }, [.. parameters.Select(p => p.Type)]);
    }
}

/// <summary>Overload resolution and argument binding shared by built-in and user-defined functions.</summary>
internal static class Calls
{
    public static FeelValue Invoke(EvalContext ctx, FeelFunction function, FeelValue[] args)
    {
        foreach (var overload in function.Overloads)
        {
            if (overload.Variadic)
            {
                if (args.Length >= overload.Required)
                {
                    return Run(ctx, function, overload, args);
                }
            }
            else if (args.Length >= overload.Required && args.Length <= overload.Parameters.Length)
            {
                return Run(ctx, function, overload, args);
            }
        }
        return ctx.Warn($"no overload of function '{function.Name}' takes {args.Length} argument(s)");
    }

    public static FeelValue InvokeNamed(EvalContext ctx, FeelFunction function, IReadOnlyList<KeyValuePair<string, FeelValue>> args)
    {
        foreach (var overload in function.Overloads)
        {
            var names = overload.Parameters.Select((_, i) => overload.ParameterName(i)).ToList();
            if (!args.All(a => names.Contains(a.Key)))
            {
                continue;
            }
            var last = args.Max(a => names.IndexOf(a.Key));
            if (Enumerable.Range(0, overload.Parameters.Length).Any(i => !overload.Parameters[i].EndsWith('?') && !args.Any(a => a.Key == names[i])))
            {
                continue;
            }
            var values = new FeelValue[last + 1];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = args.FirstOrDefault(a => a.Key == names[i]).Value ?? FeelValue.Null;
            }
            return Run(ctx, function, overload, values);
        }
        return ctx.Warn($"function '{function.Name}' has no parameters named {string.Join(", ", args.Select(a => "'" + a.Key + "'"))}");
    }

    private static FeelValue Run(EvalContext ctx, FeelFunction function, FeelOverload overload, FeelValue[] args)
    {
        if (ctx.CallDepth >= ctx.Limits.MaxCallDepth)
        {
            ctx.Abort($"function calls nested deeper than the limit of {ctx.Limits.MaxCallDepth}");
            return FeelValue.Null;
        }
        if (!ctx.Tick())
        {
            return FeelValue.Null;
        }
        ctx.CallDepth++;
        try
        {
            return ctx.Built(overload.Body(ctx, args));
        }
        finally
        {
            ctx.CallDepth--;
        }
    }
}
