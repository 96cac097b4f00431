using Processes.Host.Activities;
using Processes.Host.Audit;
using Processes.Host.Calendars;
using Processes.Host.Camunda;
using Processes.Host.DataProtection;
using Processes.Host.Documents;
using Processes.Host.Engine;
using Processes.Host.Hangfire;
using Processes.Host.Health;
using Processes.Host.Identity;
using Processes.Host.Inbox;
using Processes.Host.Input;
using Processes.Host.Instances;
using Processes.Host.Lifecycle;
using Processes.Host.Operations;
using Processes.Host.Pages;
using Processes.Host.Postgres;
using Processes.Host.Proxies;
using Processes.Host.Reports;
using Processes.Host.Security;
using Processes.Host.Settlement;
using Processes.Host.Tenants;
using Processes.Host.Telemetry;
using Processes.Host.Studio;
using Processes.Host.Surveys;
using Processes.Host.Webhooks;

var builder = WebApplication.CreateBuilder(args);
builder.AddProcessesDatabase();
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();
builder.Services.AddProcessesHealth();
builder.Services.AddProcessesAudit();
builder.AddProcessesForwardedHeaders();
builder.AddProcessesDataProtection();
builder.AddProcessesIdentity();
builder.AddProcessesEngine();
builder.AddProcessesHangfire();
builder.AddProcessesInputPolicy();
builder.Services.AddProcessesTenants();
builder.AddCamundaApi();
builder.AddProcessesDocuments();
builder.AddProcessesReports();
builder.AddProcessesTelemetry();

var app = builder.Build();
// Forwarded headers first: the header policy sends HSTS only when the request (as the proxy saw it) is https.
app.UseProcessesForwardedHeaders();
// Then, so that every answer below — errors, status-code pages, assets, 401/403 — carries the header policy.
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
// The designer's scripts and styles are public (the sign-in page needs them); its pages are endpoints with policies.
app.UseDesignerAssets();
app.UseProcessesIdentity();
// After authorization: the caller's tenants (and a page session's switcher choice) scope every engine command.
app.UseMiddleware<TenantSelection>();
// After authentication: nobody anonymous makes the host buffer a body.
app.UseProcessesInputPolicy();
app.MapHealthApi();
// The whole host described for client generators: /openapi/v1.json (public, like Camunda's own spec).
app.MapOpenApi().AllowAnonymous();
app.MapIdentityApi();
app.MapTenantsApi();
app.MapAuditApi();
app.MapCamundaApi();
app.MapDocumentsApi();
app.MapInboxApi();
app.MapTaskEventsApi();
app.MapInstancesApi();
app.MapCalendarsApi();
app.MapOperationsApi();
app.MapHangfireDashboard();
app.MapActivitiesApi();
app.MapLifecycleApi();
app.MapDesignerPages();
app.MapReportsApi();
app.MapSurveysApi();
app.MapSettlementApi();
app.MapMetricsEndpoint();
app.MapStudioApi();
app.MapWebhooksApi();
try
{
    app.Run();
}
catch (EmbeddedPostgresException e)
{
    // What an operator must change (binaries, data directory, a second host): one message, no stack trace.
    Console.Error.WriteLine($"Processes cannot start: {e.Message}");
    Environment.ExitCode = 1;
}

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
