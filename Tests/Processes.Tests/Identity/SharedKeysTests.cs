using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Dapper;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// Data Protection keys shared by all hosts through the database and encrypted at rest (issue 22): a cookie issued by
/// one host is accepted by another behind the same load balancer, and the key table holds no plaintext key material.
/// </summary>
public sealed class SharedKeysTests : DatabaseTest
{
    private static readonly byte[] KeyEncryptionKey = RandomNumberGenerator.GetBytes(32);
    private IdentityHost _first = null!;
    private IdentityHost _second = null!;

    private static Dictionary<string, string> Settings => new() { ["Processes:DataProtection:Key"] = Convert.ToBase64String(KeyEncryptionKey) };

    [OneTimeSetUp]
    public void StartHosts()
    {
        _first = IdentityHost.Start(ConnectionString, settings: Settings);
        _second = IdentityHost.Start(ConnectionString, settings: Settings);
    }

    [OneTimeTearDown]
    public async Task StopHosts()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Test]
    public async Task A_cookie_issued_by_one_host_is_accepted_by_the_other_and_a_logout_there_ends_it_on_both()
    {
        var user = await _first.CreateUserAsync(roles: [Roles.Agent]);
        using var onFirst = SavedSession.JarlessClient(_first);
        using var onSecond = SavedSession.JarlessClient(_second);
        var saved = await SavedSession.SignInAsync(onFirst, user.UserName, user.Password);

        (await saved.SendAsync(onSecond, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The antiforgery token is protected with the same keys, so a state change on host 2 passes too.
        (await saved.SendAsync(onSecond, HttpMethod.Post, "/api/auth/logout")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // Host 1 remembers the session's check for a few seconds; the logout's NOTIFY clears that (SessionCacheTests).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await saved.SendAsync(onFirst, HttpMethod.Get, "/api/auth/me")).StatusCode != HttpStatusCode.Unauthorized)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the logout on host 2 reaches host 1");
            await Task.Delay(50);
        }
    }

    [Test]
    public async Task The_key_table_holds_only_encrypted_keys_that_the_configured_key_opens()
    {
        var user = await _first.CreateUserAsync(roles: [Roles.Agent]);
        using var client = await _first.SignInAsync(user.UserName, user.Password);

        await using var connection = await DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_key")).ToList();

        rows.ShouldNotBeEmpty();
        foreach (var xml in rows)
        {
            xml.ShouldNotContain("masterKey");
            var sealedValue = XElement.Parse(xml).Descendants().Single(e => e.Name.LocalName == "aesGcmEncrypted");
            // Opening it by hand with the configured key finds the master key: the ciphertext is the real thing.
            Decrypt(sealedValue).ShouldContain("masterKey");
        }
    }

    private static string Decrypt(XElement sealedValue)
    {
        var keyId = (string)sealedValue.Attribute("keyId")!;
        var bytes = Convert.FromBase64String(sealedValue.Elements().Single().Value);
        var plain = new byte[bytes.Length - 28];
        using var aes = new AesGcm(KeyEncryptionKey, 16);
        aes.Decrypt(bytes.AsSpan(0, 12), bytes.AsSpan(28), bytes.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes("processes-data-protection-v1:" + keyId));
        return Encoding.UTF8.GetString(plain);
    }
}

/// <summary>Without a configured key the host generates a key file on first start and says where, loudly.</summary>
public sealed class GeneratedKeyFileTests : DatabaseTest
{
    [Test]
    public async Task The_first_start_writes_a_private_key_file_and_warns_that_several_hosts_need_a_configured_key()
    {
        var folder = Directory.CreateTempSubdirectory("processes-dp-");
        try
        {
            var path = Path.Combine(folder.FullName, "dp.key");
            var logs = new LogCapture();
            await using (var host = IdentityHost.Start(ConnectionString, logs: logs, settings: new Dictionary<string, string> { ["Processes:DataProtection:KeyFile"] = path }))
            {
                using var admin = await host.SignInAsync(IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword);
                (await admin.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }

            Convert.FromBase64String(File.ReadAllText(path).Trim()).Length.ShouldBe(32);
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            logs.Entries.ShouldContain(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning &&
                e.Message.Contains("FIRST START: generated", StringComparison.Ordinal) && e.Message.Contains(path, StringComparison.Ordinal) &&
                e.Message.Contains("Processes:DataProtection:Key", StringComparison.Ordinal));

            // A second start reuses the file, so the keys stored with it still open and nothing new is generated.
            var again = new LogCapture();
            await using var restarted = IdentityHost.Start(ConnectionString, logs: again, settings: new Dictionary<string, string> { ["Processes:DataProtection:KeyFile"] = path });
            using var signedIn = await restarted.SignInAsync(IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword);
            again.Entries.ShouldNotContain(e => e.Message.Contains("FIRST START: generated", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

/// <summary>With Processes:DataProtection:Certificate the keys are encrypted to the certificate instead.</summary>
public sealed class CertificateKeyTests : DatabaseTest
{
    [Test]
    public async Task Keys_are_stored_encrypted_to_the_configured_certificate()
    {
        var folder = Directory.CreateTempSubdirectory("processes-dp-cert-");
        try
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=processes-data-protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            var path = Path.Combine(folder.FullName, "dp.pfx");
            await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "pfx password"));
            var settings = new Dictionary<string, string>
            {
                ["Processes:DataProtection:Certificate"] = path, ["Processes:DataProtection:CertificatePassword"] = "pfx password",
            };
            await using var first = IdentityHost.Start(ConnectionString, settings: settings);
            await using var second = IdentityHost.Start(ConnectionString, settings: settings);
            var user = await first.CreateUserAsync(roles: [Processes.Host.Identity.Roles.Agent]);
            using var onFirst = SavedSession.JarlessClient(first);
            using var onSecond = SavedSession.JarlessClient(second);
            var saved = await SavedSession.SignInAsync(onFirst, user.UserName, user.Password);

            (await saved.SendAsync(onSecond, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
            await using var connection = await DataSource.OpenConnectionAsync();
            var rows = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_key")).ToList();
            rows.ShouldNotBeEmpty();
            rows.ShouldAllBe(xml => !xml.Contains("masterKey") && xml.Contains("EncryptedData"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
