using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Activities.Shared;

/// <summary>A stored secret as the admin page lists it: its name and who set it when, never its value.</summary>
public sealed record StoredSecret(string Name, DateTime UpdatedAt, string? UpdatedBy);

/// <summary>
/// Connector secrets admins set at run time, in <c>connector_secret</c>: encrypted with Data Protection before they
/// are written, decrypted only for a job that resolves a placeholder, and never listed with their values. Every
/// change commits with its audit row (<c>secret.set</c>, <c>secret.deleted</c>; the details carry the tenant, no value).
/// A secret belongs to one tenant: a job reads only its own tenant's values, never another's (not even the default's).
/// </summary>
public sealed partial class ConnectorSecretStore(NpgsqlDataSource dataSource, IDataProtectionProvider protection)
{
    /// <summary>The longest value stored (a token, a webhook URL, a PEM key fits).</summary>
    public const int MaxValueLength = 16_384;

    private readonly IDataProtector _protector = protection.CreateProtector("Processes.ConnectorSecrets.v1");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex Name();

    /// <summary>Whether <paramref name="name"/> can be written as <c>{{secrets.NAME}}</c> in a model.</summary>
    public static bool IsValidName(string? name) => name is not null && Name().IsMatch(name);

    public async Task<IReadOnlyList<StoredSecret>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<StoredSecret>(new CommandDefinition(
            "SELECT name AS Name, updated_at AS UpdatedAt, updated_by AS UpdatedBy FROM connector_secret WHERE tenant_id = @tenantId ORDER BY name",
            new { tenantId }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>Sets or replaces a value. The caller checked the name and the value (<see cref="IsValidName"/>, <see cref="MaxValueLength"/>).</summary>
    public async Task<bool> SetAsync(string tenantId, string name, string value, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!IsValidName(name) || string.IsNullOrEmpty(value) || value.Length > MaxValueLength)
        {
            throw new ArgumentException($"The secret '{name}' has an invalid name or value.", nameof(name));
        }
        var protectedValue = _protector.Protect(value);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            INSERT INTO connector_secret (tenant_id, name, protected_value, updated_at, updated_by) VALUES (@tenantId, @name, @protectedValue, now(), @by)
            ON CONFLICT (tenant_id, name) DO UPDATE SET protected_value = excluded.protected_value, updated_at = now(), updated_by = excluded.updated_by
            RETURNING xmax = 0
            """, new { tenantId, name, protectedValue, by = actor.Actor }, transaction, cancellationToken: cancellationToken));
        await AuditRows.InsertAsync(connection, transaction, new AuditRow(actor, "secret.set", "secret", name,
            JsonSerializer.Serialize(new { created, tenantId })), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>False when no value is stored under the name.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string name, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM connector_secret WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name }, transaction,
            cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return false;
        }
        await AuditRows.InsertAsync(connection, transaction, new AuditRow(actor, "secret.deleted", "secret", name, JsonSerializer.Serialize(new { tenantId })), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The decrypted values of <paramref name="names"/> that <paramref name="tenantId"/> stored. A value the key ring can no longer decrypt (its
    /// key was lost) counts as missing, so the job's incident says to set it again rather than failing obscurely.
    /// </summary>
    internal async Task<IReadOnlyDictionary<string, string>> ValuesAsync(string tenantId, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (names.Count == 0)
        {
            return values;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, string Value)>(new CommandDefinition(
            "SELECT name, protected_value FROM connector_secret WHERE tenant_id = @tenantId AND name = ANY(@names)", new { tenantId, names = names.ToArray() },
            cancellationToken: cancellationToken));
        foreach (var (name, value) in rows)
        {
            try
            {
                values[name] = _protector.Unprotect(value);
            }
            catch (CryptographicException)
            {
                // Left out: reported as not set.
            }
        }
        return values;
    }
}
