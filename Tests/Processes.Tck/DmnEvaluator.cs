using System.Xml.Linq;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

/// <summary>
/// Executes a DMN model's decisions: literal expressions through the FEEL engine, and the boxed expressions
/// (context, invocation, list, conditional, filter, iterators, function definitions, relations, decision tables)
/// by composing FEEL evaluations. BKMs and decision services become FEEL function values.
/// </summary>
internal sealed partial class DmnEvaluator
{
    private readonly DmnModel _model;
    private readonly Dictionary<(string, bool), FeelParseResult> _parsed = [];
    private readonly FeelContext _globals = new();
    private readonly TypeCoercion _types;

    public DmnEvaluator(DmnModel model)
    {
        _model = model;
        _types = new TypeCoercion(model, this);
        foreach (var bkm in model.Elements("businessKnowledgeModel"))
        {
            var logic = bkm.Child("encapsulatedLogic");
            var name = bkm.Attr("name")!;
            _globals.Set(name, logic is null ? FeelValue.Null : MakeFunction(name, logic, _globals));
        }
        foreach (var service in model.Elements("decisionService"))
        {
            _globals.Set(service.Attr("name")!, MakeServiceFunction(service));
        }
    }

    /// <summary>Parse problems seen while running; reported with a failing case.</summary>
    public List<string> Problems { get; } = [];

    public FeelContext NewInputs() => new(_globals);

    public FeelValue Coerce(string? typeRef, FeelValue value) => _types.Coerce(typeRef, value);

    public FeelValue EvaluateDecision(XElement decision, FeelContext inputs, Dictionary<string, FeelValue> memo)
    {
        var name = decision.Attr("name") ?? "";
        if (memo.TryGetValue(name, out var known))
        {
            return known;
        }
        var scope = new FeelContext(inputs);
        foreach (var requirement in decision.Children("informationRequirement"))
        {
            if (requirement.Child("requiredDecision") is { } rd && _model.ById.TryGetValue(rd.Href(), out var required))
            {
                scope.Set(required.Attr("name")!, EvaluateDecision(required, inputs, memo));
            }
        }
        var expression = DmnModel.ExpressionOf(decision);
        var value = expression is null ? FeelValue.Null : Evaluate(expression, scope);
        value = Coerce(DmnModel.VariableType(decision), value);
        memo[name] = value;
        return value;
    }

    /// <summary>Invokes a decision service: input decisions come from the arguments instead of being evaluated.</summary>
    public IReadOnlyDictionary<string, FeelValue> InvokeService(XElement service, IReadOnlyDictionary<string, FeelValue> arguments)
    {
        var inputs = NewInputs();
        var memo = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        foreach (var reference in service.Children("inputDecision"))
        {
            if (_model.ById.TryGetValue(reference.Href(), out var d))
            {
                var n = d.Attr("name")!;
                memo[n] = Coerce(DmnModel.VariableType(d), arguments.GetValueOrDefault(n, FeelValue.Null));
            }
        }
        foreach (var reference in service.Children("inputData"))
        {
            if (_model.ById.TryGetValue(reference.Href(), out var d))
            {
                var n = d.Attr("name")!;
                inputs.Set(n, Coerce(DmnModel.VariableType(d), arguments.GetValueOrDefault(n, FeelValue.Null)));
            }
        }
        var outputs = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        foreach (var reference in service.Children("outputDecision"))
        {
            if (_model.ById.TryGetValue(reference.Href(), out var d))
            {
                outputs[d.Attr("name")!] = EvaluateDecision(d, inputs, memo);
            }
        }
        var typeRef = DmnModel.VariableType(service);
        if (typeRef is not null && _model.ItemDefinitions.TryGetValue(typeRef, out var def) && def.FunctionOutput is { } output)
        {
            // A service's type is a function type; its outputs must conform to the function's output type.
            typeRef = output;
        }
        if (typeRef is not null && outputs.Count > 0)
        {
            var asContext = new FeelContextValue(outputs);
            var conforms = (outputs.Count == 1 && Coerce(typeRef, outputs.Values.Single()) is not FeelNull) || Coerce(typeRef, asContext) is not FeelNull;
            if (!conforms)
            {
                // Output not conforming to the service's declared type: every output is null.
                foreach (var key in outputs.Keys.ToList())
                {
                    outputs[key] = FeelValue.Null;
                }
            }
        }
        return outputs;
    }

    private FeelFunction MakeServiceFunction(XElement service)
    {
        // The TCK orders a service's parameters input data first, then input decisions.
        var references = service.Children("inputData").Concat(service.Children("inputDecision")).ToList();
        var types = references.Select(r => _model.ById.TryGetValue(r.Href(), out var d) ? DmnModel.VariableType(d) : null).ToArray();
        var parameters = references
            .Select(r => _model.ById.TryGetValue(r.Href(), out var d) ? d.Attr("name")! : r.Href())
            .ToArray();
        return FeelFunction.Create(service.Attr("name")!, parameters, (_, args) =>
        {
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] is not FeelNull && Coerce(types[i], args[i]) is FeelNull)
                {
                    return FeelValue.Null;
                }
            }
            var arguments = parameters.Select((p, i) => new KeyValuePair<string, FeelValue>(p, i < args.Length ? args[i] : FeelValue.Null))
                .ToDictionary(StringComparer.Ordinal);
            var outputs = InvokeService(service, arguments);
            return outputs.Count == 1 ? outputs.Values.Single() : new FeelContextValue(outputs);
        });
    }

    private FeelFunction MakeFunction(string name, XElement definition, FeelContext closure)
    {
        var parameters = definition.Children("formalParameter").Select(p => (Name: p.Attr("name")!, Type: p.Attr("typeRef"))).ToArray();
        var body = DmnModel.ExpressionOf(definition);
        var kind = definition.Attr("kind");
        return FeelFunction.Create(name, [.. parameters.Select(p => p.Name + "?")], (_, args) =>
        {
            if (body is null || kind is not (null or "FEEL"))
            {
                return FeelValue.Null;
            }
            var scope = new FeelContext(closure);
            for (var i = 0; i < parameters.Length; i++)
            {
                var arg = i < args.Length ? args[i] : FeelValue.Null;
                var coerced = Coerce(parameters[i].Type, arg);
                if (coerced is FeelNull && arg is not FeelNull)
                {
                    // An argument that doesn't conform to the parameter's type makes the invocation fail.
                    return FeelValue.Null;
                }
                scope.Set(parameters[i].Name, coerced);
            }
            return Evaluate(body, scope);
        });
    }

    public FeelValue Evaluate(XElement expression, FeelContext scope)
    {
        var value = EvaluateUntyped(expression, scope);
        return expression.Attr("typeRef") is { } typeRef ? Coerce(typeRef, value) : value;
    }

    private FeelValue EvaluateUntyped(XElement expression, FeelContext scope)
    {
        switch (expression.Name.LocalName)
        {
            case "literalExpression":
                return EvaluateText(expression.Child("text")?.Value ?? "null", scope);
            case "context":
                return EvaluateContext(expression, scope);
            case "invocation":
                return EvaluateInvocation(expression, scope);
            case "list":
                return new FeelList([.. expression.Elements().Where(IsExpression).Select(e => Evaluate(e, scope))]);
            case "conditional":
                var condition = Evaluate(Inner(expression.Child("if")), scope);
                return Evaluate(Inner(expression.Child(condition is FeelBoolean { Value: true } ? "then" : "else")), scope);
            case "filter":
                return EvaluateFilter(expression, scope);
            case "for" or "every" or "some":
                return EvaluateIterator(expression, scope);
            case "functionDefinition":
                return MakeFunction("anonymous", expression, scope);
            case "relation":
                return EvaluateRelation(expression, scope);
            case "decisionTable":
                return EvaluateDecisionTable(expression, scope);
            default:
                Problems.Add($"unsupported expression <{expression.Name.LocalName}>");
                return FeelValue.Null;
        }
    }

    private static bool IsExpression(XElement e) => DmnModel.IsExpression(e);

    private static XElement Inner(XElement? wrapper) =>
        wrapper?.Elements().FirstOrDefault(IsExpression) ?? new XElement("literalExpression", new XElement("text", "null"));

    public FeelValue EvaluateText(string text, FeelContext scope, bool unaryTests = false)
    {
        var parsed = Parse(text, unaryTests);
        if (parsed.Expression is null)
        {
            Problems.Add($"parse error in '{text}': {parsed.Error}");
            return FeelValue.Null;
        }
        return parsed.Expression.Evaluate(scope).Value;
    }

    public FeelValue Test(string text, FeelValue input, FeelContext scope)
    {
        var parsed = Parse(text, true);
        if (parsed.Expression is null)
        {
            Problems.Add($"parse error in '{text}': {parsed.Error}");
            return FeelValue.Null;
        }
        return parsed.Expression.Test(input, scope).Value;
    }

    private FeelParseResult Parse(string text, bool unaryTests)
    {
        if (!_parsed.TryGetValue((text, unaryTests), out var parsed))
        {
            parsed = unaryTests ? Feel.ParseUnaryTests(text, _model.KnownNames) : Feel.ParseExpression(text, _model.KnownNames);
            _parsed[(text, unaryTests)] = parsed;
        }
        return parsed;
    }

    private FeelValue EvaluateContext(XElement expression, FeelContext scope)
    {
        var inner = new FeelContext(scope);
        var entries = new List<KeyValuePair<string, FeelValue>>();
        foreach (var entry in expression.Children("contextEntry"))
        {
            var body = entry.Elements().FirstOrDefault(IsExpression);
            var value = body is null ? FeelValue.Null : Evaluate(body, inner);
            var variable = entry.Child("variable");
            if (variable is null)
            {
                return value;
            }
            value = Coerce(variable.Attr("typeRef"), value);
            inner.Set(variable.Attr("name")!, value);
            entries.Add(new(variable.Attr("name")!, value));
        }
        return new FeelContextValue(entries);
    }

    private FeelValue EvaluateInvocation(XElement expression, FeelContext scope)
    {
        var callee = expression.Elements().FirstOrDefault(IsExpression);
        var function = callee is null ? FeelValue.Null : Evaluate(callee, scope);
        var call = new FeelContext(scope).Set("__callee", function);
        var arguments = new List<string>();
        var i = 0;
        foreach (var binding in expression.Children("binding"))
        {
            var parameter = binding.Child("parameter")?.Attr("name") ?? "";
            var body = binding.Elements().FirstOrDefault(IsExpression);
            call.Set("__arg" + i, body is null ? FeelValue.Null : Evaluate(body, scope));
            arguments.Add($"`{parameter}`: __arg{i}");
            i++;
        }
        return EvaluateText($"__callee({string.Join(", ", arguments)})", call);
    }

    private FeelValue EvaluateFilter(XElement expression, FeelContext scope)
    {
        if (Evaluate(Inner(expression.Child("in")), scope) is not FeelList list)
        {
            return FeelValue.Null;
        }
        var match = Inner(expression.Child("match"));
        var result = new List<FeelValue>();
        foreach (var item in list.Items)
        {
            var itemScope = new FeelContext(scope).Set("item", item);
            if (item is FeelContextValue c)
            {
                itemScope = FeelContext.FromValues(c.Entries, itemScope);
            }
            var outcome = Evaluate(match, itemScope);
            if (outcome is not FeelBoolean b)
            {
                // A boxed filter's match must be boolean; anything else makes the whole filter null.
                return FeelValue.Null;
            }
            if (b.Value)
            {
                result.Add(item);
            }
        }
        return new FeelList(result);
    }

    private FeelValue EvaluateIterator(XElement expression, FeelContext scope)
    {
        var variable = expression.Attr("iteratorVariable") ?? "item";
        var domain = Evaluate(Inner(expression.Child("in")), scope);
        if (domain is not FeelList list)
        {
            return FeelValue.Null;
        }
        var body = Inner(expression.Child(expression.Name.LocalName == "for" ? "return" : "satisfies"));
        var results = list.Items.Select(item => Evaluate(body, new FeelContext(scope).Set(variable, item))).ToList();
        return expression.Name.LocalName switch
        {
            "for" => new FeelList(results),
            "every" => results.All(r => r is FeelBoolean) ? FeelValue.Of(results.All(r => r is FeelBoolean { Value: true })) : FeelValue.Null,
            _ => results.Any(r => r is FeelBoolean { Value: true }) ? FeelValue.True : results.All(r => r is FeelBoolean) ? FeelValue.False : FeelValue.Null,
        };
    }

    private FeelValue EvaluateRelation(XElement expression, FeelContext scope)
    {
        var columns = expression.Children("column").Select(c => c.Attr("name")!).ToList();
        var rows = new List<FeelValue>();
        foreach (var row in expression.Children("row"))
        {
            var cells = row.Elements().Where(IsExpression).Select(e => Evaluate(e, scope)).ToList();
            rows.Add(new FeelContextValue(columns.Zip(cells, (c, v) => new KeyValuePair<string, FeelValue>(c, v))));
        }
        return new FeelList(rows);
    }
}
