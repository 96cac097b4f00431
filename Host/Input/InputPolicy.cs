using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Processes.Host.Input;

/// <summary>
/// One input policy for the whole API, before any handler or binder sees the request: a JSON body is read once,
/// bounded (413 past the limit), checked for valid UTF-8, JSON syntax and depth, and for text PostgreSQL cannot
/// store (NUL, lone surrogates — text and jsonb reject them, which used to end in a 500), and its
/// <c>variables</c> against <see cref="InputLimits"/>; query and route values are checked for NUL too. Each refusal
/// is problem+json naming the field. Runs after authentication, so an anonymous request is held to a small body.
/// </summary>
internal sealed class InputPolicy(RequestDelegate next, IOptions<InputLimits> options)
{
    private const long AnonymousBodyBytes = 64 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public async Task InvokeAsync(HttpContext context)
    {
        var problem = CheckQueryAndRoute(context.Request);
        var endpoint = context.GetEndpoint();
        if (problem is null && endpoint?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize is { } declared && context.Request.ContentLength > declared)
        {
            // Kestrel enforces the endpoint's limit while the body streams; a declared length over it is refused before.
            problem = TooLarge(declared);
        }
        if (problem is null && endpoint is not null && HasJsonBody(context.Request))
        {
            problem = await ReadJsonAsync(context, endpoint);
        }
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private static bool HasJsonBody(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method)) &&
        request.ContentType is { } type && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ||
            type.Contains("+json", StringComparison.OrdinalIgnoreCase));

    private static IResult? CheckQueryAndRoute(HttpRequest request)
    {
        foreach (var (name, values) in request.Query)
        {
            if (name.Contains('\0', StringComparison.Ordinal) || values.Any(v => v is not null && v.Contains('\0', StringComparison.Ordinal)))
            {
                return InputProblems.BadRequest($"The query parameter '{Printable(name)}' contains a NUL character (\\u0000), which text cannot hold.", name);
            }
        }
        foreach (var (name, value) in request.RouteValues)
        {
            if (value is string text && text.Contains('\0', StringComparison.Ordinal))
            {
                return InputProblems.BadRequest($"The path segment '{name}' contains a NUL character (\\u0000), which text cannot hold.", name);
            }
        }
        return null;
    }

    private async Task<IResult?> ReadJsonAsync(HttpContext context, Endpoint endpoint)
    {
        var limits = options.Value;
        var limit = endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? limits.MaxJsonBodyBytes;
        if (context.User.Identity?.IsAuthenticated != true)
        {
            // Anonymous endpoints (sign-in) take a few fields: nobody unknown makes the host buffer megabytes.
            limit = Math.Min(limit, AnonymousBodyBytes);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
        if (context.Request.ContentLength > limit)
        {
            return TooLarge(limit);
        }
        var body = new MemoryStream();
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (body.Length + read > limit)
                {
                    return TooLarge(limit);
                }
                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }
        var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
        body.Position = 0;
        context.Request.Body = body;
        context.Response.RegisterForDispose(body);
        // An empty body is the binder's to judge: optional bodies (searches) accept it, required ones answer 400.
        return bytes.Length == 0 ? null : Check(bytes, limits);
    }

    private static IResult TooLarge(long limit) =>
        InputProblems.TooLarge(string.Create(CultureInfo.InvariantCulture, $"The request body is larger than this endpoint's limit of {limit} bytes."));

    private static IResult? Check(ReadOnlyMemory<byte> bytes, InputLimits limits)
    {
        try
        {
            StrictUtf8.GetCharCount(bytes.Span);
        }
        catch (DecoderFallbackException e)
        {
            return InputProblems.BadRequest(string.Create(CultureInfo.InvariantCulture, $"The body is not valid UTF-8 (byte {e.Index} is not part of a UTF-8 character)."));
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = limits.MaxDepth });
        }
        catch (JsonException e)
        {
            return InputProblems.BadRequest($"The body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            return JsonText.Check(document.RootElement, "", 0) ?? Variables(document.RootElement, limits);
        }
    }

    /// <summary>The variables of a command (the top-level <c>variables</c> object of every API that takes them).</summary>
    private static IResult? Variables(JsonElement root, InputLimits limits)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("variables", out var variables) || variables.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var count = 0;
        long total = 0;
        foreach (var variable in variables.EnumerateObject())
        {
            if (++count > limits.MaxVariableCount)
            {
                return InputProblems.BadRequest(string.Create(CultureInfo.InvariantCulture,
                    $"variables: more than {limits.MaxVariableCount} variables in one request (Processes:Limits:MaxVariableCount)."), "variables");
            }
            if (variable.Name.Length > limits.MaxVariableNameLength)
            {
                return InputProblems.BadRequest(string.Create(CultureInfo.InvariantCulture,
                    $"variables: the name '{variable.Name[..40]}…' is longer than {limits.MaxVariableNameLength} characters (Processes:Limits:MaxVariableNameLength)."), "variables");
            }
            var size = JsonMarshal.GetRawUtf8Value(variable.Value).Length;
            if (size > limits.MaxVariableBytes)
            {
                return InputProblems.TooLarge(string.Create(CultureInfo.InvariantCulture,
                    $"variables.{variable.Name}: the value has {size} bytes, more than the limit of {limits.MaxVariableBytes} (Processes:Limits:MaxVariableBytes)."),
                    $"variables.{variable.Name}");
            }
            total += size;
            if (total > limits.MaxVariablesBytes)
            {
                return InputProblems.TooLarge(string.Create(CultureInfo.InvariantCulture,
                    $"variables: together more than the limit of {limits.MaxVariablesBytes} bytes (Processes:Limits:MaxVariablesBytes), reached at '{variable.Name}'."),
                    "variables");
            }
        }
        return null;
    }

    internal static string Printable(string text) => text.Replace("\0", "\\u0000", StringComparison.Ordinal);
}
