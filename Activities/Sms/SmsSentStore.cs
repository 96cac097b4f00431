using Dapper;
using Npgsql;
using Processes.Engine.Jobs;

namespace Processes.Activities.Sms;

/// <summary>
/// <c>sms_sent</c>, a table of the activities: one SMS per job. A re-run of the job (an expired lease) finds its
/// send here and does not send again.
/// </summary>
internal sealed class SmsSentStore(NpgsqlDataSource dataSource)
{
    /// <summary>What an earlier run of this job sent, if it got as far as recording it.</summary>
    public async Task<(string MessageId, string Status)?> FindAsync(long jobKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string MessageId, string Status)>(new CommandDefinition(
            "SELECT provider_message_id, status FROM sms_sent WHERE job_key = @jobKey", new { jobKey }, cancellationToken: cancellationToken));
        return rows.Select(r => ((string, string)?)r).FirstOrDefault();
    }

    public async Task RecordAsync(JobContext job, string messageId, string status, string recipient, string templateId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sms_sent (job_key, provider_message_id, status, recipient, template_id, process_instance_key)
            VALUES (@Key, @messageId, @status, @recipient, @templateId, @ProcessInstanceKey)
            ON CONFLICT (job_key) DO NOTHING
            """, new { job.Key, messageId, status, recipient, templateId, job.ProcessInstanceKey }, cancellationToken: cancellationToken));
    }
}
