using System.Runtime.CompilerServices;
using System.Xml;
using System.Xml.Linq;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;
using Processes.Engine.Dmn;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

/// <summary>
/// Decision tables run on the engine's own reader and evaluator (<see cref="DecisionTableReader"/>,
/// <see cref="DecisionTableEvaluator"/>), so the TCK measures what processes get. Where the engine fails an
/// evaluation (two matches of a UNIQUE table, ANY rules that disagree) the TCK expects null.
/// </summary>
internal sealed partial class DmnEvaluator
{
    private readonly ConditionalWeakTable<XElement, DecisionTable?> _tables = [];

    private FeelValue EvaluateDecisionTable(XElement table, FeelContext scope)
    {
        if (!_tables.TryGetValue(table, out var executable))
        {
            var problems = new List<ModelProblem>();
            var decisionId = table.Parent?.Attr("id") ?? "";
            executable = DecisionTableReader.Read(ToSource(table), decisionId, new DmnReadContext(problems, _model.KnownNames));
            Problems.AddRange(problems.Where(p => p.IsError).Select(p => p.ToString()));
            _tables.AddOrUpdate(table, executable);
        }
        if (executable is null)
        {
            return FeelValue.Null;
        }
        var result = DecisionTableEvaluator.Evaluate(executable, scope, FeelLimits.Default, DateTimeOffset.UtcNow);
        return result.Failure is null ? result.Value : FeelValue.Null;
    }

    /// <summary>The engine reads its own positioned tree; the TCK's models are XDocuments.</summary>
    private static SourceElement ToSource(XElement element)
    {
        var attributes = element.Attributes().Where(a => !a.IsNamespaceDeclaration)
            .Select(a => (a.Name.NamespaceName, a.Name.LocalName, a.Value)).ToArray();
        var position = (IXmlLineInfo)element;
        var source = new SourceElement(element.Name.NamespaceName, element.Name.LocalName, attributes, position.LineNumber, position.LinePosition);
        foreach (var child in element.Elements())
        {
            source.AddChild(ToSource(child));
        }
        if (!element.HasElements && element.Value.Length > 0)
        {
            source.Text = element.Value;
        }
        return source;
    }
}
