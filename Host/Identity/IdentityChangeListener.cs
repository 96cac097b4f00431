using Processes.Engine.Cluster;

namespace Processes.Host.Identity;

/// <summary>
/// Hears <c>processes_identity</c> on the engine node's one LISTEN connection: the identity tables' triggers (migration
/// 0040) notify it on every change that matters to authentication — whichever host or tool made it — and the
/// <see cref="IdentityCache"/> is cleared. The cache serves only while that connection is up: a lost connection could
/// mean missed notifications, so it stops answering at once and starts empty after the reconnect.
/// </summary>
internal sealed class IdentityChangeListener(IdentityCache cache) : INotificationSubscriber
{
    public const string Channel = "processes_identity";

    string INotificationSubscriber.Channel => Channel;

    public void Notified(string payload) => cache.Clear();

    // Setting it clears the cache either way: empty after a reconnect, not answering while away.
    public void Listening(bool listening) => cache.Listening = listening;
}
