using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Processes.Activities.Shared;
using Processes.Activities.Sms;
using Processes.Engine.Jobs;

namespace Processes.Activities.Verification;

/// <summary>
/// Job type <c>verification-code</c>: a 6-digit code the customer gets by SMS and the technician enters to prove the
/// visit. Header <c>action</c>:
/// <list type="bullet">
/// <item><c>issue</c>: derives the code, sends it with the SMS template of the header <c>codeTemplateId</c> (default
/// <c>VERIFICATION_CODE</c>; the parameter <c>code</c> is added to <c>smsParameters</c>) to <c>recipient</c>, and
/// returns only <c>verificationCodeHash</c>. The code itself is never a process variable, so operators and the
/// technician cannot read it from the instance; it exists in the SMS (and in <c>sms_outbox</c> with the outbox
/// provider).</item>
/// <item><c>check</c>: compares <c>enteredCode</c> with <c>verificationCodeHash</c> (constant time) and returns
/// <c>codeVerified</c> (true/false; a malformed entry is simply wrong).</item>
/// </list>
/// The code is HMAC-SHA256(secret, job key) reduced to 6 digits, and the hash HMAC-SHA256(secret, instance key + code):
/// a re-run of the same job (an expired lease) sends the same code under the same idempotency key, so the customer
/// never holds a code that does not match. The secret is <c>Processes:Activities:Verification:Secret</c>; without one
/// each host process draws a random key (RandomNumberGenerator) at start-up — fine for one node, but codes issued
/// before a restart or on another node then fail the check, so clusters must configure the secret.
/// </summary>
internal sealed class VerificationCodeHandler(SmsTemplateStore templates, SmsDelivery delivery, IOptions<ActivitiesOptions> options) : IJobHandler
{
    public const string DefaultTemplate = "VERIFICATION_CODE";
    private const string HashPrefix = "v1:";

    private readonly byte[] _secret = Secret(options.Value.Verification.Secret);

    public string Type => "verification-code";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var action = (job.CustomHeaders["action"]?.ToString() ?? "").Trim().ToLowerInvariant();
        return action switch
        {
            "issue" => await IssueAsync(job, cancellationToken),
            "check" => Check(job),
            _ => JobOutcome.Fail($"{job.ElementId}: the verification-code activity needs the header 'action' = issue or check, not '{action}'.", retryable: false),
        };
    }

    private async Task<JobOutcome> IssueAsync(JobContext job, CancellationToken cancellationToken)
    {
        var recipient = JobInputs.Text(job, "recipient", "recipient");
        if (string.IsNullOrWhiteSpace(recipient))
        {
            return JobOutcome.Fail($"{job.ElementId}: no recipient: map the customer's phone number to the variable 'recipient'.", retryable: false);
        }
        var templateId = job.CustomHeaders["codeTemplateId"]?.ToString() is { Length: > 0 } header ? header : DefaultTemplate;
        var template = await templates.FindAsync(job.TenantId, templateId, cancellationToken);
        if (template is null)
        {
            return JobOutcome.Fail($"{job.ElementId}: SMS template '{templateId}' does not exist in tenant '{job.TenantId}'.", retryable: false);
        }
        var code = CodeFor(job.Key);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (job.Variables["smsParameters"] is JsonObject given)
        {
            foreach (var (name, value) in given)
            {
                if (value is JsonValue scalar)
                {
                    parameters[name] = scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : scalar.ToJsonString();
                }
            }
        }
        parameters["code"] = code;
        var syntax = new List<string>();
        var (text, missing) = SmsText.Render(template.Text, parameters, syntax);
        if (syntax.Count > 0 || text is null)
        {
            return JobOutcome.Fail($"{job.ElementId}: SMS template '{templateId}' cannot be rendered: " +
                string.Join("; ", syntax.Concat(missing.Select(m => $"parameter '{m}' missing from smsParameters"))) + ".", retryable: false);
        }
        if (!template.Parameters.Contains("code", StringComparer.Ordinal))
        {
            return JobOutcome.Fail($"{job.ElementId}: SMS template '{templateId}' has no '{{code}}' placeholder: the customer would never see the code.", retryable: false);
        }

        var delivered = await delivery.SendAsync(job, recipient, templateId, text, cancellationToken);
        return delivered.Failure ?? JobOutcome.Complete(new JsonObject
        {
            ["verificationCodeHash"] = Hash(job.ProcessInstanceKey, code),
            ["smsMessageId"] = delivered.MessageId,
            ["smsStatus"] = delivered.Status,
        });
    }

    private JobOutcome Check(JobContext job)
    {
        var expected = JobInputs.Text(job, "verificationCodeHash");
        if (string.IsNullOrWhiteSpace(expected) || !expected.StartsWith(HashPrefix, StringComparison.Ordinal))
        {
            return JobOutcome.Fail($"{job.ElementId}: no verificationCodeHash (from a verification-code task with action issue) to check against.", retryable: false);
        }
        var entered = (JobInputs.Text(job, "enteredCode") ?? "").Trim();
        var verified = entered.Length == 6 && entered.All(char.IsAsciiDigit)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(job.ProcessInstanceKey, entered)), Encoding.ASCII.GetBytes(expected));
        return JobOutcome.Complete(new JsonObject { ["codeVerified"] = verified });
    }

    internal string CodeFor(long jobKey)
    {
        var mac = HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes("code:" + jobKey.ToString(CultureInfo.InvariantCulture)));
        var number = BitConverter.ToUInt64(mac, 0) % 1_000_000UL;
        return number.ToString("D6", CultureInfo.InvariantCulture);
    }

    internal string Hash(long processInstanceKey, string code) =>
        HashPrefix + Convert.ToBase64String(HMACSHA256.HashData(_secret,
            Encoding.ASCII.GetBytes("hash:" + processInstanceKey.ToString(CultureInfo.InvariantCulture) + ":" + code)));

    private static byte[] Secret(string? configured) =>
        string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(configured);
}
