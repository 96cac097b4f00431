using System.Text.Json.Nodes;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Catalogues;

/// <summary>
/// Job type <c>catalogue</c>: reads the latest version of the managed catalogue the model names (header
/// <c>catalogue</c>) in the job's tenant, so FEEL after it sees the current reference data without a redeployment.
/// Answers <c>catalogueEntries</c> (<c>[{value, label, parent?}]</c>, only those under <c>catalogueParent</c> when given),
/// <c>catalogueValues</c>, <c>catalogueVersion</c> and, with a <c>catalogueValue</c> to check, <c>catalogueValid</c>.
/// </summary>
internal sealed class CatalogueHandler(CatalogueStore store) : IJobHandler
{
    public string Type => "catalogue";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var name = JobInputs.Text(job, "catalogueName", "catalogue");
        if (string.IsNullOrWhiteSpace(name))
        {
            return JobOutcome.Fail($"{job.ElementId}: the catalogue activity needs the task header catalogue (the catalogue's name).", retryable: false);
        }
        var catalogue = await store.FindAsync(job.TenantId, name, null, cancellationToken);
        if (catalogue is null)
        {
            // An admin creates it on /admin/catalogues and retries the incident.
            return JobOutcome.Fail($"{job.ElementId}: there is no catalogue '{name}' in tenant '{job.TenantId}'.", retryable: false);
        }
        var parent = JobInputs.Text(job, "catalogueParent");
        var entries = catalogue.Parent is not null && parent is not null ? catalogue.Under(parent).ToList() : catalogue.Entries.ToList();
        var answer = new JsonObject
        {
            ["catalogueEntries"] = new JsonArray([.. entries.Select(e => (JsonNode)Entry(e))]),
            ["catalogueValues"] = new JsonArray([.. entries.Select(e => (JsonNode)JsonValue.Create(e.Value))]),
            ["catalogueVersion"] = catalogue.Version,
        };
        if (JobInputs.Text(job, "catalogueValue") is { } value)
        {
            answer["catalogueValid"] = entries.Any(e => e.Value == value);
        }
        return JobOutcome.Complete(answer);
    }

    private static JsonObject Entry(CatalogueEntry entry)
    {
        var node = new JsonObject { ["value"] = entry.Value, ["label"] = entry.Label };
        if (entry.Parent is not null)
        {
            node["parent"] = entry.Parent;
        }
        return node;
    }
}
