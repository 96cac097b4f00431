using System.Collections.Immutable;
using System.Text;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>
/// Reads a BPMN 2.0 file (Camunda 8 flavour) into executable processes and reports every problem at once.
/// Invalid input of any kind is described in the result; an exception here means a bug.
/// </summary>
internal static class BpmnReader
{
    public static BpmnReadResult Read(string xml, BpmnReadOptions? options = null) =>
        Read(Encoding.UTF8.GetBytes(xml), options);

    public static BpmnReadResult Read(ReadOnlyMemory<byte> content, BpmnReadOptions? options = null)
    {
        options ??= BpmnReadOptions.Default;
        var problems = new List<ModelProblem>();
        var root = SafeXmlParser.Parse(content, options, problems);
        if (root is null)
        {
            if (problems.Count == 0)
            {
                problems.Add(new ModelProblem(ProblemSeverity.Error, "The file contains no XML element."));
            }
            return Finish([], problems);
        }
        if (!root.IsBpmn("definitions"))
        {
            problems.Add(new ModelProblem(ProblemSeverity.Error, DescribeWrongRoot(root), Line: root.Line, Column: root.Column));
            return Finish([], problems);
        }
        var context = new ReadContext(options, problems);
        context.IndexIds(root);
        IndexRootDefinitions(root, context);
        var processes = ImmutableArray.CreateBuilder<ExecutableProcess>();
        foreach (var source in ExecutableProcesses(root, context))
        {
            processes.Add(ProcessReader.Read(source, context));
        }
        ModelValidator.Validate(processes, context);
        context.CheckExpressions();
        return Finish(processes.ToImmutable(), problems);
    }

    private static BpmnReadResult Finish(ImmutableArray<ExecutableProcess> processes, List<ModelProblem> problems)
    {
        var ordered = problems
            .Select((p, index) => (p, index))
            .OrderBy(x => x.p.Line ?? 0)
            .ThenBy(x => x.index)
            .Select(x => x.p)
            .ToImmutableArray();
        var hasErrors = ordered.Any(p => p.IsError);
        return new BpmnReadResult(hasErrors ? [] : processes, ordered);
    }

    private static string DescribeWrongRoot(SourceElement root)
    {
        if (root.LocalName == "definitions")
        {
            var ns = root.Namespace.Length == 0 ? "no namespace" : $"the namespace '{root.Namespace}'";
            return $"The root element 'definitions' is in {ns}; a BPMN 2.0 file uses '{BpmnNamespaces.Model}'.";
        }
        return $"The root element is '{root.LocalName}'; a BPMN 2.0 file starts with 'definitions' in the namespace '{BpmnNamespaces.Model}'.";
    }

    private static void IndexRootDefinitions(SourceElement root, ReadContext context)
    {
        foreach (var child in root.Children.Where(c => c.Namespace == BpmnNamespaces.Model))
        {
            var target = child.LocalName switch
            {
                "message" => context.Messages,
                "error" => context.Errors,
                "escalation" => context.Escalations,
                "signal" => context.Signals,
                _ => null,
            };
            if (target is null)
            {
                continue;
            }
            if (string.IsNullOrWhiteSpace(child.Id))
            {
                context.Error(child, $"A {child.LocalName} definition has no id, so nothing can refer to it.");
                continue;
            }
            target.TryAdd(child.Id, child);
        }
    }

    /// <summary>
    /// The processes to deploy: every process marked executable, whether standalone or the process of a
    /// collaboration participant. Non-executable processes (e.g. pools drawn for documentation) are skipped.
    /// </summary>
    private static List<SourceElement> ExecutableProcesses(SourceElement root, ReadContext context)
    {
        var processes = root.BpmnChildren("process").ToList();
        var processIds = processes.Select(p => p.Id).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var participant in root.BpmnChildren("collaboration").SelectMany(c => c.BpmnChildren("participant")))
        {
            if (participant.NonBlank("processRef") is { } processRef && !processIds.Contains(processRef))
            {
                context.Error(participant, $"The participant's processRef '{processRef}' does not match any process in the file.");
            }
        }
        var executable = new List<SourceElement>();
        var reportedWithoutId = false;
        foreach (var process in processes)
        {
            if (!string.Equals(process.Attribute("isExecutable"), "true", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (string.IsNullOrWhiteSpace(process.Id))
            {
                context.Error(process, "The process has no id; the id is what instances are started by.");
                reportedWithoutId = true;
                continue;
            }
            executable.Add(process);
        }
        if (executable.Count == 0 && !reportedWithoutId)
        {
            context.FileError(processes.Count == 0
                ? "The file contains no process."
                : "The file contains no executable process: mark the process as executable (isExecutable=\"true\").");
        }
        return executable;
    }
}
