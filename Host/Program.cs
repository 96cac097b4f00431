using Processes.Host.Health;
using Processes.Host.Postgres;

var builder = WebApplication.CreateBuilder(args);
builder.AddProcessesDatabase();
builder.Services.AddProblemDetails();
builder.Services.AddProcessesHealth();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapHealthApi();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
