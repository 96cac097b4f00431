namespace Processes.Engine.Cluster;

/// <summary>
/// Hears one PostgreSQL NOTIFY channel through its node's one LISTEN connection (<see cref="EngineNode.Subscribe"/>).
/// Called on the connection's reading thread: keep each call short (set a signal, clear a cache) and never block.
/// </summary>
public interface INotificationSubscriber
{
    /// <summary>The channel (a lower-case SQL identifier, e.g. <c>processes_identity</c>).</summary>
    string Channel { get; }

    /// <summary>A notification on <see cref="Channel"/> with its payload.</summary>
    void Notified(string payload);

    /// <summary>
    /// True once every channel is listened to, after the first connect and after each reconnect: whatever was sent
    /// while the connection was away was missed, so resync (look at the tables again, forget caches). False when the
    /// connection is lost or the node stops: notifications cannot arrive until the next true.
    /// </summary>
    void Listening(bool listening);
}

/// <summary>A subscriber made of delegates, for the engine's own loops.</summary>
internal sealed class Subscription(string channel, Action<string> onNotified, Action<bool> onListening) : INotificationSubscriber
{
    public string Channel { get; } = channel;

    public void Notified(string payload) => onNotified(payload);

    public void Listening(bool listening) => onListening(listening);
}
