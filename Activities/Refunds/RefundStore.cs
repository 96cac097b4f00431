using Dapper;
using Npgsql;
using Processes.Engine.Jobs;

namespace Processes.Activities.Refunds;

/// <summary><c>refund_sent</c>, a table of the activities: one refund per job, found again by a re-run.</summary>
internal sealed class RefundStore(NpgsqlDataSource dataSource)
{
    public async Task<(string RefundId, string Status)?> FindAsync(long jobKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string RefundId, string Status)>(new CommandDefinition(
            "SELECT refund_id, status FROM refund_sent WHERE job_key = @jobKey", new { jobKey }, cancellationToken: cancellationToken));
        return rows.Select(r => ((string, string)?)r).FirstOrDefault();
    }

    public async Task RecordAsync(JobContext job, string refundId, string status, string orderId, decimal amount, string currency,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO refund_sent (job_key, refund_id, status, order_id, amount, currency, process_instance_key)
            VALUES (@Key, @refundId, @status, @orderId, @amount, @currency, @ProcessInstanceKey)
            ON CONFLICT (job_key) DO NOTHING
            """, new { job.Key, refundId, status, orderId, amount, currency, job.ProcessInstanceKey }, cancellationToken: cancellationToken));
    }
}
