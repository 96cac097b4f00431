namespace Processes.Engine.Bpmn.Reading;

/// <summary>
/// What the engine runs, read from the reader's own tables, so the designer offers and checks exactly what a
/// deployment accepts instead of a hand-kept copy: flow node types and event definitions (BPMN local names), the
/// refused event definitions with the reader's wording, the zeebe: extensions read, and the refused markers.
/// </summary>
public static class EngineSupport
{
    public static IReadOnlyList<string> FlowNodeTypes { get; } = [.. ProcessReader.SupportedTypes.Order(StringComparer.Ordinal)];

    public static IReadOnlyList<string> EventDefinitions { get; } = [.. EventReader.SupportedDefinitions.Order(StringComparer.Ordinal)];

    /// <summary>Event definition (local name) → why it is refused.</summary>
    public static IReadOnlyDictionary<string, string> RefusedEventDefinitions { get; } =
        EventReader.RefusedDefinitions.ToDictionary(d => d.Key, d => $"{d.Value} ({d.Key}) are not supported.", StringComparer.Ordinal);

    public static IReadOnlyList<string> ZeebeExtensions { get; } = [.. ProcessReader.SupportedExtensions.Order(StringComparer.Ordinal)];

    /// <summary>Activity markers refused (attribute or child local name) → why.</summary>
    public static IReadOnlyDictionary<string, string> RefusedMarkers { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["standardLoopCharacteristics"] = ActivityReader.StandardLoopRefusal,
        ["isForCompensation"] = ActivityReader.CompensationRefusal,
    };
}
