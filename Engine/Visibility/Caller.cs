namespace Processes.Engine.Visibility;

/// <summary>The roles the engine's visibility rule distinguishes (the host's role names map onto these).</summary>
public enum CallerRole
{
    Designer,
    Agent,
    Supervisor,
    Finance,
    Operator,
    Admin,

    /// <summary>A program (an API key) that acts on any task for whoever holds it, as a Camunda client with user-task
    /// permissions does: completes, assigns and reassigns any visible task; it never takes a person's inbox.</summary>
    Integration,
}

/// <summary>
/// Who asks: the user name (task assignees and candidate users match it), the roles and the groups (candidate
/// groups match these). The host builds it from the signed-in principal on every request, so roles and groups are
/// current. Every read of case data and every task command takes one.
/// </summary>
public sealed record Caller(string UserName, IReadOnlySet<CallerRole> Roles, IReadOnlyList<string> Groups)
{
    /// <summary>
    /// The tenants whose rows the caller may see and act on: the visibility rule adds <c>tenant_id = ANY(@tenants)</c>
    /// to every fragment it writes (see <see cref="VisibilityRule"/>). Null: every tenant (admins, the engine itself).
    /// </summary>
    public IReadOnlyList<string>? Tenants { get; init; }

    /// <summary>Whether the caller may see rows of <paramref name="tenantId"/>.</summary>
    public bool InTenant(string tenantId) => Tenants is null || Tenants.Contains(tenantId, StringComparer.Ordinal);

    /// <summary>The engine itself (background services, start-up): sees everything, as operators do.</summary>
    public static Caller System { get; } = new("system", new HashSet<CallerRole> { CallerRole.Admin }, []);

    public bool Is(CallerRole role) => Roles.Contains(role);

    /// <summary>Operators fix any instance and admins may do everything: both read every case.</summary>
    public bool SeesEverything => Is(CallerRole.Operator) || Is(CallerRole.Admin) || Is(CallerRole.Integration);

    /// <summary>Admins and integrations act on a task for its assignee (or for nobody, on an unassigned one); the history names both.</summary>
    public bool ActsForOthers => Is(CallerRole.Admin) || Is(CallerRole.Integration);

    /// <summary>Whoever works tasks sees cases through them; a designer alone sees definitions, never case data.</summary>
    public bool WorksTasks => Is(CallerRole.Agent) || Is(CallerRole.Supervisor) || Is(CallerRole.Finance);
}
