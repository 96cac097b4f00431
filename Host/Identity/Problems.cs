using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Processes.Host.Identity;

/// <summary>
/// problem+json answers. 422: a well-formed request with a wrong field (named in <c>errors</c>); 404: unknown id;
/// 409: a conflict with the stored state (a taken name, a stale version in the body); 412: a stale If-Match.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The request has invalid fields.",
            Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
        });

    public static ProblemHttpResult NotFound(string what, object id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.",
            detail: string.Create(CultureInfo.InvariantCulture, $"There is no {what} with id {id}."));

    public static ProblemHttpResult Conflict(string field, string detail)
    {
        var problem = new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict.", Detail = detail };
        problem.Extensions["field"] = field;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Stale(string what, bool fromIfMatch) => fromIfMatch
        ? TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed.",
            detail: $"The {what} was changed since the version in If-Match; read it again.")
        : Conflict("version", $"The {what} was changed since this version; read it again.");

    public static ProblemHttpResult VersionRequired(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status428PreconditionRequired, title: "Version required.",
            detail: $"Send the {what}'s version, as If-Match or as \"version\" in the body, so a concurrent change is not overwritten.");
}

/// <summary>Keyset paging: <c>?after=&lt;cursor&gt;&amp;limit=50</c>, answered with <c>{ items, nextCursor }</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

internal static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaximumLimit = 200;

    /// <summary>The cursor is opaque to clients (Base64URL of the last id seen), so its content may change later.</summary>
    public static string Encode(long lastId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(lastId.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Reads after and limit; adds an error per bad field.</summary>
    public static (long? After, int Limit) Read(string? after, string? limit, Dictionary<string, string[]> errors)
    {
        long? afterId = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (TryDecode(after, out var id))
            {
                afterId = id;
            }
            else
            {
                errors["after"] = ["Not a cursor returned by this list (nextCursor)."];
            }
        }
        var count = DefaultLimit;
        if (!string.IsNullOrEmpty(limit) &&
            (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaximumLimit))
        {
            errors["limit"] = [$"A whole number from 1 to {MaximumLimit}."];
        }
        return (afterId, count);
    }

    public static Page<TView> PageOf<TRow, TView>(IReadOnlyList<TRow> rows, int limit, Func<TRow, long> id, Func<TRow, TView> view) =>
        new([.. rows.Take(limit).Select(view)], rows.Count > limit ? Encode(id(rows[limit - 1])) : null);

    private static bool TryDecode(string cursor, out long id)
    {
        id = 0;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
