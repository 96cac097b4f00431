namespace Processes.Engine.Bpmn.Executable;

/// <summary>
/// A value taken from the model that is either a static literal or a FEEL expression. Camunda 8 marks
/// expressions with a leading <c>=</c>; the runtime evaluates <see cref="Text"/> when <see cref="IsExpression"/>
/// and uses it verbatim otherwise, so the distinction is made once, here, and never re-derived from XML.
/// </summary>
internal sealed record ModelExpression(string Raw, bool IsExpression, string Text)
{
    /// <summary>An attribute value: FEEL when it starts with <c>=</c>, a literal otherwise.</summary>
    public static ModelExpression Parse(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var trimmed = raw.TrimStart();
        return trimmed.StartsWith('=')
            ? new ModelExpression(raw, true, trimmed[1..].Trim())
            : new ModelExpression(raw, false, raw);
    }

    /// <summary>
    /// A value that is always FEEL (sequence-flow conditions, correlation keys, input collections): modelers
    /// usually write the <c>=</c> but older files omit it, and both mean the same expression.
    /// </summary>
    public static ModelExpression Feel(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var trimmed = raw.Trim();
        return new ModelExpression(raw, true, trimmed.StartsWith('=') ? trimmed[1..].Trim() : trimmed);
    }

    public static ModelExpression Literal(string value) => new(value, false, value);

    public override string ToString() => Raw;
}
