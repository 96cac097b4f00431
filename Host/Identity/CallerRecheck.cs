using System.Security.Claims;
using Npgsql;

namespace Processes.Host.Identity;

/// <summary>
/// Who the caller of a long-running request (an event stream) is now: the identity tables are this folder's, so the
/// stream asks here rather than reading sessions, keys and users itself.
/// </summary>
public sealed class CallerRecheck(NpgsqlDataSource dataSource)
{
    /// <summary>The current principal, or null once the session ended, the key was revoked or the user was disabled.</summary>
    public async Task<ClaimsPrincipal?> RecheckAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await SessionStore.RecheckAsync(connection, principal, cancellationToken);
    }
}
