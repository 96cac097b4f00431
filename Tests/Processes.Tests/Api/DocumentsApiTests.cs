using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// Camunda 8.8's documents API stored in PostgreSQL: upload (single, batch), download by reference, delete, signed
/// expiring links; the size limit (413) and the content-type allow-list (400) named; a document attached to an
/// instance is a 404 to anyone who may not see that instance.
/// </summary>
public sealed class DocumentsApiTests : AdminHostTest
{
    private static readonly string Model = TaskModels.DeskTask("documents-case", "visit", "Visit", "doc-desk");

    /// <summary>The smallest valid PNG header and a few bytes: what the type check looks at.</summary>
    internal static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 1, 2, 3];

    private HttpClient _technician = null!;
    private HttpClient _outsider = null!;
    private string _instanceKey = "";

    protected override IReadOnlyDictionary<string, string>? HostSettings { get; } =
        new Dictionary<string, string> { ["Processes:Documents:MaxBytes"] = "1024" };

    [OneTimeSetUp]
    public async Task Start()
    {
        await IdentityHost.PostAsync(Admin, "/api/groups", new { name = "doc-desk", displayName = "Documents desk" });
        _technician = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Agent], groups: ["doc-desk"])).ApiKey);
        _outsider = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        using var deployed = await IdentityHost.DeployAsync(Admin, "documents-case.bpmn", Model);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        var started = await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "documents-case" });
        _instanceKey = started.GetProperty("processInstanceKey").GetString()!;
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _technician.Dispose();
        _outsider.Dispose();
    }

    [Test]
    public async Task A_photo_attached_to_a_case_is_read_by_whoever_sees_the_case_and_a_404_to_anyone_else()
    {
        using var uploaded = await UploadAsync(_technician, Png, "image/png", "visit.png", $$$"""{"processInstanceKey":"{{{_instanceKey}}}","customProperties":{"kind":"visit"}}""");
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        var reference = await uploaded.Content.ReadFromJsonAsync<JsonElement>();
        reference.GetProperty("camunda.document.type").GetString().ShouldBe("camunda");
        reference.GetProperty("storeId").GetString().ShouldBe("in-postgres");
        var hash = reference.GetProperty("contentHash").GetString()!;
        hash.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Png)));
        var metadata = reference.GetProperty("metadata");
        metadata.GetProperty("contentType").GetString().ShouldBe("image/png");
        metadata.GetProperty("fileName").GetString().ShouldBe("visit.png");
        metadata.GetProperty("size").GetInt64().ShouldBe(Png.Length);
        metadata.GetProperty("processInstanceKey").GetString().ShouldBe(_instanceKey);
        metadata.GetProperty("processDefinitionId").GetString().ShouldBe("documents-case");
        metadata.GetProperty("customProperties").GetProperty("kind").GetString().ShouldBe("visit");
        var id = reference.GetProperty("documentId").GetString()!;

        using var read = await _technician.GetAsync(new Uri($"/v2/documents/{id}?contentHash={hash}", UriKind.Relative));
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        (await read.Content.ReadAsByteArrayAsync()).ShouldBe(Png);
        read.Headers.GetValues("X-Content-Type-Options").ShouldContain("nosniff");
        (await _technician.GetAsync(new Uri($"/v2/documents/{id}?contentHash={new string('0', 64)}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.GetAsync(new Uri($"/v2/documents/{id}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await _outsider.GetAsync(new Uri($"/v2/documents/{id}?contentHash={hash}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _outsider.PostAsJsonAsync($"/v2/documents/{id}/links?contentHash={hash}", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _outsider.DeleteAsync(new Uri($"/v2/documents/{id}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var foreign = await UploadAsync(_outsider, Png, "image/png", "x.png", $$"""{"processInstanceKey":"{{_instanceKey}}"}""");
        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound, "nobody attaches a document to a case they may not see");

        (await _technician.DeleteAsync(new Uri($"/v2/documents/{id}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _technician.GetAsync(new Uri($"/v2/documents/{id}?contentHash={hash}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Too_large_a_type_outside_the_list_and_content_that_is_not_its_type_are_refused_naming_why()
    {
        using var large = await UploadAsync(_technician, [.. Png, .. new byte[2000]], "image/png", "big.png", null);
        large.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await large.Content.ReadAsStringAsync()).ShouldContain("at most 1024");

        using var svg = await UploadAsync(_technician, Encoding.UTF8.GetBytes("<svg onload=\"alert(1)\"/>"), "image/svg+xml", "x.svg", null);
        svg.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await svg.Content.ReadAsStringAsync()).ShouldContain("image/svg+xml");

        using var disguised = await UploadAsync(_technician, Encoding.UTF8.GetBytes("<html><script>alert(1)</script>"), "image/png", "x.png", null);
        disguised.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await disguised.Content.ReadAsStringAsync()).ShouldContain("is not image/png");

        using var unknownField = await UploadAsync(_technician, Png, "image/png", "x.png", """{"owner":"me"}""");
        unknownField.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknownField.Content.ReadAsStringAsync()).ShouldContain("metadata.owner");

        using var json = await _technician.PostAsJsonAsync("/v2/documents", new { file = "x" });
        json.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task A_batch_stores_what_is_valid_and_names_each_refusal()
    {
        using var content = new MultipartFormDataContent();
        content.Add(File(Png, "image/png"), "files", "a.png");
        content.Add(File(Encoding.UTF8.GetBytes("%PDF-1.7 x"), "application/x-msdownload"), "files", "b.exe");
        content.Add(new StringContent("""{"customProperties":{"n":1}}"""), "metadataList");
        content.Add(new StringContent("{}"), "metadataList");
        using var answer = await _technician.PostAsync(new Uri("/v2/documents/batch", UriKind.Relative), content);
        answer.StatusCode.ShouldBe(HttpStatusCode.MultiStatus, await answer.Content.ReadAsStringAsync());
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("createdDocuments").GetArrayLength().ShouldBe(1);
        body.GetProperty("createdDocuments")[0].GetProperty("metadata").GetProperty("customProperties").GetProperty("n").GetInt32().ShouldBe(1);
        var failed = body.GetProperty("failedDocuments");
        failed.GetArrayLength().ShouldBe(1);
        failed[0].GetProperty("fileName").GetString().ShouldBe("b.exe");
        failed[0].GetProperty("detail").GetString()!.ShouldContain("application/x-msdownload");
    }

    [Test]
    public async Task A_link_is_signed_by_the_server_and_expires()
    {
        using var uploaded = await UploadAsync(_technician, Png, "image/png", "linked.png", null);
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        var reference = await uploaded.Content.ReadFromJsonAsync<JsonElement>();
        var id = reference.GetProperty("documentId").GetString();
        var hash = reference.GetProperty("contentHash").GetString();

        using var wrongHash = await _technician.PostAsJsonAsync($"/v2/documents/{id}/links?contentHash=abc", new { });
        wrongHash.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await wrongHash.Content.ReadAsStringAsync()).ShouldContain("contentHash");

        using var linked = await _technician.PostAsJsonAsync($"/v2/documents/{id}/links?contentHash={hash}", new { timeToLive = 1500 });
        linked.StatusCode.ShouldBe(HttpStatusCode.Created, await linked.Content.ReadAsStringAsync());
        var link = await linked.Content.ReadFromJsonAsync<JsonElement>();
        var url = new Uri(link.GetProperty("url").GetString()!);
        DateTimeOffset.Parse(link.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(DateTimeOffset.UtcNow);

        using var anonymous = Server.Anonymous();
        using (var read = await anonymous.GetAsync(new Uri(url.PathAndQuery, UriKind.Relative)))
        {
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await read.Content.ReadAsByteArrayAsync()).ShouldBe(Png);
        }
        var token = url.Segments[^1];
        var forged = token[..^3] + (token[^3] == 'A' ? "B" : "A") + token[^2..];
        (await anonymous.GetAsync(new Uri($"/documents/links/{forged}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _technician.PostAsJsonAsync($"/v2/documents/{id}/links?contentHash={hash}", new { timeToLive = -5 })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        await Task.Delay(TimeSpan.FromSeconds(2));
        (await anonymous.GetAsync(new Uri(url.PathAndQuery, UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the link expired");
    }

    internal static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] bytes, string contentType, string fileName, string? metadata)
    {
        using var content = new MultipartFormDataContent();
        content.Add(File(bytes, contentType), "file", fileName);
        if (metadata is not null)
        {
            content.Add(new StringContent(metadata, Encoding.UTF8, "application/json"), "metadata");
        }
        return await client.PostAsync(new Uri("/v2/documents", UriKind.Relative), content);
    }

    private static ByteArrayContent File(byte[] bytes, string contentType)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return file;
    }
}
