using System.Text;
using System.Xml.Linq;
using Dapper;
using Processes.Tests.Bpmn;

namespace Processes.Tests.Execution;

/// <summary>
/// The shared real-world models (../shared/bpmn-samples) deploy and run to their end with stub handlers: every
/// job is completed (with variables that steer the models' expressions), user tasks are completed, awaited
/// messages are published and timers fired, until the instance completes.
/// </summary>
public sealed class SampleRunTests : EngineTest
{
    private static readonly XNamespace Bpmn = "http://www.omg.org/spec/BPMN/20100524/MODEL";

    /// <summary>Variables the samples' expressions read: job types given by expression, connector inputs, mail text.</summary>
    private static readonly string StartVariables = """
        {"validateDataType": "validate-data", "saveDataType": "save-data", "location": "Berlin", "email": "ops@example.com"}
        """;

    /// <summary>What every stub worker answers with: enough for the expressions after it (the weather connector's result).</summary>
    private static readonly string WorkerResult = """
        {"weatherInfo": {"body": {"weather": [{"main": "Sunny"}]}}, "activity": "hiking", "done": true}
        """;

    [TestCaseSource(typeof(BpmnSampleTests), nameof(BpmnSampleTests.SampleNames))]
    public async Task Sample_deploys_and_runs_to_its_end(string name)
    {
        var bytes = BpmnSamples.Read(name);
        if (bytes is null)
        {
            BpmnSamples.Missing();
        }
        var xml = Encoding.UTF8.GetString(bytes);
        await DeployAsync(xml, name);

        var document = XDocument.Parse(xml);
        foreach (var process in document.Root!.Elements(Bpmn + "process").Where(p => (string?)p.Attribute("isExecutable") != "false"))
        {
            var processId = (string)process.Attribute("id")!;
            var key = await StartSampleAsync(document, process, processId);
            await RunToEndAsync(key, $"{name} / {processId}");
        }
    }

    private async Task<long> StartSampleAsync(XDocument document, XElement process, string processId)
    {
        var starts = process.Elements(Bpmn + "startEvent").ToList();
        if (starts.Any(s => !s.Elements().Any(e => e.Name.LocalName.EndsWith("EventDefinition", StringComparison.Ordinal))))
        {
            return await StartAsync(processId, Vars(StartVariables));
        }
        var messageRef = starts.SelectMany(s => s.Elements(Bpmn + "messageEventDefinition")).Select(d => (string?)d.Attribute("messageRef")).First(r => r is not null);
        var messageName = (string)document.Root!.Elements(Bpmn + "message").Single(m => (string?)m.Attribute("id") == messageRef).Attribute("name")!;
        var published = await PublishAsync(messageName, "", Vars(StartVariables));
        published.Ok.ShouldBeTrue(published.Message);
        return published.Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
    }

    private async Task RunToEndAsync(long key, string what)
    {
        for (var round = 0; round < 30 && await StateAsync(key) == "ACTIVE"; round++)
        {
            (await IncidentsAsync(key)).ShouldBeEmpty($"{what}: {string.Join("; ", (await IncidentsAsync(key)).Select(i => i.Message))}");
            await using var connection = await DataSource.OpenConnectionAsync();
            var types = (await connection.QueryAsync<string>(
                "SELECT DISTINCT type FROM job WHERE process_instance_key = @key AND state = 'ACTIVATABLE'", new { key })).ToList();
            foreach (var type in types)
            {
                await CompleteJobsAsync(type, Vars(WorkerResult));
            }
            foreach (var task in await OpenTasksAsync(key))
            {
                (await Engine.CompleteUserTaskAsync(task.Key, Vars("""{"confirmed": true}"""), task.Version, null, CancellationToken.None)).Ok.ShouldBeTrue();
            }
            var subscriptions = await connection.QueryAsync<(string Name, string CorrelationKey)>(
                "SELECT message_name, correlation_key FROM message_subscription WHERE process_instance_key = @key", new { key });
            foreach (var (messageName, correlationKey) in subscriptions)
            {
                await PublishAsync(messageName, correlationKey);
            }
            if ((await TimersAsync(key)).Count > 0)
            {
                Clock.Advance(TimeSpan.FromDays(1));
                await FireTimersAsync(key);
            }
        }
        (await IncidentsAsync(key)).ShouldBeEmpty(what);
        (await StateAsync(key)).ShouldBe("COMPLETED", $"{what}: still active at {string.Join(", ", await ActiveElementsAsync(key))}");
    }
}
