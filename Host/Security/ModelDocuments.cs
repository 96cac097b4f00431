using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Processes.Host.Security;

/// <summary>
/// A deployed file (BPMN, DMN, a form) served back as it was uploaded. Its content came from a user, so it is a download: a
/// browser that navigates to it saves it instead of rendering it, and should one render it anyway (an old browser, a
/// viewer), the sandbox policy gives it no origin, no scripts and nothing to load. Clients that read the body —
/// Camunda's SDKs, the designer's fetch() — get the same text/xml as before.
/// </summary>
internal static class ModelDocuments
{
    /// <summary>Stricter than the host's policy for data, which therefore leaves it in place.</summary>
    public const string SandboxPolicy = "sandbox; default-src 'none'; frame-ancestors 'none'";

    /// <summary>The file as text/xml, with the download headers on <paramref name="response"/> (a typed result keeps the OpenAPI description).</summary>
    public static ContentHttpResult Xml(HttpResponse response, string text, string resourceName)
    {
        MarkAsDownload(response, resourceName);
        return TypedResults.Text(text, "text/xml", Encoding.UTF8);
    }

    /// <summary>
    /// The download headers for any answer that carries a deployed file's content (a form's schema in Camunda's JSON
    /// wrapper as well): saved, never rendered, sandboxed should something render it anyway.
    /// </summary>
    public static void MarkAsDownload(HttpResponse response, string fileName)
    {
        var headers = response.Headers;
        headers.ContentDisposition = Attachment(fileName);
        headers.ContentSecurityPolicy = SandboxPolicy;
        headers.XContentTypeOptions = "nosniff";
    }

    /// <summary>
    /// The Content-Disposition value for a resource name chosen by whoever deployed it: an ASCII fallback for old
    /// clients and the exact name percent-encoded (RFC 6266), so no character of the name can break the header.
    /// </summary>
    public static string Attachment(string resourceName)
    {
        var name = Path.GetFileName(resourceName.Replace('\\', '/'));
        if (name.Length == 0)
        {
            name = "model.xml";
        }
        var fallback = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            fallback.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }
        var value = new ContentDispositionHeaderValue("attachment") { FileName = fallback.ToString() };
        value.FileNameStar = name;
        return value.ToString();
    }
}
