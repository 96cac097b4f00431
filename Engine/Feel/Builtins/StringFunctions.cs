using System.Text.RegularExpressions;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

internal static partial class BuiltinRegistry
{
    // A hostile pattern can backtrack for ever; the timeout turns that into a null result.
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(200);

    private static void AddStrings(Builder b)
    {
        b.Add("substring", ["string", "start position", "length?"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s) || !Num(ctx, a[1], out var startD))
            {
                return FeelValue.Null;
            }
            var length = CodePointCount(s);
            var start = (int)decimal.Truncate(startD);
            var from = start > 0 ? start - 1 : length + start;
            if (start == 0 || from < 0 || from > length)
            {
                return ctx.Warn("substring: start position out of range");
            }
            var count = length - from;
            if (a.Length > 2 && a[2] is not FeelNull)
            {
                if (!Num(ctx, a[2], out var len) || len < 0)
                {
                    return ctx.Warn("substring: invalid length");
                }
                count = (int)Math.Min(count, decimal.Truncate(len));
            }
            var first = CharIndex(s, from);
            return new FeelString(s[first..CharIndex(s, count, first)]);
        });
        b.Add("string length", ["string"], (ctx, a) => Str(ctx, a[0], out var s) ? new FeelNumber(CodePointCount(s)) : FeelValue.Null);
        b.Add("upper case", ["string"], (ctx, a) => Str(ctx, a[0], out var s) ? new FeelString(s.ToUpperInvariant()) : FeelValue.Null);
        b.Add("lower case", ["string"], (ctx, a) => Str(ctx, a[0], out var s) ? new FeelString(s.ToLowerInvariant()) : FeelValue.Null);
        b.Add("substring before", ["string", "match"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s) || !Str(ctx, a[1], out var m))
            {
                return FeelValue.Null;
            }
            var i = s.IndexOf(m, StringComparison.Ordinal);
            return new FeelString(i < 0 ? "" : s[..i]);
        });
        b.Add("substring after", ["string", "match"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s) || !Str(ctx, a[1], out var m))
            {
                return FeelValue.Null;
            }
            var i = s.IndexOf(m, StringComparison.Ordinal);
            return new FeelString(i < 0 ? "" : s[(i + m.Length)..]);
        });
        b.Add("contains", ["string", "match"], (ctx, a) =>
            Str(ctx, a[0], out var s) && Str(ctx, a[1], out var m) ? FeelValue.Of(s.Contains(m, StringComparison.Ordinal)) : FeelValue.Null);
        b.Add("starts with", ["string", "match"], (ctx, a) =>
            Str(ctx, a[0], out var s) && Str(ctx, a[1], out var m) ? FeelValue.Of(s.StartsWith(m, StringComparison.Ordinal)) : FeelValue.Null);
        b.Add("ends with", ["string", "match"], (ctx, a) =>
            Str(ctx, a[0], out var s) && Str(ctx, a[1], out var m) ? FeelValue.Of(s.EndsWith(m, StringComparison.Ordinal)) : FeelValue.Null);
        b.Add("matches", ["input", "pattern", "flags?"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s) || !Str(ctx, a[1], out var p) || MakeRegex(ctx, p, Arg(a, 2)) is not { } re)
            {
                return FeelValue.Null;
            }
            return RunRegex(ctx, () => FeelValue.Of(re.IsMatch(s)));
        });
        b.Add("replace", ["input", "pattern", "replacement", "flags?"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s) || !Str(ctx, a[1], out var p) || !Str(ctx, a[2], out var r) || MakeRegex(ctx, p, Arg(a, 3)) is not { } re)
            {
                return FeelValue.Null;
            }
            // XPath replacement strings use $N like .NET, but '\$' escapes a dollar; .NET spells that '$$'.
            var replacement = r.Replace("\\$", "$$", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            return RunRegex(ctx, () =>
            {
                // Bound the output before building it: many matches times a long replacement could be huge.
                var matches = replacement.Length == 0 ? 0 : re.Matches(s).Count;
                return ctx.CheckLength(s.Length + (long)matches * replacement.Length) ? new FeelString(re.Replace(s, replacement)) : FeelValue.Null;
            });
        });
        b.Add("split", ["string", "delimiter"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s) || !Str(ctx, a[1], out var d) || MakeRegex(ctx, d, FeelValue.Null) is not { } re)
            {
                return FeelValue.Null;
            }
            return RunRegex(ctx, () => new FeelList([.. re.Split(s).Select(x => (FeelValue)new FeelString(x))]));
        });
        b.Add("extract", ["string", "pattern"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s) || !Str(ctx, a[1], out var p) || MakeRegex(ctx, p, FeelValue.Null) is not { } re)
            {
                return FeelValue.Null;
            }
            return RunRegex(ctx, () => new FeelList([.. re.Matches(s).Select(m => (FeelValue)new FeelString(m.Value))]));
        });
        b.Add("string join", ["list", "delimiter?"], StringJoin);
        b.Add("string join", ["list", "delimiter", "prefix", "suffix"], StringJoin);
    }

    private static FeelValue StringJoin(EvalContext ctx, FeelValue[] a)
    {
        var l = a[0] as FeelList ?? (a[0] is FeelString ? new FeelList([a[0]]) : null);
        if (l is null)
        {
            return ctx.TypeError("list", a[0]);
        }
        var parts = new List<string>();
        foreach (var item in l.Items)
        {
            if (item is FeelString s)
            {
                parts.Add(s.Value);
            }
            else if (item is not FeelNull)
            {
                return ctx.TypeError("list of strings", item);
            }
        }
        var delimiter = Arg(a, 1) is FeelString d ? d.Value : "";
        var prefix = Arg(a, 2) is FeelString p ? p.Value : "";
        var suffix = Arg(a, 3) is FeelString x ? x.Value : "";
        if (!ctx.CheckLength(parts.Sum(part => (long)part.Length + delimiter.Length) + prefix.Length + suffix.Length))
        {
            return FeelValue.Null;
        }
        return new FeelString(prefix + string.Join(delimiter, parts) + suffix);
    }

    private static void AddMoreStrings(Builder b)
    {
        b.Add("trim", ["string"], (ctx, a) => Str(ctx, a[0], out var s) ? new FeelString(s.Trim()) : FeelValue.Null);
    }

    // FEEL counts characters as Unicode code points: a surrogate pair is one character.
    private static int CodePointCount(string s)
    {
        var count = s.Length;
        for (var i = 0; i + 1 < s.Length; i++)
        {
            if (char.IsSurrogatePair(s[i], s[i + 1]))
            {
                count--;
                i++;
            }
        }
        return count;
    }

    /// <summary>The char index <paramref name="codePoints"/> code points after <paramref name="from"/> (clamped to the end).</summary>
    private static int CharIndex(string s, int codePoints, int from = 0)
    {
        var i = from;
        for (; codePoints > 0 && i < s.Length; codePoints--)
        {
            i += i + 1 < s.Length && char.IsSurrogatePair(s[i], s[i + 1]) ? 2 : 1;
        }
        return i;
    }

    private static Regex? MakeRegex(EvalContext ctx, string pattern, FeelValue flags)
    {
        // XPath flags (DMN 1.5 §10.3.4.3 refers to XQuery 1.0 and XPath 2.0 Functions 7.6.1.1): s, m, i, x, q.
        var options = RegexOptions.CultureInvariant;
        var text = flags is FeelString f ? f.Value : "";
        if (text.FirstOrDefault(c => c is not ('i' or 's' or 'm' or 'x' or 'q')) is var bad and not '\0')
        {
            ctx.Warn($"invalid regular expression flag '{bad}'");
            return null;
        }
        if (text.Contains('q', StringComparison.Ordinal))
        {
            // q: every character of the pattern is literal; of the other flags only i still has an effect.
            pattern = Regex.Escape(pattern);
            text = text.Contains('i', StringComparison.Ordinal) ? "i" : "";
        }
        foreach (var c in text)
        {
            switch (c)
            {
                case 'i': options |= RegexOptions.IgnoreCase; break;
                case 's': options |= RegexOptions.Singleline; break;
                case 'm': options |= RegexOptions.Multiline; break;
                case 'x': pattern = WithoutWhitespace(pattern); break;
            }
        }
        try
        {
            var remaining = ctx.RegexBudget;
            if (remaining <= TimeSpan.Zero)
            {
                ctx.Abort("regular expressions took longer than this evaluation allows");
                return null;
            }
            return new Regex(pattern, options, remaining < RegexTimeout ? remaining : RegexTimeout);
        }
        catch (ArgumentException e)
        {
            ctx.Warn($"invalid regular expression: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The x flag: whitespace is removed from the pattern except inside character classes. Not .NET's
    /// IgnorePatternWhitespace, which also starts a comment at '#', something XPath's x flag does not do.
    /// </summary>
    private static string WithoutWhitespace(string pattern)
    {
        var result = new System.Text.StringBuilder(pattern.Length);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                result.Append(c).Append(pattern[++i]);
                continue;
            }
            inClass = c == '[' || (inClass && c != ']');
            if (inClass || c is not (' ' or '\t' or '\n' or '\r'))
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }

    private static FeelValue RunRegex(EvalContext ctx, Func<FeelValue> run)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return run();
        }
        catch (RegexMatchTimeoutException)
        {
            // A pattern that backtracks past its time is hostile input: the evaluation stops here, so a loop of such
            // calls cannot spend its whole budget one timeout at a time (and how many fit depends on the machine's load).
            ctx.Abort("regular expression took too long");
            return FeelValue.Null;
        }
        finally
        {
            // Many cheap-looking calls must not add up to a hang: matching time comes out of one budget.
            ctx.RegexBudget -= System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
    }
}
