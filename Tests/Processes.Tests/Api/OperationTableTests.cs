namespace Processes.Tests.Api;

/// <summary>
/// The README's table of Camunda 8.8 operations is written from the conformance suite's list (operations.mjs) by
/// table.mjs, never by hand: this fails when the README's table and the list differ.
/// </summary>
public sealed class OperationTableTests
{
    [Test]
    public async Task The_readme_operation_table_is_the_one_the_conformance_list_writes()
    {
        var folder = Path.GetDirectoryName(CamundaScenario.ModelsDirectory())!;
        var (exit, output) = await CamundaClientConformanceTests.RunAsync("node", "table.mjs", folder, TimeSpan.FromMinutes(1), new Dictionary<string, string>());
        exit.ShouldBe(0, output);
        output.ShouldContain("matches operations.mjs");
    }
}
