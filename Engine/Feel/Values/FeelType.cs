namespace Processes.Engine.Feel.Values;

/// <summary>A FEEL type as written after <c>instance of</c> or in a DMN typeRef.</summary>
internal sealed record FeelType(string Name, FeelType? Element = null, IReadOnlyList<KeyValuePair<string, FeelType>>? Fields = null)
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
                return value is FeelFunction;
            case "duration":
                // The XML Schema name covers both FEEL duration types.
                return value is FeelDaysTime or FeelYearsMonths;
            default:
                return value.TypeName == Canonical(Name);
        }
    }

    public static string Canonical(string name) => name switch
    {
        "dateTime" or "date and time" => "date and time",
        "dayTimeDuration" or "days and time duration" => "days and time duration",
        "yearMonthDuration" or "years and months duration" => "years and months duration",
        _ => name,
    };

    public override string ToString() => Element is null ? Name : $"{Name}<{Element}>";
}
