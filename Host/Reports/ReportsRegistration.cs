using Npgsql;
using Processes.Engine.Reports;
using Processes.Engine.Telemetry;

namespace Processes.Host.Reports;

/// <summary>The engine's report read models and the operations gauges, as the host's services.</summary>
internal static class ReportsRegistration
{
    public static WebApplicationBuilder AddProcessesReports(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new ReportQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new ServiceResultQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new FulfilmentQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new HeatmapQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new OperationsGauges(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
