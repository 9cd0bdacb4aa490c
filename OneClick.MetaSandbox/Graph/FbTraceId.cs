using System.Security.Cryptography;

namespace OneClick.MetaSandbox.Graph;

/// <summary>Meta tags every error with an opaque trace id such as "Az8or2yhqkZfEZ-_4Qn_Bam".</summary>
internal static class FbTraceId
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    public static string New() => "A" + RandomNumberGenerator.GetString(Alphabet, 22);
}
