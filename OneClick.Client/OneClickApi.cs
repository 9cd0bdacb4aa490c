using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace OneClick.Client;

/// <summary>Creates the generated <see cref="OneClickApiClient"/> for one app and one API key (a tenant's or the admin's).</summary>
public static class OneClickApi
{
    /// <param name="baseUrl">The app, e.g. http://127.0.0.1:7071 (the operations' paths start with /api).</param>
    /// <param name="apiKey">Sent as <c>Authorization: Bearer</c>, to that app's host only.</param>
    /// <param name="httpClient">Optional: the caller's own (its lifetime stays the caller's).</param>
    public static OneClickApiClient Create(Uri baseUrl, string apiKey, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var authentication = new BaseBearerTokenAuthenticationProvider(new ApiKey(apiKey, baseUrl.Host));
        var adapter = new HttpClientRequestAdapter(authentication, httpClient: httpClient)
        {
            BaseUrl = baseUrl.GetLeftPart(UriPartial.Authority),
        };
        return new OneClickApiClient(adapter);
    }

    private sealed class ApiKey(string key, string host) : IAccessTokenProvider
    {
        public AllowedHostsValidator AllowedHostsValidator { get; } = new([host]);

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(AllowedHostsValidator.IsUrlHostValid(uri) ? key : string.Empty);
    }
}
