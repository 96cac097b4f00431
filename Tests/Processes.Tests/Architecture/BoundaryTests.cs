using System.Reflection;
using NetArchTest.Rules;
using Processes.Activities;
using Processes.Engine.Execution;
using Processes.Host.Postgres;

namespace Processes.Tests.Architecture;

/// <summary>
/// The engine boundary (issue 13): the engine owns the runtime tables and its stores are the only way to them;
/// the host and the activities reach runtime state through the engine's facade (<see cref="ProcessEngine"/>) and
/// stores. Only the owners of other tables talk to PostgreSQL themselves — each listed here with its reason.
/// </summary>
public sealed class BoundaryTests
{
    private static readonly string[] Database = ["Npgsql", "Dapper"];

    /// <summary>Host types (or namespaces, ending in '.') allowed to use Npgsql or Dapper, and why.</summary>
    internal static readonly IReadOnlyDictionary<string, string> HostOwners = new Dictionary<string, string>
    {
        ["Processes.Host.Identity."] = "identity owns app_user, user_role, app_group, user_group, api_key, user_session and the sign-in throttle's sign_in_address and sign_in_known_address",
        ["Processes.Host.Audit."] = "the audit log owns audit_log",
        ["Processes.Host.Tenants."] = "tenants own tenant, tenant_user and tenant_group (who belongs to which tenant); what a tenant holds is asked of the engine",
        ["Processes.Host.DataProtection."] = "the shared, encrypted Data Protection key ring owns data_protection_key",
        ["Processes.Host.Hangfire.HangfireStorage"] = "Hangfire.PostgreSql's storage in its own schema (hangfire), on the host's database; no SQL on runtime tables",
        ["Processes.Host.Postgres."] = "the embedded PostgreSQL launcher and the data source the host hands to the engine",
        ["Processes.Host.Engine.EngineRegistration"] = "DI registration: builds the engine's stores and facade from the data source",
        ["Processes.Host.Engine.QueryRegistration"] = "DI registration: builds the engine's read models from the data source",
        ["Processes.Host.Documents."] = "documents own document (uploads as bytea); instance visibility is asked of the engine's query model",
        ["Processes.Host.Settlement.SettlementApi"] = "hands the audit log the settlement pool's transaction, so a withdrawal and its audit row commit together; no SQL",
        ["Processes.Host.Settlement.SettlementStatementsApi"] = "hands the audit log the statements' transaction, so a generation and its audit row commit together; no SQL",
        ["Processes.Host.Reports.ReportsRegistration"] = "DI registration: builds the engine's report read models and operations gauges from the data source",
        ["Processes.Host.Telemetry.TelemetryRegistration"] = "OpenTelemetry wiring: subscribes to Npgsql's activity source and meter; no SQL",
    };

    /// <summary>Activities types allowed to use Npgsql or Dapper: the stores of the activities' own tables, and why.</summary>
    internal static readonly IReadOnlyDictionary<string, string> ActivitiesOwners = new Dictionary<string, string>
    {
        ["Processes.Activities.ActivityRegistration"] = "DI registration: builds the activities' stores from the data source",
        ["Processes.Activities.Assignment.AgentStore"] = "owns agent_profile",
        ["Processes.Activities.Catalogues.CatalogueStore"] = "owns catalogue_version (managed catalogues, one row per version)",
        ["Processes.Activities.Assignment.PositionStore"] = "owns agent_position (reads agent_profile for a requester's refund limit)",
        ["Processes.Activities.Assignment.AssignmentStore"] = "owns assignment_decision and assignment_rotation (opens a dispatch round)",
        ["Processes.Activities.Assignment.DispatchRound"] = "one dispatch decision's transaction on assignment_decision, assignment_rotation, agent_profile; runtime counts come from the engine's stores in that transaction",
        ["Processes.Activities.Sms.SmsTemplateStore"] = "owns sms_template",
        ["Processes.Activities.Sms.SmsSentStore"] = "owns sms_sent",
        ["Processes.Activities.Sms.OutboxSmsProvider"] = "owns sms_outbox",
        ["Processes.Activities.Refunds.RefundStore"] = "owns refund_sent",
        ["Processes.Activities.Settlement.SettlementPool"] = "owns settlement_movement and settlement_withdrawal (the networks' settlement pools)",
        ["Processes.Activities.Settlement.SettlementStatements"] = "owns settlement_statement (monthly statements; reads settlement_movement, the pool's ledger)",
        ["Processes.Activities.Shared.ConnectorSecretStore"] = "owns connector_secret (values encrypted with Data Protection; audit rows through the engine's AuditRows)",
    };

    private static Assembly HostAssembly => typeof(ProcessesDatabase).Assembly;

    private static Assembly ActivitiesAssembly => typeof(ActivityRegistration).Assembly;

    private static Assembly EngineAssembly => typeof(ProcessEngine).Assembly;

    [Test]
    public void Host_uses_the_database_only_in_the_listed_owners() =>
        Unlisted(HostAssembly, HostOwners).ShouldBeEmpty(
            "these Host types use Npgsql/Dapper: reach runtime state through the engine's facade and stores, or list the owner of the table with a reason");

    [Test]
    public void Activities_use_the_database_only_in_their_own_stores() =>
        Unlisted(ActivitiesAssembly, ActivitiesOwners).ShouldBeEmpty(
            "these Activities types use Npgsql/Dapper: runtime tables are the engine's (its stores and facade); an activity's own table gets a store listed here");

    [Test]
    public void Engine_depends_on_neither_host_nor_activities()
    {
        var result = Types.InAssembly(EngineAssembly).ShouldNot().HaveDependencyOnAny("Processes.Host", "Processes.Activities").GetResult();
        (result.FailingTypeNames ?? []).ShouldBeEmpty();
    }

    [Test]
    public void Engine_shows_its_internals_only_to_its_tests_and_benchmarks()
    {
        // The host composes the engine through EngineParts and the facade; were it granted the internals again, the
        // public API file would stop describing what the host may rely on.
        var friends = EngineAssembly.GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName).Order(StringComparer.Ordinal).ToList();
        // The TCK runner is a test harness too (Tests/Processes.Tck): it measures FEEL and decision-table internals.
        friends.ShouldBe(["Processes.Benchmarks", "Processes.Tck", "Processes.Tests"]);
    }

    [Test]
    public void Every_listed_owner_still_uses_the_database()
    {
        // A stale entry would silently allow a future type of that name; once the read side has moved to the
        // engine, its "pending" entries fail here, which is the reminder to remove them.
        var users = UsersOfTheDatabase(HostAssembly).Concat(UsersOfTheDatabase(ActivitiesAssembly)).ToList();
        var stale = HostOwners.Keys.Concat(ActivitiesOwners.Keys).Where(owner => !users.Any(name => Matches(name, owner))).ToList();
        stale.ShouldBeEmpty("listed as database owners but using neither Npgsql nor Dapper: remove the entries");
    }

    private static List<string> UsersOfTheDatabase(Assembly assembly) =>
        [.. Types.InAssembly(assembly).That().HaveDependencyOnAny(Database).GetTypes()
            .Select(t => Outermost(t.FullName ?? t.Name))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    private static List<string> Unlisted(Assembly assembly, IReadOnlyDictionary<string, string> owners) =>
        [.. UsersOfTheDatabase(assembly).Where(name => !owners.Keys.Any(owner => Matches(name, owner)))];

    /// <summary>Nested (and compiler-generated: async state machines, lambdas) types count as their outermost type.</summary>
    private static string Outermost(string fullName) => fullName.Split('+')[0];

    private static bool Matches(string typeName, string owner) =>
        owner.EndsWith('.') ? typeName.StartsWith(owner, StringComparison.Ordinal) : Outermost(typeName) == owner;
}
