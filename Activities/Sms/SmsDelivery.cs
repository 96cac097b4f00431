using System.Globalization;
using Processes.Engine.Jobs;

namespace Processes.Activities.Sms;

/// <summary>A message handed to the provider, or why not: a failure the job ends with.</summary>
internal sealed record SmsDelivered(string? MessageId, string? Status, JobOutcome? Failure);

/// <summary>
/// One SMS per job, for every activity that sends one (<c>sms</c>, <c>verification-code</c>): the job key is the
/// provider's idempotency key, and <c>sms_sent</c> records the send so a re-run of the job (an expired lease)
/// finds it instead of sending again.
/// </summary>
internal sealed class SmsDelivery(SmsSentStore records, ISmsProvider provider)
{
    /// <summary>What an earlier run of this job sent, if it got as far as recording it.</summary>
    public Task<(string MessageId, string Status)?> RecordedAsync(long jobKey, CancellationToken cancellationToken)
        => records.FindAsync(jobKey, cancellationToken);

    public async Task<SmsDelivered> SendAsync(JobContext job, string recipient, string templateId, string text, CancellationToken cancellationToken)
    {
        var sent = await provider.SendAsync(job.Key.ToString(CultureInfo.InvariantCulture), recipient, text, cancellationToken);
        switch (sent)
        {
            case SmsSendResult.Accepted accepted:
                // Durability point: from here a re-run finds the send and does not repeat it. A crash between the
                // provider call and this insert re-sends with the same idempotency key, which the provider drops.
                await records.RecordAsync(job, accepted.MessageId, accepted.Status, recipient, templateId, cancellationToken);
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
