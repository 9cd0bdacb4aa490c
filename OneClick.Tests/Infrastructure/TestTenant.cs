using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace OneClick.Tests.Infrastructure;

public sealed record TestTenant(
    OneClickEnvironment Environment, string Id, string ApiKey,
    string WabaId, string PhoneNumberId, string AccessToken, string AppSecret, string VerifyToken, bool PlatformApp = false)
{
    /// <summary>Where Meta (the sandbox) sends this tenant's webhooks: the app-level callback for a platform-app tenant.</summary>
    public string WebhookPath => PlatformApp ? "api/webhooks/meta" : $"api/webhooks/meta/{Id}";

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<HttpResponseMessage> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, JsonContent.Create(body));

    public Task<HttpResponseMessage> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, JsonContent.Create(body));

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string contentType = "application/json") =>
        SendAsync(HttpMethod.Post, path, new StringContent(body, Encoding.UTF8, contentType));

    public async Task<JsonObject> GetJsonAsync(string path)
    {
        using var response = await GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Sends a message and returns its id.</summary>
    public async Task<string> SendMessageAsync(object request)
    {
        using var response = await PostAsync("api/messages", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>Polls a message until its status is <paramref name="status"/> (or fails the test after the timeout).</summary>
    public Task<JsonObject> WaitForStatusAsync(string messageId, string status, TimeSpan? timeout = null) =>
        PollMessageAsync(messageId, m => m["status"]!.GetValue<string>() == status, $"reaching '{status}'", timeout);

    /// <summary>Polls a message until Meta has accepted it, whatever status webhooks have moved it on to since.</summary>
    public Task<JsonObject> WaitUntilAcceptedAsync(string messageId, TimeSpan? timeout = null) =>
        PollMessageAsync(messageId, m => m["history"]!.AsArray().Any(h => h!["status"]!.GetValue<string>() == "accepted"), "being accepted", timeout);

    /// <summary>Polls a message until <paramref name="done"/> holds (<paramref name="what"/> names it in the timeout's message).</summary>
    public Task<JsonObject> PollMessageAsync(string messageId, Func<JsonObject, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.Async(() => GetJsonAsync($"api/messages/{messageId}"), done, $"message {messageId} {what}", timeout);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, new Uri(Environment.AppUrl, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return await Environment.Http.SendAsync(request);
    }
}
