using System.Collections.Immutable;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Deployment;

/// <summary>One file of a deployment, as uploaded: its name decides how it is read (<c>.bpmn</c> is modelled).</summary>
public sealed record DeploymentResource(string Name, ReadOnlyMemory<byte> Content);

/// <summary>A problem in one resource of a deployment; <see cref="Problem"/> says where in the file.</summary>
public sealed record DeploymentProblem(string ResourceName, ModelProblem Problem)
{
    public override string ToString() => $"{ResourceName}: {Problem}";
}

/// <summary>A process of a deployment: a new version, or the existing one when the content was unchanged.</summary>
public sealed record DeployedProcess(
    string BpmnProcessId,
    int Version,
    long ProcessDefinitionKey,
    string ResourceName,
    bool IsDuplicate);

/// <summary>A decision of a deployment; like processes, unchanged content keeps the existing version.</summary>
public sealed record DeployedDecision(
    string DecisionId,
    string? Name,
    int Version,
    long DecisionDefinitionKey,
    string DecisionRequirementsId,
    long DecisionRequirementsKey,
    string ResourceName,
    bool IsDuplicate);

/// <summary>A DMN file of a deployment: its decision requirements graph (the definitions element).</summary>
public sealed record DeployedDecisionRequirements(
    string DecisionRequirementsId,
    string? Name,
    int Version,
    long DecisionRequirementsKey,
    string ResourceName,
    bool IsDuplicate);

/// <summary>The outcome of a deployment: either everything was deployed, or nothing was and the problems say why.</summary>
public abstract record DeploymentResult
{
    private DeploymentResult()
    {
    }

    public sealed record Deployed(long DeploymentKey, ImmutableArray<DeployedProcess> Processes, ImmutableArray<DeploymentProblem> Warnings)
        : DeploymentResult
    {
        /// <summary>The decisions of the deployment's DMN files (new versions, or the existing ones when unchanged).</summary>
        public ImmutableArray<DeployedDecision> Decisions { get; init; } = [];

        /// <summary>One per DMN file: the file's decision requirements graph.</summary>
        public ImmutableArray<DeployedDecisionRequirements> DecisionRequirements { get; init; } = [];

        /// <summary>The deployment's forms (new versions, or the existing ones when unchanged).</summary>
        public ImmutableArray<DeployedForm> Forms { get; init; } = [];

        /// <summary>The tenant everything of the deployment belongs to.</summary>
        public string TenantId { get; init; } = Visibility.TenantIds.Default;
    }

    public sealed record Rejected(ImmutableArray<DeploymentProblem> Problems) : DeploymentResult
    {
        public IEnumerable<DeploymentProblem> Errors => Problems.Where(p => p.Problem.IsError);

        /// <summary>
        /// One text for APIs that carry a single rejection reason (Camunda's deployment error detail): problems
        /// grouped by resource, one line each.
        /// </summary>
        public string Describe()
        {
            var text = new System.Text.StringBuilder("The deployment was rejected:");
            foreach (var resource in Problems.GroupBy(p => p.ResourceName))
            {
                text.Append('\n').Append(resource.Key.Length == 0 ? "(deployment)" : $"'{resource.Key}'").Append(':');
                foreach (var problem in resource)
                {
                    text.Append("\n  - ").Append(problem.Problem);
                }
            }
            return text.ToString();
        }
    }
}

/// <summary>A stored process definition version.</summary>
public sealed record ProcessDefinitionInfo(
    long ProcessDefinitionKey,
    string BpmnProcessId,
    int Version,
    string? Name,
    string? VersionTag,
    string ResourceName,
    long DeploymentKey,
    DateTimeOffset DeployedAt,
    string TenantId = Visibility.TenantIds.Default)
{
    /// <summary>
    /// Deleted (resource deletion): it starts nothing and is no latest version, while the instances that ran on it
    /// keep their history and model. Only lookups by key see such a version.
    /// </summary>
    public bool IsDeleted { get; init; }
}

/// <summary>A stored definition with the file it was deployed from, verbatim.</summary>
public sealed record ProcessDefinitionXml(ProcessDefinitionInfo Definition, byte[] Content)
{
    /// <summary>The content as text, honouring a byte-order mark (modelers write UTF-8, with or without one).</summary>
    public string Text()
    {
        using var reader = new StreamReader(new MemoryStream(Content), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
