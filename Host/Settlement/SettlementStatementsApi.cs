using System.Security.Claims;
using System.Text;
using Processes.Activities.Settlement;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Settlement;

/// <summary>Finance's request to make the statements of a month now (the recurring duty does it on the 1st anyway).</summary>
public sealed record StatementRequest(string? Period);

/// <summary>
/// /api/settlement/statements: the monthly statements of the settlement pools — per network and month, every movement
/// listed, amounts decimal — as JSON and CSV. The recurring duty (Hangfire, <c>settlement-statements</c>, daily) states
/// the month before; finance may state an ended month now (<c>POST …/generate</c>), which is the same idempotent
/// generation: one statement per tenant, network and month, whatever the retries. Per tenant as the pools.
/// </summary>
internal static class SettlementStatementsApi
{
    public static IEndpointRouteBuilder MapSettlementStatementsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/settlement/statements").WithTags("Settlement").RequireAuthorization(Policies.Finance);
        app.MapGet("/api/settlement/statements", ListAsync).WithTags("Settlement").RequireAuthorization(Policies.Finance);
        group.MapPost("/generate", GenerateAsync);
        group.MapGet("/{network}/{period}", GetAsync);
        group.MapGet("/{network}/{period}/csv", CsvAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(string? network, string? period, string? tenantId, ClaimsPrincipal user, SettlementStatements statements,
        TenantRequests tenants, CancellationToken cancellationToken)
    {
        if (period is not null && SettlementStatements.MonthStart(period) is null)
        {
            return Problems.Invalid("period", $"'{period}' is not a month: yyyy-MM.");
        }
        var (tenant, problem) = await tenants.TargetAsync(user, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var found = await statements.ListAsync(tenant!, string.IsNullOrWhiteSpace(network) ? null : network, period, cancellationToken);
        return TypedResults.Ok(new { items = found.Select(s => SettlementStatements.Json(s, withMovements: false)) });
    }

    private static async Task<IResult> GetAsync(string network, string period, string? tenantId, ClaimsPrincipal user, SettlementStatements statements,
        TenantRequests tenants, CancellationToken cancellationToken)
    {
        var (statement, problem) = await FindAsync(network, period, tenantId, user, statements, tenants, cancellationToken);
        return problem ?? TypedResults.Ok(SettlementStatements.Json(statement!, withMovements: true));
    }

    private static async Task<IResult> CsvAsync(string network, string period, string? tenantId, ClaimsPrincipal user, SettlementStatements statements,
        TenantRequests tenants, CancellationToken cancellationToken)
    {
        var (statement, problem) = await FindAsync(network, period, tenantId, user, statements, tenants, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var name = $"statement-{new string([.. network.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')])}-{period}.csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(SettlementStatements.Csv(statement!)), "text/csv; charset=utf-8", name);
    }

    private static async Task<IResult> GenerateAsync(StatementRequest? request, string? tenantId, HttpContext http, SettlementStatements statements,
        IAuditLog audit, TenantRequests tenants, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var period = request?.Period ?? SettlementStatements.PreviousMonth(now);
        if (SettlementStatements.MonthStart(period) is not { } start)
        {
            return Problems.Invalid("period", $"'{period}' is not a month: yyyy-MM.");
        }
        if (start.AddMonths(1) > now.UtcDateTime)
        {
            return Problems.Invalid("period", $"The month {period} has not ended yet: a statement lists a whole month.");
        }
        var (tenant, problem) = await tenants.TargetAsync(http.User, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var run = await statements.GenerateAsync(tenant, period, AuditEntry.ActorOf(http.User), now,
            (transaction, r, ct) => audit.RecordAsync(AuditEntry.For(http, "settlement.statements_generated", "settlement_statement", period,
                new { r.Period, r.Generated, tenantId = tenant }), transaction, ct), cancellationToken);
        return TypedResults.Ok(new { run.Period, run.Generated, run.Existing });
    }

    private static async Task<(SettlementStatement? Statement, IResult? Problem)> FindAsync(string network, string period, string? tenantId, ClaimsPrincipal user,
        SettlementStatements statements, TenantRequests tenants, CancellationToken cancellationToken)
    {
        var (tenant, problem) = await tenants.TargetAsync(user, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        var statement = await statements.FindAsync(tenant!, network, period, cancellationToken);
        return statement is null ? (null, Problems.NotFound("statement", $"{network}/{period}")) : (statement, null);
    }
}
