using System.Security.Cryptography;
using System.Text;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Graph;

/// <summary>
/// Resolves the phone number a Graph call addresses and checks its bearer token.
/// Order matters and mirrors Meta: unknown object id first (400 / 100 / 33), then the token (401 / 190).
/// </summary>
internal sealed class GraphAuthenticator(PhoneNumberRegistry registry, TimeProvider time)
{
    public (PhoneNumberRegistration? Number, GraphFailure? Failure) AuthorizePhoneNumber(HttpRequest request, string phoneNumberId)
    {
        var number = registry.Find(phoneNumberId);
        if (number is null)
        {
            return (null, GraphErrors.UnknownObject(phoneNumberId, request.Method));
        }

        var token = ReadAccessToken(request);
        if (token is null || !TokensEqual(token, number.AccessToken))
        {
            return (null, GraphErrors.InvalidToken());
        }

        if (number.TokenExpired)
        {
            var now = time.GetUtcNow();
            return (null, GraphErrors.ExpiredToken(now.AddHours(-1), now));
        }

        return (number, null);
    }

    /// <summary>Graph accepts "Authorization: Bearer x" and, like Meta, the access_token query parameter.</summary>
    private static string? ReadAccessToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            var token = header[scheme.Length..].Trim();
            return token.Length > 0 ? token : null;
        }

        var query = request.Query["access_token"].ToString();
        return query.Length > 0 ? query : null;
    }

    // Constant-time so the sandbox does not teach bad habits around secrets.
    private static bool TokensEqual(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
