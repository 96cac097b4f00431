using System.Reflection;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Deployment;
using Processes.Host.Identity;
using Processes.Host.Security;

namespace Processes.Host.Camunda;

public sealed record ProcessDefinitionItem(string ProcessDefinitionKey, string ProcessDefinitionId, string? Name, int Version, string? VersionTag, string ResourceName, string TenantId);

public sealed record ProcessDefinitionFilter(string? ProcessDefinitionId, string? Name, int? Version, bool? IsLatestVersion);

public sealed record ProcessDefinitionSearchRequest(ProcessDefinitionFilter? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record BrokerInfo(int NodeId, string Host, int Port, string Version, IReadOnlyList<PartitionInfo> Partitions);

public sealed record PartitionInfo(int PartitionId, string Role, string Health);

public sealed record TopologyResponse(IReadOnlyList<BrokerInfo> Brokers, int ClusterSize, int PartitionsCount, int ReplicationFactor, string GatewayVersion);

/// <summary>/v2/process-definitions (search, XML) and /v2/topology.</summary>
internal static class DefinitionsApi
{
    private static readonly string Version = typeof(DefinitionsApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "8.8.0";

    public static IEndpointRouteBuilder MapDefinitionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/process-definitions/search", SearchAsync).RequireAuthorization(Policies.Authenticated).WithTags("Process definitions");
        app.MapGet("/v2/process-definitions/{key}/xml", XmlAsync).RequireAuthorization(Policies.Authenticated).WithTags("Process definitions");
        app.MapGet("/v2/topology", Topology).RequireAuthorization(Policies.Authenticated).WithTags("Cluster");
        return app;
    }

    /// <summary>One database is the cluster: each host answers as a broker of one partition.</summary>
    private static Ok<TopologyResponse> Topology(HttpContext http) => TypedResults.Ok(new TopologyResponse(
        [new BrokerInfo(0, http.Request.Host.Host, http.Request.Host.Port ?? 80, Version, [new PartitionInfo(1, "leader", "healthy")])],
        1, 1, 1, Version));

    private static async Task<Ok<SearchResponse<ProcessDefinitionItem>>> SearchAsync(ProcessDefinitionSearchRequest? request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var filter = request?.Filter;
        var where = new SqlFilter()
            .When(filter?.ProcessDefinitionId, "d.bpmn_process_id = @id", "id")
            .When(filter?.Name, "d.name = @name", "name")
            .When(filter?.Version, "d.version = @version", "version");
        if (filter?.IsLatestVersion == true)
        {
            where.Always("d.version = (SELECT max(l.version) FROM process_definition l WHERE l.bpmn_process_id = d.bpmn_process_id)");
        }
        var (clause, parameters) = (where.Where, where.Parameters);
        var (offset, limit) = SearchPaging.Read(request?.Page);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM process_definition d {clause}", parameters, cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<(long Key, string Id, string? Name, int Version, string? VersionTag, string ResourceName)>(new CommandDefinition($"""
            SELECT d.process_definition_key, d.bpmn_process_id, d.name, d.version, d.version_tag, d.resource_name
            FROM process_definition d {clause} ORDER BY d.bpmn_process_id, d.version OFFSET {offset} LIMIT {limit}
            """, parameters, cancellationToken: cancellationToken));
        var items = rows.Select(r => new ProcessDefinitionItem(CamundaResults.Key(r.Key), r.Id, r.Name, r.Version, r.VersionTag, r.ResourceName, CamundaResults.DefaultTenant)).ToList();
        return TypedResults.Ok(SearchPaging.Respond(items, total, offset));
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> XmlAsync(
        string key, ProcessDefinitions definitions, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var definitionKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process definition key.");
        }
        var xml = await definitions.FindXmlAsync(definitionKey, cancellationToken);
        return xml is null
            ? CamundaResults.NotFound($"No process definition with key {definitionKey}.")
            : ModelDocuments.Xml(response, xml.Text(), xml.Definition.ResourceName);
    }
}
