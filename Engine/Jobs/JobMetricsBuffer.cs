using Dapper;
using Npgsql;

namespace Processes.Engine.Jobs;

/// <summary>
/// Counts finished jobs per minute, type and tenant in memory and adds them to <c>job_metrics</c> in one upsert per
/// flush, so counting costs no commit per job. What survives a crash: everything flushed; the counts of the last
/// flush interval are lost (the charts are operator figures, not the audit trail — that is execution_history).
/// </summary>
internal sealed class JobMetricsBuffer(NpgsqlDataSource dataSource)
{
    private readonly object _gate = new();
    private Dictionary<(DateTime Minute, string Type, string Tenant), (int Succeeded, int Failed)> _counts = [];

    public void Succeeded(string type, string tenantId, DateTimeOffset at) => Add(type, tenantId, at, 1, 0);

    public void Failed(string type, string tenantId, DateTimeOffset at) => Add(type, tenantId, at, 0, 1);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Dictionary<(DateTime Minute, string Type, string Tenant), (int Succeeded, int Failed)> taken;
        lock (_gate)
        {
            taken = _counts;
            _counts = [];
        }
        if (taken.Count == 0)
        {
            return;
        }
        var rows = taken.ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: these counts are committed; a crash before this line loses only them.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO job_metrics (minute, type, tenant_id, succeeded, failed)
            SELECT * FROM unnest(@minutes::timestamptz[], @types::text[], @tenants::text[], @succeeded::int[], @failed::int[])
            ON CONFLICT (minute, type, tenant_id) DO UPDATE SET succeeded = job_metrics.succeeded + excluded.succeeded, failed = job_metrics.failed + excluded.failed
            """, new
        {
            minutes = rows.Select(r => r.Key.Minute).ToArray(),
            types = rows.Select(r => r.Key.Type).ToArray(),
            tenants = rows.Select(r => r.Key.Tenant).ToArray(),
            succeeded = rows.Select(r => r.Value.Succeeded).ToArray(),
            failed = rows.Select(r => r.Value.Failed).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    private void Add(string type, string tenantId, DateTimeOffset at, int succeeded, int failed)
    {
        var utc = at.UtcDateTime;
        var minute = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc);
        lock (_gate)
        {
            var (s, f) = _counts.GetValueOrDefault((minute, type, tenantId));
            _counts[(minute, type, tenantId)] = (s + succeeded, f + failed);
        }
    }

    /// <summary>Retention: drops the minutes before <paramref name="before"/>.</summary>
    public static Task<int> DeleteBeforeAsync(NpgsqlConnection connection, DateTimeOffset before, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("DELETE FROM job_metrics WHERE minute < @before",
            new { before = before.ToUniversalTime() }, cancellationToken: cancellationToken));
}
