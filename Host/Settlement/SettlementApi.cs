using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Processes.Activities.Settlement;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Settlement;

/// <summary>A network's request to withdraw from its settlement pool; <c>requestId</c> makes a retried request the same one.</summary>
public sealed record WithdrawalRequest(string? Network, JsonElement? Amount, string? RequestId);

/// <summary>Finance's decision on a withdrawal.</summary>
public sealed record WithdrawalReview(bool? Approved, string? Note);

/// <summary>
/// /api/settlement: the service networks' settlement pools (credited per order by the <c>settlement-credit</c>
/// activity), withdrawal requests against them and finance's review. A request above what the pool has available is
/// refused (409, naming the available amount) and reserves nothing; every request and review is one transaction with
/// its audit row. Amounts are decimals with at most two places. Pools are per tenant: every call acts in <c>?tenantId=</c>
/// (else the session's tenant, else the default one), checked like any tenantId; another tenant's withdrawal is a 404.
/// </summary>
internal static class SettlementApi
{
    public static IEndpointRouteBuilder MapSettlementApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/settlement").WithTags("Settlement");
        group.MapGet("/pools", PoolsAsync).RequireAuthorization(Policies.Finance);
        group.MapGet("/withdrawals", WithdrawalsAsync).RequireAuthorization(Policies.Finance);
        group.MapPost("/withdrawals", RequestAsync).RequireAuthorization(Policies.Finance);
        group.MapPost("/withdrawals/{id:long}/review", ReviewAsync).RequireAuthorization(Policies.Finance);
        app.MapSettlementStatementsApi();
        return app;
    }

    private static async Task<IResult> PoolsAsync(string? network, string? tenantId, ClaimsPrincipal user, SettlementPool pool, TenantRequests tenants,
        CancellationToken cancellationToken)
    {
        var (tenant, problem) = await tenants.TargetAsync(user, tenantId, "tenantId", cancellationToken);
        return problem ?? (IResult)TypedResults.Ok(new { items = await pool.BalancesAsync(tenant!, string.IsNullOrWhiteSpace(network) ? null : network, cancellationToken) });
    }

    private static async Task<IResult> WithdrawalsAsync(string? network, string? tenantId, ClaimsPrincipal user, SettlementPool pool, TenantRequests tenants,
        CancellationToken cancellationToken)
    {
        var (tenant, problem) = await tenants.TargetAsync(user, tenantId, "tenantId", cancellationToken);
        return problem ?? (IResult)TypedResults.Ok(new
        {
            items = (await pool.WithdrawalsAsync(tenant!, string.IsNullOrWhiteSpace(network) ? null : network, cancellationToken)).Select(Shape),
        });
    }

    private static async Task<IResult> RequestAsync(WithdrawalRequest? request, string? tenantId, HttpContext http, ClaimsPrincipal user, SettlementPool pool,
        IAuditLog audit, TenantRequests tenants, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.Network) || request.Network.Length > 100)
        {
            return Problems.Invalid("network", "network is required: the service network whose pool pays (at most 100 characters).");
        }
        if (request.Amount is not { ValueKind: JsonValueKind.Number } number || !number.TryGetDecimal(out var amount) || amount <= 0 || decimal.Round(amount, 2) != amount)
        {
            return Problems.Invalid("amount", "amount must be a positive number with at most two decimals.");
        }
        if (string.IsNullOrWhiteSpace(request.RequestId) || request.RequestId.Length > 100)
        {
            return Problems.Invalid("requestId", "requestId is required (at most 100 characters): the same id again is the same request.");
        }
        var (tenant, problem) = await tenants.TargetAsync(user, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var (withdrawal, refusal, available) = await pool.RequestWithdrawalAsync(tenant!, request.Network, amount, request.RequestId, AuditEntry.ActorOf(user),
            clock.GetUtcNow(), (transaction, w, ct) => audit.RecordAsync(AuditEntry.For(http, "settlement.withdrawal_requested", "settlement_withdrawal",
                w.Id.ToString(CultureInfo.InvariantCulture), new { w.Network, w.Amount, w.RequestId, tenantId = tenant }), transaction, ct), cancellationToken);
        return refusal == WithdrawalRefusal.AbovePool
            ? Problems.Conflict("amount", string.Create(CultureInfo.InvariantCulture,
                $"The pool of {request.Network} has {available:0.00} available; a withdrawal of {amount:0.00} is above it."))
            : TypedResults.Ok(Shape(withdrawal!));
    }

    private static async Task<IResult> ReviewAsync(long id, string? tenantId, WithdrawalReview? review, HttpContext http, ClaimsPrincipal user, SettlementPool pool,
        IAuditLog audit, TenantRequests tenants, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (review?.Approved is not { } approved)
        {
            return Problems.Invalid("approved", "approved is required: true pays the withdrawal, false returns it to the pool.");
        }
        var (tenant, problem) = await tenants.TargetAsync(user, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var (withdrawal, refusal) = await pool.ReviewAsync(tenant!, id, approved, review.Note, AuditEntry.ActorOf(user), clock.GetUtcNow(),
            (transaction, w, ct) => audit.RecordAsync(AuditEntry.For(http, approved ? "settlement.withdrawal_approved" : "settlement.withdrawal_rejected",
                "settlement_withdrawal", w.Id.ToString(CultureInfo.InvariantCulture), new { w.Network, w.Amount, review.Note }), transaction, ct), cancellationToken);
        return refusal switch
        {
            WithdrawalRefusal.NotFound => Problems.NotFound("withdrawal", id),
            WithdrawalRefusal.AlreadyReviewed => Problems.Conflict("approved", $"Withdrawal {id} was {withdrawal!.State} already."),
            _ => TypedResults.Ok(Shape(withdrawal!)),
        };
    }

    private static object Shape(Withdrawal w) => new
    {
        id = w.Id.ToString(CultureInfo.InvariantCulture),
        w.Network,
        w.Amount,
        w.RequestId,
        w.State,
        w.RequestedBy,
        requestedAt = w.RequestedAt.ToString("O", CultureInfo.InvariantCulture),
        reviewedBy = w.ReviewedBy,
        reviewNote = w.ReviewNote,
    };
}
