using System.Globalization;
using System.Xml.Linq;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

/// <summary>Reads TCK test values (typed scalars, lists, components) and compares results with expectations.</summary>
internal static class TckValues
{
    /// <summary>The value held by a container element (inputNode, expected, component, item).</summary>
    public static FeelValue Read(XElement container)
    {
        if (container.Child("value") is { } value)
        {
            return ReadScalar(value);
        }
        if (container.Child("list") is { } list)
        {
            return ReadList(list);
        }
        var components = container.Children("component").ToList();
        if (components.Count > 0)
        {
            return new FeelContextValue(components.Select(c => new KeyValuePair<string, FeelValue>(c.Attr("name")!, Read(c))));
        }
        return FeelValue.Null;
    }

    private static FeelList ReadList(XElement list) => list.IsNil() ? FeelList.Empty : new FeelList([.. list.Children("item").Select(Read)]);

    private static FeelValue ReadScalar(XElement value)
    {
        if (value.IsNil())
        {
            return FeelValue.Null;
        }
        var text = value.Value;
        var type = value.Attr("type") ?? "";
        type = type.Contains(':', StringComparison.Ordinal) ? type[(type.IndexOf(':', StringComparison.Ordinal) + 1)..] : type;
        return type switch
        {
            "decimal" or "double" or "integer" or "int" or "long" => ParseNumber(text),
            "boolean" => FeelValue.Of(text.Trim() == "true"),
            "date" => (FeelValue?)FeelTemporalParser.ParseDate(text.Trim()) ?? FeelValue.Null,
            "time" => (FeelValue?)FeelTemporalParser.ParseTime(text.Trim()) ?? FeelValue.Null,
            "dateTime" => (FeelValue?)FeelTemporalParser.ParseDateTime(text.Trim()) ?? FeelValue.Null,
            "duration" or "dayTimeDuration" or "yearMonthDuration" => FeelTemporalParser.ParseDuration(text.Trim()) ?? FeelValue.Null,
            _ => new FeelString(text),
        };
    }

    private static FeelValue ParseNumber(string text)
    {
        text = text.Trim();
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return new FeelNumber(d);
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && Math.Abs(x) < 7.9e28
            ? new FeelNumber((decimal)x)
            : new FeelString(text);
    }

    /// <summary>Null when the actual value matches the expectation, otherwise why it doesn't.</summary>
    public static string? Mismatch(XElement expected, FeelValue actual)
    {
        if (expected.Child("value") is { } value)
        {
            if (value.IsNil())
            {
                return actual is FeelNull ? null : $"expected null but got {actual}";
            }
            var type = value.Attr("type") ?? "";
            var want = ReadScalar(value);
            if (want is FeelNumber wn && actual is FeelNumber an)
            {
                return NumbersMatch(wn.Value, an.Value, type.EndsWith("double", StringComparison.Ordinal), value.Value.Trim()) ? null : $"expected {wn} but got {an}";
            }
            return Same(want, actual) ? null : $"expected {want} ({want.TypeName}) but got {actual} ({actual.TypeName})";
        }
        if (expected.Child("list") is { } list)
        {
            if (actual is not FeelList al)
            {
                return $"expected a list but got {actual}";
            }
            var items = list.Children("item").ToList();
            if (items.Count != al.Items.Count)
            {
                return $"expected {items.Count} items but got {al}";
            }
            for (var i = 0; i < items.Count; i++)
            {
                if (Mismatch(items[i], al.Items[i]) is { } why)
                {
                    return $"item {i + 1}: {why}";
                }
            }
            return null;
        }
        var components = expected.Children("component").ToList();
        if (components.Count > 0)
        {
            if (actual is not FeelContextValue c)
            {
                return $"expected a context but got {actual}";
            }
            foreach (var component in components)
            {
                c.TryGet(component.Attr("name")!, out var v);
                if (Mismatch(component, v) is { } why)
                {
                    return $"{component.Attr("name")}: {why}";
                }
            }
            return null;
        }
        return actual is FeelNull ? null : $"expected null but got {actual}";
    }

    private static bool NumbersMatch(decimal want, decimal got, bool isDouble, string text)
    {
        if (want == got)
        {
            return true;
        }
        // Irrational results (log, sqrt, x ** 2.55) are written truncated to 8 or more places: match to that many.
        var point = text.IndexOf('.', StringComparison.Ordinal);
        var places = point < 0 || text.Contains('E', StringComparison.OrdinalIgnoreCase) ? 0 : text.Length - point - 1;
        if (places >= 8 && places <= 28 && Math.Abs(want - got) < (decimal)Math.Pow(10, -places))
        {
            return true;
        }
        var scale = Math.Max(Math.Abs(want), 1e-20m);
        // decimal carries 28-29 significant digits where the TCK expects 34: allow the last digits to differ.
        var tolerance = isDouble ? 1e-9m : 1e-25m;
        return Math.Abs(want - got) / scale < tolerance;
    }

    private static bool Same(FeelValue want, FeelValue got) => (want, got) switch
    {
        (FeelDateTime a, FeelDateTime b) => a.Local == b.Local && a.Year == b.Year && a.Offset == b.Offset && a.Zone == b.Zone,
        (FeelTime a, FeelTime b) => a.Local == b.Local && a.Offset == b.Offset && a.Zone == b.Zone,
        (FeelDaysTime a, FeelDaysTime b) => a.Value == b.Value,
        (FeelYearsMonths a, FeelYearsMonths b) => a.TotalMonths == b.TotalMonths,
        (FeelYearsMonths { TotalMonths: 0 }, FeelDaysTime b) => b.Value == TimeSpan.Zero,
        (FeelDaysTime a, FeelYearsMonths { TotalMonths: 0 }) => a.Value == TimeSpan.Zero,
        _ => FeelComparer.ValueEquals(want, got) == true,
    };
}
