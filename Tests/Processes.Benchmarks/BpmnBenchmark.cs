using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Processes.Engine.Bpmn.Reading;

namespace Processes.Benchmarks;

/// <summary>
/// Reading plus validating a generated model of about 1,000 elements (flow nodes and sequence flows, with diagram
/// interchange as the modeler writes it), next to XDocument.Parse of the same text as a baseline.
/// </summary>
internal sealed class BpmnBenchmark : IBenchmarkSuite
{
    public string Name => "bpmn";

    public string Description => "read + validate a generated 1,000-element BPMN model; baseline XDocument.Parse";

    public Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var (xml, elements) = GenerateModel(targetElements: 1_000);
        var bytes = Encoding.UTF8.GetBytes(xml);
        var check = BpmnReader.Read(bytes);
        if (check.HasErrors || check.Processes.Length != 1)
        {
            throw new InvalidOperationException("The generated model is invalid: " + string.Join("; ", check.Errors));
        }
        var modelled = check.Processes[0].Elements.Count;
        var duration = TimeSpan.FromSeconds(3);

        var readPerSecond = Measure.Throughput(() => BpmnReader.Read(bytes), duration, warmup: 20);
        cancellationToken.ThrowIfCancellationRequested();
        var parsePerSecond = Measure.Throughput(
            () => SafeXmlParser.Parse(bytes, BpmnReadOptions.Default, []), duration, warmup: 20);
        cancellationToken.ThrowIfCancellationRequested();
        var baselinePerSecond = Measure.Throughput(() => XDocument.Parse(xml), duration, warmup: 20);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  model: {bytes.Length / 1024.0:0} KB, {elements} BPMN elements generated, {modelled} in the executable model"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  read+validate:   {1000 / readPerSecond,8:0.000} ms/model  {readPerSecond * modelled,12:N0} elements/s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  of which hardened XML parse: {1000 / parsePerSecond,8:0.000} ms/model"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  XDocument.Parse: {1000 / baselinePerSecond,8:0.000} ms/model  (baseline; parse only, no model, no checks)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  ratio read+validate / XDocument.Parse: {baselinePerSecond / readPerSecond:0.00}x"));
        return Task.CompletedTask;
    }

    /// <summary>
    /// A chain of decision blocks: exclusive split → two service tasks with mappings → exclusive join, plus a
    /// timer boundary per block, and shapes/edges for every element as Camunda Modeler would save them.
    /// </summary>
    internal static (string Xml, int Elements) GenerateModel(int targetElements)
    {
        var process = new StringBuilder();
        var diagram = new StringBuilder();
        var elements = 0;
        var flowCount = 0;

        void Node(string xml, string id)
        {
            process.AppendLine(xml);
            diagram.AppendLine(CultureInfo.InvariantCulture,
                $"      <bpmndi:BPMNShape id=\"{id}_di\" bpmnElement=\"{id}\"><dc:Bounds x=\"{elements * 10}\" y=\"100\" width=\"100\" height=\"80\" /></bpmndi:BPMNShape>");
            elements++;
        }

        void Flow(string source, string target, string? condition = null)
        {
            var id = $"flow{flowCount++}";
            process.AppendLine(condition is null
                ? $"    <bpmn:sequenceFlow id=\"{id}\" sourceRef=\"{source}\" targetRef=\"{target}\" />"
                : $"    <bpmn:sequenceFlow id=\"{id}\" sourceRef=\"{source}\" targetRef=\"{target}\"><bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>");
            diagram.AppendLine(CultureInfo.InvariantCulture,
                $"      <bpmndi:BPMNEdge id=\"{id}_di\" bpmnElement=\"{id}\"><di:waypoint x=\"{elements}\" y=\"140\" /><di:waypoint x=\"{elements + 50}\" y=\"140\" /></bpmndi:BPMNEdge>");
            elements++;
        }

        Node("    <bpmn:startEvent id=\"start\" />", "start");
        var previous = "start";
        for (var block = 0; elements < targetElements - 2; block++)
        {
            var split = $"split{block}";
            var join = $"join{block}";
            Node($"    <bpmn:exclusiveGateway id=\"{split}\" default=\"flow{flowCount + 2}\" />", split);
            Flow(previous, split);
            var (a, b) = ($"taskA{block}", $"taskB{block}");
            Node(ServiceTask(a, "approve"), a);
            Node(ServiceTask(b, "review"), b);
            Flow(split, a, "=amount &gt; 1000");
            Flow(split, b);
            var timer = $"timeout{block}";
            Node($"    <bpmn:boundaryEvent id=\"{timer}\" attachedToRef=\"{a}\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>", timer);
            Node($"    <bpmn:exclusiveGateway id=\"{join}\" />", join);
            Flow(a, join);
            Flow(b, join);
            Flow(timer, join);
            previous = join;
        }
        Node("    <bpmn:endEvent id=\"end\" />", "end");
        Flow(previous, "end");

        var xml = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
              <bpmn:process id="generated" isExecutable="true">
            {process}  </bpmn:process>
              <bpmndi:BPMNDiagram id="diagram">
                <bpmndi:BPMNPlane id="plane" bpmnElement="generated">
            {diagram}    </bpmndi:BPMNPlane>
              </bpmndi:BPMNDiagram>
            </bpmn:definitions>
            """;
        return (xml, elements);
    }

    private static string ServiceTask(string id, string type) => $"""
            <bpmn:serviceTask id="{id}" name="Task {id}">
              <bpmn:extensionElements>
                <zeebe:taskDefinition type="{type}" retries="5" />
                <zeebe:ioMapping>
                  <zeebe:input source="=order.amount" target="amount" />
                  <zeebe:output source="=result" target="{id}Result" />
                </zeebe:ioMapping>
                <zeebe:taskHeaders><zeebe:header key="team" value="billing" /></zeebe:taskHeaders>
              </bpmn:extensionElements>
            </bpmn:serviceTask>
        """;
}
