using System.Collections.Immutable;
using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>Reads tasks, call activities and subprocesses (without their children, which the scope reader adds).</summary>
internal static class ActivityReader
{
    public const string StandardLoopRefusal = "Standard loops (standardLoopCharacteristics) are not supported; use a multi-instance marker.";

    public const string CompensationRefusal = "Compensation activities (isForCompensation) are not supported.";

    public static ExecutableActivity Read(
        SourceElement source, ElementKind kind, ReadContext context, IReadOnlyDictionary<string, string> embeddedForms)
    {
        if (source.BpmnChild("standardLoopCharacteristics") is { } loop)
        {
            context.Error(source, StandardLoopRefusal, loop);
        }
        if (string.Equals(source.Attribute("isForCompensation"), "true", StringComparison.OrdinalIgnoreCase))
        {
            context.Error(source, CompensationRefusal);
        }
        var id = source.Id!;
        var name = source.Attribute("name");
        var job = kind is ElementKind.ServiceTask or ElementKind.SendTask or ElementKind.BusinessRuleTask or ElementKind.ScriptTask
            ? ZeebeExtensionReader.Job(source, context)
            : null;
        var userTask = kind == ElementKind.UserTask ? ZeebeExtensionReader.UserTask(source, context, embeddedForms) : null;
        var script = kind == ElementKind.ScriptTask ? ZeebeExtensionReader.Script(source, context) : null;
        var decision = kind == ElementKind.BusinessRuleTask ? ZeebeExtensionReader.CalledDecision(source, context) : null;
        var call = kind == ElementKind.CallActivity ? ZeebeExtensionReader.CalledElement(source, context) : null;
        var message = kind == ElementKind.ReceiveTask
            ? EventReader.Message(source, source.NonBlank("messageRef"), source, context)
            : null;
        var multiInstance = ZeebeExtensionReader.MultiInstance(source, context);
        var headers = kind == ElementKind.UserTask
            ? ZeebeExtensionReader.Headers(source, context)
            : ImmutableDictionary<string, string>.Empty;
        var ioMapping = ZeebeExtensionReader.IoMapping(source, context);
        var properties = ZeebeExtensionReader.Properties(source, context);
        var listeners = ZeebeExtensionReader.ExecutionListeners(source, context);
        if (kind == ElementKind.UserTask)
        {
            // The working-time schedule properties and the title are FEEL after '=': checked at deployment like every other expression.
            foreach (var property in new[] { Execution.Behaviors.UserTaskBehavior.DueInProperty, Execution.Behaviors.UserTaskBehavior.FollowUpInProperty,
                         Execution.Behaviors.UserTaskBehavior.TitleProperty })
            {
                if (properties.TryGetValue(property, out var raw))
                {
                    context.Value(raw, source, $"property '{property}'");
                }
            }
        }

        if (kind is ElementKind.SubProcess or ElementKind.EventSubProcess or ElementKind.AdHocSubProcess)
        {
            return new ExecutableSubProcess
            {
                Id = id, Name = name, Kind = kind, MultiInstance = multiInstance, IoMapping = ioMapping,
                Properties = properties, ExecutionListeners = listeners,
                AdHoc = kind == ElementKind.AdHocSubProcess ? ZeebeExtensionReader.AdHoc(source, context) : null,
            };
        }
        return new ExecutableActivity
        {
            Id = id, Name = name, Kind = kind, MultiInstance = multiInstance, IoMapping = ioMapping,
            Properties = properties, ExecutionListeners = listeners, Job = job, UserTask = userTask, Script = script,
            CalledDecision = decision, CallActivity = call, Message = message, TaskHeaders = headers,
        };
    }
}
