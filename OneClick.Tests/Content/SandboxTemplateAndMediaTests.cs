using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OneClick.Core.Meta;
using OneClick.Tests.Sandbox;

namespace OneClick.Tests.Content;

/// <summary>The sandbox's template management and media endpoints, spoken to as Meta's Graph API.</summary>
public sealed class SandboxTemplateAndMediaTests : IAsyncLifetime
{
    private const string PhoneId = "1234567899";
    private const string Waba = SandboxHarness.WabaId;
    private SandboxHarness _sandbox = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHarness.StartAsync();
        await _sandbox.RegisterAsync(PhoneId);
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    private async Task<GraphAnswer> CreateAsync(string body, string? token = SandboxHarness.Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v25.0/{Waba}/message_templates", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _sandbox.Client.SendAsync(request);
        return await GraphAnswer.ReadAsync(response);
    }

    private async Task<GraphAnswer> DeleteAsync(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/v25.0/{Waba}/message_templates?{query}", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxHarness.Token);
        using var response = await _sandbox.Client.SendAsync(request);
        return await GraphAnswer.ReadAsync(response);
    }

    [Fact]
    public async Task Create_answers_pending_then_a_signed_status_webhook_approves_and_the_template_can_be_sent()
    {
        var created = await CreateAsync(ContentKit.OrderUpdate);

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal("PENDING", created.Body.GetProperty("status").GetString());
        var webhooks = await _sandbox.Receiver.WaitForAsync(all => all.Any(w => w.Text.Contains("message_template_status_update", StringComparison.Ordinal)));
        var webhook = webhooks.First(w => w.Text.Contains("message_template_status_update", StringComparison.Ordinal));
        Assert.Equal(WebhookSignature.Compute(webhook.Body, SandboxHarness.AppSecret), webhook.Signature);
        Assert.Equal("APPROVED", webhook.Value.GetProperty("event").GetString());
        Assert.Equal(created.Body.GetProperty("id").GetString(), webhook.Value.GetProperty("message_template_id").GetRawText());

        var node = await _sandbox.GetAsync($"/v25.0/{created.Body.GetProperty("id").GetString()}");
        Assert.Equal("APPROVED", node.Body.GetProperty("status").GetString());
        var send = await _sandbox.SendAsync(PhoneId, """
            {"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"order_update","language":{"code":"en_US"},
             "components":[{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ana"},{"type":"text","parameter_name":"order_number","text":"1"}]}]}}
            """);
        Assert.Equal(HttpStatusCode.OK, send.Status);
    }

    [Fact]
    public async Task A_send_of_a_created_template_needs_its_url_button_parameter()
    {
        var templates = _sandbox.Service<OneClick.MetaSandbox.Templates.TemplateStore>();
        using var document = JsonDocument.Parse(ContentKit.SpringSale);
        var (template, error) = OneClick.MetaSandbox.Templates.TemplateRules.Parse(document.RootElement, "77");
        Assert.Null(error);
        templates.Save(Waba, template! with { Status = "APPROVED" });
        string Send(string buttons) => $$$"""
            {"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"spring_sale","language":{"code":"en_US"},
             "components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://cdn.example/a.png"}}]},
              {"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"20%"}]}{{{buttons}}}]}}
            """;

        var ok = await _sandbox.SendAsync(PhoneId, Send(""",{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"X"}]}"""));
        var missing = await _sandbox.SendAsync(PhoneId, Send(""));
        var outOfRange = await _sandbox.SendAsync(PhoneId, Send(""",{"type":"button","sub_type":"url","index":"4","parameters":[{"type":"text","text":"X"}]}"""));

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(132000, missing.ErrorCode);
        Assert.Equal(131009, outOfRange.ErrorCode);
    }

    [Fact]
    public async Task Create_refuses_bad_templates_duplicates_and_wrong_tokens_like_meta()
    {
        var missingExample = await CreateAsync("""{"name":"x","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi {{1}}"}]}""");
        var badCategory = await CreateAsync("""{"name":"x","language":"en_US","category":"PROMO","components":[{"type":"BODY","text":"Hi"}]}""");
        var first = await CreateAsync(ContentKit.OrderUpdate);
        var duplicate = await CreateAsync(ContentKit.OrderUpdate);
        var wrongToken = await CreateAsync(ContentKit.OrderUpdate, "nope");

        Assert.Equal(100, missingExample.ErrorCode);
        Assert.Equal(100, badCategory.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(2388024, duplicate.Error.GetProperty("error_subcode").GetInt32());
        Assert.Equal(190, wrongToken.ErrorCode);
    }

    [Fact]
    public async Task The_list_pages_with_cursors_and_filters_and_delete_works_by_name_or_by_id()
    {
        for (var i = 0; i < 7; i++)
            Assert.Equal(HttpStatusCode.OK, (await CreateAsync(ContentKit.OrderUpdate.Replace("order_update", $"t_{i}", StringComparison.Ordinal))).Status);

        var names = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await _sandbox.GetAsync($"/v25.0/{Waba}/message_templates?limit=3" + (after is null ? "" : $"&after={after}"));
            pages++;
            names.AddRange(page.Body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString()!));
            after = page.Body.GetProperty("paging").TryGetProperty("next", out _) ? page.Body.GetProperty("paging").GetProperty("cursors").GetProperty("after").GetString() : null;
        }
        while (after is not null);
        Assert.Equal(3, pages);
        Assert.Equal(8, names.Distinct().Count()); // + hello_world
        var utility = await _sandbox.GetAsync($"/v25.0/{Waba}/message_templates?category=UTILITY&name=t_&limit=100");
        Assert.Equal(7, utility.Body.GetProperty("data").GetArrayLength());

        var one = utility.Body.GetProperty("data")[0];
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync($"name={one.GetProperty("name").GetString()}&hsm_id={one.GetProperty("id").GetString()}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync("name=t_1")).Status);
        Assert.Equal(100, (await DeleteAsync("name=t_1")).ErrorCode);
        Assert.Equal(131008, (await DeleteAsync("")).ErrorCode);
        var left = await _sandbox.GetAsync($"/v25.0/{Waba}/message_templates?name=t_&limit=100");
        Assert.Equal(5, left.Body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Media_upload_get_download_and_delete_follow_meta_and_refuse_bad_files()
    {
        async Task<GraphAnswer> UploadAsync(byte[] bytes, string mimeType, bool product = true)
        {
            using var form = new MultipartFormDataContent();
            if (product)
                form.Add(new StringContent("whatsapp"), "messaging_product");
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
            form.Add(file, "file", "f");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v25.0/{PhoneId}/media", UriKind.Relative)) { Content = form };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxHarness.Token);
            using var response = await _sandbox.Client.SendAsync(request);
            return await GraphAnswer.ReadAsync(response);
        }

        var uploaded = await UploadAsync([1, 2, 3, 4], "image/png");
        Assert.Equal(HttpStatusCode.OK, uploaded.Status);
        var id = uploaded.Body.GetProperty("id").GetString()!;
        Assert.Equal(131053, (await UploadAsync([1], "application/zip")).ErrorCode);
        Assert.Equal(131053, (await UploadAsync(new byte[(5 * 1024 * 1024) + 1], "image/png")).ErrorCode);
        Assert.Equal(131008, (await UploadAsync([1], "image/png", product: false)).ErrorCode);

        var node = await _sandbox.GetAsync($"/v25.0/{id}");
        Assert.Equal("image/png", node.Body.GetProperty("mime_type").GetString());
        Assert.Equal("4", node.Body.GetProperty("file_size").GetString());
        var url = new Uri(node.Body.GetProperty("url").GetString()!);
        using (var noToken = await _sandbox.Client.GetAsync(url))
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        using (var download = new HttpRequestMessage(HttpMethod.Get, url))
        {
            download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxHarness.Token);
            using var file = await _sandbox.Client.SendAsync(download);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, await file.Content.ReadAsByteArrayAsync());
        }

        using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/v25.0/{id}", UriKind.Relative));
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxHarness.Token);
        using (var deleted = await _sandbox.Client.SendAsync(delete))
            Assert.True(JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement.GetProperty("success").GetBoolean());
        Assert.Equal(100, (await _sandbox.GetAsync($"/v25.0/{id}")).ErrorCode);
    }
}
