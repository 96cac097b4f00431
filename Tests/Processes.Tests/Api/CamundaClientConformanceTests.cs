using System.Diagnostics;
using System.Text.RegularExpressions;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// Camunda's own npm client for 8.8 (@camunda8/orchestration-cluster-api 8.8.4, pinned in Tests/Processes.Conformance)
/// drives the host on a loopback port through every operation the host implements, with its request and response
/// schema validation strict: an answer the client's 8.8 schemas reject, or a call that fails, fails this test.
/// </summary>
public sealed partial class CamundaClientConformanceTests : DatabaseTest
{
    private readonly LogCapture _logs = new();

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [Test]
    public async Task Every_implemented_operation_conforms_to_camundas_8_8_client()
    {
        var folder = Path.GetDirectoryName(CamundaScenario.ModelsDirectory())!;
        await EnsurePackagesAsync(folder);
        await using var host = IdentityHost.Start(ConnectionString, logs: _logs, settings: new Dictionary<string, string> { ["Processes:Clock:Controllable"] = "true" });
        var address = host.ListenOnLoopback();
        var user = await host.CreateUserAsync(roles: [Roles.Admin]);

        var (exit, output) = await RunAsync("node", "conformance.mjs", folder, TimeSpan.FromMinutes(3), new Dictionary<string, string>
        {
            ["PROCESSES_URL"] = address.ToString().TrimEnd('/'),
            ["PROCESSES_USER"] = user.UserName,
            ["PROCESSES_KEY"] = user.ApiKey,
        });
        await TestContext.Out.WriteLineAsync(output);
        var summary = Summary().Match(output);
        summary.Success.ShouldBeTrue(output);
        var known = Known().Match(output);
        known.Success.ShouldBeTrue(output);
        // Every operation conforms: no answer is left where only Camunda 8.8's server, not its client schema, would accept it.
        int.Parse(known.Groups["known"].Value, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(0, output);
        int.Parse(summary.Groups["conform"].Value, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(int.Parse(summary.Groups["of"].Value, System.Globalization.CultureInfo.InvariantCulture), output);
        exit.ShouldBe(0, output);
    }

    /// <summary>The pinned client, installed as the designer's packages are: <c>npm ci</c> from the lock file (offline once cached).</summary>
    private static async Task EnsurePackagesAsync(string folder)
    {
        var installed = Path.Combine(folder, "node_modules", ".package-lock.json");
        if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(Path.Combine(folder, "package-lock.json")))
        {
            return;
        }
        var (exit, output) = await RunAsync("npm", "ci --no-audit --no-fund", folder, TimeSpan.FromMinutes(5), new Dictionary<string, string>());
        exit.ShouldBe(0, $"npm ci in {folder}: {output}");
    }

    internal static async Task<(int Exit, string Output)> RunAsync(string command, string arguments, string folder, TimeSpan timeout,
        IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(command, arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {arguments} ran longer than {timeout}: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^(?<conform>\d+) of (?<of>\d+) operations conform", RegexOptions.Multiline)]
    private static partial Regex Summary();

    [GeneratedRegex(@"^(?<known>\d+) answer as Camunda 8.8 does", RegexOptions.Multiline)]
    private static partial Regex Known();
}
