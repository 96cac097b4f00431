using System.Security;

namespace Processes.Tests.Api;

/// <summary>The API tests' most common model as BPMN text: start, one user task, end.</summary>
internal static class TaskModels
{
    /// <summary>
    /// <paramref name="extensions"/> goes inside the task's extensionElements (a Camunda user task by default); null
    /// leaves them out (a job-worker user task). <paramref name="name"/> null leaves the task unnamed.
    /// </summary>
    public static string OneUserTask(string processId, string taskId, string? name = null, string? extensions = "<zeebe:userTask />")
    {
        var named = name is null ? "" : $" name=\"{SecurityElement.Escape(name)}\"";
        var task = extensions is null
            ? $"<bpmn:userTask id=\"{taskId}\"{named} />"
            : $"<bpmn:userTask id=\"{taskId}\"{named}><bpmn:extensionElements>{extensions}</bpmn:extensionElements></bpmn:userTask>";
        return $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
              <bpmn:process id="{processId}" isExecutable="true">
                <bpmn:startEvent id="start" />
                {task}
                <bpmn:endEvent id="end" />
                <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{taskId}" />
                <bpmn:sequenceFlow id="f2" sourceRef="{taskId}" targetRef="end" />
              </bpmn:process>
            </bpmn:definitions>
            """;
    }

    /// <summary>A user task a group may work: <c>candidateGroups</c> (a name or an expression) and any further extensions.</summary>
    public static string DeskTask(string processId, string taskId, string name, string candidateGroups, string more = "") =>
        OneUserTask(processId, taskId, name, $"<zeebe:userTask />{more}<zeebe:assignmentDefinition candidateGroups=\"{candidateGroups}\" />");
}
