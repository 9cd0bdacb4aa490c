using System.Security.Cryptography;
using System.Text;

namespace OneClick.MetaSandbox.Messages;

/// <summary>
/// Message ids that look like Meta's: "wamid." + base64 of a small binary record that starts with the recipient's number.
/// The random tail varies in length so ids can contain '+', '/' and '=' — deliberately, because clients that use
/// wamids in storage keys (e.g. Table Storage, which forbids '/') must escape them, exactly as with real ids.
/// </summary>
internal static class Wamid
{
    public const string Prefix = "wamid.";

    public static string New(string? recipientDigits = null)
    {
        var digits = recipientDigits is { Length: <= 32 } ? recipientDigits : "";
        var randomLength = RandomNumberGenerator.GetInt32(16, 19);
        var bytes = new byte[4 + digits.Length + randomLength];
        bytes[0] = 0x1C;
        bytes[1] = 0x18;
        bytes[2] = (byte)digits.Length;
        Encoding.ASCII.GetBytes(digits, bytes.AsSpan(3));
        bytes[3 + digits.Length] = 0x15;
        RandomNumberGenerator.Fill(bytes.AsSpan(4 + digits.Length));
        return Prefix + Convert.ToBase64String(bytes);
    }
}
