using System.Text.RegularExpressions;

namespace Processes.Activities.Catalogues;

/// <summary>
/// What a catalogue version must be before it is saved, every problem at once by field. Values are plain tokens and
/// labels carry no quote or backslash: both end up inside the FEEL a form evaluates (a cascading choice), where text
/// must stay text.
/// </summary>
public static partial class CatalogueRules
{
    public const int MaxEntries = 500;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    private static partial Regex Token();

    public static bool IsName(string? name) => name is not null && Token().IsMatch(name);

    /// <summary>The problems of <paramref name="catalogue"/>; <paramref name="parent"/> is the parent catalogue's latest version, if it names one.</summary>
    public static Dictionary<string, string[]> Check(Catalogue catalogue, Catalogue? parent)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);
        if (!IsName(catalogue.Name))
        {
            Add("name", $"'{catalogue.Name}' is not a catalogue name: letters, digits, '.', '_', ':' or '-', at most 64.");
        }
        if (string.IsNullOrWhiteSpace(catalogue.Title) || catalogue.Title.Length > 200)
        {
            Add("title", "A catalogue needs a title of at most 200 characters (e.g. \"Demand appeals\").");
        }
        if (catalogue.Parent is { } parentName)
        {
            if (parentName == catalogue.Name)
            {
                Add("parent", "A catalogue cannot be its own parent.");
            }
            else if (parent is null)
            {
                Add("parent", $"There is no catalogue '{parentName}' to be the parent.");
            }
        }
        if (catalogue.Entries.Count == 0 || catalogue.Entries.Count > MaxEntries)
        {
            Add("entries", $"A catalogue has 1 to {MaxEntries} entries.");
        }
        var parentValues = parent?.Entries.Select(e => e.Value).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<(string, string?)>();
        for (var i = 0; i < catalogue.Entries.Count; i++)
        {
            var entry = catalogue.Entries[i];
            var field = $"entries[{i}]";
            if (entry is null)
            {
                Add(field, "An entry is an object {value, label, parent?}.");
                continue;
            }
            if (!IsName(entry.Value))
            {
                Add($"{field}.value", $"'{entry.Value}' is not a value: letters, digits, '.', '_', ':' or '-', at most 64.");
            }
            if (string.IsNullOrWhiteSpace(entry.Label) || entry.Label.Length > 200 || entry.Label.Any(c => c is '"' or '\\' || char.IsControl(c)))
            {
                Add($"{field}.label", $"The label of '{entry.Value}' is 1 to 200 characters without quotes, backslashes or line breaks.");
            }
            if (catalogue.Parent is null && entry.Parent is not null)
            {
                Add($"{field}.parent", $"'{entry.Value}' names a parent but the catalogue has no parent catalogue.");
            }
            else if (catalogue.Parent is not null && (entry.Parent is null || (parentValues is not null && !parentValues.Contains(entry.Parent))))
            {
                Add($"{field}.parent", $"'{entry.Value}' needs a parent value of '{catalogue.Parent}', and '{entry.Parent}' is not one.");
            }
            if (!seen.Add((entry.Value, entry.Parent)))
            {
                Add($"{field}.value", $"'{entry.Value}' is listed twice{(entry.Parent is null ? "" : $" under '{entry.Parent}'")}.");
            }
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }
}
