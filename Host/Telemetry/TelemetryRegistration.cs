using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Processes.Engine.Telemetry;
using Processes.Host.Identity;

namespace Processes.Host.Telemetry;

/// <summary>
/// OpenTelemetry for operators: traces of HTTP requests, outgoing HTTP calls, the engine's commands and their SQL
/// (Npgsql's own activity source), and metrics of the same plus the engine's counters and gauges. Exported by OTLP
/// when the standard variables name a collector (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or the per-signal
/// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>/<c>_METRICS_ENDPOINT</c>; protocol, headers and <c>OTEL_SERVICE_NAME</c>
/// as the SDK reads them), and scraped in Prometheus text at <c>GET /metrics</c> by operators (and admins).
/// <c>Processes:Logging:Json=true</c> writes the log as JSON lines.
/// </summary>
internal static class TelemetryRegistration
{
    public const string MetricsPath = "/metrics";

    /// <summary>Npgsql's activity source and meter (what Npgsql.OpenTelemetry's AddNpgsql registers).</summary>
    private const string Npgsql = "Npgsql";

    public static WebApplicationBuilder AddProcessesTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        bool Configured(string name) => !string.IsNullOrWhiteSpace(configuration[name]);
        var traces = Configured("OTEL_EXPORTER_OTLP_ENDPOINT") || Configured("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var metrics = Configured("OTEL_EXPORTER_OTLP_ENDPOINT") || Configured("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? "processes"));
        if (traces)
        {
            // Only with a collector to send them to: a tracer without an exporter still records a span for every
            // request, command and SQL statement (with its text) and throws it away — measurable CPU per request.
            telemetry.WithTracing(tracing => tracing.AddSource(EngineTelemetry.Name, Npgsql)
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }
        telemetry.WithMetrics(meters =>
            {
                meters.AddMeter(EngineTelemetry.Name, Npgsql)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddPrometheusExporter();
                if (metrics)
                {
                    meters.AddOtlpExporter();
                }
            });
        builder.Services.AddHostedService<OperationsGaugeSampler>();
        if (configuration.GetValue<bool>("Processes:Logging:Json"))
        {
            builder.Logging.AddJsonConsole();
        }
        return builder;
    }

    /// <summary>The Prometheus scrape endpoint, for operators: metrics name job types and processes.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(Policies.Operator);
        return app;
    }
}
