using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Processes.Host.Postgres;

namespace Processes.Host.Health;

/// <summary>/health/live: the process answers. /health/ready: the database is reachable and migrated.</summary>
internal static class HealthApi
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddProcessesHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).AllowAnonymous();
        return app;
    }

    private sealed class DatabaseReadyCheck(ProcessesDatabase database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var started = database.Start;
            if (started is null || !started.IsCompleted)
            {
                return HealthCheckResult.Unhealthy("The database is starting.");
            }
            if (!started.IsCompletedSuccessfully)
            {
                return HealthCheckResult.Unhealthy("The database could not be started or migrated.", started.Exception);
            }
            try
            {
                var version = await database.AppliedSchemaVersionAsync(cancellationToken);
                return version >= database.SchemaVersion
                    ? HealthCheckResult.Healthy($"Schema version {version}.")
                    : HealthCheckResult.Unhealthy($"Schema version {version}, this build needs {database.SchemaVersion}.");
            }
            catch (Exception e) when (ProcessesDatabase.IsUnreachable(e))
            {
                return HealthCheckResult.Unhealthy("The database is unreachable.", e);
            }
        }
    }
}
