using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Processes.Activities.Catalogues;

namespace Processes.Host.Catalogues;

/// <summary>
/// Forms whose choice fields name a catalogue (form-js custom properties <c>catalogue</c>, and <c>catalogueParent</c> =
/// the key of the field it cascades from): the served schema offers the catalogue's latest version, and submitted values
/// outside it are refused. A field whose catalogue does not exist in the tenant keeps the choices written in the form.
/// </summary>
internal static partial class CatalogueForms
{
    /// <summary>A choice field bound to a catalogue: its component, the data path of its value and of its parent's.</summary>
    private sealed record Binding(JsonObject Component, string Catalogue, string[] Path, string? ParentKey, string[]? ParentPath);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex FeelName();

    /// <summary>The schema with the bound fields' choices taken from the tenant's catalogues (unchanged without bindings).</summary>
    public static async Task<string> FillAsync(CatalogueStore store, string tenantId, string schema, CancellationToken cancellationToken)
    {
        var (root, bindings) = Read(schema);
        if (bindings.Count == 0)
        {
            return schema;
        }
        var catalogues = await store.LatestAsync(tenantId, [.. bindings.Select(b => b.Catalogue).Distinct(StringComparer.Ordinal)], cancellationToken);
        foreach (var binding in bindings)
        {
            if (!catalogues.TryGetValue(binding.Catalogue, out var catalogue))
            {
                continue;
            }
            var component = binding.Component;
            component.Remove("valuesKey");
            if (catalogue.Parent is null || binding.ParentKey is null)
            {
                component.Remove("valuesExpression");
                component["values"] = new JsonArray([.. catalogue.Entries.DistinctBy(e => e.Value).Select(e => (JsonNode)Option(e))]);
            }
            else
            {
                // form-js evaluates this whenever the parent field changes: the cascade needs no script of ours.
                component.Remove("values");
                component["valuesExpression"] = Cascade(catalogue, binding.ParentKey);
            }
            component["properties"]!["catalogueVersion"] = catalogue.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return root.ToJsonString();
    }

    /// <summary>
    /// The submitted values of bound fields that are not in their catalogue, by field path (e.g. <c>scenario.domain</c>).
    /// A cascading field is checked under its parent's submitted value, or against all its entries when the parent is not submitted.
    /// </summary>
    public static async Task<Dictionary<string, string[]>> CheckAsync(CatalogueStore store, string tenantId, string schema, JsonObject? variables,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (_, bindings) = Read(schema);
        var given = bindings.Where(b => Lookup(variables, b.Path) is not null).ToList();
        if (given.Count == 0)
        {
            return errors;
        }
        var catalogues = await store.LatestAsync(tenantId, [.. given.Select(b => b.Catalogue).Distinct(StringComparer.Ordinal)], cancellationToken);
        foreach (var binding in given)
        {
            if (!catalogues.TryGetValue(binding.Catalogue, out var catalogue))
            {
                continue;
            }
            var parentValue = binding.ParentPath is null || catalogue.Parent is null ? null : Lookup(variables, binding.ParentPath) as JsonValue;
            var under = parentValue is not null && parentValue.TryGetValue<string>(out var parent) ? parent : null;
            var allowed = (under is null ? catalogue.Entries : catalogue.Under(under)).Select(e => e.Value).ToHashSet(StringComparer.Ordinal);
            var node = Lookup(variables, binding.Path)!;
            var values = node is JsonArray array ? array.Select(v => v?.ToString() ?? "null").ToList() : [node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString()];
            var wrong = values.Where(v => !allowed.Contains(v)).ToList();
            if (wrong.Count > 0)
            {
                var field = string.Join('.', binding.Path);
                var scope = under is null ? "" : $" under '{under}'";
                var choices = allowed.Count == 0 ? "it offers nothing there" : $"one of {string.Join(", ", allowed.Take(20))}{(allowed.Count > 20 ? ", …" : "")}";
                errors[field] = [$"'{string.Join("', '", wrong)}' is not in the catalogue '{catalogue.Name}' (version {catalogue.Version}){scope}: {choices}."];
            }
        }
        return errors;
    }

    private static (JsonNode Root, List<Binding> Bindings) Read(string schema)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(schema);
        }
        catch (System.Text.Json.JsonException)
        {
            return (JsonValue.Create(schema)!, []);
        }
        var bindings = new List<Binding>();
        if (root is JsonObject form && form["components"] is JsonArray components)
        {
            Collect(components, [], bindings);
        }
        return (root!, bindings);
    }

    private static void Collect(JsonArray components, string[] path, List<Binding> bindings)
    {
        foreach (var component in components.OfType<JsonObject>())
        {
            var inner = component["path"] is JsonValue p && p.TryGetValue<string>(out var segment) && segment.Length > 0
                ? [.. path, .. segment.Split('.')] : path;
            if (component["components"] is JsonArray children)
            {
                Collect(children, inner, bindings);
            }
            if (component["properties"] is JsonObject properties && properties["catalogue"] is JsonValue name && name.TryGetValue<string>(out var catalogue)
                && component["key"] is JsonValue key && key.TryGetValue<string>(out var keyText) && keyText.Length > 0)
            {
                var parentKey = properties["catalogueParent"] is JsonValue pk && pk.TryGetValue<string>(out var parent) && FeelName().IsMatch(parent) ? parent : null;
                bindings.Add(new Binding(component, catalogue, [.. path, .. keyText.Split('.')], parentKey, parentKey is null ? null : [.. path, parentKey]));
            }
        }
    }

    private static JsonNode? Lookup(JsonObject? variables, string[] path)
    {
        JsonNode? node = variables;
        foreach (var segment in path)
        {
            node = node is JsonObject o ? o[segment] : null;
        }
        return node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Null ? null : node;
    }

    private static JsonObject Option(CatalogueEntry entry) => new() { ["label"] = entry.Label, ["value"] = entry.Value };

    /// <summary>
    /// <c>=if P = null then [] else get value({"type": [{label, value}…]…}, P)</c> over every parent value that has
    /// entries. Values are tokens and labels hold no quote or backslash (<see cref="CatalogueRules"/>), so they stay text.
    /// </summary>
    private static string Cascade(Catalogue catalogue, string parentKey)
    {
        var groups = catalogue.Entries.Where(e => e.Parent is not null).GroupBy(e => e.Parent!, StringComparer.Ordinal);
        var context = "{" + string.Join(", ", groups.Select(g =>
            $"\"{g.Key}\": [{string.Join(", ", g.Select(e => $"{{label: \"{e.Label}\", value: \"{e.Value}\"}}"))}]")) + "}";
        return $"=if {parentKey} = null or get value({context}, {parentKey}) = null then [] else get value({context}, {parentKey})";
    }
}
