using System.Security.Cryptography;
using System.Text;

namespace OneClick.MetaSandbox.Webhooks;

/// <summary>X-Hub-Signature-256: "sha256=" + lowercase hex HMAC-SHA256 of the exact body bytes, keyed with the app secret.</summary>
internal static class WebhookSignature
{
    public const string HeaderName = "X-Hub-Signature-256";

    public static string Compute(ReadOnlySpan<byte> body, string appSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));
}
