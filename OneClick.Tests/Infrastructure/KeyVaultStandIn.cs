using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// A local HTTPS stand-in for the Key Vault secrets REST API (set and get secrets, with versions), so tests
/// drive the real <see cref="SecretClient"/> — its challenge-based auth, retries and JSON — over a real
/// TLS connection. Only Entra ID is replaced: the client gets a fixed token, which the stand-in checks.
/// It records every secret value it receives, so tests can assert what went to the vault.
/// </summary>
public sealed class KeyVaultStandIn : IAsyncDisposable
{
    public const string Token = "test-entra-token";
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;

    public ConcurrentDictionary<string, List<(string Version, string Value)>> Secrets { get; } = new();

    /// <summary>How many times each secret name was read (found or not), so tests can count the app's vault reads.</summary>
    public ConcurrentDictionary<string, int> Reads { get; } = new();

    public int ReadsOf(string name) => Reads.TryGetValue(name, out var count) ? count : 0;
    public Uri VaultUri { get; private set; } = null!;

    private KeyVaultStandIn(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public static async Task<KeyVaultStandIn> StartAsync()
    {
        var certificate = SelfSignedCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(certificate)));
        var app = builder.Build();
        var standIn = new KeyVaultStandIn(app, certificate);

        app.Use(async (http, next) =>
        {
            // Key Vault answers an unauthenticated request with a challenge naming the authority and resource.
            if (http.Request.Headers.Authorization != $"Bearer {Token}")
            {
                http.Response.StatusCode = 401;
                http.Response.Headers.WWWAuthenticate =
                    "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"";
                return;
            }
            await next(http);
        });
        app.MapPut("/secrets/{name}", async (string name, HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            var value = body?["value"]?.GetValue<string>();
            if (value is null)
                return Results.Json(new { error = new { code = "BadParameter", message = "value is required" } }, statusCode: 400);
            var version = Guid.NewGuid().ToString("N");
            standIn.Secrets.AddOrUpdate(name, _ => [(version, value)], (_, list) => { lock (list) list.Add((version, value)); return list; });
            return Results.Json(standIn.Bundle(name, version, value));
        });
        app.MapGet("/secrets/{name}/{version?}", (string name, string? version) =>
        {
            standIn.Reads.AddOrUpdate(name, 1, (_, count) => count + 1);
            if (!standIn.Secrets.TryGetValue(name, out var versions))
                return Results.Json(new { error = new { code = "SecretNotFound", message = $"A secret with (name/id) {name} was not found in this key vault." } }, statusCode: 404);
            (string Version, string Value) found;
            lock (versions)
                found = string.IsNullOrEmpty(version) ? versions[^1] : versions.FirstOrDefault(v => v.Version == version);
            return found.Value is null
                ? Results.Json(new { error = new { code = "SecretNotFound", message = "Version not found." } }, statusCode: 404)
                : Results.Json(standIn.Bundle(name, found.Version, found.Value));
        });
        await app.StartAsync();
        // Port 0: the system's choice, read back once bound (a port found free beforehand can be taken in between).
        standIn.VaultUri = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return standIn;
    }

    /// <summary>The real SecretClient, trusting only this stand-in's certificate.</summary>
    public SecretClient CreateClient()
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.Thumbprint == _certificate.Thumbprint,
        };
        return new SecretClient(VaultUri, new FixedTokenCredential(), new SecretClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(handler),
            Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(50) },
        });
    }

    public bool Holds(string value) => Secrets.Values.Any(list => { lock (list) return list.Any(v => v.Value == value); });

    private object Bundle(string name, string version, string value) => new
    {
        value,
        id = new Uri(VaultUri, $"secrets/{name}/{version}").ToString(),
        attributes = new { enabled = true, created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), updated = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), recoveryLevel = "Recoverable+Purgeable" },
    };

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private sealed class FixedTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(Token, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _certificate.Dispose();
    }
}
