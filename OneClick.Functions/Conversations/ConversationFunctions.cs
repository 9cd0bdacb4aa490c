using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Contacts;
using OneClick.Core.Conversations;
using OneClick.Core.Messages;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Sessions;
using OneClick.Core.Storage;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Conversations;

public sealed record ConversationMedia(string Id, string? MimeType, string DownloadUrl);

/// <summary>One entry of a conversation: an inbound message as received, or an outbound message with its status.</summary>
public sealed record ConversationItemView(
    string Id, string Direction, DateTimeOffset At, string Type, string? Text,
    ConversationMedia? Media, string? ReplyToMessageId, string? ReplyId, JsonNode? Errors,
    string? Status, DateTimeOffset? RepliedAt, string? MetaMessageId, JsonNode? Payload)
{
    /// <summary>An inbound Flow reply (nfm_reply): the answers, as Meta's response_json object.</summary>
    public JsonNode? FlowResponse { get; init; }
}

public sealed record SessionView(
    string SessionId, string ContactId, DateTimeOffset StartedAt, DateTimeOffset LastActivityAt, DateTimeOffset ExpiresAt, bool Expired,
    JsonNode? Context, IReadOnlyList<SessionEvent> Timeline);

public sealed record SetSessionRequest(JsonObject? Context);

/// <summary>
/// A contact's conversation and session (/api/contacts/{contactId}/...), and the inbound media its messages
/// point to (/api/media/{mediaId}), for the calling tenant.
/// </summary>
[Authorize(Policy = Policies.Tenant)]
public sealed partial class ConversationFunctions(
    ContactStore contacts, ConversationStore conversations, SessionStore sessions, TenantSecrets secrets, MediaDownloader downloader, TimeProvider clock)
{
    public const int MaxContextKeys = 50;

    [Function("GetContactConversation")]
    public async Task<IResult> Conversation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/{contactId}/conversation")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var tenantId = request.HttpContext.User.TenantId()!;
        if (await contacts.GetAsync(tenantId, contactId, cancellationToken) is null)
            return Problem.NotFound("contact");
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await conversations.PageAsync(tenantId, contactId, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<ConversationItemView>(page.Items.Select(x => View(x.Entry, x.Message)).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    [Function("GetContactSession")]
    public async Task<IResult> GetSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/{contactId}/session")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        var session = await sessions.GetAsync(request.HttpContext.User.TenantId()!, contactId, cancellationToken);
        return session is null ? Problem.NotFound("session for that contact") : TypedResults.Ok(ViewOf(session, clock.GetUtcNow()));
    }

    [Function("SetContactSession")]
    public async Task<IResult> SetSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "contacts/{contactId}/session")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<SetSessionRequest>(cancellationToken);
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        if (body.Context is not { Count: > 0 and <= MaxContextKeys } context || context.Any(p => p.Key.Length is 0 or > 64))
            return Problem.Validation("context", $"An object of 1–{MaxContextKeys} keys (1–64 characters) to set; a null value removes the key.");
        var tenantId = request.HttpContext.User.TenantId()!;
        if (await contacts.GetAsync(tenantId, contactId, cancellationToken) is null)
            return Problem.NotFound("contact");
        try
        {
            var values = context.ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
            var session = await sessions.SetContextAsync(tenantId, contactId, values, "api|" + Guid.NewGuid().ToString("N"), cancellationToken);
            return TypedResults.Ok(ViewOf(session, clock.GetUtcNow()));
        }
        catch (SessionContextTooLargeException e)
        {
            return Problem.Validation("context", e.Message);
        }
    }

    [Function("ListContactSessionHistory")]
    public async Task<IResult> SessionHistory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/{contactId}/session/history")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var tenantId = request.HttpContext.User.TenantId()!;
        // Another tenant's (or no) contact is not found, not an empty history, as for the contact's other reads.
        if (await contacts.GetAsync(tenantId, contactId, cancellationToken) is null)
            return Problem.NotFound("contact");
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await sessions.PageEndedAsync(tenantId, contactId, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<SessionView>(page.Items.Select(s => ViewOf(s, clock.GetUtcNow())).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    /// <summary>Inbound media, fetched from Meta and streamed through (the conversation's downloadUrl).</summary>
    [Function("DownloadMedia")]
    public async Task<IResult> Media(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "media/{mediaId}")] HttpRequest request, string mediaId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaId().IsMatch(mediaId))
            return Problem.Validation("mediaId", "Not a Meta media id.");
        var credentials = await secrets.GetAsync(request.HttpContext.User.TenantId()!, cancellationToken);
        if (credentials is null)
            return Problem.Conflict("The tenant has no Meta credentials: store them with PUT /api/tenants/{id}/credentials.");
        MediaDownload? download;
        try
        {
            download = await downloader.DownloadAsync(mediaId, credentials.AccessToken, cancellationToken);
        }
        catch (MetaUnreachableException e)
        {
            return Problem.Status(StatusCodes.Status502BadGateway, "Meta did not deliver the media.", e.Message);
        }
        if (download is null)
            return Problem.NotFound("media (Meta keeps inbound media for 7 days)");
        request.HttpContext.Response.RegisterForDispose(download);
        if (download.Sha256 is not null)
            request.HttpContext.Response.Headers["X-Media-Sha256"] = download.Sha256;
        return TypedResults.Stream(await download.OpenAsync(cancellationToken), download.MimeType);
    }

    private static ConversationItemView View(ConversationEntryEntity e, MessageEntity? m)
    {
        if (m is not null)
        {
            var payload = JsonNode.Parse(m.PayloadJson);
            var text = payload?[m.Type]?["body"]?.GetValue<string>() ?? payload?[m.Type]?["name"]?.GetValue<string>();
            return new ConversationItemView(m.Id, "out", m.CreatedAt, m.Type, text, null, null, null, null, m.Status, m.RepliedAt, m.MetaMessageId, payload);
        }
        return new ConversationItemView(
            e.MetaMessageId!, "in", e.At, e.Type ?? "unknown", e.Text,
            e.MediaId is null ? null : new ConversationMedia(e.MediaId, e.MediaMimeType, $"/api/media/{Uri.EscapeDataString(e.MediaId)}"),
            e.ReplyToMessageId, e.ReplyId, e.ErrorsJson is null ? null : JsonNode.Parse(e.ErrorsJson),
            null, null, e.MetaMessageId, e.PayloadJson is null || e.PayloadTruncated ? null : JsonNode.Parse(e.PayloadJson))
        {
            FlowResponse = e.FlowResponseJson is null ? null : JsonNode.Parse(e.FlowResponseJson),
        };
    }

    private SessionView ViewOf(SessionEntity s, DateTimeOffset now) => new(
        s.SessionId, s.ContactId, s.StartedAt, s.LastActivityAt, s.LastActivityAt + sessions.IdleTimeout, sessions.IsExpired(s, now),
        JsonNode.Parse(s.ContextJson), JsonSerializer.Deserialize<List<SessionEvent>>(s.TimelineJson, JsonSerializerOptions.Web) ?? []);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex MediaId();
}

/// <summary>A contact's 24-hour window as GET /api/contacts/{id} shows it.</summary>
public sealed record ServiceWindowView(DateTimeOffset? LastInboundAt, DateTimeOffset? ClosesAt, bool Open)
{
    public static ServiceWindowView For(ContactEntity contact) =>
        new(contact?.LastInboundAt, ServiceWindow.ClosesAt(contact!), ServiceWindow.IsOpen(contact!, DateTimeOffset.UtcNow));
}
