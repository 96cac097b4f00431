using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Processes.Engine.Execution;

namespace Processes.Host.Camunda;

/// <summary>
/// Conventions of Camunda 8's REST API v2: int64 keys travel as strings, errors are problem+json, searches take
/// <c>{ filter, page, sort }</c> and answer <c>{ items, page }</c>.
/// </summary>
internal static class CamundaResults
{
    public const string DefaultTenant = "<default>";

    public static string Key(long key) => key.ToString(CultureInfo.InvariantCulture);

    public static string? Key(long? key) => key is { } k ? Key(k) : null;

    public static bool TryKey(string? text, out long key) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out key) && key > 0;

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "INVALID_ARGUMENT", detail: detail);

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "NOT_FOUND", detail: detail);

    /// <summary>A refused command as Camunda reports it: the title is the error kind, the detail says what was wrong.</summary>
    /// <remarks>Values refused field by field (a catalogue field's value) are the 422 validation problem naming each field.</remarks>
    public static ProblemHttpResult Refused<T>(CommandResult<T> result) => result.Fields is { } fields
        ? Processes.Host.Identity.Problems.Invalid(fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal))
        : Kind(result);

    private static ProblemHttpResult Kind<T>(CommandResult<T> result) => result.Error switch
    {
        CommandError.NotFound => NotFound(result.Message!),
        CommandError.InvalidArgument => BadRequest(result.Message!),
        CommandError.AlreadyExists => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "ALREADY_EXISTS", detail: result.Message),
        CommandError.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "CONFLICT", detail: result.Message),
        CommandError.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "FORBIDDEN", detail: result.Message),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "INVALID_STATE", detail: result.Message),
    };

    /// <summary>
    /// 204 for "found, but no form": labelled JSON although empty, because Camunda's 8.8 client reads an unlabelled empty
    /// answer as a stream and its schema (a form, or nothing) then refuses it.
    /// </summary>
    public static NoContent NoForm(HttpResponse response)
    {
        response.ContentType = "application/json";
        return TypedResults.NoContent();
    }

    /// <summary>Variables as a JSON object; anything else is refused naming the field.</summary>
    public static bool TryVariables(JsonElement? element, string field, out JsonObject? variables, out ProblemHttpResult? problem)
    {
        variables = null;
        problem = null;
        if (element is not { } value || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return true;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            problem = BadRequest($"{field} must be a JSON object of variable names to values, but was {value.ValueKind.ToString().ToLowerInvariant()}.");
            return false;
        }
        variables = JsonNode.Parse(value.GetRawText())!.AsObject();
        return true;
    }

    public static string? Iso(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) : null;

    public static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}

/// <summary>The page part of a v2 search request.</summary>
public sealed record SearchPage(int? From, int? Limit, string? After, string? Before);

/// <summary>One sort criterion of a v2 search request.</summary>
public sealed record SearchSort(string Field, string? Order);

/// <summary>The page part of a v2 search response.</summary>
public sealed record SearchPageResponse(
    long TotalItems,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? StartCursor,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? EndCursor,
    bool HasMoreTotalItems = false);

public sealed record SearchResponse<T>(IReadOnlyList<T> Items, SearchPageResponse Page);

/// <summary>
/// Paging over a list computed whole (a task's form variables): <c>from</c>, or the cursors <c>after</c> / <c>before</c>,
/// which name an item's position (base64, as Camunda's clients expect cursors to look).
/// </summary>
internal static class SearchPaging
{
    public const int DefaultLimit = 100;
    public const int MaximumLimit = 1000;

    /// <summary>Offset and limit from a page request; a cursor this API did not issue is null (the caller answers 400).</summary>
    public static (int Offset, int Limit)? Read(SearchPage? page)
    {
        var limit = Math.Clamp(page?.Limit ?? DefaultLimit, 1, MaximumLimit);
        if (page?.After is { } after)
        {
            return Decode(after) is { } index ? (index + 1, limit) : null;
        }
        if (page?.Before is { } before)
        {
            return Decode(before) is { } index ? (Math.Max(0, index - limit), Math.Min(limit, index)) : null;
        }
        return (Math.Max(0, page?.From ?? 0), limit);
    }

    public static SearchResponse<T> Respond<T>(IReadOnlyList<T> items, long total, int offset) => new(items, new SearchPageResponse(
        total,
        items.Count == 0 ? null : Encode(offset),
        items.Count == 0 ? null : Encode(offset + items.Count - 1),
        false));

    private static string Encode(int index) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("{\"i\":" + index.ToString(CultureInfo.InvariantCulture) + "}"));

    private static int? Decode(string cursor)
    {
        try
        {
            var node = JsonNode.Parse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor)));
            return node?["i"]?.GetValue<int>() is int index and >= 0 ? index : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
