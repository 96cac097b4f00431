using Dapper;
using Npgsql;
using Processes.Activities.Assignment;

namespace Processes.Host.Identity;

/// <summary>The identity's answer to the activities' question "is this an enabled user?" (<c>app_user</c> stays the identity's table).</summary>
internal sealed class UserDirectory(NpgsqlDataSource dataSource) : IUserDirectory
{
    public async Task<string?> EnabledUserNameAsync(string userName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT user_name FROM app_user WHERE lower(user_name) = lower(@userName) AND enabled", new { userName }, cancellationToken: cancellationToken));
    }
}
