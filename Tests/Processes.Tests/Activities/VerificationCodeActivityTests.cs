using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Processes.Activities.Sms;
using Processes.Engine.Jobs;

namespace Processes.Tests.Activities;

/// <summary>The <c>verification-code</c> activity: a code by SMS that only its hash records, checked against what the technician enters.</summary>
public sealed partial class VerificationCodeActivityTests : ActivityTest
{
    [GeneratedRegex(@"code is (?<code>\d{6})\.")]
    private static partial Regex CodeInText();

    [SetUp]
    public async Task SaveTemplate() =>
        (await new SmsTemplateStore(DataSource).SaveAsync(new SmsTemplate("VERIFY_TEST", "Order {serviceOrderId}: your code is {code}.", ["serviceOrderId", "code"]),
            CancellationToken.None)).Saved.ShouldBeTrue();

    [Test]
    public async Task The_code_goes_only_into_the_sms_the_hash_checks_the_entered_code_and_a_rerun_sends_the_same_code()
    {
        await using var gateway = await FakeServer.StartAsync();
        var settings = FastRetries("Sms");
        settings["Processes:Activities:Sms:Provider"] = "http";
        settings["Processes:Activities:Sms:Url"] = new Uri(gateway.BaseUrl, "sms").ToString();
        settings["Processes:Activities:Verification:Secret"] = "test-secret";
        var handler = Handler("verification-code", settings);
        var issue = Job("verification-code", """{"recipient": "+8613800000001", "smsParameters": {"serviceOrderId": "S-1"}}""",
            """{"action": "issue", "codeTemplateId": "VERIFY_TEST"}""");

        var issued = Completed(await handler.HandleAsync(issue, CancellationToken.None));
        var rerun = Completed(await handler.HandleAsync(issue, CancellationToken.None));

        var texts = gateway.Requests.Select(r => JsonNode.Parse(r.Body)!["text"]!.GetValue<string>()).ToList();
        texts.Count.ShouldBe(2);
        texts.Distinct().ShouldHaveSingleItem("a re-run of the job sends the same code under the same idempotency key");
        gateway.Requests.Select(r => r.Header("Idempotency-Key")).Distinct().ShouldBe([issue.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var code = CodeInText().Match(texts[0]).Groups["code"].Value;
        code.Length.ShouldBe(6);
        var hash = issued["verificationCodeHash"]!.GetValue<string>();
        rerun["verificationCodeHash"]!.GetValue<string>().ShouldBe(hash);
        issued.ToJsonString().ShouldNotContain(code, customMessage: "the variables carry the hash, never the code");
        hash.ShouldStartWith("v1:");

        var wrong = code == "000000" ? "000001" : "000000";
        Completed(await handler.HandleAsync(Check(hash, wrong), CancellationToken.None))["codeVerified"]!.GetValue<bool>().ShouldBeFalse();
        Completed(await handler.HandleAsync(Check(hash, "12ab"), CancellationToken.None))["codeVerified"]!.GetValue<bool>().ShouldBeFalse();
        Completed(await handler.HandleAsync(Check(hash, $" {code} "), CancellationToken.None))["codeVerified"]!.GetValue<bool>().ShouldBeTrue();

        // Another instance (the hash binds the instance key) does not accept this code.
        var other = Job("verification-code", new JsonObject { ["verificationCodeHash"] = hash, ["enteredCode"] = code }.ToJsonString(), """{"action": "check"}""")
            with { ProcessInstanceKey = 77 };
        Completed(await handler.HandleAsync(other, CancellationToken.None))["codeVerified"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Test]
    public async Task Bad_input_fails_with_the_element_id_and_what_is_missing()
    {
        var handler = Handler("verification-code", []);

        Failed(await handler.HandleAsync(Job("verification-code", "{}", """{"action": "shout"}"""), CancellationToken.None)).Message
            .ShouldContain("'action' = issue or check");
        var noRecipient = Failed(await handler.HandleAsync(Job("verification-code", "{}", """{"action": "issue"}"""), CancellationToken.None));
        noRecipient.Message.ShouldStartWith("task: no recipient");
        noRecipient.Retryable.ShouldBeFalse();
        Failed(await handler.HandleAsync(Job("verification-code", """{"recipient": "+86"}""", """{"action": "issue", "codeTemplateId": "NOPE"}"""),
            CancellationToken.None)).Message.ShouldContain("'NOPE' does not exist");
        Failed(await handler.HandleAsync(Job("verification-code", """{"recipient": "+86"}""", """{"action": "issue", "codeTemplateId": "VERIFY_TEST"}"""),
            CancellationToken.None)).Message.ShouldContain("'serviceOrderId'");
        Failed(await handler.HandleAsync(Job("verification-code", """{"enteredCode": "123456"}""", """{"action": "check"}"""), CancellationToken.None))
            .Message.ShouldContain("no verificationCodeHash");
    }

    private JobContext Check(string hash, string entered) =>
        Job("verification-code", new JsonObject { ["verificationCodeHash"] = hash, ["enteredCode"] = entered }.ToJsonString(), """{"action": "check"}""");
}
