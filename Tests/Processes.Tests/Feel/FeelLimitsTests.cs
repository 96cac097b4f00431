using System.Diagnostics;
using Processes.Engine.Feel.Values;
using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

[TestFixture]
public sealed class FeelLimitsTests
{
    [TestCase("for x in 1..1000000000 return x")]
    [TestCase("count(for x in 1..50000, y in 1..50000 return x)")]
    [TestCase("{f: function(n) f(n + 1), r: f(1)}.r")]
    [TestCase("for i in 1..100 return matches(\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\", \"^(a+)+$\")")]
    [TestCase("{s: string join(for i in 1..100000 return \"0123456789\"), r: for i in 1..100000 return string length(upper case(s))}.r")]
    [TestCase("{f: function(s) f(s + s), r: f(\"ab\")}.r")]
    [TestCase("{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(100000)}.r")]
    [TestCase("{f: function(l, n) if n = 0 then count(flatten(l)) else f([l, l], n - 1), r: f([1], 60)}.r")]
    [TestCase("{f: function(s, n) if n = 0 then string length(s) else f(s + s, n - 1), r: f(\"ab\", 40)}.r")]
    [TestCase("string length(replace(substring(string join(for i in 1..2000 return \"aaaaaaaaaa\"), 1), \"\", string join(for i in 1..2000 return \"bbbbbbbbbb\")))")]
    public void Hostile_expressions_fail_quickly(string expression)
    {
        var watch = Stopwatch.StartNew();
        var result = Run(expression);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "a hang guard, not a speed target (the benchmark measures speed)");
        result.Value.ShouldBe(FeelValue.Null);
        result.Failure.ShouldNotBeNull();
        result.Reason.ShouldBe(result.Failure);
    }

    [Test]
    public void Modest_recursion_still_works()
    {
        Show("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(10)}.r").ShouldBe("3628800");
    }
}
