using System.Globalization;
using System.Text.Json.Nodes;

namespace Processes.Engine.Execution;

/// <summary>
/// How much variable data the engine takes, whoever brings it: the API checks the same limits on the request,
/// but job handlers (an HTTP response), embedded callers and the model's own output mappings reach the engine
/// without passing the API. A command over a limit is refused (<see cref="CommandError.InvalidArgument"/>, naming
/// the variable and the limit); a job whose result is over it ends in an incident instead of looping.
/// Bound from <c>Processes:Limits</c> by the host (the same names and defaults as the API's limits).
/// </summary>
public sealed class VariableLimits
{
    /// <summary>One variable's value, as JSON text.</summary>
    public long MaxVariableBytes { get; set; } = 1024 * 1024;

    /// <summary>All variables one command brings, as JSON text.</summary>
    public long MaxVariablesBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Variables one command brings.</summary>
    public int MaxVariableCount { get; set; } = 1000;

    /// <summary>A variable name, in characters.</summary>
    public int MaxVariableNameLength { get; set; } = 256;

    /// <summary>What is wrong with the variables a command brings, or null when they fit.</summary>
    internal string? Check(JsonObject? variables)
    {
        if (variables is null)
        {
            return null;
        }
        if (variables.Count > MaxVariableCount)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"variables: {variables.Count} variables, more than the limit of {MaxVariableCount} in one command (Processes:Limits:MaxVariableCount).");
        }
        long total = 0;
        foreach (var (name, value) in variables)
        {
            var text = value?.ToJsonString() ?? "null";
            if (CheckOne(name, text) is { } problem)
            {
                return problem;
            }
            total += System.Text.Encoding.UTF8.GetByteCount(text);
            if (total > MaxVariablesBytes)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"variables: together more than the limit of {MaxVariablesBytes} bytes (Processes:Limits:MaxVariablesBytes), reached at '{Shown(name)}'.");
            }
        }
        return null;
    }

    /// <summary>What is wrong with one variable about to be stored (its value as JSON text), or null.</summary>
    internal string? CheckOne(string name, string json)
    {
        if (name.Length > MaxVariableNameLength)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"variables: the name '{Shown(name)}' is longer than {MaxVariableNameLength} characters (Processes:Limits:MaxVariableNameLength).");
        }
        if (name.Contains('\0', StringComparison.Ordinal) || HasLoneSurrogate(name))
        {
            return $"variables: the name '{Shown(name)}' contains a NUL character or a lone surrogate, which PostgreSQL text cannot hold.";
        }
        // Upper bound first: UTF-8 takes at most three bytes per UTF-16 unit, so most values skip the count.
        if ((long)json.Length * 3 > MaxVariableBytes && System.Text.Encoding.UTF8.GetByteCount(json) is var size && size > MaxVariableBytes)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"variables.{Shown(name)}: the value has {size} bytes, more than the limit of {MaxVariableBytes} (Processes:Limits:MaxVariableBytes).");
        }
        // The serializer escapes what jsonb refuses: NUL as \u0000, a lone surrogate as \uDxxx without its pair.
        if (json.Contains("\\u", StringComparison.Ordinal) && HasUnstorableEscape(json))
        {
            return $"variables.{Shown(name)}: the value contains a NUL character (\\u0000) or a lone surrogate, which PostgreSQL jsonb cannot hold.";
        }
        return null;
    }

    private static string Shown(string name) =>
        (name.Length > 40 ? name[..40] + "…" : name).Replace("\0", "\\u0000", StringComparison.Ordinal);

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A real escape (not an escaped backslash followed by "u") of NUL or of a surrogate without its pair.</summary>
    private static bool HasUnstorableEscape(string json)
    {
        for (var i = 0; i < json.Length - 1; i++)
        {
            if (json[i] != '\\')
            {
                continue;
            }
            if (json[i + 1] != 'u' || i + 6 > json.Length)
            {
                i++; // \\, \" and the like: the next character is escaped, not an escape
                continue;
            }
            var unit = Unit(json, i);
            if (unit == 0 || char.IsLowSurrogate(unit))
            {
                return true;
            }
            if (char.IsHighSurrogate(unit))
            {
                if (i + 12 > json.Length || json[i + 6] != '\\' || json[i + 7] != 'u' || !char.IsLowSurrogate(Unit(json, i + 6)))
                {
                    return true;
                }
                i += 6;
            }
            i += 5;
        }
        return false;
    }

    private static char Unit(string json, int escape) =>
        ushort.TryParse(json.AsSpan(escape + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var unit) ? (char)unit : 'x';
}
