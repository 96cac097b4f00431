using System.Globalization;

namespace Processes.Tck;

/// <summary>Random, mostly well-typed FEEL expressions over numbers, strings, booleans, lists and contexts.</summary>
internal sealed class ExpressionGenerator(Random random)
{
    private static readonly string[] Words = ["\"a\"", "\"foo\"", "\"Bar\"", "\"\"", "\"x y\""];

    public string Expression(int depth) => random.Next(5) switch
    {
        0 => Number(depth),
        1 => Boolean(depth),
        2 => Text(depth),
        3 => List(depth),
        _ => Context(depth),
    };

    private string Pick(params Func<string>[] choices) => choices[random.Next(choices.Length)]();

    private string Number(int depth)
    {
        if (depth <= 0)
        {
            return Pick(
                () => random.Next(-5, 20).ToString(CultureInfo.InvariantCulture),
                () => (random.Next(0, 100) / 10m).ToString(CultureInfo.InvariantCulture),
                () => "null");
        }
        var d = depth - 1;
        return Pick(
            () => $"{Number(d)} + {Number(d)}",
            () => $"{Number(d)} - {Number(d)}",
            () => $"{Number(d)} * {Number(d)}",
            () => $"({Number(d)}) / {random.Next(1, 5)}",
            () => $"-({Number(d)})",
            () => $"if {Boolean(d)} then {Number(d)} else {Number(d)}",
            () => $"count({List(d)})",
            () => $"sum([{Number(d)}, {Number(d)}])",
            () => $"min([{Number(d)}, {Number(d)}, {Number(d)}])",
            () => $"max({Number(d)}, {Number(d)})",
            () => $"string length({Text(d)})",
            () => $"abs({Number(d)})",
            () => $"floor({Number(d)})",
            () => $"ceiling({Number(d)})",
            () => $"modulo({random.Next(-20, 20)}, {random.Next(1, 7)})",
            () => $"{{n: {Number(d)}}}.n",
            () => $"[{Number(d)}, {Number(d)}][{random.Next(-2, 3)}]",
            () => Number(0));
    }

    private string Boolean(int depth)
    {
        if (depth <= 0)
        {
            return Pick(() => "true", () => "false", () => "null");
        }
        var d = depth - 1;
        return Pick(
            () => $"{Number(d)} < {Number(d)}",
            () => $"{Number(d)} = {Number(d)}",
            () => $"{Text(d)} = {Text(d)}",
            () => $"{Number(d)} >= {Number(d)}",
            () => $"{Boolean(d)} and {Boolean(d)}",
            () => $"{Boolean(d)} or {Boolean(d)}",
            () => $"not({Boolean(d)})",
            () => $"{Number(d)} between {Number(0)} and {Number(0)}",
            () => $"{Number(d)} in [{Number(0)}..{Number(0)}]",
            () => $"some x in {List(d)} satisfies x = {Number(0)}",
            () => $"every x in [1, 2, 3] satisfies x > {Number(0)}",
            () => $"list contains({List(d)}, {Number(0)})",
            () => $"contains({Text(d)}, {Words[random.Next(Words.Length)]})",
            () => $"starts with({Text(d)}, \"f\")",
            () => $"is defined({Number(d)})",
            () => Boolean(0));
    }

    private string Text(int depth)
    {
        if (depth <= 0)
        {
            return Words[random.Next(Words.Length)];
        }
        var d = depth - 1;
        return Pick(
            () => $"{Text(d)} + {Text(d)}",
            () => $"upper case({Text(d)})",
            () => $"lower case({Text(d)})",
            () => $"substring({Text(d)}, {random.Next(1, 4)})",
            () => $"substring before({Text(d)}, \"o\")",
            () => $"if {Boolean(d)} then {Text(d)} else {Text(d)}",
            () => $"string({random.Next(-5, 100)})",
            () => $"string join([{Text(d)}, {Text(d)}], \"-\")",
            () => Text(0));
    }

    private string List(int depth)
    {
        if (depth <= 0)
        {
            return Pick(() => "[]", () => $"[{Number(0)}, {Number(0)}]", () => "[1, 2, 3]");
        }
        var d = depth - 1;
        return Pick(
            () => $"[{Number(d)}, {Number(d)}, {Number(d)}]",
            () => $"{List(d)}[item > {Number(0)}]",
            () => $"for x in {List(d)} return x * 2",
            () => $"for i in 1..{random.Next(0, 4)} return i",
            () => $"reverse({List(d)})",
            () => $"append({List(d)}, {Number(0)})",
            () => $"concatenate({List(d)}, {List(d)})",
            () => $"distinct values({List(d)})",
            () => $"sort({List(d)})",
            () => $"index of({List(d)}, {Number(0)})",
            () => $"[{{a: {Number(d)}}}, {{a: {Number(d)}}}].a",
            () => List(0));
    }

    private string Context(int depth) =>
        $"{{a: {Number(depth - 1)}, b: {Text(depth - 1)}, c: {List(depth - 1)}}}";
}
