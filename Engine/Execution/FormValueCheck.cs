using System.Text.Json.Nodes;

namespace Processes.Engine.Execution;

/// <summary>
/// What a form's fields accept beyond what the form itself says — the managed catalogues, which the activities own.
/// The host composes it into the engine (<see cref="EngineParts.FormValues"/>), and the engine asks it inside the
/// command of a task completion and of a start, so the values are checked against the task and the definition the
/// command itself read.
/// </summary>
public interface IFormValueCheck
{
    /// <summary>The submitted values that <paramref name="formSchema"/>'s fields do not accept, by field path; empty when all are accepted.</summary>
    Task<IReadOnlyDictionary<string, string[]>> CheckAsync(string tenantId, string formSchema, JsonObject variables, CancellationToken cancellationToken);
}
