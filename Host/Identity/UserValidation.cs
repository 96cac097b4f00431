using System.Text.RegularExpressions;

namespace Processes.Host.Identity;

/// <summary>Field rules for users and groups; each failure names its field, as the 422 answer shows it.</summary>
internal static partial class UserValidation
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex NamePattern();

    public static void Name(string field, string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = ["Required."];
        }
        else if (!NamePattern().IsMatch(value))
        {
            errors[field] = ["1 to 64 characters: letters, digits, '.', '_', '@', '-', starting with a letter or digit."];
        }
    }

    public static void DisplayName(string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors["displayName"] = ["Required."];
        }
        else if (value.Length > 200)
        {
            errors["displayName"] = ["At most 200 characters."];
        }
    }

    public static void Email(string? value, Dictionary<string, string[]> errors)
    {
        if (value is not null && (value.Length > 254 || value.IndexOf('@', StringComparison.Ordinal) is <= 0 || value.EndsWith('@')))
        {
            errors["email"] = ["An e-mail address such as name@example.com, or null."];
        }
    }

    public static void Roles(IReadOnlyList<string>? roles, Dictionary<string, string[]> errors)
    {
        for (var i = 0; i < (roles?.Count ?? 0); i++)
        {
            if (!Identity.Roles.IsKnown(roles![i]))
            {
                errors[$"roles[{i}]"] = [$"Unknown role '{roles[i]}'; the roles are {string.Join(", ", Identity.Roles.All)}."];
            }
        }
    }

    public static void UnknownGroups(IReadOnlyList<string> requested, IReadOnlyList<string> unknown, Dictionary<string, string[]> errors)
    {
        for (var i = 0; i < requested.Count; i++)
        {
            if (unknown.Contains(requested[i]))
            {
                errors[$"groups[{i}]"] = [$"There is no group '{requested[i]}'."];
            }
        }
    }
}
