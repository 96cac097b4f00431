namespace Processes.Engine.Storage;

/// <summary>
/// Splits a migration script into statements so each runs on its own and an error can name the script's line.
/// Knows what may hide a semicolon: quotes, quoted identifiers, comments and dollar-quoted bodies.
/// </summary>
internal static class SqlScript
{
    public readonly record struct Statement(int Offset, string Text);

    public static IReadOnlyList<Statement> Split(string sql)
    {
        var statements = new List<Statement>();
        var start = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\'' || c == '"')
            {
                i = SkipQuoted(sql, i, c);
            }
            else if (c == '-' && Next(sql, i) == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (c == '/' && Next(sql, i) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + tag.Length;
            }
            else if (c == ';')
            {
                Add(statements, sql, start, i + 1);
                start = i + 1;
                i++;
            }
            else
            {
                i++;
            }
        }
        Add(statements, sql, start, sql.Length);
        return statements;
    }

    private static void Add(List<Statement> statements, string sql, int start, int end)
    {
        var text = sql[start..end];
        var leading = text.Length - text.TrimStart().Length;
        if (HasCode(text))
        {
            statements.Add(new Statement(start + leading, text.Trim()));
        }
    }

    /// <summary>False for a piece that is only whitespace, comments and semicolons.</summary>
    private static bool HasCode(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim().TrimEnd(';').Trim();
            if (trimmed.Length > 0 && !trimmed.StartsWith("--", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static char Next(string sql, int i) => i + 1 < sql.Length ? sql[i + 1] : '\0';

    private static int SkipQuoted(string sql, int i, char quote)
    {
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                // A doubled quote is an escaped quote inside the literal.
                if (Next(sql, i) == quote)
                {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return i;
    }

    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && Next(sql, i) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && Next(sql, i) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }
        return i;
    }

    private static string? DollarTag(string sql, int i)
    {
        var end = i + 1;
        while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
        {
            end++;
        }
        if (end < sql.Length && sql[end] == '$' && (end == i + 1 || !char.IsDigit(sql[i + 1])))
        {
            return sql[i..(end + 1)];
        }
        return null;
    }
}
