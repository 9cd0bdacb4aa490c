using System.Security.Cryptography;
using System.Text;

namespace OneClick.Core.Tenants;

/// <summary>
/// API keys are 256 random bits, so a plain SHA-256 is enough to store them safely
/// (no salt or slow hash needed: there is nothing to guess).
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "ock_";

    public static string Generate() =>
        Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key's entry in the authentication caches (known keys, and <see cref="Caching.UnknownKeys"/>).</summary>
    public static string CacheKey(string apiKey) => "apikey:" + Hash(apiKey);

    public static string Hash(string apiKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    /// <summary>Constant-time comparison of a presented key with an expected one.</summary>
    public static bool Matches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
