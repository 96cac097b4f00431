using System.Text;
using System.Text.RegularExpressions;

namespace Processes.Tests.Architecture;

/// <summary>
/// What the type-level rule cannot see: SQL on the engine's runtime tables inside a string literal of Host/ or
/// Activities/ (an allowed owner writing a query on <c>user_task</c>, say). Reads the sources, so the failure
/// names file and line.
/// </summary>
public sealed partial class RuntimeSqlTests
{
    /// <summary>The engine's tables (migrations in Engine/Storage/Migrations): reached only through its stores and facade.</summary>
    internal static readonly string[] RuntimeTables =
    [
        "process_instance", "element_instance", "variable", "job", "timer", "incident", "user_task", "task_comment", "execution_history",
        "message", "message_correlation", "message_start_key", "message_subscription", "signal_subscription", "start_event_subscription",
        "deployment", "deployment_resource", "process_definition", "decision_definition", "decision_requirements", "form_definition",
        "job_metrics", "job_type_backoff", "engine_node", "business_calendar", "schema_migration", "timer_job_cancellation", "idempotent_request",
        "job_closed", "message_subscription_closed", "message_correlated", "decision_instance", "sla_pause", "sla_paused_timer", "sla_paused_task",
        "batch_operation", "batch_operation_item", "execution_history_default",
    ];

    /// <summary>Tables of other owners (see <see cref="BoundaryTests"/>): identity, audit, idempotency and the activities.</summary>
    internal static readonly string[] OwnedElsewhere =
    [
        "app_user", "user_role", "app_group", "user_group", "api_key", "audit_log",
        "user_session", "sign_in_address", "sign_in_known_address", "data_protection_key", "tenant", "tenant_user", "tenant_group",
        "agent_profile", "assignment_rotation", "assignment_decision", "sms_template", "sms_outbox", "sms_sent", "refund_sent",
        "settlement_movement", "settlement_withdrawal", "settlement_statement", "agent_position", "catalogue_version",
        "connector_secret", "document",
    ];

    [Test]
    public void Host_and_activities_have_no_sql_on_runtime_tables()
    {
        var root = RepositoryRoot();
        var offences = new List<string>();
        foreach (var folder in new[] { "Host", "Activities" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                {
                    continue;
                }
                offences.AddRange(RuntimeSql(File.ReadAllText(file)).Select(hit => $"{relative}:{hit.Line}: {hit.Table}"));
            }
        }
        offences.ShouldBeEmpty("SQL on the engine's runtime tables outside the engine: use the engine's stores or its facade (ProcessEngine)");
    }

    /// <summary>
    /// Inside the engine, the files that own tables: the stores, the read models (the query path) and a few owners
    /// of one table each. The commands (Execution/) and the job machinery (JobExecutor, its background processes)
    /// reach the tables through these, never with SQL of their own.
    /// </summary>
    internal static readonly string[] EngineSqlOwners =
    [
        "Engine/Storage/", "Engine/Queries/", "Engine/Reports/", "Engine/Visibility/VisibilityRule.cs",
        "Engine/Deployment/DeploymentService.cs", "Engine/Deployment/ProcessDefinitions.cs", "Engine/Deployment/FormDeployment.cs",
        "Engine/Deployment/VersionSuspension.cs", "Engine/Telemetry/OperationsGauges.cs",
        "Engine/Dmn/DecisionDefinitions.cs", "Engine/Dmn/DecisionDeployment.cs",
        "Engine/Jobs/JobQueries.cs", "Engine/Jobs/JobMetricsBuffer.cs", "Engine/Jobs/JobTypeBackOffs.cs",
        "Engine/Comments/TaskComments.cs", "Engine/Retention/InstancePurge.cs", "Engine/Retention/HistoryPartitions.cs", "Engine/Idempotency/IdempotencyStore.cs",
        "Engine/Calendars/CalendarStore.cs", "Engine/Cluster/ClusterMember.cs",
    ];

    [Test]
    public void Inside_the_engine_only_the_stores_and_read_models_hold_runtime_sql()
    {
        var root = RepositoryRoot();
        var offences = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "Engine"), "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal) ||
                EngineSqlOwners.Any(owner => relative.StartsWith(owner, StringComparison.Ordinal)))
            {
                continue;
            }
            offences.AddRange(RuntimeSql(File.ReadAllText(file)).Select(hit => $"{relative}:{hit.Line}: {hit.Table}"));
        }
        offences.ShouldBeEmpty("SQL on a runtime table outside the engine's stores: move it into the store that owns the table");
        // The scan would pass vacuously if the commands had moved away: they are where the rule applies.
        File.Exists(Path.Combine(root, "Engine/Execution/JobCommands.cs")).ShouldBeTrue();
        File.Exists(Path.Combine(root, "Engine/Jobs/JobExecutor.cs")).ShouldBeTrue();
    }

    [Test]
    public void The_scan_finds_runtime_sql_where_it_is()
    {
        // Guards the scanner itself: the engine's user-task store does query user_task, in a raw literal.
        var hits = RuntimeSql(File.ReadAllText(Path.Combine(RepositoryRoot(), "Engine/Storage/UserTaskStore.cs")));
        hits.ShouldContain(h => h.Table == "user_task");
        RuntimeSql("// DELETE FROM job in a comment\nvar s = \"SELECT 1 FROM job WHERE key = 1\";").ShouldBe([(2, "job")]);
        RuntimeSql("var s = @\"UPDATE \"\"x\"\" SET a = 1\"; var t = \"retried from job 7\";").ShouldBeEmpty();
    }

    [Test]
    public void Every_table_of_the_migrations_has_an_owner()
    {
        var migrations = Path.Combine(RepositoryRoot(), "Engine/Storage/Migrations");
        var created = Directory.EnumerateFiles(migrations, "*.sql")
            .SelectMany(f => CreateTable().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        created.ShouldNotBeEmpty();
        created.Except(RuntimeTables).Except(OwnedElsewhere).ShouldBeEmpty("a new table: add it to RuntimeTables (the engine's) or OwnedElsewhere (with its owner)");
    }

    /// <summary>(line, table) of each runtime table named after FROM/JOIN/INTO/UPDATE/TABLE inside a string literal.</summary>
    internal static List<(int Line, string Table)> RuntimeSql(string source)
    {
        var hits = new List<(int, string)>();
        foreach (var (line, text) in Literals(source))
        {
            foreach (Match m in SqlTable().Matches(text))
            {
                if (RuntimeTables.Contains(m.Groups[1].Value, StringComparer.Ordinal))
                {
                    hits.Add((line + text[..m.Index].Count(c => c == '\n'), m.Groups[1].Value));
                }
            }
        }
        return hits;
    }

    /// <summary>The string literals of a C# source with the line each starts on; comments and char literals are skipped.</summary>
    private static IEnumerable<(int Line, string Text)> Literals(string s)
    {
        var line = 1;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (c == '/' && i + 1 < s.Length && s[i + 1] == '/')
            {
                while (i < s.Length && s[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? s.Length : end + 2;
                line += s.AsSpan(i, end - i).Count('\n');
                i = end;
            }
            else if (c == '\'')
            {
                i++;
                while (i < s.Length && s[i] != '\'')
                {
                    i += s[i] == '\\' ? 2 : 1;
                }
                i++;
            }
            else if (c == '"')
            {
                var verbatim = i > 0 && (s[i - 1] == '@' || (i > 1 && s[i - 1] == '$' && s[i - 2] == '@'));
                var quotes = 0;
                while (i + quotes < s.Length && s[i + quotes] == '"')
                {
                    quotes++;
                }
                var start = line;
                var text = new StringBuilder();
                if (quotes >= 3)
                {
                    // Raw literal: ends at the same run of quotes.
                    var close = new string('"', quotes);
                    var end = s.IndexOf(close, i + quotes, StringComparison.Ordinal);
                    end = end < 0 ? s.Length : end;
                    text.Append(s, i + quotes, end - i - quotes);
                    i = Math.Min(s.Length, end + quotes);
                }
                else if (quotes == 2)
                {
                    i += 2; // ""
                }
                else
                {
                    i++;
                    while (i < s.Length)
                    {
                        if (verbatim && s[i] == '"' && i + 1 < s.Length && s[i + 1] == '"')
                        {
                            text.Append('"');
                            i += 2;
                        }
                        else if (s[i] == '"')
                        {
                            i++;
                            break;
                        }
                        else if (!verbatim && s[i] == '\\')
                        {
                            text.Append(s, i, Math.Min(2, s.Length - i));
                            i += 2;
                        }
                        else
                        {
                            text.Append(s[i]);
                            i++;
                        }
                    }
                }
                var literal = text.ToString();
                line += literal.Count(ch => ch == '\n');
                yield return (start, literal);
            }
            else
            {
                i++;
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Processes.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Processes.sln not found above the test directory: the source scan needs the repository.");
    }

    // Upper-case keywords only: the SQL here is written that way, and English ("retried from job 7") is not SQL.
    [GeneratedRegex(@"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:ONLY\s+)?([a-z_][a-z0-9_]*)\b")]
    private static partial Regex SqlTable();

    [GeneratedRegex(@"CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)")]
    private static partial Regex CreateTable();
}
