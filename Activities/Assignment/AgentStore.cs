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

    /// <summary>The agent's position (<see cref="AgentPosition"/>: duties, served tiers, refund limit), if any.</summary>
    public string? Position { get; init; }

    /// <summary>The staff grade (e.g. junior, senior, lead): dispatch can require it.</summary>
    public string? Grade { get; init; }

    /// <summary>Outsourced staff: dispatch can require or exclude them.</summary>
    public bool Outsourced { get; init; }
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
            INSERT INTO agent_profile (tenant_id, user_name, skills, regions, languages, tiers, capacity, on_duty, phone, channels, position, grade, outsourced, updated_at)
            VALUES (@TenantId, @UserName, @Skills, @Regions, @Languages, @Tiers, @Capacity, @OnDuty, @Phone, @Channels, @Position, @Grade, @Outsourced, now())
            ON CONFLICT (tenant_id, user_name) DO UPDATE SET skills = excluded.skills, regions = excluded.regions, languages = excluded.languages,
                tiers = excluded.tiers, capacity = excluded.capacity, on_duty = excluded.on_duty, phone = excluded.phone,
                channels = excluded.channels, position = excluded.position, grade = excluded.grade, outsourced = excluded.outsourced, updated_at = now()
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
            agent.Position,
            agent.Grade,
            agent.Outsourced,
        }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AgentProfile>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AgentRow>(
            new CommandDefinition("""
                SELECT user_name AS UserName, skills AS Skills, regions AS Regions, languages AS Languages, tiers AS Tiers, capacity AS Capacity,
                       on_duty AS OnDuty, phone AS Phone, channels AS Channels, position AS Position, grade AS Grade, outsourced AS Outsourced
                FROM agent_profile
                WHERE tenant_id = @tenantId ORDER BY user_name
                """, new { tenantId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AgentProfile(r.UserName, r.Skills, r.Regions, r.Languages, r.Tiers, r.Capacity, r.OnDuty, r.Phone, r.Channels)
        {
            TenantId = tenantId,
            Position = r.Position,
            Grade = r.Grade,
            Outsourced = r.Outsourced,
        })];
    }

    // Settable properties, filled by column name: more columns than Dapper maps into a value tuple.
    private sealed class AgentRow
    {
        public string UserName { get; set; } = "";
        public string[] Skills { get; set; } = [];
        public string[] Regions { get; set; } = [];
        public string[] Languages { get; set; } = [];
        public string[] Tiers { get; set; } = [];
        public int Capacity { get; set; }
        public bool OnDuty { get; set; }
        public string? Phone { get; set; }
        public string[] Channels { get; set; } = [];
        public string? Position { get; set; }
        public string? Grade { get; set; }
        public bool Outsourced { get; set; }
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
