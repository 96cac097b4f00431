using System.Collections.Immutable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Feel;
using static Processes.Engine.Dmn.DmnReadContext;

namespace Processes.Engine.Dmn.Boxed;

/// <summary>
/// Reads boxed expressions (DMN 1.5 chapter 7) below a decision, business knowledge model or function definition.
/// Problems are reported with the owner's id and the element's line and column; a part that can't be read becomes
/// null and the owner is then refused.
/// </summary>
internal static class BoxedReader
{
    private static readonly ImmutableHashSet<string> Kinds =
    [
        "literalExpression", "context", "invocation", "list", "relation", "conditional", "filter", "for", "every", "some",
        "functionDefinition", "decisionTable",
    ];

    public static bool IsExpression(SourceElement element) => Kinds.Contains(element.LocalName);

    /// <summary>The first boxed expression among <paramref name="owner"/>'s children; null when there is none.</summary>
    public static SourceElement? ExpressionOf(SourceElement owner) => owner.Children.FirstOrDefault(IsExpression);

    public static BoxedExpression? Read(SourceElement element, string ownerId, DmnReadContext context)
    {
        var typeRef = element.Attribute("typeRef");
        var line = element.Line;
        switch (element.LocalName)
        {
            case "literalExpression":
                var expression = context.Expression(element, ownerId, "The literal expression", whenEmpty: "null");
                return expression is null ? null : new LiteralBox(expression, typeRef, line);
            case "decisionTable":
                var table = DecisionTableReader.Read(element, ownerId, context);
                return table is null ? null : new TableBox(table, typeRef, line);
            case "context":
                return ReadContext(element, ownerId, context);
            case "invocation":
                return ReadInvocation(element, ownerId, context);
            case "list":
                var items = element.Children.Where(IsExpression).Select(e => Read(e, ownerId, context)).ToList();
                return items.Any(i => i is null) ? null : new ListBox([.. items!], typeRef, line);
            case "relation":
                return ReadRelation(element, ownerId, context);
            case "conditional":
                var (condition, then, otherwise) = (Inner(element, "if", ownerId, context), Inner(element, "then", ownerId, context), Inner(element, "else", ownerId, context));
                return condition is null || then is null || otherwise is null ? null : new ConditionalBox(condition, then, otherwise, typeRef, line);
            case "filter":
                var (source, match) = (Inner(element, "in", ownerId, context), Inner(element, "match", ownerId, context));
                return source is null || match is null ? null : new FilterBox(source, match, typeRef, line);
            case "for" or "every" or "some":
                var kind = element.LocalName switch { "for" => IteratorKind.For, "every" => IteratorKind.Every, _ => IteratorKind.Some };
                var domain = Inner(element, "in", ownerId, context);
                var body = Inner(element, kind == IteratorKind.For ? "return" : "satisfies", ownerId, context);
                var variable = element.Attribute("iteratorVariable");
                if (string.IsNullOrWhiteSpace(variable))
                {
                    context.Error(element, ownerId, $"The boxed '{element.LocalName}' has no iteratorVariable; name the variable each item is bound to.");
                    return null;
                }
                return domain is null || body is null ? null : new IteratorBox(kind, variable, domain, body, typeRef, line);
            case "functionDefinition":
                return ReadFunction(element, "anonymous", ownerId, context);
            default:
                context.Error(element, ownerId, $"'{element.LocalName}' is not a DMN boxed expression.");
                return null;
        }
    }

    public static FunctionBox? ReadFunction(SourceElement element, string name, string ownerId, DmnReadContext context)
    {
        var parameters = Children(element, "formalParameter").Select(p => new ParameterBox(p.Attribute("name") ?? "", p.Attribute("typeRef"))).ToImmutableArray();
        if (parameters.FirstOrDefault(p => p.Name.Length == 0) is not null)
        {
            context.Error(element, ownerId, "A formal parameter has no name.");
            return null;
        }
        var kind = element.Attribute("kind") ?? "FEEL";
        if (kind != "FEEL")
        {
            context.Warning(element, ownerId, $"Functions of kind '{kind}' are not run by this engine; invoking this one gives null.");
        }
        var bodyElement = ExpressionOf(element);
        var body = bodyElement is null ? null : Read(bodyElement, ownerId, context);
        return bodyElement is not null && body is null ? null : new FunctionBox(name, parameters, body, kind, element.Attribute("typeRef"), element.Line);
    }

    private static ContextBox? ReadContext(SourceElement element, string ownerId, DmnReadContext context)
    {
        var entries = new List<ContextEntryBox>();
        var ok = true;
        foreach (var entry in Children(element, "contextEntry"))
        {
            var variable = Child(entry, "variable");
            var bodyElement = ExpressionOf(entry);
            var body = bodyElement is null ? new LiteralBox(Feel.Feel.ParseExpression("null").Expression!, null, entry.Line) : Read(bodyElement, ownerId, context);
            if (variable is not null && string.IsNullOrWhiteSpace(variable.Attribute("name")))
            {
                context.Error(variable, ownerId, "A context entry's variable has no name.");
                ok = false;
            }
            if (body is null)
            {
                ok = false;
                continue;
            }
            entries.Add(new ContextEntryBox(variable?.Attribute("name"), variable?.Attribute("typeRef"), body));
        }
        return ok ? new ContextBox([.. entries], element.Attribute("typeRef"), element.Line) : null;
    }

    private static InvocationBox? ReadInvocation(SourceElement element, string ownerId, DmnReadContext context)
    {
        var calleeElement = ExpressionOf(element);
        if (calleeElement is null)
        {
            context.Error(element, ownerId, "The invocation names no function; give it a literal expression with the function's name.");
            return null;
        }
        var callee = Read(calleeElement, ownerId, context);
        var bindings = new List<BindingBox>();
        var ok = callee is not null;
        foreach (var binding in Children(element, "binding"))
        {
            var parameter = Child(binding, "parameter")?.Attribute("name");
            if (string.IsNullOrWhiteSpace(parameter))
            {
                context.Error(binding, ownerId, "An invocation binding names no parameter.");
                ok = false;
                continue;
            }
            var valueElement = ExpressionOf(binding);
            var value = valueElement is null ? null : Read(valueElement, ownerId, context);
            ok &= valueElement is null || value is not null;
            bindings.Add(new BindingBox(parameter, value));
        }
        return ok ? new InvocationBox(callee!, [.. bindings], element.Attribute("typeRef"), element.Line) : null;
    }

    private static RelationBox? ReadRelation(SourceElement element, string ownerId, DmnReadContext context)
    {
        var columns = Children(element, "column").Select(c => c.Attribute("name") ?? "").ToImmutableArray();
        var rows = new List<ImmutableArray<BoxedExpression>>();
        var ok = true;
        foreach (var row in Children(element, "row"))
        {
            var cells = row.Children.Where(IsExpression).Select(c => Read(c, ownerId, context)).ToList();
            if (cells.Count != columns.Length)
            {
                context.Error(row, ownerId, $"The relation row has {cells.Count} cells for {columns.Length} columns.");
                ok = false;
            }
            ok &= cells.All(c => c is not null);
            rows.Add([.. cells.OfType<BoxedExpression>()]);
        }
        return ok ? new RelationBox(columns, [.. rows], element.Attribute("typeRef"), element.Line) : null;
    }

    /// <summary>The expression inside a wrapper child (if/then/else, in/match, return/satisfies).</summary>
    private static BoxedExpression? Inner(SourceElement owner, string wrapper, string ownerId, DmnReadContext context)
    {
        var child = Child(owner, wrapper);
        var expression = child is null ? null : ExpressionOf(child);
        if (expression is null)
        {
            context.Error(child ?? owner, ownerId, $"The boxed '{owner.LocalName}' has no expression in '{wrapper}'.");
            return null;
        }
        return Read(expression, ownerId, context);
    }
}
