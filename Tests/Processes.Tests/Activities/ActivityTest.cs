using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Processes.Activities;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Tests.Jobs;

namespace Processes.Tests.Activities;

/// <summary>
/// Base of the activity tests: the handlers come from <see cref="ActivityRegistration.AddProcessesActivities"/>
/// exactly as the host registers them, configured per test, on the fixture's database.
/// </summary>
public abstract class ActivityTest : LoopTest
{
    private readonly List<ServiceProvider> _providers = [];
    private long _nextJobKey = 9_000_000;

    /// <summary>Fast retries so the transient-failure tests take milliseconds.</summary>
    private protected static Dictionary<string, string?> FastRetries(string section) => new()
    {
        [$"Processes:Activities:{section}:Retry:MaxRetries"] = "2",
        [$"Processes:Activities:{section}:Retry:Delay"] = "00:00:00.010",
        [$"Processes:Activities:{section}:Retry:Timeout"] = "00:00:02",
    };

    private protected IServiceProvider Services(Dictionary<string, string?> settings, ILoggerProvider? logs = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        }
        services.AddSingleton(DataSource);
        services.AddSingleton(_ => new ProcessEngine(DataSource, new ProcessDefinitions(DataSource), TimeProvider.System));
        services.AddSingleton<IProcessEngine>(sp => sp.GetRequiredService<ProcessEngine>());
        services.AddSingleton<Processes.Activities.Assignment.IUserDirectory>(new Processes.Host.Identity.UserDirectory(DataSource));
        configure?.Invoke(services);
        services.AddProcessesActivities(configuration);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    private protected IJobHandler Handler(string type, Dictionary<string, string?> settings, ILoggerProvider? logs = null) =>
        Services(settings, logs).GetServices<IJobHandler>().Single(h => h.Type == type);

    /// <summary>A job as the executor would hand it over; the same key twice is a re-run after an expired lease.</summary>
    private protected JobContext Job(string type, string variables, string headers = "{}", long? key = null) => new(
        key ?? Interlocked.Increment(ref _nextJobKey), type, 3, 1, 2, "task", "proc",
        JsonNode.Parse(headers)!.AsObject(), JsonNode.Parse(variables)!.AsObject(), DateTimeOffset.UtcNow.AddMinutes(5));

    [TearDown]
    public async Task DisposeProviders()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
        _providers.Clear();
    }

    private protected static JsonObject Completed(JobOutcome outcome) =>
        outcome.ShouldBeOfType<JobOutcome.Completed>(outcome.ToString()).Variables!;

    private protected static JobOutcome.Failed Failed(JobOutcome outcome) => outcome.ShouldBeOfType<JobOutcome.Failed>(outcome.ToString());

    private protected static JobOutcome.ErrorThrown Thrown(JobOutcome outcome) => outcome.ShouldBeOfType<JobOutcome.ErrorThrown>(outcome.ToString());
}
