using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Processes.Engine.Deployment;
using Processes.Engine.Queries;
using Processes.Host.Identity;
using Processes.Host.Security;

namespace Processes.Host.Camunda;

public sealed record ProcessDefinitionItem(
    string ProcessDefinitionKey, string ProcessDefinitionId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name, int Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? VersionTag, string ResourceName, string TenantId,
    bool HasStartForm = false);

/// <summary>A v2 search: the filter is read against the process definition read model's declared fields; an unknown one is a 400.</summary>
public sealed record ProcessDefinitionSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record BrokerInfo(int NodeId, string Host, int Port, string Version, IReadOnlyList<PartitionInfo> Partitions);

public sealed record PartitionInfo(int PartitionId, string Role, string Health);

/// <summary>Camunda's topology; <c>lastCompletedChangeId</c> is "-1": the cluster never changed its membership (there is none to change).</summary>
public sealed record TopologyResponse(IReadOnlyList<BrokerInfo> Brokers, int ClusterSize, int PartitionsCount, int ReplicationFactor, string GatewayVersion,
    string LastCompletedChangeId = "-1");

/// <summary>/v2/process-definitions (search, get, XML) and /v2/topology.</summary>
internal static class DefinitionsApi
{
    /// <summary>The Camunda API version the host speaks (clients check the gateway version for what they may call), not the product's own.</summary>
    private const string Version = "8.8.0";

    public static IEndpointRouteBuilder MapDefinitionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/process-definitions/search", SearchAsync).RequireAuthorization(Policies.Authenticated).WithTags("Process definitions");
        app.MapGet("/v2/process-definitions/{key}", GetAsync).RequireAuthorization(Policies.Authenticated).WithTags("Process definitions");
        app.MapGet("/v2/process-definitions/{key}/xml", XmlAsync).RequireAuthorization(Policies.Authenticated).WithTags("Process definitions");
        app.MapGet("/v2/topology", Topology).RequireAuthorization(Policies.Authenticated).WithTags("Cluster");
        return app;
    }

    /// <summary>One database is the cluster: each host answers as a broker of one partition.</summary>
    private static Ok<TopologyResponse> Topology(HttpContext http) => TypedResults.Ok(new TopologyResponse(
        [new BrokerInfo(0, http.Request.Host.Host, http.Request.Host.Port ?? 80, Version, [new PartitionInfo(1, "leader", "healthy")])],
        1, 1, 1, Version));

    private static async Task<Results<Ok<SearchResponse<ProcessDefinitionItem>>, ProblemHttpResult>> SearchAsync(ProcessDefinitionSearchRequest? request,
        ClaimsPrincipal user, DefinitionQueries definitions, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(DefinitionQueries.ProcessModel, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => definitions.ProcessesAsync(caller, query, cancellationToken), query, ReadItems.Item);
    }

    private static async Task<Results<Ok<ProcessDefinitionItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, DefinitionQueries definitions,
        CancellationToken cancellationToken)
    {
        var found = CamundaResults.TryKey(key, out var definitionKey) ? await definitions.FindProcessAsync(user.Caller(), definitionKey, cancellationToken) : null;
        return found is null ? CamundaResults.NotFound($"No process definition with key {key}.") : TypedResults.Ok(found.Item());
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> XmlAsync(
        string key, ProcessDefinitions definitions, HttpResponse response, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var definitionKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process definition key.");
        }
        var xml = await definitions.FindXmlAsync(definitionKey, cancellationToken);
        return xml is null || !user.Caller().InTenant(xml.Definition.TenantId)
            ? CamundaResults.NotFound($"No process definition with key {definitionKey}.")
            : ModelDocuments.Xml(response, xml.Text(), xml.Definition.ResourceName);
    }
}
