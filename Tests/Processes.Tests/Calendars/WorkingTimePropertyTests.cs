using FsCheck;
using FsCheck.Fluent;
using Processes.Engine.Calendars;
using static Processes.Tests.Calendars.TestCalendars;

namespace Processes.Tests.Calendars;

/// <summary>AddWorkingTime and WorkingTimeBetween are inverses, for any start and amount, in both test calendars.</summary>
public sealed class WorkingTimePropertyTests
{
    // Starts over 2026–2027 at minute resolution, so weekends, holidays, lunch and both DST nights all come up.
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Arbitrary<(int StartMinutes, int AmountMinutes)> Cases() =>
        Gen.Zip(Gen.Choose(0, 2 * 365 * 24 * 60), Gen.Choose(0, 200 * 60)).ToArbitrary();

    private static Config Config => Config.QuickThrowOnFailure.WithMaxTest(300);

    [TestCase("cn-support")]
    [TestCase("de-support")]
    public void Working_time_between_start_and_due_is_the_amount_added(string name)
    {
        var calendar = name == "cn-support" ? CnSupport : DeSupport;
        Check.One(Config, Prop.ForAll(Cases(), c =>
        {
            var start = Origin.AddMinutes(c.StartMinutes);
            var amount = TimeSpan.FromMinutes(c.AmountMinutes);
            var due = calendar.AddWorkingTime(start, amount);
            return due.IsSuccess && calendar.WorkingTimeBetween(start, due.Instant) == amount && due.Instant >= start;
        }));
    }

    [TestCase("cn-support")]
    [TestCase("de-support")]
    public void Adding_in_two_steps_equals_adding_at_once(string name)
    {
        var calendar = name == "cn-support" ? CnSupport : DeSupport;
        Check.One(Config, Prop.ForAll(Cases(), c =>
        {
            var start = Origin.AddMinutes(c.StartMinutes);
            var half = TimeSpan.FromMinutes(c.AmountMinutes / 2);
            var rest = TimeSpan.FromMinutes(c.AmountMinutes) - half;
            var once = calendar.AddWorkingTime(start, half + rest).Instant;
            var twice = calendar.AddWorkingTime(calendar.AddWorkingTime(start, half).Instant, rest).Instant;
            // Splitting at a closing time lands the second step at the next opening, which is the same when rest > 0.
            return rest == TimeSpan.Zero || once == twice;
        }));
    }

    [Test]
    public void A_due_instant_after_a_positive_amount_is_inside_or_at_the_end_of_working_time() =>
        Check.One(Config, Prop.ForAll(Cases(), c =>
        {
            var due = CnSupport.AddWorkingTime(Origin.AddMinutes(c.StartMinutes), TimeSpan.FromMinutes(c.AmountMinutes + 1)).Instant;
            return CnSupport.IsWorkingTime(due) || CnSupport.IsWorkingTime(due.AddTicks(-1));
        }));
}
