using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace Processes.Host.Documents;

/// <summary>A stored document without its content: what a reference, a check of visibility or a link needs.</summary>
public sealed record StoredDocument(string DocumentId, string TenantId, long? ProcessInstanceKey, string ContentType, string FileName, long Size,
    string ContentHash, string Metadata, string CreatedBy, DateTime CreatedAt, DateTime? ExpiresAt)
{
    public JsonObject MetadataObject() => JsonNode.Parse(Metadata) as JsonObject ?? [];
}

/// <summary>
/// <c>document</c>: uploaded files, content as bytea. The store answers by id only; who may see a document (its
/// tenant, its instance) is decided by <see cref="DocumentAccess"/> before any content leaves.
/// </summary>
internal sealed class DocumentStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        document_id AS DocumentId, tenant_id AS TenantId, process_instance_key AS ProcessInstanceKey, content_type AS ContentType,
        file_name AS FileName, size AS Size, content_hash AS ContentHash, metadata::text AS Metadata, created_by AS CreatedBy,
        created_at AS CreatedAt, expires_at AS ExpiresAt
        """;

    /// <summary>
    /// Stores a new document and, in the same transaction, what the caller records with it (its audit row); false
    /// when the id is taken (a client-chosen id may not overwrite).
    /// </summary>
    public async Task<bool> AddAsync(StoredDocument document, byte[] content, Func<NpgsqlTransaction, CancellationToken, Task> alsoInTransaction,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(alsoInTransaction);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var added = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO document (document_id, tenant_id, process_instance_key, content_type, file_name, size, content_hash, metadata, content,
                                  created_by, created_at, expires_at)
            VALUES (@DocumentId, @TenantId, @ProcessInstanceKey, @ContentType, @FileName, @Size, @ContentHash, @Metadata::jsonb, @content,
                    @CreatedBy, @CreatedAt, @ExpiresAt)
            ON CONFLICT (document_id) DO NOTHING
            """, new
        {
            document.DocumentId,
            document.TenantId,
            document.ProcessInstanceKey,
            document.ContentType,
            document.FileName,
            document.Size,
            document.ContentHash,
            document.Metadata,
            content,
            document.CreatedBy,
            document.CreatedAt,
            document.ExpiresAt,
        }, transaction, cancellationToken: cancellationToken)) == 1;
        if (added)
        {
            await alsoInTransaction(transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return added;
    }

    /// <summary>The document, unless it expired before <paramref name="now"/> (an expired document is gone to everyone).</summary>
    public async Task<StoredDocument?> FindAsync(string documentId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StoredDocument>(new CommandDefinition($"""
            SELECT {Columns} FROM document WHERE document_id = @documentId AND (expires_at IS NULL OR expires_at > @now)
            """, new { documentId, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    public async Task<byte[]?> ContentAsync(string documentId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT content FROM document WHERE document_id = @documentId", new { documentId }, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes the document with its audit row in one transaction; false when it was gone already.</summary>
    public async Task<bool> DeleteAsync(string documentId, Func<NpgsqlTransaction, CancellationToken, Task> alsoInTransaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alsoInTransaction);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM document WHERE document_id = @documentId", new { documentId }, transaction, cancellationToken: cancellationToken)) == 1;
        if (deleted)
        {
            await alsoInTransaction(transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return deleted;
    }
}
