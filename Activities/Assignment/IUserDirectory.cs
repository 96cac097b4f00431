namespace Processes.Activities.Assignment;

/// <summary>
/// The host's users as the activities see them. Users and their tables belong to the host's identity; the
/// activities only ask whether a name is an enabled user, so the host registers an implementation.
/// </summary>
public interface IUserDirectory
{
    /// <summary>The stored spelling of an enabled user's name (matched case-insensitively), or null.</summary>
    Task<string?> EnabledUserNameAsync(string userName, CancellationToken cancellationToken);
}
