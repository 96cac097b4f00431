using Dapper;
using Npgsql;

namespace Processes.Activities.Sms;

/// <summary>The outcome of saving a template: saved, or every problem found.</summary>
public sealed record SmsTemplateSaveResult(bool Saved, IReadOnlyList<string> Problems);

/// <summary>SMS templates in <c>sms_template</c>.</summary>
public sealed class SmsTemplateStore(NpgsqlDataSource dataSource)
{
    /// <summary>Validates and saves (insert or replace). Nothing is written when there is a problem.</summary>
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
            INSERT INTO sms_template (id, text, parameters, description, updated_at) VALUES (@Id, @Text, @Parameters, @Description, now())
            ON CONFLICT (id) DO UPDATE SET text = excluded.text, parameters = excluded.parameters,
                description = excluded.description, updated_at = now()
            """, new { template.Id, template.Text, Parameters = template.Parameters.ToArray(), template.Description }, cancellationToken: cancellationToken));
        return new SmsTemplateSaveResult(true, []);
    }

    /// <summary>Every template, by id.</summary>
    public async Task<IReadOnlyList<SmsTemplate>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string Text, string[] Parameters, string? Description)>(new CommandDefinition(
            "SELECT id, text, parameters, description FROM sms_template ORDER BY id", cancellationToken: cancellationToken));
        return [.. rows.Select(r => new SmsTemplate(r.Id, r.Text, r.Parameters, r.Description))];
    }

    public async Task<SmsTemplate?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string Text, string[] Parameters, string? Description)>(new CommandDefinition(
            "SELECT id, text, parameters, description FROM sms_template WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return rows.Select(r => new SmsTemplate(r.Id, r.Text, r.Parameters, r.Description)).FirstOrDefault();
    }
}
