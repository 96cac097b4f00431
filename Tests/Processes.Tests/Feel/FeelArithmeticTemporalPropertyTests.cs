using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

/// <summary>
/// Properties of the arithmetic and temporal built-ins (DMN 1.5 §10.3.4.4 and §10.3.4.5), checked against .NET's own
/// arithmetic and calendar over generated values.
/// </summary>
[TestFixture]
public sealed class FeelArithmeticTemporalPropertyTests
{
    private static readonly Config Fast = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static readonly DateOnly Epoch = new(1900, 1, 1);

    /// <summary>Decimals with up to 4 fraction digits, as FEEL literals write them.</summary>
    private static Arbitrary<decimal> Decimals => Gen.Choose(-1_000_000, 1_000_000).Zip(Gen.Choose(0, 4))
        .Select(t => t.Item1 / (decimal)Math.Pow(10, t.Item2)).ToArbitrary();

    private static Arbitrary<DateOnly> Dates => Gen.Choose(0, 73_000).Select(d => Epoch.AddDays(d)).ToArbitrary();

    private static string Lit(decimal d) => "(" + d.ToString(CultureInfo.InvariantCulture) + ")";

    private static string Num(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    private static string Date(DateOnly d) => $"date(\"{d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\")";

    [Test]
    public void Addition_and_multiplication_are_decimal_arithmetic() =>
        Prop.ForAll(Decimals, Decimals, (a, b) =>
            Show($"{Lit(a)} + {Lit(b)}") == Show($"{Lit(b)} + {Lit(a)}") &&
            Value($"{Lit(a)} + {Lit(b)}") == a + b &&
            Value($"{Lit(a)} * {Lit(b)}") == a * b &&
            Value($"{Lit(a)} - {Lit(b)}") == a - b).Check(Fast);

    private static decimal Value(string expression) => decimal.Parse(Show(expression), CultureInfo.InvariantCulture);

    [Test]
    public void Modulo_is_dividend_minus_divisor_times_floor_of_the_quotient_and_takes_the_divisor_sign() =>
        Prop.ForAll(Decimals, Decimals, (a, b) =>
        {
            if (b == 0)
            {
                return Show($"modulo({Lit(a)}, 0)") == "null";
            }
            var expected = a - (b * Math.Floor(a / b));
            var actual = decimal.Parse(Show($"modulo({Lit(a)}, {Lit(b)})"), CultureInfo.InvariantCulture);
            return Math.Abs(actual - expected) < 0.0000001m && (actual == 0 || Math.Sign(actual) == Math.Sign(b));
        }).Check(Fast);

    [Test]
    public void Floor_and_ceiling_bracket_the_number() =>
        Prop.ForAll(Decimals, n =>
        {
            var floor = decimal.Parse(Show($"floor({Lit(n)})"), CultureInfo.InvariantCulture);
            var ceiling = decimal.Parse(Show($"ceiling({Lit(n)})"), CultureInfo.InvariantCulture);
            return floor <= n && n < floor + 1 && ceiling == -Math.Floor(-n) && floor == Math.Floor(n);
        }).Check(Fast);

    [Test]
    public void Decimal_rounds_half_even_and_round_half_up_rounds_away_from_zero() =>
        Prop.ForAll(Decimals, Gen.Choose(0, 3).ToArbitrary(), (n, scale) =>
            Value($"decimal({Lit(n)}, {scale})") == Math.Round(n, scale, MidpointRounding.ToEven) &&
            Value($"round half up({Lit(n)}, {scale})") == Math.Round(n, scale, MidpointRounding.AwayFromZero) &&
            Value($"round down({Lit(n)}, {scale})") == Math.Round(n, scale, MidpointRounding.ToZero) &&
            Value($"round up({Lit(n)}, {scale})") == AwayFromZero(n, scale)).Check(Fast);

    private static decimal AwayFromZero(decimal n, int scale)
    {
        var truncated = Math.Round(n, scale, MidpointRounding.ToZero);
        return truncated == n ? n : truncated + (Math.Sign(n) * (decimal)Math.Pow(10, -scale));
    }

    [Test]
    public void Abs_and_sqrt_of_a_square_agree() =>
        Prop.ForAll(Gen.Choose(-10_000, 10_000).ToArbitrary(), n =>
            Show($"abs({n})") == Math.Abs(n).ToString(CultureInfo.InvariantCulture) &&
            Show($"sqrt({(long)n * n})") == Math.Abs(n).ToString(CultureInfo.InvariantCulture)).Check(Fast);

    [Test]
    public void Adding_and_subtracting_days_is_the_calendar() =>
        Prop.ForAll(Dates, Gen.Choose(-5000, 5000).ToArbitrary(), (d, days) =>
        {
            var duration = $"duration(\"{(days < 0 ? "-" : "")}P{Math.Abs(days)}D\")";
            return Show($"{Date(d)} + {duration}") == d.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) &&
                Show($"{Date(d)} + {duration} - {duration}") == d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) &&
                Show($"{Date(d.AddDays(days))} - {Date(d)}") == Show(duration);
        }).Check(Fast);

    [Test]
    public void Adding_months_clamps_to_the_last_day_of_the_month() =>
        Prop.ForAll(Dates, Gen.Choose(0, 120).ToArbitrary(), (d, months) =>
            Show($"{Date(d)} + duration(\"P{months}M\")") == d.AddMonths(months).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Check(Fast);

    [Test]
    public void Calendar_functions_agree_with_the_iso_calendar() =>
        Prop.ForAll(Dates, d =>
            Show($"day of year({Date(d)})") == d.DayOfYear.ToString(CultureInfo.InvariantCulture) &&
            Show($"day of week({Date(d)})") == $"\"{d.DayOfWeek}\"" &&
            Show($"week of year({Date(d)})") == ISOWeek.GetWeekOfYear(d.ToDateTime(TimeOnly.MinValue)).ToString(CultureInfo.InvariantCulture) &&
            Show($"month of year({Date(d)})") == $"\"{CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(d.Month)}\"" &&
            Show($"last day of month({Date(d)})") == DateTime.DaysInMonth(d.Year, d.Month).ToString(CultureInfo.InvariantCulture)).Check(Fast);

    [Test]
    public void Dates_and_times_survive_string_and_back() =>
        Prop.ForAll(Dates, Gen.Choose(0, 86_399).ToArbitrary(), (d, seconds) =>
        {
            var time = TimeOnly.FromTimeSpan(TimeSpan.FromSeconds(seconds)).ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            var text = $"{d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}T{time}Z";
            return Show($"string(date and time(\"{text}\"))") == $"\"{text}\"" &&
                Show($"date and time(date(\"{text[..10]}\"), time(\"{time}Z\")) = date and time(\"{text}\")") == "true" &&
                Show($"date and time(\"{text}\") + duration(\"PT{seconds}S\") - date and time(\"{text}\")") == Show($"duration(\"PT{seconds}S\")");
        }).Check(Fast);

    [Test]
    public void Years_and_months_between_dates_are_whole_months() =>
        Prop.ForAll(Dates, Gen.Choose(0, 240).ToArbitrary(), (d, months) =>
        {
            // From the first of a month, adding whole months never clamps, so the difference is exactly those months.
            var first = new DateOnly(d.Year, d.Month, 1);
            return Show($"years and months duration({Date(first)}, {Date(first.AddMonths(months))})") ==
                Show($"duration(\"P{months}M\")");
        }).Check(Fast);

    // Days and time durations hold ±10,675,199 days (TimeSpan's range, about ±29,227 years); DMN sets no bound, so
    // the engine answers beyond it with null and a warning that names the range, never with an exception.
    private const long MaxDays = 10_675_199;

    [Test]
    public void A_days_and_time_duration_beyond_the_range_is_null_with_a_warning_that_names_the_range() =>
        Prop.ForAll(Gen.Choose(1, 1_000_000).ToArbitrary(), Gen.Choose(2, 1000).ToArbitrary(), (extra, factor) =>
        {
            var parsed = Run($"duration(\"P{MaxDays + extra}D\")");
            var sum = Run($"duration(\"P{MaxDays}D\") + duration(\"P{extra}D\")");
            var product = Run($"duration(\"P{MaxDays / 2 + extra}D\") * {factor}");
            var difference = Run($"-duration(\"P{MaxDays}D\") - duration(\"P{extra}D\")");
            return new[] { parsed, sum, product, difference }.All(r =>
                r.Value.ToString() == "null" && r.Failure is null && r.Warnings.Any(w => w.Contains("out of range", StringComparison.Ordinal) &&
                    w.Contains("10675199 days", StringComparison.Ordinal)));
        }).Check(Fast);

    [Test]
    public void Durations_up_to_the_range_reach_dates_past_year_9999_and_back() =>
        Prop.ForAll(Dates, Gen.Choose(0, 73).ToArbitrary(), Gen.Choose(0, 146_096).ToArbitrary(), (d, cycles, days) =>
        {
            // The Gregorian calendar repeats every 400 years (146,097 days): whole cycles move the year only.
            var span = (cycles * 146_097L) + days;
            if (span > MaxDays)
            {
                return true;
            }
            var cycled = $"{d.Year + (400 * cycles):0000}-{d.Month:00}-{d.Day:00}";
            return Show($"{Date(d)} + duration(\"P{cycles * 146_097L}D\")") == cycled &&
                Show($"{Date(d)} + duration(\"P{span}D\") - {Date(d)}") == Show($"duration(\"P{span}D\")") &&
                Show($"{Date(d)} + duration(\"P{span}D\") - duration(\"P{span}D\") = {Date(d)}") == "true";
        }).Check(Fast);
}
