using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Activities.Assignment;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Sms;

/// <summary>
/// Job type <c>sms</c>: renders a stored template and sends it through the configured <see cref="ISmsProvider"/>.
/// One message per job: the job key goes to the provider as the idempotency key, and <c>sms_sent</c> records
/// the send so a re-run of the job (an expired lease) completes with the recorded message instead of sending again.
/// The recipient is a phone number, or the user name of an agent whose profile has one: models name the assignee
/// to remind, and the number stays with the person's profile, not in process variables.
/// </summary>
internal sealed class SmsHandler(AgentStore agents, SmsTemplateStore templates, SmsDelivery delivery) : IJobHandler
{
    public string Type => "sms";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        if (await delivery.RecordedAsync(job.Key, cancellationToken) is { } earlier)
        {
            return Done(earlier.MessageId, earlier.Status);
        }
        var templateId = JobInputs.Text(job, "smsTemplateId", "templateId");
        if (string.IsNullOrWhiteSpace(templateId))
        {
            return JobOutcome.Fail("No SMS template: set the header 'templateId' or the variable 'smsTemplateId'.", retryable: false);
        }
        var named = JobInputs.Text(job, "recipient", "recipient");
        if (string.IsNullOrWhiteSpace(named))
        {
            return JobOutcome.Fail("No recipient: map a phone number or an agent's user name to the variable 'recipient'.", retryable: false);
        }
        var recipient = PhoneNumbers.IsPhoneNumber(named) ? named.Trim() : await agents.PhoneAsync(job.TenantId, named.Trim(), cancellationToken);
        if (recipient is null)
        {
            return JobOutcome.Fail($"The recipient '{named}' is neither a phone number nor an agent whose profile has a phone (PUT /api/agents/{named}).",
                retryable: false);
        }
        var template = await templates.FindAsync(job.TenantId, templateId, cancellationToken);
        if (template is null)
        {
            return JobOutcome.Fail($"SMS template '{templateId}' does not exist in tenant '{job.TenantId}'.", retryable: false);
        }
        var syntax = new List<string>();
        var (text, missing) = SmsText.Render(template.Text, Parameters(job), syntax);
        if (syntax.Count > 0)
        {
            return JobOutcome.Fail($"SMS template '{templateId}' is malformed: {string.Join("; ", syntax)}.", retryable: false);
        }
        if (text is null)
        {
            return JobOutcome.Fail(
                $"SMS template '{templateId}' needs the parameter(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}, which the job does not have " +
                "(put them in the variable 'smsParameters' or in variables of the same name).", retryable: false);
        }

        var delivered = await delivery.SendAsync(job, recipient, templateId, text, cancellationToken);
        return delivered.Failure ?? Done(delivered.MessageId!, delivered.Status!);
    }

    /// <summary>Values for the placeholders: the object <c>smsParameters</c> first, then variables of the same name.</summary>
    private static Dictionary<string, string> Parameters(JobContext job)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in job.Variables)
        {
            if (value is JsonValue scalar && name != "smsParameters")
            {
                values[name] = Show(scalar);
            }
        }
        if (job.Variables["smsParameters"] is JsonObject explicitValues)
        {
            foreach (var (name, value) in explicitValues)
            {
                if (value is JsonValue scalar)
                {
                    values[name] = Show(scalar);
                }
            }
        }
        return values;
    }

    private static string Show(JsonValue value) =>
        value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();

    private static JobOutcome Done(string messageId, string status) =>
        JobOutcome.Complete(new JsonObject { ["smsMessageId"] = messageId, ["smsStatus"] = status });
}
