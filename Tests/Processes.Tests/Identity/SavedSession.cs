using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Processes.Host.Identity;

namespace Processes.Tests.Identity;

/// <summary>
/// A sign-in kept by hand, as an attacker who copied the cookies would keep it: no cookie jar, so a logout's
/// Set-Cookie does not delete anything and the saved cookies can be replayed, on this host or another.
/// </summary>
public sealed record SavedSession(string Cookies, string AntiforgeryToken, HttpResponseMessage Response)
{
    /// <summary>A client without a cookie jar; requests carry only what they are given.</summary>
    public static HttpClient JarlessClient(IdentityHost host) =>
        host.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

    /// <summary>Signs in; <paramref name="headers"/> are sent with the login (X-Forwarded-For, X-Forwarded-Proto).</summary>
    public static async Task<SavedSession> SignInAsync(HttpClient client, string userName, string password, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { userName, password }) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var cookies = string.Join("; ", SetCookies(response).Select(c => c.Split(';')[0]));
        return new SavedSession(cookies, body.GetProperty("antiforgeryToken").GetString()!, response);
    }

    public static IReadOnlyList<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];

    /// <summary>Sends a request with the saved cookies (and the antiforgery token on unsafe methods).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", Cookies);
        if (method != HttpMethod.Get)
        {
            request.Headers.Add(IdentityRegistration.AntiforgeryHeader, AntiforgeryToken);
        }
        return await client.SendAsync(request);
    }
}
