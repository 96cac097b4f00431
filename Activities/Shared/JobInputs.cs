using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Jobs;

namespace Processes.Activities.Shared;

/// <summary>Reads an activity's inputs: a job variable (input mappings) wins over a task header of the same meaning.</summary>
internal static class JobInputs
{
    public static string? Text(JobContext job, string variable, string? header = null)
    {
        if (job.Variables[variable] is JsonValue value)
        {
            return value.GetValueKind() switch
            {
                JsonValueKind.String => value.GetValue<string>(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
                _ => null,
            };
        }
        return header is not null && job.CustomHeaders[header] is JsonValue headerValue ? headerValue.ToString() : null;
    }

    public static decimal? Number(JobContext job, string variable)
    {
        if (job.Variables[variable] is not JsonValue value)
        {
            return null;
        }
        return value.GetValueKind() switch
        {
            JsonValueKind.Number => value.GetValue<decimal>(),
            JsonValueKind.String when decimal.TryParse(value.GetValue<string>(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }

    public static bool Flag(JobContext job, string variable) =>
        job.Variables[variable] is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    /// <summary>A list from a JSON array variable, a comma-separated variable, or a comma-separated header.</summary>
    public static IReadOnlyList<string> List(JobContext job, string variable, string? header = null)
    {
        if (job.Variables[variable] is JsonArray array)
        {
            return [.. array.OfType<JsonValue>().Select(v => v.ToString().Trim()).Where(s => s.Length > 0)];
        }
        var text = Text(job, variable, header);
        return text is null ? [] : [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
    }
}
