using Processes.Engine.Jobs;

namespace Processes.Tests.Jobs;

public sealed class BackOffTests
{
    [Test]
    public void Each_failure_doubles_the_wait_up_to_the_maximum()
    {
        var backOff = new RetryBackOff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0);
        Enumerable.Range(1, 7).Select(n => backOff.Delay(n).TotalSeconds).ShouldBe([1, 2, 4, 8, 16, 30, 30]);
        backOff.Delay(0).ShouldBe(TimeSpan.FromSeconds(1));
        backOff.Delay(int.MaxValue).ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Test]
    public void Jitter_only_shortens_the_wait_and_by_at_most_its_share()
    {
        var backOff = new RetryBackOff(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10), Jitter: 0.25);
        var random = new Random(42);
        var delays = Enumerable.Range(0, 1000).Select(_ => backOff.Delay(3, random).TotalSeconds).ToList();
        delays.ShouldAllBe(d => d > 30 - 0.001 && d <= 40);
        delays.Distinct().Count().ShouldBeGreaterThan(100, "jitter spreads jobs that failed together");
    }

    [Test]
    public void Options_give_a_type_its_own_back_off_and_the_default_to_the_others()
    {
        var options = new JobExecutorOptions();
        var sms = new RetryBackOff(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 0);
        options.BackOffByType["sms"] = sms;
        options.BackOffFor("sms").ShouldBe(sms);
        options.BackOffFor("refund").ShouldBe(RetryBackOff.Default);
    }

    [Test]
    public void Two_handlers_for_one_type_are_refused()
    {
        var handler = new DelegateJobHandler("sms", (_, _) => Task.FromResult(JobOutcome.Complete()));
        Should.Throw<ArgumentException>(() => new JobHandlerRegistry([handler, handler])).Message.ShouldContain("'sms'");
    }
}

public sealed class TimerNotificationTests
{
    [TestCase("2026-11-22 09:00:00.123+00", "2026-11-22T09:00:00.1230000+00:00")]
    [TestCase("2026-11-22 17:00:00+08", "2026-11-22T09:00:00.0000000+00:00")]
    [TestCase("2026-11-22T09:00:00.0000000+00:00", "2026-11-22T09:00:00.0000000+00:00")]
    public void Both_the_database_and_the_iso_payloads_are_read(string payload, string expected)
    {
        Processes.Engine.Timers.TimerScheduler.TryParseInstant(payload, out var instant).ShouldBeTrue();
        instant.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture).ShouldBe(expected);
    }
}
