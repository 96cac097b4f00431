using System.Globalization;
using Processes.Engine.Execution;

namespace Processes.Engine.Cluster;

/// <summary>
/// Hears <c>processes_definitions</c> (on the node's listener), which the definition tables' triggers (migration 0081)
/// notify when a resource is deleted, whoever deleted it, and makes this host forget what it cached of it (parsed models,
/// decisions, webhook declarations). Whenever the listener (re)connects it forgets everything once: a notification may
/// have been missed while it was away.
/// </summary>
internal sealed class DefinitionChangeListener(ProcessEngine engine) : INotificationSubscriber
{
    public const string Channel = "processes_definitions";

    string INotificationSubscriber.Channel => Channel;

    /// <summary>Whether the listener has been connected at least once.</summary>
    internal bool Connected { get; private set; }

    public void Listening(bool listening)
    {
        if (listening)
        {
            engine.ForgetDefinition("", 0);
            Connected = true;
        }
    }

    public void Notified(string payload)
    {
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
