namespace Processes.Engine.Feel.Values;

/// <summary>A FEEL type as written after <c>instance of</c> or in a DMN typeRef.</summary>
internal sealed record FeelType(
    string Name, FeelType? Element = null, IReadOnlyList<KeyValuePair<string, FeelType>>? Fields = null,
    IReadOnlyList<FeelType>? Parameters = null, FeelType? Result = null)
{
    public static readonly FeelType Any = new("Any");

    public bool Matches(FeelValue value)
    {
        switch (Name)
        {
            case "Any":
                return value is not FeelNull;
            case "Null" or "null":
                return value is FeelNull;
            case "list":
                return value is FeelList l && (Element is null || l.Items.All(Element.Matches));
            case "context":
                return value is FeelContextValue c && (Fields is null || Fields.All(f => c.TryGet(f.Key, out var v) && f.Value.Matches(v)));
            case "range":
                return value is FeelRange r && (Element is null || ((r.Start is FeelNull || Element.Matches(r.Start)) && (r.End is FeelNull || Element.Matches(r.End))));
            case "function":
                return value is FeelFunction f && (Parameters is null || f.Overloads.Any(AcceptsSignatureOf));
            case "duration":
                // The XML Schema name covers both FEEL duration types.
                return value is FeelDaysTime or FeelYearsMonths;
            default:
                return value.TypeName == Canonical(Name);
        }
    }

    /// <summary>
    /// function&lt;T1, ..., Tn&gt; -&gt; U (DMN 1.5 §10.3.2.9.4): an overload taking n arguments whose declared parameter
    /// types each accept Ti (parameters are contravariant) and whose declared result type, when it has one, conforms to U.
    /// </summary>
    private bool AcceptsSignatureOf(FeelOverload overload)
    {
        var count = Parameters!.Count;
        if (overload.Variadic ? count < overload.Required : count < overload.Required || count > overload.Parameters.Length)
        {
            return false;
        }
        for (var i = 0; i < count && i < overload.Parameters.Length; i++)
        {
            if (overload.ParameterTypes?[i] is { } declared && !Parameters[i].ConformsTo(declared))
            {
                return false;
            }
        }
        return Result is null || overload.ResultType is not { } result || result.ConformsTo(Result);
    }

    /// <summary>Whether every value of this type is a value of <paramref name="other"/> (type conformance, §10.3.2.9).</summary>
    public bool ConformsTo(FeelType other)
    {
        if (other.Name == "Any" || (Name is "Null" or "null"))
        {
            return true;
        }
        if (other.Name == "duration" && Name is "days and time duration" or "years and months duration" or "duration")
        {
            return true;
        }
        if (Name != other.Name)
        {
            return false;
        }
        return Name switch
        {
            "list" or "range" => other.Element is null || (Element ?? Any).ConformsTo(other.Element),
            "context" => other.Fields is null || other.Fields.All(f => Fields?.FirstOrDefault(g => g.Key == f.Key).Value is { } mine && mine.ConformsTo(f.Value)),
            "function" => other.Parameters is null || (Parameters is { } mine && mine.Count == other.Parameters.Count &&
                mine.Zip(other.Parameters).All(p => p.Second.ConformsTo(p.First)) && (Result ?? Any).ConformsTo(other.Result ?? Any)),
            _ => true,
        };
    }

    public static string Canonical(string name) => name switch
    {
        "dateTime" or "date and time" => "date and time",
        "dayTimeDuration" or "days and time duration" => "days and time duration",
        "yearMonthDuration" or "years and months duration" => "years and months duration",
        _ => name,
    };

    public override string ToString() =>
        Parameters is not null ? $"function<{string.Join(", ", Parameters)}> -> {Result}" : Element is null ? Name : $"{Name}<{Element}>";
}
