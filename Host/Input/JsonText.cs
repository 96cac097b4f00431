using System.Globalization;
using System.Text.Json;

namespace Processes.Host.Input;

/// <summary>
/// Text in a JSON body that PostgreSQL would refuse mid-command (text and jsonb hold no NUL; a lone surrogate is no
/// character): found here, it is a 400 naming the JSON path instead of a 500 from the database.
/// </summary>
internal static class JsonText
{
    public static IResult? Check(JsonElement element, string path, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var name = Text(() => property.Name);
                    var at = path.Length == 0 ? name ?? "?" : $"{path}.{name ?? "?"}";
                    if ((Refuse(name, at, "a property name") ?? Check(property.Value, at, depth + 1)) is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Check(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]"), depth + 1) is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonValueKind.String:
                return Refuse(Text(element.GetString), path.Length == 0 ? "the body" : path, "a string");
            default:
                return null;
        }
    }

    private static string? Text(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static IResult? Refuse(string? text, string path, string what)
    {
        var printable = InputPolicy.Printable(path);
        if (text is null)
        {
            return InputProblems.BadRequest($"{printable}: {what} with a lone surrogate (\\ud800–\\udfff without its pair), which is no character.", printable);
        }
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return InputProblems.BadRequest($"{printable}: {what} contains a NUL character (\\u0000), which text cannot hold.", printable);
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[++i])))
            {
                return InputProblems.BadRequest($"{printable}: {what} with a lone surrogate (\\ud800–\\udfff without its pair), which is no character.", printable);
            }
        }
        return null;
    }
}
