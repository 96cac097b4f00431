using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Processes.Engine.Queries;

/// <summary>
/// Reads a JSON filter object — Camunda 8's search filter shape — against a read model's declared fields: a plain
/// value means equality, an object holds operators (<c>$eq $neq $in $notIn $exists $like $gt $gte $lt $lte</c>), and
/// <c>variables</c> is a list of <c>{name, value}</c> (value as JSON text). A field the model does not declare is an
/// error naming it: a filter silently ignored would answer every row.
/// </summary>
public static class JsonFilter
{
    public static Query Read<TRow>(ReadModel<TRow> model, JsonElement? filter, Query? into = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var query = into ?? new Query();
        if (filter is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return query;
        }
        return ReadObject(model, element, query, "filter", model.AllowsAnyOf);
    }

    private static Query ReadObject<TRow>(ReadModel<TRow> model, JsonElement element, Query query, string at, bool allowsAnyOf)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new QueryException(at, $"{at} must be an object of field names to values.");
        }
        var conditions = new List<FieldCondition>(query.Conditions);
        var variables = new List<VariableCondition>(query.Variables);
        var anyOf = new List<Query>(query.AnyOf);
        foreach (var property in element.EnumerateObject())
        {
            var path = $"{at}.{property.Name}";
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue; // Camunda's clients send unset fields as null
            }
            if (property.Name == "$or" && allowsAnyOf)
            {
                anyOf.AddRange(AnyOf(model, property.Value, path));
                continue;
            }
            if (property.Name == model.VariablesFilter && model.InstanceKeyColumn is not null)
            {
                variables.AddRange(Variables(property.Value, path));
                continue;
            }
            if (property.Name == model.LocalVariablesFilter && model.LocalScopeColumn is not null)
            {
                variables.AddRange(Variables(property.Value, path).Select(v => v with { Local = true }));
                continue;
            }
            var field = model.Field(property.Name, path);
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var op in property.Value.EnumerateObject())
                {
                    conditions.Add(Operator(field, op.Name, op.Value, $"{path}.{op.Name}"));
                }
            }
            else if (property.Value.ValueKind == JsonValueKind.Array && field.Type == FieldType.TextList)
            {
                // A list of values for a list field (an instance's tags): the row holds every one of them.
                conditions.AddRange(property.Value.EnumerateArray().Select((item, i) => new FieldCondition(field.Name, FilterOperator.Eq, Value(field, item, $"{path}[{i}]"))));
            }
            else
            {
                conditions.Add(new FieldCondition(field.Name, FilterOperator.Eq, Value(field, property.Value, path)));
            }
        }
        return query with { Conditions = conditions, Variables = variables, AnyOf = anyOf };
    }

    /// <summary>Camunda's <c>$or</c>: a list of filter objects (without <c>$or</c> of their own), any of which may match.</summary>
    private static IEnumerable<Query> AnyOf<TRow>(ReadModel<TRow> model, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new QueryException(path, $"{path} must be a list of filter objects.");
        }
        return [.. value.EnumerateArray().Select((item, i) => ReadObject(model, item, new Query(), $"{path}[{i}]", allowsAnyOf: false))];
    }

    private static FieldCondition Operator(QueryField field, string name, JsonElement value, string path)
    {
        var op = name switch
        {
            "$eq" => FilterOperator.Eq,
            "$neq" => FilterOperator.Neq,
            "$in" => FilterOperator.In,
            "$notIn" => FilterOperator.NotIn,
            "$exists" => FilterOperator.Exists,
            "$like" => FilterOperator.Like,
            "$gt" => FilterOperator.Gt,
            "$gte" => FilterOperator.Gte,
            "$lt" => FilterOperator.Lt,
            "$lte" => FilterOperator.Lte,
            _ => throw new QueryException(path, $"{path}: '{name}' is not an operator; use $eq, $neq, $in, $notIn, $exists, $like, $gt, $gte, $lt or $lte."),
        };
        object? typed = op switch
        {
            FilterOperator.In or FilterOperator.NotIn when value.ValueKind == JsonValueKind.Array =>
                value.EnumerateArray().Select((item, i) => Value(field, item, $"{path}[{i}]")).ToList(),
            FilterOperator.In or FilterOperator.NotIn => throw new QueryException(path, $"{path} must be a list."),
            FilterOperator.Exists when value.ValueKind is JsonValueKind.True or JsonValueKind.False => value.GetBoolean(),
            FilterOperator.Exists => throw new QueryException(path, $"{path} must be true or false."),
            FilterOperator.Like when field.Type != FieldType.Text => throw new QueryException(path, $"{path}: $like applies to text fields only."),
            _ => Value(field, value, path),
        };
        return new FieldCondition(field.Name, op, typed);
    }

    private static IEnumerable<VariableCondition> Variables(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new QueryException(path, $"{path} must be a list of {{name, value}}.");
        }
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var at = $"{path}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw new QueryException(at, $"{at} must be {{\"name\": \"…\", \"value\": \"<JSON text>\"}}.");
            }
            JsonNode? parsed = null;
            if (item.TryGetProperty("value", out var text))
            {
                try
                {
                    parsed = text.ValueKind == JsonValueKind.String ? JsonNode.Parse(text.GetString()!) : JsonNode.Parse(text.GetRawText());
                }
                catch (JsonException)
                {
                    parsed = JsonValue.Create(text.GetString()); // a bare word: the string itself
                }
            }
            yield return new VariableCondition(name.GetString()!, parsed);
        }
    }

    private static object? Value(QueryField field, JsonElement value, string path)
    {
        try
        {
            switch (field.Type)
            {
                case FieldType.Key:
                    var key = value.ValueKind == JsonValueKind.Number ? value.GetInt64()
                        : long.Parse(value.GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);
                    return key > 0 ? key : throw new FormatException();
                case FieldType.Integer:
                    return value.ValueKind == JsonValueKind.Number ? value.GetInt64() : long.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                case FieldType.Boolean:
                    return value.GetBoolean();
                case FieldType.Date:
                    return DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime;
                default:
                    var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException();
                    if (field.Vocabulary is { } vocabulary)
                    {
                        return vocabulary(text) ?? throw new QueryException(path, $"{path} '{text}' is not one of {field.VocabularyHint}.");
                    }
                    return text;
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException or ArgumentNullException)
        {
            var expected = field.Type switch
            {
                FieldType.Key => "a key (a positive integer, as a string)",
                FieldType.Integer => "an integer",
                FieldType.Boolean => "true or false",
                FieldType.Date => "an ISO 8601 date-time",
                _ => "a string",
            };
            throw new QueryException(path, $"{path} must be {expected}.");
        }
    }
}
