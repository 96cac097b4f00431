using Microsoft.AspNetCore.Identity;

namespace Processes.Host.Identity;

/// <summary>
/// Password hashing with ASP.NET Core Identity's hasher (PBKDF2, salted, iteration count in the hash), so hashes
/// written by an older build are recognised and upgraded at the next sign-in.
/// </summary>
internal sealed class Passwords(IPasswordHasher<UserRecord> hasher)
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 256;

    // Verified against when the user name is unknown, so both failures cost the same time and answer alike.
    private readonly Lazy<string> _decoy = new(() => hasher.HashPassword(new UserRecord(), Guid.NewGuid().ToString()));

    public string Hash(string password) => hasher.HashPassword(new UserRecord(), password);

    /// <summary>True when the password matches; <paramref name="rehashed"/> is set when the stored hash is outdated.</summary>
    public bool Verify(UserRecord? user, string password, out string? rehashed)
    {
        rehashed = null;
        if (user?.PasswordHash is null)
        {
            hasher.VerifyHashedPassword(new UserRecord(), _decoy.Value, password);
            return false;
        }
        switch (hasher.VerifyHashedPassword(user, user.PasswordHash, password))
        {
            case PasswordVerificationResult.Success:
                return true;
            case PasswordVerificationResult.SuccessRehashNeeded:
                rehashed = hasher.HashPassword(user, password);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The reason a new password is refused, or null.</summary>
    public static string? Weakness(string? password) => password switch
    {
        null or "" => "A password is required.",
        { Length: < MinimumLength } => $"A password has at least {MinimumLength} characters.",
        { Length: > MaximumLength } => $"A password has at most {MaximumLength} characters.",
        _ when string.IsNullOrWhiteSpace(password) => "A password cannot be only spaces.",
        _ => null,
    };
}
