using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Host.Identity;

namespace Processes.Host.Documents;

/// <summary>
/// Who may see a document: one of its tenant, and — once it is attached to a process instance — someone who may see
/// that instance (the engine's visibility rule, through its query model). Anything else is answered as if there were
/// no such document. Also signs and reads the links: a link names the document, its content hash and its expiry,
/// protected by the host's Data Protection key ring (authenticated encryption with HMAC-SHA256, the keys shared by
/// every node in PostgreSQL), so only the server can make one and nothing in a variable or a request can forge it.
/// </summary>
internal sealed class DocumentAccess(DocumentStore store, InstanceQueries instances, IDataProtectionProvider protection, TimeProvider clock)
{
    private readonly ITimeLimitedDataProtector _links = protection.CreateProtector("Processes.Documents.Links.v1").ToTimeLimitedDataProtector();

    /// <summary>The document if the caller may see it, else null (404 for them).</summary>
    public async Task<StoredDocument?> VisibleAsync(ClaimsPrincipal user, string documentId, CancellationToken cancellationToken)
    {
        var document = await store.FindAsync(documentId, clock.GetUtcNow(), cancellationToken);
        return document is not null && await MaySeeAsync(user.Caller(), document, cancellationToken) ? document : null;
    }

    public async Task<bool> MaySeeAsync(Caller caller, StoredDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(document);
        if (!caller.InTenant(document.TenantId))
        {
            return false;
        }
        return document.ProcessInstanceKey is not { } key || await instances.FindAsync(caller, key, cancellationToken) is not null;
    }

    /// <summary>The instance a new document is attached to, when the caller may see it (tenant and key); null otherwise.</summary>
    public Task<InstanceRow?> AttachableAsync(ClaimsPrincipal user, long processInstanceKey, CancellationToken cancellationToken) =>
        instances.FindAsync(user.Caller(), processInstanceKey, cancellationToken);

    public string Sign(StoredDocument document, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(document);
        return _links.Protect(string.Create(CultureInfo.InvariantCulture, $"{document.DocumentId}\n{document.ContentHash}"), expiresAt);
    }

    /// <summary>The document a link names, if the link is genuine, unexpired, and the document still has that content.</summary>
    public async Task<StoredDocument?> FromLinkAsync(string token, CancellationToken cancellationToken)
    {
        string payload;
        try
        {
            payload = _links.Unprotect(token, out var expiration);
            if (expiration <= clock.GetUtcNow())
            {
                return null;
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
        var parts = payload.Split('\n', 2);
        var document = parts.Length == 2 ? await store.FindAsync(parts[0], clock.GetUtcNow(), cancellationToken) : null;
        return document is not null && string.Equals(document.ContentHash, parts[1], StringComparison.Ordinal) ? document : null;
    }
}
