using Dapper;
using Npgsql;

namespace Processes.Activities.Sms;

/// <summary>The outcome of saving a template: saved, or every problem found.</summary>
public sealed record SmsTemplateSaveResult(bool Saved, IReadOnlyList<string> Problems);

/// <summary>SMS templates in <c>sms_template</c>, per tenant: a job renders the template of its own instance's tenant.</summary>
public sealed class SmsTemplateStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id AS Id, text AS Text, parameters AS Parameters, description AS Description, tenant_id AS TenantId";

    /// <summary>Validates and saves (insert or replace) in the template's tenant. Nothing is written when there is a problem.</summary>
    public async Task<SmsTemplateSaveResult> SaveAsync(SmsTemplate template, CancellationToken cancellationToken)
    {
        var problems = SmsText.Validate(template);
        if (problems.Count > 0)
        {
            return new SmsTemplateSaveResult(false, problems);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: the template is saved whole or not at all; running jobs read it at send time.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sms_template (tenant_id, id, text, parameters, description, updated_at) VALUES (@TenantId, @Id, @Text, @Parameters, @Description, now())
            ON CONFLICT (tenant_id, id) DO UPDATE SET text = excluded.text, parameters = excluded.parameters,
                description = excluded.description, updated_at = now()
            """, new { template.TenantId, template.Id, template.Text, Parameters = template.Parameters.ToArray(), template.Description },
            cancellationToken: cancellationToken));
        return new SmsTemplateSaveResult(true, []);
    }

    /// <summary>Every template of a tenant, by id.</summary>
    public async Task<IReadOnlyList<SmsTemplate>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM sms_template WHERE tenant_id = @tenantId ORDER BY id", new { tenantId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.Template())];
    }

    public async Task<SmsTemplate?> FindAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM sms_template WHERE tenant_id = @tenantId AND id = @id", new { tenantId, id }, cancellationToken: cancellationToken));
        return rows.Select(r => r.Template()).FirstOrDefault();
    }

    // Dapper maps the row by property names; parameters is a text[] column.
    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Text { get; init; } = "";
        public string[] Parameters { get; init; } = [];
        public string? Description { get; init; }
        public string TenantId { get; init; } = "";

        public SmsTemplate Template() => new(Id, Text, Parameters, Description) { TenantId = TenantId };
    }
}
