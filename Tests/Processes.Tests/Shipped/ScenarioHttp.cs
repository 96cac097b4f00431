using System.Net.Http.Json;
using System.Text.Json;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>What every end-to-end scenario of the shipped models does over HTTP: read a case's trail, wait for something.</summary>
internal static class ScenarioHttp
{
    /// <summary>The instance's whole history, page by page; with <paramref name="includeCalled"/> that of the instances it called too.</summary>
    public static async Task<List<JsonElement>> HistoryAsync(HttpClient client, string instance, bool includeCalled = false)
    {
        var entries = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}/history?limit=200" + (includeCalled ? "&include=called" : "") +
                (cursor is null ? "" : $"&after={Uri.EscapeDataString(cursor)}"));
            entries.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return entries;
    }

    /// <summary>
    /// Waits until the closed demand waits for its survey answer (the survey SMS went out), then answers it as the SMS
    /// gateway relays the customer's reply; answers the response.
    /// </summary>
    public static async Task<JsonElement> AnswerSurveyAsync(HttpClient client, HttpClient admin, string instance, string demandId, object answer,
        LogCapture logs, TimeSpan patience)
    {
        await EventuallyAsync("the demand to wait for its survey answer", async () =>
        {
            var view = await admin.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}");
            return view.GetProperty("activeElements").EnumerateArray().Any(e => e.GetProperty("elementId").GetString() is "AwaitSurvey" or "SurveyAnswered")
                ? view : null;
        }, admin, instance, logs, patience);
        var response = await client.PostAsJsonAsync($"/api/demands/{Uri.EscapeDataString(demandId)}/survey-answer", answer);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>
    /// Polls until <paramref name="probe"/> finds something; past <paramref name="patience"/> fails with the instance's
    /// view (state, variables, incidents) and the host's logged errors, which say why it never came.
    /// </summary>
    public static async Task<JsonElement> EventuallyAsync(string what, Func<Task<JsonElement?>> probe, HttpClient admin, string? instance, LogCapture logs,
        TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            if (DateTime.UtcNow > deadline)
            {
                var view = instance is null ? "" : await admin.GetStringAsync(new Uri($"/api/instances/{instance}", UriKind.Relative));
                logs.WriteErrorsTo(TestContext.Out);
                throw new TimeoutException($"Waited {patience.TotalSeconds} s for {what}; the instance is {view}");
            }
            await Task.Delay(100);
        }
    }
}
