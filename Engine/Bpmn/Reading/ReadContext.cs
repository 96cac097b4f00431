using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>State shared while one file is read: problems, element positions, root-level definitions, expressions.</summary>
internal sealed class ReadContext(BpmnReadOptions options, List<ModelProblem> problems)
{
    private readonly Dictionary<string, SourceElement> _byId = new(StringComparer.Ordinal);
    private readonly List<(ModelExpression Expression, SourceElement Owner, string What)> _expressions = [];

    public BpmnReadOptions Options { get; } = options;
    public List<ModelProblem> Problems { get; } = problems;
    public Dictionary<string, SourceElement> Messages { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, SourceElement> Errors { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, SourceElement> Escalations { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, SourceElement> Signals { get; } = new(StringComparer.Ordinal);

    /// <summary>Records every id in the document once; a second use of an id is an error at its position.</summary>
    public void IndexIds(SourceElement root)
    {
        var pending = new Stack<SourceElement>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var element = pending.Pop();
            if (element.Id is { Length: > 0 } id && !_byId.TryAdd(id, element))
            {
                var first = _byId[id];
                Error(element, $"The id '{id}' is used more than once (also by the {first.LocalName} at line {first.Line}); ids must be unique.");
            }
            for (var i = element.Children.Count - 1; i >= 0; i--)
            {
                pending.Push(element.Children[i]);
            }
        }
    }

    public SourceElement? Source(string id) => _byId.GetValueOrDefault(id);

    /// <summary>An error about <paramref name="owner"/>, positioned at <paramref name="at"/> when the cause is a child element.</summary>
    public void Error(SourceElement owner, string message, SourceElement? at = null) =>
        Add(ProblemSeverity.Error, owner, message, at);

    public void Warning(SourceElement owner, string message, SourceElement? at = null) =>
        Add(ProblemSeverity.Warning, owner, message, at);

    public void Error(ExecutableElement element, string message) => Add(ProblemSeverity.Error, element, message);

    public void Warning(ExecutableElement element, string message) => Add(ProblemSeverity.Warning, element, message);

    public void FileError(string message) => Problems.Add(new ModelProblem(ProblemSeverity.Error, message));

    /// <summary>An attribute value that may be FEEL (leading <c>=</c>); FEEL parts are queued for the expression checker.</summary>
    public ModelExpression Value(string raw, SourceElement owner, string what) =>
        Remember(ModelExpression.Parse(raw), owner, what);

    /// <summary>A value that is FEEL with or without the leading <c>=</c>.</summary>
    public ModelExpression Feel(string raw, SourceElement owner, string what) =>
        Remember(ModelExpression.Feel(raw), owner, what);

    public ModelExpression? OptionalValue(string? raw, SourceElement owner, string what) =>
        string.IsNullOrWhiteSpace(raw) ? null : Value(raw, owner, what);

    /// <summary>Runs the expression checker over every FEEL expression met while reading.</summary>
    public void CheckExpressions()
    {
        var checker = Options.ExpressionChecker;
        foreach (var (expression, owner, what) in _expressions)
        {
            if (expression.Text.Length == 0)
            {
                Error(owner, $"The {what} is an empty expression ('=' with nothing after it).");
                continue;
            }
            if (checker.Check(expression.Text) is { } message)
            {
                Error(owner, $"The {what} '{expression.Text}' is not a valid FEEL expression: {message}");
            }
        }
    }

    private ModelExpression Remember(ModelExpression expression, SourceElement owner, string what)
    {
        if (expression.IsExpression)
        {
            _expressions.Add((expression, owner, what));
        }
        return expression;
    }

    private void Add(ProblemSeverity severity, SourceElement owner, string message, SourceElement? at)
    {
        var position = at ?? owner;
        Problems.Add(new ModelProblem(severity, message, owner.Id, owner.LocalName, position.Line, position.Column));
    }

    private void Add(ProblemSeverity severity, ExecutableElement element, string message)
    {
        var source = Source(element.Id);
        Problems.Add(new ModelProblem(severity, message, element.Id, source?.LocalName ?? element.ElementType,
            source?.Line, source?.Column));
    }
}
