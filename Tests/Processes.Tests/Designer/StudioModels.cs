using static Processes.Tests.Designer.DrawnModels;

namespace Processes.Tests.Designer;

/// <summary>Models for the studio page tests.</summary>
internal static class StudioModels
{
    /// <summary>start → user task Review (group reviewers) → end.</summary>
    public static string UserTaskOnly(string processId) => Line(processId, "Form process",
        [Start(), UserTask("Review", "Review", "<zeebe:userTask /><zeebe:assignmentDefinition candidateGroups=\"reviewers\" />"), End()]);
}
