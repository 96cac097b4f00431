using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using Npgsql;
using Processes.Host.Audit;
using Processes.Host.Postgres;

namespace Processes.Host.Identity;

/// <summary>
/// First start: when no enabled user holds the admin role and there is no user "admin", creates "admin" with the
/// password from Processes:Admin:Password, or a generated one that is logged once, as a warning. There is no
/// default password. Hosts starting together serialise on an advisory lock, so exactly one creates the user.
/// </summary>
internal sealed partial class AdminBootstrap(
    ProcessesDatabase database, Passwords passwords, IAuditLog audit, IConfiguration configuration, ILogger<AdminBootstrap> logger) : IHostedService, IDisposable
{
    public const string UserName = "admin";
    public const string PasswordKey = "Processes:Admin:Password";
    private const long LockKey = 0x50726f6341646d6e; // "ProcAdmn"
    private readonly CancellationTokenSource _stopping = new();
    private Task? _waiting;
    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = database.CurrentStart;
        if (started is { IsCompletedSuccessfully: true })
        {
            await EnsureAdminAsync(started.Result, cancellationToken);
            return;
        }
        // The database is not reachable yet (the host retries in the background); create the admin once it is.
        _waiting = Task.Run(() => WaitAndEnsureAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop can come twice (WebApplicationFactory and Program's app.Run both stop a test host), the second after Dispose.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        if (_waiting is not null)
        {
            await _waiting;
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task WaitAndEnsureAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var current = database.CurrentStart;
                if (current is { IsCompletedSuccessfully: true })
                {
                    await EnsureAdminAsync(current.Result, stopping);
                    return;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                LogFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
        }
    }

    internal async Task EnsureAdminAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction, cancellationToken: cancellationToken));
        var state = await connection.QuerySingleAsync<(bool HasAdmin, bool NameTaken)>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE r.role = 'admin' AND u.enabled),
                   EXISTS (SELECT 1 FROM app_user WHERE lower(user_name) = @UserName)
            """, new { UserName }, transaction, cancellationToken: cancellationToken));
        if (state.HasAdmin)
        {
            return;
        }
        if (state.NameTaken)
        {
            // Someone took the admin's role away or disabled it on purpose; restoring it silently would undo that.
            LogNoAdmin(logger, UserName);
            return;
        }
        var configured = configuration[PasswordKey];
        var generated = string.IsNullOrEmpty(configured);
        var password = generated ? Generate() : configured!;
        // A generated password was seen in a log, so it must be replaced; a configured one was chosen by the operator.
        var id = await UserStore.InsertAsync(transaction, UserName, "Administrator", null, passwords.Hash(password), passwordChangeRequired: generated, cancellationToken)
            ?? throw new InvalidOperationException("The admin user appeared although the bootstrap lock was held.");
        await UserStore.SetRolesAsync(transaction, id, [Roles.Admin], cancellationToken);
        await audit.RecordAsync(new AuditEntry(AuditEntry.System, "user.created", "user", id.ToString(CultureInfo.InvariantCulture),
            new { userName = UserName, roles = new[] { Roles.Admin }, bootstrap = true, passwordGenerated = generated }), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (generated)
        {
            LogGenerated(logger, UserName, password, PasswordKey.Replace(":", "__", StringComparison.Ordinal));
        }
        else
        {
            LogConfigured(logger, UserName, PasswordKey);
        }
    }

    private static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    [LoggerMessage(LogLevel.Warning,
        "FIRST START: created the user '{UserName}' with the one-time password {Password} . It is shown only this once and " +
        "is not stored anywhere in clear: sign in and change it (or set {EnvironmentVariable} before the first start next time).")]
    private static partial void LogGenerated(ILogger logger, string userName, string password, string environmentVariable);

    [LoggerMessage(LogLevel.Information, "First start: created the user '{UserName}' with the password configured in {Key}.")]
    private static partial void LogConfigured(ILogger logger, string userName, string key);

    [LoggerMessage(LogLevel.Warning, "No enabled user has the admin role, and the user '{UserName}' exists without it: not changing it. " +
        "Give a user the admin role in the database (user_role) to administer this server.")]
    private static partial void LogNoAdmin(ILogger logger, string userName);

    [LoggerMessage(LogLevel.Error, "Could not check for the first admin user; trying again.")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
