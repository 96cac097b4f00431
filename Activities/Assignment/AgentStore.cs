using Dapper;
using Npgsql;

namespace Processes.Activities.Assignment;

/// <summary>
/// Who an agent is for central dispatch: what they can do, where, in which languages, for which tiers, how much at
/// once, on which channels (none: all) — and the mobile number SMS to the agent go to.
/// </summary>
public sealed record AgentProfile(
    string UserName,
    IReadOnlyList<string> Skills,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> Languages,
    IReadOnlyList<string> Tiers,
    int Capacity,
    bool OnDuty,
    string? Phone = null,
    IReadOnlyList<string>? Channels = null)
{
    /// <summary>The tenant the profile works in: dispatch in a tenant considers only its profiles.</summary>
    public string TenantId { get; init; } = Processes.Engine.Visibility.TenantIds.Default;
}

/// <summary>Agent profiles in <c>agent_profile</c>, a table of the activities; one per user and tenant.</summary>
public sealed class AgentStore(NpgsqlDataSource dataSource)
{
    public async Task SaveAsync(AgentProfile agent, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agent.UserName);
        ArgumentOutOfRangeException.ThrowIfNegative(agent.Capacity);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: the profile is replaced whole; the next dispatch decision sees it.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO agent_profile (tenant_id, user_name, skills, regions, languages, tiers, capacity, on_duty, phone, channels, updated_at)
            VALUES (@TenantId, @UserName, @Skills, @Regions, @Languages, @Tiers, @Capacity, @OnDuty, @Phone, @Channels, now())
            ON CONFLICT (tenant_id, user_name) DO UPDATE SET skills = excluded.skills, regions = excluded.regions, languages = excluded.languages,
                tiers = excluded.tiers, capacity = excluded.capacity, on_duty = excluded.on_duty, phone = excluded.phone,
                channels = excluded.channels, updated_at = now()
            """, new
        {
            agent.TenantId,
            agent.UserName,
            Skills = agent.Skills.ToArray(),
            Regions = agent.Regions.ToArray(),
            Languages = agent.Languages.ToArray(),
            Tiers = agent.Tiers.ToArray(),
            agent.Capacity,
            agent.OnDuty,
            agent.Phone,
            Channels = (agent.Channels ?? []).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AgentProfile>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string UserName, string[] Skills, string[] Regions, string[] Languages, string[] Tiers, int Capacity, bool OnDuty, string? Phone, string[] Channels)>(
            new CommandDefinition("""
                SELECT user_name, skills, regions, languages, tiers, capacity, on_duty, phone, channels FROM agent_profile
                WHERE tenant_id = @tenantId ORDER BY user_name
                """, new { tenantId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AgentProfile(r.UserName, r.Skills, r.Regions, r.Languages, r.Tiers, r.Capacity, r.OnDuty, r.Phone, r.Channels)
        {
            TenantId = tenantId,
        })];
    }

    public async Task<bool> DeleteAsync(string tenantId, string userName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM agent_profile WHERE tenant_id = @tenantId AND user_name = @userName", new { tenantId, userName },
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The mobile number in an agent's profile in <paramref name="tenantId"/> (user name matched case-insensitively), or null.</summary>
    public async Task<string?> PhoneAsync(string tenantId, string userName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT phone FROM agent_profile WHERE tenant_id = @tenantId AND lower(user_name) = lower(@userName) AND phone IS NOT NULL", new { tenantId, userName },
            cancellationToken: cancellationToken));
    }
}
