using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Processes.Benchmarks;

/// <summary>
/// Task completion over HTTP against the real host process (its own durable PostgreSQL): an agent claims and
/// completes user tasks at a fixed request rate; p50/p99 of the completion call, next to GET /health/live at
/// the same rate (the HTTP stack alone) measured in the same run.
/// </summary>
internal sealed class HttpTaskBenchmarks : IBenchmarkSuite
{
    private const int Rate = 25;           // completions per second, held fixed
    private const int Tasks = 250;         // 10 s at that rate
    private const string AdminPassword = "benchmark-admin-password";

    public string Name => "http";

    public string Description => $"user-task completion over HTTP at {Rate}/s: p50/p99; baseline GET /health/live at the same rate";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"processes-http-bench-{Guid.NewGuid():N}");
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        using var host = StartHost(root, url);
        try
        {
            using var anonymous = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
            await WaitReadyAsync(anonymous, cancellationToken);
            using var agent = await AgentAsync(url, cancellationToken);
            await DeployAsync(agent, cancellationToken);
            var taskKeys = new List<string>();
            for (var i = 0; i < Tasks; i++)
            {
                await PostAsync(agent, "/v2/process-instances", new { processDefinitionId = "bench-http", variables = new { n = i } }, cancellationToken);
            }
            for (var offset = 0; taskKeys.Count < Tasks && offset < Tasks * 2; offset += 200)
            {
                var page = await PostAsync(agent, "/v2/user-tasks/search", new { filter = new { processDefinitionId = "bench-http" }, page = new { from = offset, limit = 200 } }, cancellationToken);
                taskKeys.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("userTaskKey").GetString()!));
            }
            foreach (var key in taskKeys)
            {
                using var claim = await agent.PostAsJsonAsync($"/v2/user-tasks/{key}/assignment", new { assignee = "bench-agent" }, cancellationToken);
                claim.EnsureSuccessStatusCode();
            }

            var baseline = await AtFixedRateAsync(taskKeys.Count, _ => anonymous.GetAsync(new Uri("/health/live", UriKind.Relative), cancellationToken), cancellationToken);
            var completion = await AtFixedRateAsync(taskKeys.Count, i => agent.PostAsJsonAsync($"/v2/user-tasks/{taskKeys[i]}/completion", new { variables = new { done = true } }, cancellationToken), cancellationToken);

            await output.WriteLineAsync($"  baseline GET /health/live at {Rate}/s:          p50 {Measure.Percentile(baseline, 0.5),7:0.0} ms  p99 {Measure.Percentile(baseline, 0.99),7:0.0} ms");
            await output.WriteLineAsync($"  POST /v2/user-tasks/{{key}}/completion at {Rate}/s: p50 {Measure.Percentile(completion, 0.5),7:0.0} ms  p99 {Measure.Percentile(completion, 0.99),7:0.0} ms  ({taskKeys.Count} tasks, durable commits)");
            await output.WriteLineAsync($"  completion / baseline (p50): {Measure.Percentile(completion, 0.5) / Math.Max(0.001, Measure.Percentile(baseline, 0.5)),6:0.0}x");
        }
        finally
        {
            using var term = Process.Start("kill", ["-TERM", host.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await host.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(40), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Sends <paramref name="count"/> requests at <see cref="Rate"/> per second (open loop) and returns each latency in ms.</summary>
    private static async Task<List<double>> AtFixedRateAsync(int count, Func<int, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        var running = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / Rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }
            var index = i;
            running.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await send(index);
                response.EnsureSuccessStatusCode();
                latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }, cancellationToken));
        }
        await Task.WhenAll(running);
        return [.. latencies];
    }

    /// <param name="connectionString">An existing database (the profile's), or empty: the host's own embedded cluster in <paramref name="root"/>.</param>
    internal static Process StartHost(string root, Uri url, string connectionString = "")
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Processes.Host.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url.ToString());
        info.Environment["Postgres__DataDirectory"] = root;
        info.Environment["ConnectionStrings__Processes"] = connectionString;
        info.Environment["Processes__Admin__Password"] = AdminPassword;
        info.Environment["Processes__Definitions__DeployAtStartup"] = "false";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task WaitReadyAsync(HttpClient client, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 240; i++)
        {
            try
            {
                if ((await client.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new InvalidOperationException("The host did not become ready within 60 s.");
    }

    /// <summary>Signs in as the first admin, creates an agent+designer in a group, and returns a client with its API key.</summary>
    internal static async Task<HttpClient> AgentAsync(Uri url, CancellationToken cancellationToken)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var admin = new HttpClient(handler) { BaseAddress = url };
        var login = await PostAsync(admin, "/api/auth/login", new { userName = "admin", password = AdminPassword }, cancellationToken);
        admin.DefaultRequestHeaders.Add(login.GetProperty("antiforgeryHeader").GetString()!, login.GetProperty("antiforgeryToken").GetString());
        await PostAsync(admin, "/api/groups", new { name = "bench", displayName = "Benchmark" }, cancellationToken);
        var user = await PostAsync(admin, "/api/users", new { userName = "bench-agent", displayName = "Benchmark agent", roles = new[] { "agent", "designer" }, groups = new[] { "bench" } }, cancellationToken);
        var key = await PostAsync(admin, $"/api/users/{user.GetProperty("id").GetInt64()}/api-keys", new { name = "benchmark" }, cancellationToken);
        var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.GetProperty("secret").GetString());
        return client;
    }

    internal static async Task DeployAsync(HttpClient client, CancellationToken cancellationToken)
    {
        const string model = """
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
              <bpmn:process id="bench-http" isExecutable="true">
                <bpmn:startEvent id="s" />
                <bpmn:userTask id="work"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="bench" /></bpmn:extensionElements></bpmn:userTask>
                <bpmn:endEvent id="e" />
                <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" /><bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e" />
              </bpmn:process>
            </bpmn:definitions>
            """;
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(model));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "resources", "bench-http.bpmn");
        using var response = await client.PostAsync(new Uri("/v2/deployments", UriKind.Relative), content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    internal static async Task<JsonElement> PostAsync(HttpClient client, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync(path, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
