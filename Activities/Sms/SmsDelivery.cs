using System.Globalization;
using Dapper;
using Npgsql;
using Processes.Engine.Jobs;

namespace Processes.Activities.Sms;

/// <summary>A message handed to the provider, or why not: a failure the job ends with.</summary>
internal sealed record SmsDelivered(string? MessageId, string? Status, JobOutcome? Failure);

/// <summary>
/// One SMS per job, for every activity that sends one (<c>sms</c>, <c>verification-code</c>): the job key is the
/// provider's idempotency key, and <c>sms_sent</c> records the send so a re-run of the job (an expired lease)
/// finds it instead of sending again.
/// </summary>
internal sealed class SmsDelivery(NpgsqlDataSource dataSource, ISmsProvider provider)
{
    /// <summary>What an earlier run of this job sent, if it got as far as recording it.</summary>
    public async Task<(string MessageId, string Status)?> RecordedAsync(long jobKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string MessageId, string Status)>(new CommandDefinition(
            "SELECT provider_message_id, status FROM sms_sent WHERE job_key = @jobKey", new { jobKey }, cancellationToken: cancellationToken));
        return rows.Select(r => ((string, string)?)r).FirstOrDefault();
    }

    public async Task<SmsDelivered> SendAsync(JobContext job, string recipient, string templateId, string text, CancellationToken cancellationToken)
    {
        var sent = await provider.SendAsync(job.Key.ToString(CultureInfo.InvariantCulture), recipient, text, cancellationToken);
        switch (sent)
        {
            case SmsSendResult.Accepted accepted:
                // Durability point: from here a re-run finds the send and does not repeat it. A crash between the
                // provider call and this insert re-sends with the same idempotency key, which the provider drops.
                await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
                {
                    await connection.ExecuteAsync(new CommandDefinition("""
                        INSERT INTO sms_sent (job_key, provider_message_id, status, recipient, template_id, process_instance_key)
                        VALUES (@Key, @MessageId, @Status, @recipient, @templateId, @ProcessInstanceKey)
                        ON CONFLICT (job_key) DO NOTHING
                        """, new { job.Key, accepted.MessageId, accepted.Status, recipient, templateId, job.ProcessInstanceKey },
                        cancellationToken: cancellationToken));
                }
                return new SmsDelivered(accepted.MessageId, accepted.Status, null);
            case SmsSendResult.Transient transient:
                return new SmsDelivered(null, null, JobOutcome.Fail(transient.Message, retryable: true));
            case SmsSendResult.Rejected rejected:
                return new SmsDelivered(null, null, JobOutcome.Fail(rejected.Message, retryable: false));
            default:
                throw new InvalidOperationException($"Unknown SMS result {sent}.");
        }
    }
}
