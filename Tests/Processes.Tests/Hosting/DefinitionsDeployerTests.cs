using System.Net;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Processes.Engine.Visibility;
using Processes.Tests.Storage;

namespace Processes.Tests.Hosting;

/// <summary>The models under Definitions/ are deployed when the host starts, once: an unchanged file keeps its version.</summary>
public sealed class DefinitionsDeployerTests : DatabaseTest
{
    [Test]
    public async Task Every_start_deploys_the_definitions_folder_and_unchanged_files_keep_their_version_and_calendars_are_created_once()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"processes-definitions-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(folder, "demands"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Api", "walk.bpmn"), Path.Combine(folder, "demands", "walk.bpmn"));
        await File.WriteAllTextAsync(Path.Combine(folder, "broken.bpmn"), "<not-bpmn/>");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Definitions", "cn-support.calendar.json"), Path.Combine(folder, "cn-support.calendar.json"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Definitions", "sla-targets.dmn"), Path.Combine(folder, "sla-targets.dmn"));
        try
        {
            for (var start = 0; start < 2; start++)
            {
                await using var host = NewHost(folder);
                using var client = host.CreateClient();
                (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK, "a broken shipped file is logged, not fatal");
            }

            await using var connection = await DataSource.OpenConnectionAsync();
            var versions = (await connection.QueryAsync<(int Version, string Resource)>(
                "SELECT version, resource_name FROM process_definition WHERE bpmn_process_id = 'walk'")).ToList();
            versions.ShouldHaveSingleItem().ShouldBe((1, "demands/walk.bpmn"));
            var decisions = (await connection.QueryAsync<(int Version, string Resource)>(
                "SELECT version, resource_name FROM decision_definition WHERE decision_id = 'sla-targets'")).ToList();
            decisions.ShouldHaveSingleItem().ShouldBe((1, "sla-targets.dmn"), "the shipped decision is deployed at start-up, once");
            var calendar = await new Processes.Engine.Calendars.CalendarStore(DataSource).GetAsync(TenantIds.Default, "cn-support", CancellationToken.None);
            calendar.ShouldNotBeNull("the shipped calendar is created at the first start");
            calendar.Version.ShouldBe(1, "a restart does not write it again");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private WebApplicationFactory<Program> NewHost(string definitions) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Processes", ConnectionString);
            builder.UseSetting("Processes:Definitions:Directory", definitions);
            builder.UseSetting("Processes:Admin:Password", "a long enough password");
            builder.UseEnvironment("Testing");
        });
}
