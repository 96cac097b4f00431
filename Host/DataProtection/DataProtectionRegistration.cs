using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Processes.Host.Postgres;

namespace Processes.Host.DataProtection;

/// <summary>
/// Data Protection (session cookies, antiforgery tokens): keys in PostgreSQL, shared by all hosts, encrypted at rest
/// with Processes:DataProtection:Key (Base64 of 32 bytes, AES-256-GCM) or Processes:DataProtection:Certificate (a
/// PFX file, with …:CertificatePassword). With neither, the host generates a key file on first start
/// (Processes:DataProtection:KeyFile, default next to the embedded database's folder) and warns that several hosts
/// must be configured with one shared key instead.
/// </summary>
public static class DataProtectionRegistration
{
    public const string Section = "Processes:DataProtection";

    public static IHostApplicationBuilder AddProcessesDataProtection(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration.GetSection(Section);
        // One name for every host, so they all read each other's protected data (the default is the content root path).
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("Processes");
        var certificatePath = configuration["Certificate"];
        var useCertificate = string.IsNullOrWhiteSpace(configuration["Key"]) && !string.IsNullOrWhiteSpace(certificatePath);
        if (useCertificate)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath!, configuration["CertificatePassword"]);
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        else
        {
            builder.Services.AddSingleton(services => ResolveKey(configuration, services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DataProtectionRegistration))));
            // Resolved at start, so a bad key stops the host at once and the generated-key warning shows in the start log.
            builder.Services.AddHostedService<KeyEncryptionKeyCheck>();
        }
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new PostgresXmlRepository(services.GetRequiredService<ProcessesDatabase>());
            if (!useCertificate)
            {
                options.XmlEncryptor = new AesGcmXmlEncryptor(services.GetRequiredService<KeyEncryptionKey>());
            }
        }));
        return builder;
    }

    private static KeyEncryptionKey ResolveKey(IConfiguration configuration, ILogger logger)
    {
        if (configuration["Key"] is { Length: > 0 } configured)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(configured.Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{Section}:Key is not Base64; generate one with: openssl rand -base64 32");
            }
            return new KeyEncryptionKey(key, $"{Section}:Key");
        }
        var path = configuration["KeyFile"] is { Length: > 0 } file ? Path.GetFullPath(file)
            : Path.Combine(Path.GetDirectoryName(new EmbeddedPostgresOptions().ResolveDataDirectory())!, "data-protection.key");
        var (bytes, created) = ReadOrCreateKeyFile(path);
        logger.LogWarning(
            "{What} the key that encrypts the Data Protection keys (session cookies) in the database: {Path}. " +
            "Keep it secret and back it up. Several hosts sharing one database must all be configured with the same key: " +
            "set {Section}:Key (Base64 of 32 random bytes, e.g. `openssl rand -base64 32`) on every host.",
            created ? "FIRST START: generated" : "No " + Section + ":Key configured; using", path, Section);
        return new KeyEncryptionKey(bytes, path);
    }

    private static (byte[] Key, bool Created) ReadOrCreateKeyFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(32);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var writer = new StreamWriter(path, options))
            {
                writer.WriteLine(Convert.ToBase64String(key));
            }
            return (key, true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another host (or an earlier start) created it first: everyone uses that one. A reader racing the
            // writer may see it empty for a moment, hence the short retry.
            for (var attempt = 0; ; attempt++)
            {
                var text = File.ReadAllText(path).Trim();
                if (text.Length > 0 || attempt >= 20)
                {
                    try
                    {
                        return (Convert.FromBase64String(text), false);
                    }
                    catch (FormatException)
                    {
                        throw new InvalidOperationException($"The Data Protection key file {path} does not hold a Base64 key; delete it only if no keys were stored with it yet.");
                    }
                }
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Does nothing but take the key: being created at start is what resolves (and checks, and logs) it.</summary>
    private sealed class KeyEncryptionKeyCheck : IHostedService
    {
        public KeyEncryptionKeyCheck(KeyEncryptionKey key) => ArgumentNullException.ThrowIfNull(key);

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
