using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Processes.Host.DataProtection;

/// <summary>
/// The key that encrypts the Data Protection keys at rest (AES-256-GCM): from Processes:DataProtection:Key, or a
/// key file the host generated. Its id (a hash prefix, not the key) is stored with every encrypted key, so a host
/// configured with a different key says so instead of failing obscurely.
/// </summary>
internal sealed class KeyEncryptionKey
{
    public KeyEncryptionKey(byte[] key, string source)
    {
        if (key.Length != 32)
        {
            throw new InvalidOperationException($"{source} must be 32 bytes (Base64 of 32 random bytes), not {key.Length}.");
        }
        Key = key;
        Source = source;
        Id = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    public byte[] Key { get; }

    public string Source { get; }

    public string Id { get; }
}

internal sealed class AesGcmXmlEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    internal static readonly XNamespace Namespace = "urn:processes:data-protection";
    internal static readonly XName Root = Namespace + "aesGcmEncrypted";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Key, TagSize))
        {
            aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), AssociatedData(key.Id));
        }
        CryptographicOperations.ZeroMemory(plain);
        var element = new XElement(Root,
            new XAttribute("keyId", key.Id),
            new XComment(" AES-256-GCM with Processes:DataProtection:Key (or the host's generated key file) "),
            new XElement(Namespace + "value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(AesGcmXmlDecryptor));
    }

    internal static byte[] AssociatedData(string keyId) => Encoding.UTF8.GetBytes("processes-data-protection-v1:" + keyId);

    internal static (int Nonce, int Tag) Sizes => (NonceSize, TagSize);
}

/// <summary>Created by Data Protection from the type name stored with each key, hence the service-provider constructor.</summary>
internal sealed class AesGcmXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetRequiredService<KeyEncryptionKey>();
        var keyId = (string?)encryptedElement.Attribute("keyId");
        if (keyId != key.Id)
        {
            throw new CryptographicException(
                $"A Data Protection key was encrypted with another key-encryption key (id {keyId}) than this host's (id {key.Id}, from {key.Source}). " +
                "Every host sharing the database must be configured with the same Processes:DataProtection:Key.");
        }
        var sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element(AesGcmXmlEncryptor.Namespace + "value") ?? "");
        var (nonceSize, tagSize) = AesGcmXmlEncryptor.Sizes;
        if (sealedBytes.Length < nonceSize + tagSize)
        {
            throw new CryptographicException("An encrypted Data Protection key is truncated.");
        }
        var plain = new byte[sealedBytes.Length - nonceSize - tagSize];
        using (var aes = new AesGcm(key.Key, tagSize))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, nonceSize), sealedBytes.AsSpan(nonceSize + tagSize), sealedBytes.AsSpan(nonceSize, tagSize), plain,
                AesGcmXmlEncryptor.AssociatedData(keyId));
        }
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plain));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}
