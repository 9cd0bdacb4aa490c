using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OneClick.MetaSandbox;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Sandbox;

/// <summary>
/// A real sandbox on a free port plus a webhook receiver, for one test. Registers phone numbers whose webhooks
/// go to the receiver, and offers small helpers for Graph and control calls.
/// </summary>
internal sealed class SandboxHarness : IAsyncDisposable
{
    public const string Token = "test-token";
    public const string AppSecret = "test-app-secret";
    public const string WabaId = "102290129340398";
    public const string DisplayNumber = "15550001234";

    /// <summary>Short webhook delays so tests finish fast; sent → delivered → read stay clearly ordered.</summary>
    public static readonly object FastDelays = new { sent = 10, delivered = 60, read = 110 };

    private SandboxHarness(WebApplication app, HttpClient client, WebhookReceiver receiver)
    {
        App = app;
        Client = client;
        Receiver = receiver;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public WebhookReceiver Receiver { get; }

    public static async Task<SandboxHarness> StartAsync(params string[] extraArgs)
    {
        var receiver = await WebhookReceiver.StartAsync();
        var app = SandboxApp.Build(["--urls", "http://127.0.0.1:0", "--Sandbox:Webhooks:InitialBackoffMs=20", .. extraArgs]);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        return new SandboxHarness(app, client, receiver);
    }

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>A live group of the number with one participant besides the business (group sends need one); returns its id.</summary>
    public string AddGroup(string phoneNumberId)
    {
        var group = Service<OneClick.MetaSandbox.Groups.GroupRegistry>().Add(phoneNumberId, DateTimeOffset.UtcNow);
        lock (group.Gate)
        {
            group.Participants.Add("15550002222");
        }

        return group.Id;
    }

    /// <summary>Registers a number (webhooks to the receiver) and sets fast webhook delays.</summary>
    public async Task RegisterAsync(string phoneNumberId, bool webhooks = true, bool tokenExpired = false, string status = "CONNECTED")
    {
        var response = await PostJsonAsync("/_sandbox/phone-numbers", JsonSerializer.Serialize(new
        {
            phoneNumberId,
            wabaId = WabaId,
            accessToken = Token,
            appSecret = AppSecret,
            webhookUrl = webhooks ? Receiver.Url.ToString() : null,
            displayPhoneNumber = DisplayNumber,
            verifiedName = "Demo Shop",
            tokenExpired,
            status,
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await SetBehaviourAsync(phoneNumberId, new { webhookDelaysMs = FastDelays });
    }

    public async Task SetBehaviourAsync(string phoneNumberId, object behaviour)
    {
        using var content = new StringContent(JsonSerializer.Serialize(behaviour), Encoding.UTF8, "application/json");
        var response = await Client.PutAsync(new Uri($"/_sandbox/phone-numbers/{phoneNumberId}/behaviour", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>POSTs a body to /v25.0/{id}/messages with the given bearer token (none when null).</summary>
    public async Task<GraphAnswer> SendAsync(string phoneNumberId, string body, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v25.0/{phoneNumberId}/messages", UriKind.Relative));
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Client.SendAsync(request);
        return await GraphAnswer.ReadAsync(response);
    }

    public async Task<GraphAnswer> GetAsync(string path, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Client.SendAsync(request);
        return await GraphAnswer.ReadAsync(response);
    }

    public async Task<HttpResponseMessage> PostJsonAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    public static string Text(string to, string body, string? callbackData = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["messaging_product"] = "whatsapp",
        ["to"] = to,
        ["type"] = "text",
        ["text"] = new { body },
        ["biz_opaque_callback_data"] = callbackData,
    }.Where(pair => pair.Value is not null).ToDictionary());

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>An answer from the sandbox: HTTP status and the parsed JSON body.</summary>
internal sealed record GraphAnswer(HttpStatusCode Status, JsonElement Body, string Raw)
{
    public static async Task<GraphAnswer> ReadAsync(HttpResponseMessage response)
    {
        var raw = await response.Content.ReadAsStringAsync();
        var body = raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone();
        return new GraphAnswer(response.StatusCode, body, raw);
    }

    public JsonElement Error => Body.GetProperty("error");

    public int ErrorCode => Error.GetProperty("code").GetInt32();

    public string ErrorDetails => Error.GetProperty("error_data").GetProperty("details").GetString()!;

    public string MessageId => Body.GetProperty("messages")[0].GetProperty("id").GetString()!;
}
