using System.Globalization;
using Microsoft.Extensions.Logging;
using Processes.Engine.Execution;

namespace Processes.Engine.Cluster;

/// <summary>
/// LISTENs on <c>processes_definitions</c>, which the definition tables' triggers (migration 0081) notify when a
/// resource is deleted, whoever deleted it, and makes this host forget what it cached of it (parsed models, decisions,
/// webhook declarations). After a lost connection it forgets everything once: a notification may have been missed.
/// </summary>
internal sealed class DefinitionChangeListener(ProcessEngine engine, ILogger logger)
{
    public const string Channel = "processes_definitions";

    public Task RunAsync(CancellationToken cancellationToken) =>
        new PgListener(engine.DataSource, Channel, OnNotification, logger).RunAsync(cancellationToken);

    /// <summary>Whether the LISTEN connection has been up at least once (its first, empty notification arrived).</summary>
    internal bool Connected { get; private set; }

    internal void OnNotification(string payload)
    {
        if (payload.Length == 0)
        {
            Connected = true;
        }
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            engine.ForgetDefinition("", 0);
        }
        else if (long.TryParse(payload.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var key))
        {
            engine.ForgetDefinition(payload[..colon], key);
        }
    }
}
