using System.Net.Http.Headers;
using Npgsql;
using Processes.Host.Identity;

namespace Processes.Tests.Identity;

/// <summary>
/// For tests of other features: a user with given roles and an API key, written straight into the fixture's
/// database, so any host on that database (e.g. HostStartupTests.NewHost) accepts the key. Usage:
/// <code>
/// var key = await TestIdentity.ApiKeyAsync(DataSource, "designer1", Roles.Designer);
/// using var client = host.CreateClient().WithApiKey(key);
/// </code>
/// </summary>
public static class TestIdentity
{
    /// <summary>Creates the user (API-only) if missing, replaces its roles, and issues a new key.</summary>
    public static async Task<string> ApiKeyAsync(NpgsqlDataSource dataSource, string userName, params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = (await UserStore.FindByNameAsync(connection, userName, CancellationToken.None))?.Id
            ?? (await UserStore.InsertAsync(transaction, userName, userName, null, null, passwordChangeRequired: false, CancellationToken.None))!.Value;
        await UserStore.SetRolesAsync(transaction, id, roles, CancellationToken.None);
        var key = await ApiKeys.InsertAsync(transaction, id, "tests", CancellationToken.None);
        await transaction.CommitAsync();
        return key.Secret;
    }

    /// <summary>Sends the key as a bearer token on every request of this client.</summary>
    public static HttpClient WithApiKey(this HttpClient client, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }
}
