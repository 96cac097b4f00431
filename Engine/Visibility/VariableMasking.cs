using System.Text.Json.Nodes;

namespace Processes.Engine.Visibility;

/// <summary>
/// Hides sensitive values (a customer's phone number) from callers whose work does not need them — a finance
/// reviewer approves a refund without calling the customer. A masked name matches a variable and any property of
/// that name inside a variable's value (<c>phone</c> masks <c>customer.phone</c>). Applied by every read model that
/// returns variable values, so no endpoint can forget it.
/// </summary>
public sealed class VariableMasking
{
    /// <summary>What a masked value reads as.</summary>
    public const string Mask = "***";

    private readonly HashSet<string> _names;
    private readonly HashSet<CallerRole> _unmaskedRoles;

    /// <param name="names">The sensitive names (configured as <c>Processes:Visibility:MaskedVariables</c>).</param>
    /// <param name="unmaskedRoles">Roles that need the values; a caller with none of them sees them masked.</param>
    public VariableMasking(IEnumerable<string> names, IEnumerable<CallerRole>? unmaskedRoles = null)
    {
        _names = new HashSet<string>(names, StringComparer.Ordinal);
        _unmaskedRoles = [.. unmaskedRoles ?? [CallerRole.Agent, CallerRole.Supervisor, CallerRole.Operator, CallerRole.Admin]];
    }

    /// <summary>Customer phone numbers, as the shipped processes name them.</summary>
    public static IReadOnlyList<string> DefaultNames { get; } = ["phone", "customerPhone", "mobile", "buyerMobile", "recipient"];

    public static VariableMasking None { get; } = new([]);

    /// <summary>Whether <paramref name="name"/> is one of the sensitive names.</summary>
    public bool IsSensitive(string name) => _names.Contains(name);

    public bool AppliesTo(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return _names.Count > 0 && !caller.Roles.Any(_unmaskedRoles.Contains);
    }

    /// <summary>
    /// Whether <paramref name="caller"/> may filter on this variable: not on a masked one, and not on a structured value,
    /// which may hold a masked property — a filter that matches is as good as reading the value.
    /// </summary>
    public bool MayFilterOn(Caller caller, string name, JsonNode? value) =>
        !AppliesTo(caller) || (!_names.Contains(name) && value is not (JsonObject or JsonArray));

    /// <summary>The value as <paramref name="caller"/> may see it: unchanged, or with the sensitive parts replaced.</summary>
    public JsonNode? Apply(Caller caller, string name, JsonNode? value) => !AppliesTo(caller) ? value : MaskNode(name, value);

    /// <summary>The value as JSON text, for read models that pass values through as text.</summary>
    public string? ApplyText(Caller caller, string name, string? json)
    {
        if (json is null || !AppliesTo(caller))
        {
            return json;
        }
        return MaskNode(name, JsonNode.Parse(json))?.ToJsonString() ?? "null";
    }

    /// <summary>
    /// A history entry's details as the caller may see them: a variable event's value is masked by the variable's
    /// name, and any sensitive property elsewhere in the details (a job's inputs) by its own.
    /// </summary>
    public JsonNode? ApplyDetails(Caller caller, JsonNode? details)
    {
        if (details is not JsonObject obj || !AppliesTo(caller))
        {
            return details;
        }
        if (obj["name"] is JsonValue nameValue && nameValue.TryGetValue<string>(out var name) && obj.ContainsKey("value"))
        {
            obj["value"] = MaskNode(name, obj["value"]?.DeepClone());
        }
        return MaskNode(null, obj);
    }

    private JsonNode? MaskNode(string? name, JsonNode? value)
    {
        if (name is not null && _names.Contains(name))
        {
            return value is null ? null : JsonValue.Create(Mask);
        }
        switch (value)
        {
            case JsonObject obj:
                foreach (var property in obj.Select(p => p.Key).ToList())
                {
                    var inner = obj[property];
                    obj[property] = MaskNode(property, inner?.DeepClone());
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = MaskNode(null, array[i]?.DeepClone());
                }
                return array;
            default:
                return value;
        }
    }
}
