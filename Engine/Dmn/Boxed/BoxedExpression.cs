using System.Collections.Immutable;
using Processes.Engine.Feel;

namespace Processes.Engine.Dmn.Boxed;

/// <summary>
/// A DMN boxed expression (DMN 1.5 chapter 7), read once at deployment with its FEEL parsed. <see cref="TypeRef"/>
/// is the declared type the value must conform to (null when undeclared); <see cref="Line"/> places problems.
/// </summary>
internal abstract record BoxedExpression(string? TypeRef, int Line);

internal sealed record LiteralBox(FeelExpression Expression, string? TypeRef, int Line) : BoxedExpression(TypeRef, Line);

/// <summary>Entries see the entries before them; an entry without a variable is the context's result.</summary>
internal sealed record ContextBox(ImmutableArray<ContextEntryBox> Entries, string? TypeRef, int Line) : BoxedExpression(TypeRef, Line);

internal sealed record ContextEntryBox(string? Name, string? TypeRef, BoxedExpression Value);

internal sealed record InvocationBox(BoxedExpression Callee, ImmutableArray<BindingBox> Bindings, string? TypeRef, int Line) : BoxedExpression(TypeRef, Line);

/// <summary>A binding without an expression passes null (DMN 1.5 §7.3.6).</summary>
internal sealed record BindingBox(string Parameter, BoxedExpression? Value);

internal sealed record ListBox(ImmutableArray<BoxedExpression> Items, string? TypeRef, int Line) : BoxedExpression(TypeRef, Line);

internal sealed record RelationBox(ImmutableArray<string> Columns, ImmutableArray<ImmutableArray<BoxedExpression>> Rows, string? TypeRef, int Line)
    : BoxedExpression(TypeRef, Line);

internal sealed record ConditionalBox(BoxedExpression If, BoxedExpression Then, BoxedExpression Else, string? TypeRef, int Line) : BoxedExpression(TypeRef, Line);

internal sealed record FilterBox(BoxedExpression In, BoxedExpression Match, string? TypeRef, int Line) : BoxedExpression(TypeRef, Line);

internal enum IteratorKind
{
    For,
    Every,
    Some,
}

internal sealed record IteratorBox(IteratorKind Kind, string Variable, BoxedExpression In, BoxedExpression Body, string? TypeRef, int Line)
    : BoxedExpression(TypeRef, Line);

internal sealed record ParameterBox(string Name, string? TypeRef);

/// <summary>Only FEEL functions run; Java and PMML functions (kind) evaluate to null with a warning.</summary>
internal sealed record FunctionBox(string Name, ImmutableArray<ParameterBox> Parameters, BoxedExpression? Body, string Kind, string? TypeRef, int Line)
    : BoxedExpression(TypeRef, Line);

internal sealed record TableBox(DecisionTable Table, string? TypeRef, int Line) : BoxedExpression(TypeRef, Line);

/// <summary>A decision of the model with no logic: it has a value only when one is supplied (e.g. a decision service's input decision).</summary>
internal sealed record NoLogicBox(int Line) : BoxedExpression(null, Line);
