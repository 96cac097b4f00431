using Processes.Engine.Feel.Values;
using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

[TestFixture]
public sealed class FeelEvaluatorTests
{
    private const string Order = """
        {"amount": 150, "customer": {"tier": "VIP"},
         "items": [{"price": 10.5}, {"price": 20}, {"price": 4.5}],
         "orders": [{"status": "paid"}, {"status": "refunded"}],
         "x": "2024-03-01T08:00:00"}
        """;

    [Test]
    public void Gateway_condition_with_path()
    {
        Eval("amount > 100 and customer.tier = \"VIP\"", Order).ShouldBe(FeelValue.True);
        Eval("amount > 200 and customer.tier = \"VIP\"", Order).ShouldBe(FeelValue.False);
    }

    [Test]
    public void Date_time_plus_duration()
    {
        Show("date and time(x) + duration(\"PT4H\")", Order).ShouldBe("2024-03-01T12:00:00");
    }

    [Test]
    public void Path_on_list_projects_and_sum_adds()
    {
        Show("sum(items.price)", Order).ShouldBe("35");
        Show("items.price", Order).ShouldBe("[10.5, 20, 4.5]");
    }

    [Test]
    public void Quantifiers()
    {
        Eval("some p in orders satisfies p.status = \"refunded\"", Order).ShouldBe(FeelValue.True);
        Eval("every p in orders satisfies p.status = \"paid\"", Order).ShouldBe(FeelValue.False);
        Eval("some x in [1, 2], y in [3, 4] satisfies x + y = 6").ShouldBe(FeelValue.True);
    }

    [Test]
    public void Missing_variable_is_null_with_a_reason()
    {
        var result = Run("amount > 100");
        result.Value.ShouldBe(FeelValue.Null);
        result.Reason.ShouldBe("no variable found with name 'amount'");
        result.Aborted.ShouldBeFalse();
    }

    [Test]
    public void Type_errors_are_null_with_a_reason()
    {
        var result = Run("abs(\"x\")");
        result.Value.ShouldBe(FeelValue.Null);
        result.Reason.ShouldBe("expected number but found string \"x\"");
    }

    [Test]
    public void Comparing_incompatible_types_gives_null()
    {
        Eval("1 = \"1\"").ShouldBe(FeelValue.Null);
        Eval("1 < \"2\"").ShouldBe(FeelValue.Null);
        Eval("null = null").ShouldBe(FeelValue.True);
        Eval("1 = null").ShouldBe(FeelValue.False);
    }

    [Test]
    public void Three_valued_logic()
    {
        Eval("false and null").ShouldBe(FeelValue.False);
        Eval("true and null").ShouldBe(FeelValue.Null);
        Eval("true or null").ShouldBe(FeelValue.True);
        Eval("false or null").ShouldBe(FeelValue.Null);
        Eval("not(null)").ShouldBe(FeelValue.Null);
        Eval("not(true)").ShouldBe(FeelValue.False);
    }

    [Test]
    public void Strings_concatenate_and_null_propagates()
    {
        Show("\"a\" + \"b\"").ShouldBe("\"ab\"");
        Eval("\"a\" + null").ShouldBe(FeelValue.Null);
        Eval("1 + null").ShouldBe(FeelValue.Null);
    }

    [Test]
    public void Decimal_arithmetic_is_exact()
    {
        Show("0.1 + 0.2").ShouldBe("0.3");
        Show("1 / 4 * 4").ShouldBe("1");
        Show("1 / 3").ShouldBe("0.3333333333333333333333333333");
        Show("2 ** 10").ShouldBe("1024");
        Eval("1 / 0").ShouldBe(FeelValue.Null);
    }

    [Test]
    public void List_filters_by_condition_and_index()
    {
        Show("[1, 2, 3, 4][item > 2]").ShouldBe("[3, 4]");
        Show("[1, 2, 3, 4][1]").ShouldBe("1");
        Show("[1, 2, 3, 4][-1]").ShouldBe("4");
        Show("[{a: 1}, {a: 5}][a > 2].a").ShouldBe("[5]");
        Eval("[1, 2][5]").ShouldBe(FeelValue.Null);
    }

    [Test]
    public void Context_literals_see_earlier_entries()
    {
        Show("{a: 1, b: a + 1}").ShouldBe("{a: 1, b: 2}");
        Show("{a: {b: 3}}.a.b").ShouldBe("3");
    }

    [Test]
    public void Temporal_comparison_and_properties()
    {
        Eval("date(\"2024-01-01\") < date(\"2024-02-01\")").ShouldBe(FeelValue.True);
        Eval("@\"2024-01-01T10:00:00+01:00\" = @\"2024-01-01T09:00:00Z\"").ShouldBe(FeelValue.True);
        Eval("duration(\"P1D\") > duration(\"PT23H\")").ShouldBe(FeelValue.True);
        Show("date(\"2024-02-29\").weekday").ShouldBe("4");
        Show("date and time(\"2024-02-29T10:11:12\").hour").ShouldBe("10");
        Show("date(\"2024-03-01\") - date(\"2024-02-01\")").ShouldBe("P29D");
        Show("@\"2024-03-31T01:30:00@Europe/Paris\" + @\"PT1H\"").ShouldBe("2024-03-31T03:30:00@Europe/Paris");
    }

    [Test]
    public void If_for_between_in_instance_of()
    {
        Show("if 5 > 3 then \"yes\" else \"no\"").ShouldBe("\"yes\"");
        Show("if null then 1 else 2").ShouldBe("2");
        Show("for i in 1..3 return i * i").ShouldBe("[1, 4, 9]");
        Show("for i in [1, 2], j in [10, 20] return i + j").ShouldBe("[11, 21, 12, 22]");
        Show("for i in 0..4 return if i = 0 then 1 else i * partial[-1]").ShouldBe("[1, 1, 2, 6, 24]");
        Eval("5 between 1 and 10").ShouldBe(FeelValue.True);
        Eval("5 in [1..10)").ShouldBe(FeelValue.True);
        Eval("5 in (< 3, > 4)").ShouldBe(FeelValue.True);
        Eval("\"b\" in [\"a\", \"b\"]").ShouldBe(FeelValue.True);
        Eval("5 instance of number").ShouldBe(FeelValue.True);
        Eval("[1, 2] instance of list<number>").ShouldBe(FeelValue.True);
        Eval("@\"2024-01-01T00:00:00\" instance of date and time").ShouldBe(FeelValue.True);
    }

    [Test]
    public void User_functions_with_closures_and_named_arguments()
    {
        Show("{add: function(a, b) a + b, r: add(1, 2)}.r").ShouldBe("3");
        Show("{make: function(n) function(x) x + n, add5: make(5), r: add5(10)}.r").ShouldBe("15");
        Show("{f: function(a, b) a - b, r: f(b: 1, a: 10)}.r").ShouldBe("9");
        Show("substring(string: \"foobar\", start position: 3)").ShouldBe("\"obar\"");
        Show("sort([3, 1, 2], function(x, y) x > y)").ShouldBe("[3, 2, 1]");
    }
}
