using System.Text;
using System.Text.RegularExpressions;

namespace Processes.Activities.Sms;

/// <summary>An SMS text with <c>{name}</c> placeholders and the parameter names it declares.</summary>
public sealed record SmsTemplate(string Id, string Text, IReadOnlyList<string> Parameters, string? Description = null)
{
    /// <summary>The tenant the template belongs to: a job sends its own tenant's text, ids are unique per tenant.</summary>
    public string TenantId { get; init; } = Processes.Engine.Visibility.TenantIds.Default;
}

/// <summary>Placeholder syntax: <c>{name}</c> with a letter first, then letters, digits, <c>_</c> or <c>.</c>; <c>{{</c> and <c>}}</c> are literal braces.</summary>
internal static partial class SmsText
{
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.]*$")]
    private static partial Regex NamePattern();

    /// <summary>The placeholder names in order of first use, or the syntax problems.</summary>
    public static (IReadOnlyList<string> Names, IReadOnlyList<string> Problems) Scan(string text)
    {
        var names = new List<string>();
        var problems = new List<string>();
        Walk(text, literal: null, placeholder: (name, at) =>
        {
            if (!NamePattern().IsMatch(name))
            {
                problems.Add($"'{{{name}}}' at {at} is not a placeholder name (a letter, then letters, digits, '_' or '.')");
            }
            else if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
            return true;
        }, problems);
        return (names, problems);
    }

    /// <summary>Problems of a template about to be saved: syntax, placeholders not declared, declared parameters not used.</summary>
    public static IReadOnlyList<string> Validate(SmsTemplate template)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(template.Id))
        {
            problems.Add("the template needs an id");
        }
        if (string.IsNullOrWhiteSpace(template.Text))
        {
            problems.Add("the template needs a text");
            return problems;
        }
        var (names, syntax) = Scan(template.Text);
        problems.AddRange(syntax);
        foreach (var unknown in names.Where(n => !template.Parameters.Contains(n, StringComparer.Ordinal)))
        {
            problems.Add($"unknown placeholder '{{{unknown}}}': not among the declared parameters [{string.Join(", ", template.Parameters)}]");
        }
        foreach (var unused in template.Parameters.Where(p => !names.Contains(p, StringComparer.Ordinal)))
        {
            problems.Add($"parameter '{unused}' is declared but the text has no '{{{unused}}}'");
        }
        return problems;
    }

    /// <summary>
    /// The text with every placeholder replaced, or null with the names of the parameters that have no value (and
    /// syntax problems in <paramref name="problems"/>, for a template written to the table without validation).
    /// </summary>
    public static (string? Text, IReadOnlyList<string> Missing) Render(string text, IReadOnlyDictionary<string, string> values,
        List<string> problems)
    {
        var output = new StringBuilder(text.Length);
        var missing = new List<string>();
        Walk(text, literal: c => output.Append(c), placeholder: (name, _) =>
        {
            if (values.TryGetValue(name, out var value))
            {
                output.Append(value);
            }
            else if (!missing.Contains(name, StringComparer.Ordinal))
            {
                missing.Add(name);
            }
            return true;
        }, problems);
        return missing.Count == 0 && problems.Count == 0 ? (output.ToString(), missing) : (null, missing);
    }

    private static void Walk(string text, Action<char>? literal, Func<string, int, bool> placeholder, List<string> problems)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{')
            {
                literal?.Invoke('{');
                i++;
            }
            else if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                literal?.Invoke('}');
                i++;
            }
            else if (c == '{')
            {
                var close = text.IndexOf('}', i + 1);
                if (close < 0)
                {
                    problems.Add($"'{{' at {i} is never closed (write '{{{{' for a literal brace)");
                    return;
                }
                placeholder(text[(i + 1)..close].Trim(), i);
                i = close;
            }
            else if (c == '}')
            {
                problems.Add($"'}}' at {i} closes nothing (write '}}}}' for a literal brace)");
            }
            else
            {
                literal?.Invoke(c);
            }
        }
    }
}
