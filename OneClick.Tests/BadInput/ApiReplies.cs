using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.BadInput;

/// <summary>
/// A response read in full. Every <see cref="Api"/> call fails the test on a 5xx, so each test that goes
/// through it also checks "never a 500".
/// </summary>
public sealed record Reply(HttpMethod Method, string Path, HttpStatusCode Status, string? MediaType, string Body, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders)
{
    public JsonObject Json => JsonNode.Parse(Body) as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {this}");

    public override string ToString() => $"{Method} {Path} → {(int)Status} {MediaType}: {(Body.Length > 2000 ? Body[..2000] + "…" : Body)}";
}

public static class Api
{
    public const string ProblemJson = "application/problem+json";

    public static async Task<Reply> SendAsync(OneClickEnvironment env, HttpMethod method, string path, string? apiKey, HttpContent? content = null, string scheme = "Bearer")
    {
        ArgumentNullException.ThrowIfNull(env);
        using var request = new HttpRequestMessage(method, new Uri(env.AppUrl, path)) { Content = content };
        // With 100-continue the client waits for the server before sending a body: an oversized body is answered
        // 413 without being written, instead of the server closing the socket while the client is still writing.
        request.Headers.ExpectContinue = content is not null;
        if (apiKey is not null)
            request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {apiKey}");
        using var response = await env.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var reply = new Reply(method, path, response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response.Headers, response.Content.Headers);
        Assert.True((int)response.StatusCode < 500, $"Server error: {reply}");
        return reply;
    }

    public static Task<Reply> AdminAsync(this OneClickEnvironment env, HttpMethod method, string path, object? body = null) =>
        SendAsync(env, method, path, OneClickEnvironment.AdminKey, body is null ? null : JsonContent.Create(body));

    public static Task<Reply> AdminRawAsync(this OneClickEnvironment env, HttpMethod method, string path, string body, string contentType = "application/json") =>
        SendAsync(env, method, path, OneClickEnvironment.AdminKey, new StringContent(body, Encoding.UTF8, contentType));

    public static Task<Reply> Get(this TestTenant tenant, string path)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return SendAsync(tenant.Environment, HttpMethod.Get, path, tenant.ApiKey);
    }

    public static Task<Reply> Post(this TestTenant tenant, string path, object body)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return SendAsync(tenant.Environment, HttpMethod.Post, path, tenant.ApiKey, JsonContent.Create(body));
    }

    public static Task<Reply> Put(this TestTenant tenant, string path, object body)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return SendAsync(tenant.Environment, HttpMethod.Put, path, tenant.ApiKey, JsonContent.Create(body));
    }

    public static Task<Reply> Raw(this TestTenant tenant, HttpMethod method, string path, string body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return SendAsync(tenant.Environment, method, path, tenant.ApiKey, new StringContent(body, Encoding.UTF8, contentType));
    }

    public static Task<Reply> Send(this TestTenant tenant, HttpMethod method, string path, HttpContent? content)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return SendAsync(tenant.Environment, method, path, tenant.ApiKey, content);
    }

    /// <summary>An RFC 7807 answer with this status: problem+json, with status and title.</summary>
    public static JsonObject AssertProblem(this Reply reply, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(reply);
        Assert.True(reply.Status == status, $"Expected {(int)status}, got {reply}");
        Assert.True(reply.MediaType == ProblemJson, $"Expected {ProblemJson}, got {reply}");
        var json = reply.Json;
        Assert.True(json["status"]?.GetValue<int>() == (int)status, $"status member missing or wrong: {reply}");
        Assert.False(string.IsNullOrWhiteSpace(json["title"]?.GetValue<string>()), $"title missing: {reply}");
        // One error model: every problem names its kind with one of OneClick's type URIs (docs/api.md).
        Assert.True(json["type"]?.GetValue<string>() is { } type && type.StartsWith("urn:oneclick:problem:", StringComparison.Ordinal), $"type is not a OneClick problem type: {reply}");
        return json;
    }

    /// <summary>A 400 problem that says what was unreadable (framework-level bad input: JSON, types, empty body).</summary>
    public static JsonObject AssertUnreadable(this Reply reply, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var json = reply.AssertProblem(status);
        Assert.False(string.IsNullOrWhiteSpace(json["detail"]?.GetValue<string>()), $"detail missing: {reply}");
        return json;
    }

    /// <summary>A 400 validation problem with an error for each of <paramref name="fields"/>.</summary>
    public static JsonObject AssertValidation(this Reply reply, params string[] fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var json = reply.AssertProblem(HttpStatusCode.BadRequest);
        var errors = json["errors"] as JsonObject;
        Assert.True(errors is not null, $"errors missing: {reply}");
        foreach (var field in fields)
        {
            var problems = errors[field] as JsonArray;
            Assert.True(problems is { Count: > 0 } && problems.All(p => !string.IsNullOrWhiteSpace(p?.GetValue<string>())),
                $"No error for '{field}': {reply}");
        }
        return json;
    }

    public static void AssertStatus(this Reply reply, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(reply);
        Assert.True(reply.Status == status, $"Expected {(int)status}, got {reply}");
    }

    /// <summary>Every entity of every table in the account.</summary>
    public static async Task<List<(string Table, TableEntity Entity)>> AllEntitiesAsync(this OneClickEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var all = new List<(string, TableEntity)>();
        await foreach (var table in env.Storage.Tables.QueryAsync())
            await foreach (var entity in env.Storage.Table(table.Name).QueryAsync<TableEntity>())
                all.Add((table.Name, entity));
        return all;
    }

    public static async Task<List<TableEntity>> EntitiesAsync(this OneClickEnvironment env, string table, string? partitionKey = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        var all = new List<TableEntity>();
        var query = partitionKey is null
            ? env.Storage.Table(table).QueryAsync<TableEntity>()
            : env.Storage.Table(table).QueryAsync<TableEntity>(e => e.PartitionKey == partitionKey);
        await foreach (var entity in query)
            all.Add(entity);
        return all;
    }

    /// <summary>
    /// Nothing was stored for a tenant whose requests were all refused: no message, no due schedule row,
    /// and no contact (a message is validated in full before its contact is created).
    /// </summary>
    public static async Task AssertNothingWrittenAsync(this TestTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var env = tenant.Environment;
        var list = await tenant.Get("api/messages");
        list.AssertStatus(HttpStatusCode.OK);
        Assert.True(list.Json["items"]!.AsArray().Count == 0, $"Messages were stored: {list}");

        var due = (await env.EntitiesAsync(TableNames.DueSchedules))
            .Where(e => e.RowKey.Contains(tenant.Id, StringComparison.Ordinal) || e.Any(kv => kv.Value?.ToString()?.Contains(tenant.Id, StringComparison.Ordinal) == true))
            .ToList();
        Assert.True(due.Count == 0, $"Due schedule rows were written: {string.Join(", ", due.Select(d => d.RowKey))}");

        Assert.Empty(await env.EntitiesAsync(TableNames.Messages, tenant.Id));
        var contacts = await env.EntitiesAsync(TableNames.Contacts, tenant.Id);
        Assert.True(contacts.Count == 0, $"Contacts were written: {string.Join(", ", contacts.Select(c => c.RowKey))}");
    }

    /// <summary>A tenant made through the API with no credentials and no sandbox number (WabaId etc. are unused placeholders).</summary>
    public static async Task<TestTenant> CreateBareTenantAsync(this OneClickEnvironment env, string? defaultRegion = null, string? id = null)
    {
        var created = await env.AdminAsync(HttpMethod.Post, "api/tenants", new { id, name = "Bare tenant", defaultRegion });
        created.AssertStatus(HttpStatusCode.Created);
        var json = created.Json;
        return new TestTenant(env, json["tenant"]!["id"]!.GetValue<string>(), json["apiKey"]!.GetValue<string>(),
            WabaId: "", PhoneNumberId: "", AccessToken: "", AppSecret: "", VerifyToken: "");
    }

    public static string NewTenantId() => "t-" + Guid.NewGuid().ToString("N")[..16];

    public static string NewMessageId() => "m" + Guid.NewGuid().ToString("N");

    public static string NewContactId() => "c" + Guid.NewGuid().ToString("N")[..24];
}
