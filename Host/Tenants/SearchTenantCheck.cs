using System.Text.Json;
using Processes.Host.Identity;

namespace Processes.Host.Tenants;

/// <summary>
/// A search's <c>filter.tenantId</c> (a value, or <c>$eq</c> / <c>$in</c>) must name tenants the caller belongs to:
/// the visibility rule would simply find nothing, but Camunda answers a foreign tenant with a refusal naming it, and so
/// do we (403; 400 for a malformed id). Applied to every endpoint of a group, it looks for a bound request with a
/// <c>Filter</c> JSON property, so new searches are covered without a line of their own.
/// </summary>
internal sealed class SearchTenantCheck : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument?.GetType().GetProperty("Filter")?.GetValue(argument) is JsonElement { ValueKind: JsonValueKind.Object } filter &&
                filter.TryGetProperty("tenantId", out var tenantId) && Named(tenantId) is { Count: > 0 } named)
            {
                var tenants = context.HttpContext.RequestServices.GetRequiredService<TenantRequests>();
                var (_, problem) = await tenants.FilterAsync(context.HttpContext.User, named, "filter.tenantId", context.HttpContext.RequestAborted);
                if (problem is not null)
                {
                    return problem;
                }
            }
        }
        return await next(context);
    }

    private static List<string>? Named(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Object when value.TryGetProperty("$eq", out var eq) && eq.ValueKind == JsonValueKind.String => [eq.GetString()!],
        JsonValueKind.Object when value.TryGetProperty("$in", out var @in) && @in.ValueKind == JsonValueKind.Array =>
            [.. @in.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)],
        _ => null,
    };
}
