using System.Text.RegularExpressions;

namespace Processes.Engine.Visibility;

/// <summary>Tenant ids as Camunda 8 spells them.</summary>
public static partial class TenantIds
{
    /// <summary>Camunda's default tenant: every row of a single-tenant install, and where an unspecified request lands.</summary>
    public const string Default = "<default>";

    /// <summary>Letters, digits, <c>_</c>, <c>-</c>, <c>.</c>, at most 31 characters (Camunda's rule), or <see cref="Default"/>.</summary>
    public static bool IsValid(string? id) => id is not null && (id == Default || Pattern().IsMatch(id));

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,31}$")]
    private static partial Regex Pattern();
}

/// <summary>
/// The tenants the current request may act in, for the engine's commands. Queries take a <see cref="Caller"/> and
/// its <see cref="Caller.Tenants"/>; the command facade's by-key commands (cancel, complete a job, resolve an incident…)
/// take no caller, so the host enters the caller's tenants here once per request and every command checks the rows
/// it loads against them: an instance, job or incident of another tenant reads as not existing. Null (outside any
/// scope: background services, start-up) means every tenant.
/// </summary>
public static class TenantScope
{
    private static readonly AsyncLocal<IReadOnlyCollection<string>?> Allowed = new();

    /// <summary>The tenants of the current scope; null when unrestricted.</summary>
    public static IReadOnlyCollection<string>? Current => Allowed.Value;

    /// <summary>Restricts the commands of the current async flow to <paramref name="tenants"/> (null: every tenant) until disposed.</summary>
    public static IDisposable Enter(IReadOnlyCollection<string>? tenants)
    {
        var previous = Allowed.Value;
        Allowed.Value = tenants is null ? null : [.. tenants];
        return new Exit(previous);
    }

    /// <summary>Whether the current scope may act in <paramref name="tenantId"/>.</summary>
    public static bool Allows(string tenantId) => Allowed.Value is not { } tenants || tenants.Contains(tenantId);

    /// <summary>The current scope as a SQL array parameter: null when unrestricted (<c>@p::text[] IS NULL OR … = ANY(@p)</c>).</summary>
    internal static string[]? AsArray() => Allowed.Value?.ToArray();

    private sealed class Exit(IReadOnlyCollection<string>? previous) : IDisposable
    {
        public void Dispose() => Allowed.Value = previous;
    }
}
