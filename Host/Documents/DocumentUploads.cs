using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Input;
using Processes.Host.Tenants;

namespace Processes.Host.Documents;

/// <summary>One upload's outcome: the stored document, or the problem that names what is wrong with it.</summary>
internal sealed record UploadOutcome(StoredDocument? Document, IResult? Problem, string? Detail, string FileName);

/// <summary>
/// Checks and stores one uploaded file with its Camunda metadata (<c>contentType</c>, <c>fileName</c>, <c>expiresAt</c>,
/// <c>processDefinitionId</c>, <c>processInstanceKey</c>, <c>customProperties</c>; <c>size</c> is ours to say). A file
/// over the size limit is a 413, a type outside the allow-list or content that is not that type a 400, an instance the
/// caller may not see a 404, an unknown metadata field a 400 naming it.
/// </summary>
internal sealed class DocumentUploads(DocumentStore store, DocumentAccess access, TenantRequests tenants, IAuditLog audit, IOptions<DocumentOptions> options,
    TimeProvider clock)
{
    private static readonly HashSet<string> MetadataFields =
        ["contentType", "fileName", "expiresAt", "size", "processDefinitionId", "processInstanceKey", "customProperties"];

    public async Task<UploadOutcome> StoreAsync(HttpContext http, IFormFile file, string? metadataText, string? documentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(file);
        var limits = options.Value;
        var name = file.FileName;
        if (file.Length > limits.MaxBytes)
        {
            return Fail(InputProblems.TooLarge(string.Create(CultureInfo.InvariantCulture,
                $"The file '{InputPolicy.Printable(name)}' has {file.Length} bytes; a document may have at most {limits.MaxBytes} (Processes:Documents:MaxBytes)."), "file"));
        }
        if (!TryMetadata(metadataText, out var metadata, out var metadataProblem))
        {
            return Fail(CamundaResults.BadRequest(metadataProblem!));
        }
        var contentType = DocumentContent.MediaType(Text(metadata, "contentType") ?? file.ContentType);
        if (!limits.AllowedContentTypes.Contains(contentType, StringComparer.OrdinalIgnoreCase))
        {
            return Fail(InputProblems.BadRequest($"The content type '{InputPolicy.Printable(contentType)}' of '{InputPolicy.Printable(name)}' is not accepted; " +
                $"accepted: {string.Join(", ", limits.AllowedContentTypes)} (Processes:Documents:ContentTypes).", "contentType"));
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        var content = buffer.ToArray();
        if (!DocumentContent.Matches(contentType, content))
        {
            return Fail(InputProblems.BadRequest($"The content of '{InputPolicy.Printable(name)}' is not {contentType}.", "contentType"));
        }
        var fileName = Text(metadata, "fileName") ?? (string.IsNullOrWhiteSpace(name) ? "document" : name);
        if (fileName.Length > 255 || fileName.Contains('\0', StringComparison.Ordinal))
        {
            return Fail(InputProblems.BadRequest("fileName has at most 255 characters and no NUL.", "fileName"));
        }
        DateTimeOffset? expiresAt = null;
        if (Text(metadata, "expiresAt") is { } expires)
        {
            if (!DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) || at <= clock.GetUtcNow())
            {
                return Fail(InputProblems.BadRequest($"expiresAt '{InputPolicy.Printable(expires)}' is not a future ISO 8601 date-time.", "expiresAt"));
            }
            expiresAt = at;
        }
        string tenant;
        long? instanceKey = null;
        if (metadata["processInstanceKey"] is { } keyNode)
        {
            var keyText = keyNode.GetValueKind() == JsonValueKind.Number ? keyNode.ToJsonString() : keyNode.GetValueKind() == JsonValueKind.String ? keyNode.GetValue<string>() : null;
            if (!CamundaResults.TryKey(keyText, out var key))
            {
                return Fail(InputProblems.BadRequest("processInstanceKey must be a process instance key (an int64 as a string).", "processInstanceKey"));
            }
            var instance = await access.AttachableAsync(http.User, key, cancellationToken);
            if (instance is null)
            {
                return Fail(CamundaResults.NotFound($"No process instance with key {key} to attach the document to."));
            }
            (tenant, instanceKey) = (instance.TenantId, key);
            metadata["processDefinitionId"] = instance.BpmnProcessId;
        }
        else
        {
            var (target, problem) = await tenants.TargetAsync(http.User, null, "tenantId", cancellationToken);
            if (problem is not null)
            {
                return Fail(problem);
            }
            tenant = target!;
        }
        metadata["contentType"] = contentType;
        metadata["fileName"] = fileName;
        metadata["size"] = content.LongLength;
        if (expiresAt is { } e)
        {
            metadata["expiresAt"] = CamundaResults.Iso(e);
        }
        if (instanceKey is { } k)
        {
            metadata["processInstanceKey"] = CamundaResults.Key(k);
        }
        var id = documentId ?? Guid.NewGuid().ToString();
        var document = new StoredDocument(id, tenant, instanceKey, contentType, fileName, content.LongLength, Convert.ToHexStringLower(SHA256.HashData(content)),
            metadata.ToJsonString(), AuditEntry.ActorOf(http.User), clock.GetUtcNow().UtcDateTime, expiresAt?.UtcDateTime);
        var added = await store.AddAsync(document, content, (transaction, ct) => audit.RecordAsync(AuditEntry.For(http, "document.uploaded", "document", id,
            new { fileName, contentType, size = content.LongLength, processInstanceKey = CamundaResults.Key(instanceKey), tenantId = tenant }), transaction, ct), cancellationToken);
        return added
            ? new UploadOutcome(document, null, null, fileName)
            : Fail(TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "ALREADY_EXISTS", detail: $"A document with id '{id}' exists already."));

        UploadOutcome Fail(IResult problem) => new(null, problem, (problem as IValueHttpResult)?.Value switch
        {
            Microsoft.AspNetCore.Mvc.ProblemDetails details => details.Detail,
            _ => null,
        }, name);
    }

    /// <summary>The reference Camunda hands out for a document, with only the metadata fields that have a value.</summary>
    public static JsonObject Reference(StoredDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new JsonObject
        {
            ["camunda.document.type"] = "camunda",
            ["storeId"] = DocumentOptions.StoreId,
            ["documentId"] = document.DocumentId,
            ["contentHash"] = document.ContentHash,
            ["metadata"] = document.MetadataObject(),
        };
    }

    private static bool TryMetadata(string? text, out JsonObject metadata, out string? problem)
    {
        metadata = [];
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        try
        {
            if (JsonNode.Parse(text) is not JsonObject parsed)
            {
                problem = "metadata must be a JSON object.";
                return false;
            }
            metadata = parsed;
        }
        catch (JsonException e)
        {
            problem = $"metadata is not valid JSON: {e.Message}";
            return false;
        }
        if (metadata.Select(p => p.Key).FirstOrDefault(k => !MetadataFields.Contains(k)) is { } unknown)
        {
            problem = $"metadata.{InputPolicy.Printable(unknown)} is not a document metadata field; known: {string.Join(", ", MetadataFields)}.";
            return false;
        }
        foreach (var field in new[] { "contentType", "fileName", "expiresAt", "processDefinitionId" })
        {
            if (metadata[field] is { } node && node.GetValueKind() != JsonValueKind.String)
            {
                problem = $"metadata.{field} must be a string.";
                return false;
            }
        }
        if (metadata["customProperties"] is { } custom && custom is not JsonObject)
        {
            problem = "metadata.customProperties must be a JSON object.";
            return false;
        }
        // The size is what was received, whatever the client said; processDefinitionId is the attached instance's.
        metadata.Remove("size");
        metadata.Remove("processDefinitionId");
        return true;
    }

    private static string? Text(JsonObject metadata, string field) => metadata[field]?.GetValue<string>();
}
