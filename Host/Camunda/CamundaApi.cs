namespace Processes.Host.Camunda;

/// <summary>The Camunda 8 REST API v2 core that Camunda's SDKs and job workers use.</summary>
internal static class CamundaApi
{
    // One group without a prefix, so that a search naming a foreign tenant is refused by every search alike.
    public static IEndpointRouteBuilder MapCamundaApi(this IEndpointRouteBuilder app) => app.MapGroup("").AddEndpointFilter<Tenants.SearchTenantCheck>()
        .MapDefinitionsApi()
        .MapStartFormApi()
        .MapDeploymentsApi()
        .MapDecisionDefinitionsApi()
        .MapProcessInstancesApi()
        .MapProcessInstanceModificationApi()
        .MapMessagesApi()
        .MapJobsApi()
        .MapUserTasksApi()
        .MapIncidentsApi()
        .MapElementInstancesApi()
        .MapVariablesApi()
        .MapDecisionRequirementsApi()
        .MapDecisionInstancesApi()
        .MapProcessInstanceInsightsApi()
        .MapClusterApi()
        .MapUsageMetricsApi()
        .MapResourcesApi()
        .MapBatchOperationsApi();
}
