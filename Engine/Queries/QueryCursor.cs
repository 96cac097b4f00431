using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Processes.Engine.Queries;

/// <summary>
/// Opaque keyset cursors: the sort's values of one row (the key last) and a short hash of the sort they belong to,
/// as base64 JSON (standard alphabet, padded: Camunda's clients check cursors against that pattern and at most 300
/// characters). A cursor of another sort (or edited by hand) is refused naming the page field instead of paging wrongly.
/// </summary>
internal static class QueryCursor
{
    public static string Encode(string signature, IReadOnlyList<(QueryField Field, object? Value)> values)
    {
        var array = new JsonArray();
        foreach (var (field, value) in values)
        {
            array.Add(value switch
            {
                null => null,
                DateTime date => JsonValue.Create(DateTime.SpecifyKind(date, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture)),
                DateTimeOffset date => JsonValue.Create(date.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
                long number => JsonValue.Create(number),
                int number => JsonValue.Create((long)number),
                bool flag => JsonValue.Create(flag),
                _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
            });
            _ = field;
        }
        var json = new JsonObject { ["s"] = Short(signature), ["v"] = array }.ToJsonString();
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
    }

    public static object?[] Decode(string cursor, string signature, IReadOnlyList<QueryField> fields, string path)
    {
        try
        {
            var text = cursor.TrimEnd('=').Replace('-', '+').Replace('_', '/');
            text += new string('=', (4 - text.Length % 4) % 4);
            var node = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(text)))?.AsObject();
            if (node?["s"]?.GetValue<string>() != Short(signature) || node["v"] is not JsonArray values || values.Count != fields.Count)
            {
                throw new QueryException(path, $"{path} is a cursor of another query (sort); page from the first page again.");
            }
            return [.. fields.Select((field, i) => values[i] is null ? null : Typed(field.Type, values[i]!))];
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            throw new QueryException(path, $"{path} is not a cursor this API issued.");
        }
    }

    private static string Short(string signature) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(signature)))[..8];

    private static object Typed(FieldType type, JsonNode value) => type switch
    {
        FieldType.Key or FieldType.Integer => value.GetValue<long>(),
        FieldType.Boolean => value.GetValue<bool>(),
        FieldType.Date => DateTime.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => value.GetValue<string>(),
    };
}
