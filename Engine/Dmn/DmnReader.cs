using System.Collections.Immutable;
using System.Text;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;
using static Processes.Engine.Dmn.DmnReadContext;

namespace Processes.Engine.Dmn;

/// <summary>
/// Reads a DMN file (1.2 to 1.5, as Camunda Modeler writes them) into its decision requirements graph and reports
/// every problem at once, each with the decision id and the line of the element. Like <see cref="BpmnReader"/>,
/// invalid input never throws and <see cref="DmnReadResult.Requirements"/> is null whenever there is an error.
/// </summary>
internal static class DmnReader
{
    public static readonly ImmutableArray<string> Namespaces =
    [
        "https://www.omg.org/spec/DMN/20230324/MODEL/", // 1.5
        "https://www.omg.org/spec/DMN/20211108/MODEL/", // 1.4
        "https://www.omg.org/spec/DMN/20191111/MODEL/", // 1.3 (Camunda Modeler 5)
        "http://www.omg.org/spec/DMN/20180521/MODEL/", // 1.2
    ];

    public static DmnReadResult Read(string xml, BpmnReadOptions? options = null, IReadOnlyDictionary<string, DecisionRequirements>? models = null) =>
        Read(Encoding.UTF8.GetBytes(xml), options, models);

    /// <param name="models">
    /// The models imports may name, by namespace: given, every DMN import must name one of them (else an error) and
    /// the file's FEEL sees their elements as <c>import.element</c>; null reads imports without resolving them.
    /// </param>
    public static DmnReadResult Read(ReadOnlyMemory<byte> content, BpmnReadOptions? options = null,
        IReadOnlyDictionary<string, DecisionRequirements>? models = null)
    {
        options ??= BpmnReadOptions.Default;
        var problems = new List<ModelProblem>();
        if (content.IsEmpty)
        {
            // The shared parser's wording expects BPMN.
            problems.Add(new ModelProblem(ProblemSeverity.Error, "The file is empty; expected DMN XML."));
            return Finish(null, problems);
        }
        var root = SafeXmlParser.Parse(content, options, problems);
        if (root is null)
        {
            if (problems.Count == 0)
            {
                problems.Add(new ModelProblem(ProblemSeverity.Error, "The file contains no XML element."));
            }
            return Finish(null, problems);
        }
        if (root.LocalName != "definitions" || !Namespaces.Contains(root.Namespace))
        {
            problems.Add(new ModelProblem(ProblemSeverity.Error,
                $"The root element is '{root.LocalName}' in '{root.Namespace}'; a DMN file starts with 'definitions' in a DMN 1.2 to 1.5 namespace " +
                $"(Camunda Modeler writes '{Namespaces[2]}').", Line: root.Line, Column: root.Column));
            return Finish(null, problems);
        }
        var (imports, imported) = DmnImports.Read(root, problems, models);
        var decisionElements = Children(root, "decision").ToList();
        // Every name of the model may be referred to from FEEL (decisions, input data, BKMs, context entries, parameters,
        // iterator variables) and must lex as one name even with spaces or keywords in it.
        var knownNames = decisionElements.Select(d => d.NonBlank("id")).OfType<string>()
            .Concat(AllNames(root)).Concat(imported.Values.SelectMany(m => m.Names)).Distinct(StringComparer.Ordinal).ToList();
        var context = new DmnReadContext(problems, knownNames);
        var decisions = new List<ExecutableDecision>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in decisionElements)
        {
            if (element.NonBlank("id") is not { } id)
            {
                problems.Add(new ModelProblem(ProblemSeverity.Error, $"A decision ('{element.NonBlank("name") ?? "no name"}') has no id; the id is what processes call it by.",
                    ElementType: "decision", Line: element.Line, Column: element.Column));
                continue;
            }
            if (!ids.Add(id))
            {
                context.Error(element, id, "Two decisions of the file have this id; decision ids must be unique.");
                continue;
            }
            if (ReadDecision(element, id, context, imports) is { } decision)
            {
                decisions.Add(decision);
            }
        }
        if (decisionElements.Count == 0)
        {
            problems.Add(new ModelProblem(ProblemSeverity.Error, "The file contains no decision.", Line: root.Line, Column: root.Column));
        }
        CheckRequirements(decisions, decisionElements, context, imported);
        var parts = DrgPartsReader.Read(root, context);
        var drg = new DecisionRequirements(root.NonBlank("id") ?? decisions.FirstOrDefault()?.Id ?? "", root.NonBlank("name"), [.. decisions])
        {
            Parts = parts with { Types = parts.Types.WithImports(imported.ToImmutableDictionary(i => i.Key, i => i.Value.Parts.Types, StringComparer.Ordinal)) },
            Namespace = root.NonBlank("namespace"),
            Imports = imports,
            Imported = imported,
            Names = [.. knownNames],
        };
        return Finish(drg, problems);
    }

    private static ExecutableDecision? ReadDecision(SourceElement element, string id, DmnReadContext context, ImmutableArray<DmnImport> imports)
    {
        var required = new List<string>();
        var fromImports = new List<ImportedRequirement>();
        var inputs = new List<string>();
        foreach (var requirement in Children(element, "informationRequirement"))
        {
            if (Child(requirement, "requiredDecision") is { } reference)
            {
                if (DmnImports.Target(reference, imports) is { } import)
                {
                    fromImports.Add(new ImportedRequirement(import.Name, Href(reference)));
                }
                else
                {
                    required.Add(Href(reference));
                }
            }
            else if (Child(requirement, "requiredInput") is { } input)
            {
                inputs.Add(Href(input));
            }
        }
        DecisionLogic? logic = null;
        if (Child(element, "decisionTable") is { } table)
        {
            logic = DecisionTableReader.Read(table, id, context);
        }
        else if (Child(element, "literalExpression") is { } literal)
        {
            var expression = context.Expression(literal, id, "The literal expression", whenEmpty: null);
            logic = expression is null ? null : new LiteralExpressionLogic(expression);
        }
        else if (Boxed.BoxedReader.ExpressionOf(element) is { } boxed)
        {
            var expression = Boxed.BoxedReader.Read(boxed, id, context);
            logic = expression is null ? null : new BoxedLogic(expression);
        }
        else
        {
            // DMN allows a decision without logic (a DRD sketch, or an input decision of a service given by the caller).
            context.Warning(element, id, "The decision has no decision logic; evaluating it gives null unless its value is given.");
            logic = new BoxedLogic(new Boxed.NoLogicBox(element.Line));
        }
        return logic is null ? null : new ExecutableDecision(id, element.NonBlank("name"), [.. required], logic, element.Line,
            Child(element, "variable")?.Attribute("typeRef"), [.. inputs]) { ImportedRequirements = [.. fromImports] };
    }

    /// <summary>Required decisions must be in the file and must not require, directly or not, the decision itself.</summary>
    private static void CheckRequirements(List<ExecutableDecision> decisions, List<SourceElement> elements, DmnReadContext context,
        ImmutableDictionary<string, DecisionRequirements> imported)
    {
        var ids = elements.Select(e => e.NonBlank("id")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var byId = decisions.ToDictionary(d => d.Id, StringComparer.Ordinal);
        foreach (var decision in decisions)
        {
            var element = elements.First(e => e.NonBlank("id") == decision.Id);
            foreach (var required in decision.RequiredDecisions.Where(r => !ids.Contains(r)))
            {
                context.Error(element, decision.Id, required.Length == 0
                    ? "A required decision (informationRequirement/requiredDecision) has no href."
                    : $"The required decision '{required}' is not in this file; required decisions must be deployed in the same DMN file.");
            }
            foreach (var required in decision.ImportedRequirements)
            {
                if (imported.TryGetValue(required.ImportName, out var model) && model.Find(required.DecisionId) is null)
                {
                    context.Error(element, decision.Id,
                        $"The required decision '{required.DecisionId}' is not in the model imported as '{required.ImportName}' (namespace '{model.Namespace}').");
                }
            }
            if (FindCycle(decision.Id, byId, [decision.Id]) is { } cycle)
            {
                context.Error(element, decision.Id, $"The decision requires itself: {string.Join(" → ", cycle)}.");
            }
        }
    }

    private static List<string>? FindCycle(string current, Dictionary<string, ExecutableDecision> byId, List<string> path)
    {
        if (!byId.TryGetValue(current, out var decision))
        {
            return null;
        }
        foreach (var required in decision.RequiredDecisions)
        {
            if (required == path[0])
            {
                return [.. path, required];
            }
            if (!path.Contains(required) && FindCycle(required, byId, [.. path, required]) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    private static IEnumerable<string> AllNames(SourceElement element)
    {
        // Labels are display text (a modeler often repeats the input expression there), never names FEEL refers to.
        foreach (var name in new[] { element.Attribute("name"), element.Attribute("iteratorVariable") })
        {
            if (!string.IsNullOrEmpty(name) && (char.IsLetter(name[0]) || name[0] == '_'))
            {
                yield return name;
            }
        }
        foreach (var name in element.Children.SelectMany(AllNames))
        {
            yield return name;
        }
    }

    private static DmnReadResult Finish(DecisionRequirements? drg, List<ModelProblem> problems)
    {
        var ordered = problems.Select((p, index) => (p, index)).OrderBy(x => x.p.Line ?? 0).ThenBy(x => x.index).Select(x => x.p).ToImmutableArray();
        return new DmnReadResult(ordered.Any(p => p.IsError) ? null : drg, ordered);
    }
}

/// <summary>What reading a DMN file produced; <see cref="Requirements"/> is null whenever there is an error.</summary>
internal sealed record DmnReadResult(DecisionRequirements? Requirements, ImmutableArray<ModelProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);

    public IEnumerable<ModelProblem> Errors => Problems.Where(p => p.IsError);
}
