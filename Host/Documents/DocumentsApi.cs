using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;
using Processes.Host.Input;

namespace Processes.Host.Documents;

/// <summary>A link's lifetime in milliseconds, as Camunda's <c>DocumentLinkRequest</c>.</summary>
public sealed record DocumentLinkRequest(JsonElement? TimeToLive);

/// <summary>
/// Camunda 8.8's documents API (/v2/documents): upload one or a batch (multipart), download, delete, and signed,
/// expiring links — stored in PostgreSQL by <see cref="DocumentStore"/>. A document the caller may not see (another
/// tenant's, or one attached to an instance they may not see) is a 404 like a missing one. A link
/// (<c>/documents/links/{token}</c>) needs no sign-in: the token is the server's signature, and it expires.
/// </summary>
internal static partial class DocumentsApi
{
    public static IHostApplicationBuilder AddProcessesDocuments(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<DocumentOptions>(builder.Configuration.GetSection(DocumentOptions.Section));
        builder.Services.AddSingleton<DocumentStore>();
        builder.Services.AddSingleton<DocumentAccess>();
        builder.Services.AddSingleton<DocumentUploads>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<DocumentOptions>>().Value;
        // A part's headers and the metadata ride along with each file: a little room over the files themselves.
        var batchBytes = (limits.MaxBytes + 64 * 1024) * limits.MaxBatchCount;
        var group = app.MapGroup("/v2/documents").WithTags("Documents").RequireAuthorization(Policies.Authenticated).DisableAntiforgery();
        app.MapPost("/v2/documents", CreateAsync).WithTags("Documents").RequireAuthorization(Policies.Authenticated).DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxBytes + 64 * 1024));
        group.MapPost("/batch", CreateBatchAsync).WithMetadata(new RequestSizeLimitAttribute(batchBytes));
        group.MapGet("/{documentId}", GetAsync);
        group.MapDelete("/{documentId}", DeleteAsync);
        group.MapPost("/{documentId}/links", LinkAsync);
        app.MapGet("/documents/links/{token}", FromLinkAsync).AllowAnonymous().WithTags("Documents");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, string? storeId, string? documentId, DocumentUploads uploads, CancellationToken cancellationToken)
    {
        if (StoreProblem(storeId) is { } store)
        {
            return store;
        }
        if (documentId is not null && !DocumentIdPattern().IsMatch(documentId))
        {
            return InputProblems.BadRequest("documentId has 1 to 128 letters, digits, '.', '_' or '-'.", "documentId");
        }
        var (form, problem) = await ReadFormAsync(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var files = form!.Files.GetFiles("file");
        if (files.Count != 1)
        {
            return InputProblems.BadRequest("Send exactly one file in a multipart part named 'file' (several: POST /v2/documents/batch).", "file");
        }
        var outcome = await uploads.StoreAsync(http, files[0], await MetadataAsync(form, cancellationToken), documentId, cancellationToken);
        return outcome.Problem ?? TypedResults.Json(DocumentUploads.Reference(outcome.Document!), statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Each file is stored or refused on its own: all stored is a 201, some refused a 207 naming each refusal.</summary>
    private static async Task<IResult> CreateBatchAsync(HttpContext http, string? storeId, DocumentUploads uploads, IOptions<DocumentOptions> options,
        CancellationToken cancellationToken)
    {
        if (StoreProblem(storeId) is { } store)
        {
            return store;
        }
        var (form, problem) = await ReadFormAsync(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var files = form!.Files.GetFiles("files");
        if (files.Count == 0 || files.Count > options.Value.MaxBatchCount)
        {
            return InputProblems.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"Send 1 to {options.Value.MaxBatchCount} files in multipart parts named 'files' (Processes:Documents:MaxBatchCount)."), "files");
        }
        if (!TryMetadataList(form["metadataList"], files.Count, out var metadataList, out var listProblem))
        {
            return InputProblems.BadRequest(listProblem!, "metadataList");
        }
        var created = new JsonArray();
        var failed = new JsonArray();
        for (var i = 0; i < files.Count; i++)
        {
            var outcome = await uploads.StoreAsync(http, files[i], metadataList[i], null, cancellationToken);
            if (outcome.Document is { } document)
            {
                created.Add(DocumentUploads.Reference(document));
            }
            else
            {
                failed.Add(new JsonObject { ["fileName"] = outcome.FileName, ["detail"] = outcome.Detail ?? "refused" });
            }
        }
        var answer = new JsonObject { ["createdDocuments"] = created, ["failedDocuments"] = failed };
        return TypedResults.Json(answer, statusCode: failed.Count == 0 ? StatusCodes.Status201Created : StatusCodes.Status207MultiStatus);
    }

    private static async Task<IResult> GetAsync(string documentId, string? storeId, string? contentHash, ClaimsPrincipal user, DocumentAccess access,
        DocumentStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var document = StoreProblem(storeId) is null ? await access.VisibleAsync(user, documentId, cancellationToken) : null;
        // The hash proves the caller holds the reference, not just a guessed id (Camunda rejects a wrong hash too).
        if (document is null || (contentHash is not null && !string.Equals(contentHash, document.ContentHash, StringComparison.OrdinalIgnoreCase)))
        {
            return NotFound(documentId);
        }
        return await ContentAsync(document, store, response, cancellationToken);
    }

    private static async Task<IResult> DeleteAsync(string documentId, string? storeId, HttpContext http, DocumentAccess access, DocumentStore store,
        IAuditLog audit, CancellationToken cancellationToken)
    {
        var document = StoreProblem(storeId) is null ? await access.VisibleAsync(http.User, documentId, cancellationToken) : null;
        if (document is null)
        {
            return NotFound(documentId);
        }
        // Evidence on a case is not everyone's to remove: the uploader, or an admin.
        if (!string.Equals(document.CreatedBy, AuditEntry.ActorOf(http.User), StringComparison.Ordinal) && !http.User.IsInRole(Roles.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "FORBIDDEN",
                detail: $"Document '{documentId}' was uploaded by someone else; only they or an admin may delete it.");
        }
        var deleted = await store.DeleteAsync(documentId, (transaction, ct) => audit.RecordAsync(AuditEntry.For(http, "document.deleted", "document", documentId,
            new { document.FileName, processInstanceKey = CamundaResults.Key(document.ProcessInstanceKey) }), transaction, ct), cancellationToken);
        return deleted ? TypedResults.NoContent() : NotFound(documentId);
    }

    private static async Task<IResult> LinkAsync(string documentId, string? storeId, string? contentHash, DocumentLinkRequest? request, HttpContext http,
        DocumentAccess access, IOptions<DocumentOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (StoreProblem(storeId) is { } store)
        {
            return store;
        }
        var document = await access.VisibleAsync(http.User, documentId, cancellationToken);
        if (document is null)
        {
            return NotFound(documentId);
        }
        if (!string.Equals(contentHash, document.ContentHash, StringComparison.OrdinalIgnoreCase))
        {
            return InputProblems.BadRequest("contentHash does not match the document: send the contentHash of its reference.", "contentHash");
        }
        var lifetime = options.Value.DefaultLinkLifetime;
        if (request?.TimeToLive is { ValueKind: not JsonValueKind.Null } ttl)
        {
            // A number, or an int64 as a string (how Camunda's 8.8 client sends it).
            var ms = ttl.ValueKind switch
            {
                JsonValueKind.Number when ttl.TryGetInt64(out var n) => n,
                JsonValueKind.String when long.TryParse(ttl.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                _ => -1,
            };
            if (ms <= 0 || TimeSpan.FromMilliseconds(ms) > options.Value.MaxLinkLifetime)
            {
                return InputProblems.BadRequest(string.Create(CultureInfo.InvariantCulture,
                    $"timeToLive is a positive number of milliseconds up to {(long)options.Value.MaxLinkLifetime.TotalMilliseconds} (Processes:Documents:MaxLinkLifetime)."), "timeToLive");
            }
            lifetime = TimeSpan.FromMilliseconds(ms);
        }
        var expiresAt = clock.GetUtcNow() + lifetime;
        if (document.ExpiresAt is { } documentExpires && documentExpires < expiresAt.UtcDateTime)
        {
            expiresAt = new DateTimeOffset(DateTime.SpecifyKind(documentExpires, DateTimeKind.Utc));
        }
        var url = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/documents/links/{Uri.EscapeDataString(access.Sign(document, expiresAt))}";
        return TypedResults.Json(new JsonObject { ["url"] = url, ["expiresAt"] = CamundaResults.Iso(expiresAt) }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> FromLinkAsync(string token, DocumentAccess access, DocumentStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var document = await access.FromLinkAsync(token, cancellationToken);
        return document is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "NOT_FOUND", detail: "This document link is not valid or has expired.")
            : await ContentAsync(document, store, response, cancellationToken);
    }

    private static async Task<IResult> ContentAsync(StoredDocument document, DocumentStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var content = await store.ContentAsync(document.DocumentId, cancellationToken);
        if (content is null)
        {
            return NotFound(document.DocumentId);
        }
        // Served from the product's origin: never sniffed, never run; images and PDFs inline (the case page shows
        // them), the rest as a download.
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";
        response.Headers.CacheControl = "private, max-age=300";
        var inline = document.ContentType.StartsWith("image/", StringComparison.Ordinal) || document.ContentType == "application/pdf";
        response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { Inline = inline, FileName = Ascii(document.FileName) }.ToString();
        return TypedResults.Bytes(content, document.ContentType);
    }

    private static async Task<(IFormCollection? Form, IResult? Problem)> ReadFormAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "UNSUPPORTED_MEDIA_TYPE",
                detail: "Send documents as multipart/form-data."));
        }
        try
        {
            return (await http.Request.ReadFormAsync(cancellationToken), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return (null, InputProblems.TooLarge(string.Create(CultureInfo.InvariantCulture, $"The request body is larger than this endpoint's limit of {limit} bytes.")));
        }
        catch (InvalidDataException e)
        {
            return (null, InputProblems.BadRequest($"The multipart body is malformed: {e.Message}"));
        }
    }

    /// <summary>
    /// <c>metadataList</c>: one JSON array (the spec), or one JSON object per file in order (how the 8.8 client sends an
    /// array in a multipart form).
    /// </summary>
    private static bool TryMetadataList(Microsoft.Extensions.Primitives.StringValues values, int files, out string?[] list, out string? problem)
    {
        list = new string?[files];
        problem = null;
        if (values.Count == 0)
        {
            return true;
        }
        string?[] items;
        if (values.Count == 1 && values[0]?.TrimStart().StartsWith('[') == true)
        {
            try
            {
                items = JsonNode.Parse(values[0]!) is JsonArray array ? [.. array.Select(n => n?.ToJsonString())] : [];
            }
            catch (JsonException e)
            {
                problem = $"metadataList is not valid JSON: {e.Message}";
                return false;
            }
        }
        else
        {
            items = [.. values];
        }
        if (items.Length != files)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"metadataList has {items.Length} entries for {files} files: one per file, in order.");
            return false;
        }
        list = items;
        return true;
    }

    /// <summary>The metadata as a plain field (the 8.8 npm client) or as a JSON part with a file name (other clients).</summary>
    private static async Task<string?> MetadataAsync(IFormCollection form, CancellationToken cancellationToken)
    {
        if (form["metadata"].FirstOrDefault() is { } text)
        {
            return text;
        }
        if (form.Files.GetFile("metadata") is not { } part || part.Length > 64 * 1024)
        {
            return null;
        }
        using var reader = new StreamReader(part.OpenReadStream());
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private static IResult? StoreProblem(string? storeId) => storeId is null || storeId == DocumentOptions.StoreId
        ? null
        : InputProblems.BadRequest($"storeId '{InputPolicy.Printable(storeId)}' is not known; Processes has one store, '{DocumentOptions.StoreId}'.", "storeId");

    private static IResult NotFound(string documentId) => CamundaResults.NotFound($"No document with id '{InputPolicy.Printable(documentId)}'.");

    private static string Ascii(string name) => new([.. name.Select(c => c is >= ' ' and < (char)127 and not '"' and not '\\' ? c : '_')]);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex DocumentIdPattern();
}
