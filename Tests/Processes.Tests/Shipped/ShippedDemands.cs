using System.Net.Http.Json;
using System.Text.Json;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// A shipped customer demand started over the Camunda API, for the page tests that need a real case with its work
/// ticket: central dispatch with no agent profiles offers the ticket to the group <c>dispatch</c>.
/// </summary>
internal static class ShippedDemands
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Starts <c>demand-ticket</c> for <paramref name="demandId"/> and answers its process instance key.</summary>
    public static async Task<string> StartAsync(HttpClient admin, string demandId)
    {
        var started = await IdentityHost.PostAsync(admin, "/v2/process-instances", new
        {
            processDefinitionId = "demand-ticket",
            variables = new
            {
                demandId,
                entrance = "app",
                appeal = "delivery",
                customer = new { id = "C-" + demandId, phone = "+86 138 0000 0077", tier = "regular", city = "Hangzhou" },
                scenario = new { orderId = "O-" + demandId, domain = "logistics", defectType = "late-delivery" },
            },
        });
        return started.GetProperty("processInstanceKey").GetString()!;
    }

    /// <summary>
    /// The demand's open work ticket other than <paramref name="after"/>, as the case view lists it, once the engine
    /// has opened it (the ticket lives in a called instance, so it opens after the start returns).
    /// </summary>
    public static async Task<JsonElement> NextTicketAsync(HttpClient admin, string demand, string? after)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var tasks = (await admin.GetFromJsonAsync<JsonElement>($"/api/instances/{demand}")).GetProperty("tasks").EnumerateArray();
            var open = tasks.FirstOrDefault(t => t.GetProperty("elementId").GetString() == "WorkTicket" && t.GetProperty("state").GetString() == "CREATED"
                && t.GetProperty("userTaskKey").GetString() != after);
            if (open.ValueKind == JsonValueKind.Object)
            {
                return open.Clone();
            }
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"a work ticket opens in {demand}");
            await Task.Delay(200);
        }
    }
}
