namespace Processes.Host.Input;

/// <summary>
/// Section <c>Processes:Limits</c>: how much one request may bring. A request over a size limit gets 413, over a
/// count or length limit 400, each naming the limit; nothing larger than <see cref="MaxJsonBodyBytes"/> is buffered.
/// </summary>
public sealed class InputLimits
{
    public const string Section = "Processes:Limits";

    /// <summary>A JSON request body (deployments have their own limit on the endpoint).</summary>
    public long MaxJsonBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>One variable's value, as JSON text.</summary>
    public long MaxVariableBytes { get; set; } = 1024 * 1024;

    /// <summary>All variables of one command, as JSON text.</summary>
    public long MaxVariablesBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Variables in one command.</summary>
    public int MaxVariableCount { get; set; } = 1000;

    /// <summary>A variable name, in characters.</summary>
    public int MaxVariableNameLength { get; set; } = 256;

    /// <summary>Nesting of a JSON body.</summary>
    public int MaxDepth { get; set; } = 64;

    /// <summary>Open event streams (<c>GET /api/tasks/events</c>) per user on one host; the next one is 429.</summary>
    public int MaxEventStreamsPerUser { get; set; } = 5;
}
