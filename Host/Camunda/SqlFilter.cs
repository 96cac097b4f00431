using Dapper;

namespace Processes.Host.Camunda;

/// <summary>
/// The WHERE clause of a search, built from the filter fields a request sets: each condition comes with its
/// parameter, so values never enter the SQL text.
/// </summary>
internal sealed class SqlFilter
{
    private readonly List<string> _conditions = [];

    public DynamicParameters Parameters { get; } = new();

    /// <summary>Adds <paramref name="condition"/> (which uses <c>@name</c>) when <paramref name="value"/> is set.</summary>
    public SqlFilter When<T>(T? value, string condition, string name)
    {
        if (value is not null)
        {
            _conditions.Add(condition);
            Parameters.Add(name, value);
        }
        return this;
    }

    /// <summary>Adds a condition that needs no parameter, or whose parameters were added to <see cref="Parameters"/>.</summary>
    public SqlFilter Always(string condition)
    {
        _conditions.Add(condition);
        return this;
    }

    public string Where => _conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", _conditions);
}
