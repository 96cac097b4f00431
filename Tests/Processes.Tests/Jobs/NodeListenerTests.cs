using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Processes.Engine.Cluster;

namespace Processes.Tests.Jobs;

/// <summary>
/// The node's one LISTEN connection: every subscribed channel on one backend, each notification to its channel's
/// subscribers, and after the connection is cut every channel listened to again with every subscriber told to resync.
/// </summary>
public sealed class NodeListenerTests : LoopTest
{
    private sealed class Probe(string channel) : INotificationSubscriber
    {
        public string Channel { get; } = channel;

        public ConcurrentQueue<string> Payloads { get; } = new();

        public ConcurrentQueue<bool> States { get; } = new();

        public void Notified(string payload) => Payloads.Enqueue(payload);

        public void Listening(bool listening) => States.Enqueue(listening);
    }

    private sealed class Faulty : INotificationSubscriber
    {
        public string Channel => "node_test_a";

        public void Notified(string payload) => throw new InvalidOperationException("a broken subscriber");

        public void Listening(bool listening) => throw new InvalidOperationException("a broken subscriber");
    }

    private Task<long> ListenBackendsAsync(DateTime since) => ScalarAsync<long>("""
        SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %' AND query_start >= @since
        """, new { since });

    [Test]
    [CancelAfter(120_000)]
    public async Task Every_channel_reaches_its_subscribers_through_one_backend()
    {
        var (a1, a2, b) = (new Probe("node_test_a"), new Probe("node_test_a"), new Probe("node_test_b"));
        var listener = new NodeListener(DataSource, NullLogger.Instance);
        listener.Subscribe(new Faulty()); // first in line: its exceptions must not cost the others anything
        foreach (var probe in new[] { a1, a2, b })
        {
            listener.Subscribe(probe);
        }
        var since = await DatabaseNowAsync();
        Run(listener.RunAsync);
        await UntilAsync(() => Task.FromResult(listener.Listening), 60, "the listener connects");

        await ExecuteAsync("SELECT pg_notify('node_test_a', 'one'), pg_notify('node_test_b', 'two'), pg_notify('node_test_c', 'none')");

        await UntilAsync(() => Task.FromResult(a1.Payloads.Count == 1 && a2.Payloads.Count == 1 && b.Payloads.Count == 1), 30, "each subscriber hears its channel");
        a1.Payloads.ShouldBe(["one"]);
        a2.Payloads.ShouldBe(["one"]);
        b.Payloads.ShouldBe(["two"]);
        a1.States.ShouldBe([true]);
        listener.Channels.ShouldBe(["node_test_a", "node_test_b"]);
        (await ListenBackendsAsync(since)).ShouldBe(1);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_cut_connection_listens_on_every_channel_again_and_every_subscriber_resyncs()
    {
        var (a, b) = (new Probe("node_test_a"), new Probe("node_test_b"));
        var listener = new NodeListener(DataSource, NullLogger.Instance);
        listener.Subscribe(a);
        listener.Subscribe(b);
        var since = await DatabaseNowAsync();
        Run(listener.RunAsync);
        await UntilAsync(() => Task.FromResult(listener.Listening), 60, "the listener connects");

        // The server ends the backend, as a restart or an administrator would.
        (await ScalarAsync<long>("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'LISTEN %' AND query_start >= @since
            """, new { since })).ShouldBe(1);

        foreach (var probe in new[] { a, b })
        {
            await UntilAsync(() => Task.FromResult(probe.States.ToArray() is [true, false, true]), 60,
                $"{probe.Channel}: told of the loss, then to resync after the reconnect");
        }
        await ExecuteAsync("SELECT pg_notify('node_test_a', 'after'), pg_notify('node_test_b', 'after')");
        await UntilAsync(() => Task.FromResult(a.Payloads.Contains("after") && b.Payloads.Contains("after")), 30,
            "both channels are listened to again on the new connection");
        (await ListenBackendsAsync(since)).ShouldBe(1);
    }

    [Test]
    public async Task Only_plain_channel_names_before_the_start_are_taken()
    {
        var listener = new NodeListener(DataSource, NullLogger.Instance);
        Should.Throw<ArgumentException>(() => listener.Subscribe(new Probe("x; DROP TABLE job"))).Message.ShouldContain("x; DROP TABLE job");
        Should.Throw<ArgumentException>(() => listener.Subscribe(new Probe("Upper")));
        listener.Subscribe(new Probe("node_test_a"));
        var stop = Run(listener.RunAsync);
        await UntilAsync(() => Task.FromResult(listener.Listening), 60, "the listener connects");
        Should.Throw<InvalidOperationException>(() => listener.Subscribe(new Probe("node_test_b")));
        await StopAsync(stop);
        listener.Listening.ShouldBeFalse("a stopped listener hears nothing");
    }
}
