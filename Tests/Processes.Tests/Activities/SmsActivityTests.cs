using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Processes.Activities.Assignment;
using Processes.Activities.Sms;
using Processes.Engine.Jobs;
using Processes.Engine.Visibility;

namespace Processes.Tests.Activities;

public sealed class SmsActivityTests : ActivityTest
{
    private async Task SaveTemplateAsync(string id, string text, params string[] parameters)
    {
        var result = await new SmsTemplateStore(DataSource).SaveAsync(new SmsTemplate(id, text, parameters), CancellationToken.None);
        result.Saved.ShouldBeTrue(string.Join("; ", result.Problems));
    }

    private Dictionary<string, string?> HttpProvider(FakeServer gateway)
    {
        var settings = FastRetries("Sms");
        settings["Processes:Activities:Sms:Provider"] = "http";
        settings["Processes:Activities:Sms:Url"] = new Uri(gateway.BaseUrl, "messages").ToString();
        settings["Processes:Activities:Sms:AuthValue"] = "Bearer sms-secret";
        return settings;
    }

    [Test]
    public async Task Saving_a_template_reports_unknown_placeholders_unused_parameters_and_broken_braces_and_saves_nothing()
    {
        var store = new SmsTemplateStore(DataSource);

        var result = await store.SaveAsync(new SmsTemplate("bad", "Hello {name}, order {orderId} {oops", ["name", "refundAmount"]), CancellationToken.None);

        result.Saved.ShouldBeFalse();
        result.Problems.ShouldContain(p => p.Contains("'{' at", StringComparison.Ordinal));
        result.Problems.ShouldContain(p => p.Contains("unknown placeholder '{orderId}'", StringComparison.Ordinal));
        result.Problems.ShouldContain(p => p.Contains("parameter 'refundAmount' is declared", StringComparison.Ordinal));
        (await store.FindAsync(TenantIds.Default, "bad", CancellationToken.None)).ShouldBeNull();

        (await store.SaveAsync(new SmsTemplate("good", "Hi {name}, {{literal}} braces", ["name"]), CancellationToken.None)).Saved.ShouldBeTrue();
        (await store.FindAsync(TenantIds.Default, "good", CancellationToken.None))!.Parameters.ShouldBe(["name"]);
    }

    [Test]
    public async Task By_default_the_message_goes_to_the_outbox_once_however_often_the_job_runs()
    {
        await SaveTemplateAsync("outbox-hello", "Hello {name}, your case {caseId} is open.", "name", "caseId");
        var sms = Handler("sms", []);
        var job = Job("sms", """{"recipient": "+4917000001", "name": "Ada", "smsParameters": {"caseId": "C-7"}}""", """{"templateId": "outbox-hello"}""");

        var first = Completed(await sms.HandleAsync(job, CancellationToken.None));
        var again = Completed(await sms.HandleAsync(job, CancellationToken.None));

        first["smsStatus"]!.GetValue<string>().ShouldBe("QUEUED");
        again["smsMessageId"]!.GetValue<string>().ShouldBe(first["smsMessageId"]!.GetValue<string>());
        await using var connection = await DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Recipient, string Text)>(
            "SELECT recipient, text FROM sms_outbox WHERE idempotency_key = @key", new { key = job.Key.ToString(System.Globalization.CultureInfo.InvariantCulture) })).ToList();
        rows.ShouldBe([("+4917000001", "Hello Ada, your case C-7 is open.")]);
    }

    [Test]
    public async Task A_re_run_after_a_crash_never_sends_a_second_sms_at_the_gateway()
    {
        await SaveTemplateAsync("http-hello", "Hello {name}", "name");
        await using var gateway = await FakeServer.StartAsync();
        var provider = new IdempotentProvider((_, n) => new FakeAnswer(202, $$"""{"messageId": "m-{{n}}", "status": "ACCEPTED"}"""));
        gateway.Respond = provider.Respond;
        var sms = Handler("sms", HttpProvider(gateway));
        var job = Job("sms", """{"recipient": "+4917000002", "name": "Bo"}""", """{"templateId": "http-hello"}""");

        var first = Completed(await sms.HandleAsync(job, CancellationToken.None));
        // The lease expired before the completion reached the engine: the job runs again — the local record answers.
        var rerun = Completed(await sms.HandleAsync(job, CancellationToken.None));

        first["smsMessageId"]!.GetValue<string>().ShouldBe("m-1");
        first["smsStatus"]!.GetValue<string>().ShouldBe("ACCEPTED");
        rerun.ToJsonString().ShouldBe(first.ToJsonString());
        gateway.Requests.Count.ShouldBe(1);
        var request = gateway.Requests.Single();
        request.PathAndQuery.ShouldBe("/messages");
        request.Header("Idempotency-Key").ShouldBe(job.Key.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Header("Authorization").ShouldBe("Bearer sms-secret");
        var body = JsonNode.Parse(request.Body)!;
        body["to"]!.GetValue<string>().ShouldBe("+4917000002");
        body["text"]!.GetValue<string>().ShouldBe("Hello Bo");

        // A crash between the gateway call and the local record: the record is missing, the job runs again and calls
        // the gateway with the same key — the gateway recognises it, and there is still one message.
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("DELETE FROM sms_sent WHERE job_key = @Key", new { job.Key });
        }
        var afterCrash = Completed(await sms.HandleAsync(job, CancellationToken.None));

        afterCrash["smsMessageId"]!.GetValue<string>().ShouldBe("m-1");
        gateway.Requests.Select(r => r.Header("Idempotency-Key")).Distinct().Count().ShouldBe(1);
        provider.Effects.ShouldBe(1, "the gateway sent one SMS");
    }

    [Test]
    public async Task A_parameter_the_job_lacks_is_a_failure_naming_it_that_no_retry_can_fix()
    {
        await SaveTemplateAsync("needs-two", "Dear {name}, refund {amount}", "name", "amount");
        var sms = Handler("sms", []);
        var queued = await CountAsync("SELECT count(*) FROM sms_outbox");

        var failed = Failed(await sms.HandleAsync(Job("sms", """{"recipient": "+4917000003", "name": "Cy"}""", """{"templateId": "needs-two"}"""),
            CancellationToken.None));

        failed.Retryable.ShouldBeFalse();
        failed.Message.ShouldContain("'amount'");

        // A template written straight to the table, past the validation on save.
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("INSERT INTO sms_template (id, text, parameters) VALUES ('broken', 'Hi {name', '{name}')");
        }
        var malformed = Failed(await sms.HandleAsync(Job("sms", """{"recipient": "+4917000003", "name": "Cy"}""", """{"templateId": "broken"}"""),
            CancellationToken.None));
        malformed.Retryable.ShouldBeFalse();
        malformed.Message.ShouldContain("malformed");
        (await CountAsync("SELECT count(*) FROM sms_outbox")).ShouldBe(queued, "nothing was sent");
    }

    [Test]
    public async Task Transient_gateway_faults_are_retried_in_process_and_then_fail_retryably_while_a_refusal_does_not_retry()
    {
        await SaveTemplateAsync("flaky", "Ping {name}", "name");
        await using var gateway = await FakeServer.StartAsync();
        var calls = 0;
        gateway.Respond = _ => Interlocked.Increment(ref calls) < 3 ? new FakeAnswer(503, "busy") : new FakeAnswer(200, """{"id": "m-9"}""");
        var sms = Handler("sms", HttpProvider(gateway));

        var ok = Completed(await sms.HandleAsync(Job("sms", """{"recipient": "+4917000004", "name": "Di"}""", """{"templateId": "flaky"}"""), CancellationToken.None));
        ok["smsMessageId"]!.GetValue<string>().ShouldBe("m-9");
        gateway.Requests.Count.ShouldBe(3, "two 503s retried, the third attempt succeeded");

        gateway.Respond = _ => new FakeAnswer(503, "down");
        var down = Failed(await sms.HandleAsync(Job("sms", """{"recipient": "+4917000004", "name": "Di"}""", """{"templateId": "flaky"}"""), CancellationToken.None));
        down.Retryable.ShouldBeTrue();
        down.Message.ShouldContain("503");

        gateway.Respond = _ => new FakeAnswer(400, """{"error": "invalid number"}""");
        var refused = Failed(await sms.HandleAsync(Job("sms", """{"recipient": "+4917000099", "name": "Di"}""", """{"templateId": "flaky"}"""), CancellationToken.None));
        refused.Retryable.ShouldBeFalse();
        refused.Message.ShouldContain("invalid number");
    }

    [Test]
    public async Task An_agent_named_as_recipient_gets_the_sms_on_the_phone_of_their_profile_and_an_unknown_name_fails_clearly()
    {
        await SaveTemplateAsync("remind", "Ticket {demandId} is at 50 %", "demandId");
        var services = Services([]);
        await services.GetRequiredService<AgentStore>().SaveAsync(
            new AgentProfile("ann.li", ["logistics"], [], [], [], 5, true, "+86 138 0013 8000"), CancellationToken.None);
        var sms = services.GetServices<IJobHandler>().Single(h => h.Type == "sms");

        var sent = Completed(await sms.HandleAsync(Job("sms", """{"recipient": "Ann.Li", "smsParameters": {"demandId": "D-1"}}""", """{"templateId": "remind"}"""),
            CancellationToken.None));
        sent["smsStatus"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.QuerySingleAsync<string>("SELECT recipient FROM sms_outbox WHERE text = 'Ticket D-1 is at 50 %'")).ShouldBe("+86 138 0013 8000");

        var unknown = Failed(await sms.HandleAsync(Job("sms", """{"recipient": "nobody", "smsParameters": {"demandId": "D-2"}}""", """{"templateId": "remind"}"""),
            CancellationToken.None));
        unknown.Retryable.ShouldBeFalse();
        unknown.Message.ShouldBe("The recipient 'nobody' is neither a phone number nor an agent whose profile has a phone (PUT /api/agents/nobody).");
    }

    [Test]
    public void The_host_registration_picks_the_outbox_provider_unless_http_is_configured()
    {
        Services([]).GetRequiredService<ISmsProvider>().ShouldBeOfType<OutboxSmsProvider>();
        Services(new() { ["Processes:Activities:Sms:Provider"] = "http", ["Processes:Activities:Sms:Url"] = "http://127.0.0.1:1/" })
            .GetRequiredService<ISmsProvider>().ShouldBeOfType<HttpSmsProvider>();
    }
}
