using Processes.Tests.Designer;
using static Processes.Tests.Designer.DrawnModels;

namespace Processes.Tests.Admin;

/// <summary>Two versions of one process, drawn (diagram information) so the versions page can show and compare them.</summary>
internal static class LifecycleModels
{
    /// <summary>Version 1: start → Work (job <c>{id}-work</c>) → Review (user task) → end.</summary>
    public static string Version1(string id) => Line(id, $"Demand {id}",
        [Start(), ServiceTask("Work", "Check the demand", $"{id}-work"), UserTask("Review", "Review"), End()]);

    /// <summary>Version 2: Work renamed, Review replaced by Notify (job <c>{id}-notify</c>), its flows with it.</summary>
    public static string Version2(string id) => Line(id, $"Demand {id}",
        [Start(), ServiceTask("Work", "Check the demand twice", $"{id}-work"), ServiceTask("Notify", "Notify the customer", $"{id}-notify"), End()],
        ["f1", "f4", "f5"]);
}
