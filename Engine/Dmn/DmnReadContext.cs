using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;
using Processes.Engine.Feel;
using FeelApi = Processes.Engine.Feel.Feel;

namespace Processes.Engine.Dmn;

/// <summary>
/// The state of reading one DMN file: problems found so far, and the names FEEL must lex as one name (decision
/// and input data names may contain spaces and keywords, e.g. "Applicant risk rating").
/// </summary>
internal sealed class DmnReadContext(List<ModelProblem> problems, IReadOnlyList<string> knownNames)
{
    private static readonly FeelExpression NullExpression = FeelApi.ParseExpression("null").Expression!;

    public List<ModelProblem> Problems { get; } = problems;

    /// <summary>
    /// A problem of a decision, positioned at the element where it is (a rule, an entry, a column) and, in a decision
    /// table, at its cell (rule index, column id), so the designer marks the cell without reading the file's lines.
    /// </summary>
    public void Error(SourceElement at, string decisionId, string message, TableCell cell = default) =>
        Problems.Add(new ModelProblem(ProblemSeverity.Error, message, decisionId, "decision", at.Line, at.Column)
        {
            RuleIndex = cell.RuleIndex,
            ColumnId = cell.ColumnId,
        });

    public void Warning(SourceElement at, string decisionId, string message) =>
        Problems.Add(new ModelProblem(ProblemSeverity.Warning, message, decisionId, "decision", at.Line, at.Column));

    /// <summary>
    /// The FEEL expression in <paramref name="owner"/>'s <c>text</c> child; <paramref name="whenEmpty"/> when there is
    /// none (null: an empty text is a problem). A parse error is reported with <paramref name="what"/> and gives null.
    /// </summary>
    public FeelExpression? Expression(SourceElement owner, string decisionId, string what, string? whenEmpty, TableCell cell = default)
    {
        var text = TextOf(owner) ?? whenEmpty;
        if (text is null)
        {
            Error(owner, decisionId, $"{what} is empty; it needs a FEEL expression.", cell);
            return null;
        }
        if (text == "null")
        {
            return NullExpression;
        }
        var parsed = FeelApi.ParseExpression(text, knownNames);
        if (parsed.Error is { } error)
        {
            Error(owner, decisionId, $"{what} '{text}' is not a valid FEEL expression ({error}).", cell);
        }
        return parsed.Expression;
    }

    /// <summary>Unary tests (an input entry); empty means "-" (any value), as in the modeler.</summary>
    public FeelExpression? UnaryTests(SourceElement owner, string decisionId, string what, TableCell cell = default)
    {
        var text = TextOf(owner) ?? "-";
        var parsed = FeelApi.ParseUnaryTests(text, knownNames);
        if (parsed.Error is { } error)
        {
            Error(owner, decisionId, $"{what} '{text}' is not valid FEEL unary tests ({error}).", cell);
        }
        return parsed.Expression;
    }

    /// <summary>The trimmed content of the <c>text</c> child, null when missing or blank.</summary>
    public static string? TextOf(SourceElement owner)
    {
        var text = Child(owner, "text")?.Text?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>
    /// Children by local name: below the root the DMN namespace is implied (files mix DMN versions and prefixes,
    /// and extension elements such as Camunda's are in their own namespaces, which have other names).
    /// </summary>
    public static SourceElement? Child(SourceElement owner, string localName) => owner.Children.FirstOrDefault(c => c.LocalName == localName);

    public static IEnumerable<SourceElement> Children(SourceElement owner, string localName) => owner.Children.Where(c => c.LocalName == localName);

    /// <summary>"#id" and "other.dmn#id" references name the id after '#'.</summary>
    public static string Href(SourceElement reference) => (reference.Attribute("href") ?? "").Split('#')[^1].Trim();
}

/// <summary>Where in a decision table a problem is: the rule (1-based) and the input or output column's id; either may be null.</summary>
internal readonly record struct TableCell(int? RuleIndex, string? ColumnId);
