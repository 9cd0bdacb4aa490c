using System.Net;
using System.Text.Json;
using OneClick.MetaSandbox.Templates;

namespace OneClick.Tests.Sandbox;

/// <summary>POST /{version}/{phone-number-id}/messages: success shapes, auth errors and Meta-style validation.</summary>
public sealed class SandboxSendTests : IAsyncLifetime
{
    private const string PhoneId = "1234567890";
    private const string GroupId = "Y2FwaV9ncm91cDoxOTUwNTU1MDA3OToxMjAzNjMzOTQzMjAdOTY0MTUZD";
    private SandboxHarness _sandbox = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHarness.StartAsync();
        await _sandbox.RegisterAsync(PhoneId, webhooks: false);
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Text_send_answers_with_meta_success_shape()
    {
        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+1 (555) 000-1111", "hello"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("whatsapp", answer.Body.GetProperty("messaging_product").GetString());
        var contact = Assert.Single(answer.Body.GetProperty("contacts").EnumerateArray());
        Assert.Equal("+1 (555) 000-1111", contact.GetProperty("input").GetString());
        Assert.Equal("15550001111", contact.GetProperty("wa_id").GetString());
        var message = Assert.Single(answer.Body.GetProperty("messages").EnumerateArray());
        Assert.StartsWith("wamid.", message.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.False(message.TryGetProperty("message_status", out _), "message_status is only on template sends");
        Assert.False(message.TryGetProperty("group_id", out _));
    }

    [Fact]
    public async Task Template_send_adds_message_status_accepted()
    {
        var answer = await _sandbox.SendAsync(PhoneId, """
            {"messaging_product":"whatsapp","to":"+15550001111","type":"template",
             "template":{"name":"hello_world","language":{"code":"en_US"}}}
            """);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var message = answer.Body.GetProperty("messages")[0];
        Assert.Equal("accepted", message.GetProperty("message_status").GetString());
        Assert.Equal("15550001111", answer.Body.GetProperty("contacts")[0].GetProperty("wa_id").GetString());
    }

    [Fact]
    public async Task Group_send_echoes_group_id_as_input_and_wa_id()
    {
        var groupId = _sandbox.AddGroup(PhoneId);
        var answer = await _sandbox.SendAsync(PhoneId, $$$"""
            {"messaging_product":"whatsapp","recipient_type":"group","to":"{{{groupId}}}","type":"text","text":{"body":"hi all"}}
            """);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var contact = answer.Body.GetProperty("contacts")[0];
        Assert.Equal(groupId, contact.GetProperty("input").GetString());
        Assert.Equal(groupId, contact.GetProperty("wa_id").GetString());
        Assert.Equal(groupId, answer.Body.GetProperty("messages")[0].GetProperty("group_id").GetString());
    }

    [Fact]
    public async Task Missing_token_is_oauth_190()
    {
        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"), token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal(190, answer.ErrorCode);
        Assert.Equal("OAuthException", answer.Error.GetProperty("type").GetString());
        Assert.Equal("Invalid OAuth access token - Cannot parse access token", answer.Error.GetProperty("message").GetString());
        Assert.False(string.IsNullOrEmpty(answer.Error.GetProperty("fbtrace_id").GetString()));
    }

    [Fact]
    public async Task Wrong_token_is_oauth_190()
    {
        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"), token: "someone-elses-token");

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal(190, answer.ErrorCode);
        Assert.False(answer.Error.TryGetProperty("error_subcode", out _));
    }

    [Fact]
    public async Task Expired_token_is_190_with_subcode_463()
    {
        await _sandbox.RegisterAsync("2000000001", webhooks: false, tokenExpired: true);

        var answer = await _sandbox.SendAsync("2000000001", SandboxHarness.Text("+15550001111", "hi"));

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal(190, answer.ErrorCode);
        Assert.Equal(463, answer.Error.GetProperty("error_subcode").GetInt32());
        Assert.StartsWith("Error validating access token: Session has expired on ", answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_phone_number_id_is_checked_before_the_token()
    {
        var answer = await _sandbox.SendAsync("999999", SandboxHarness.Text("+15550001111", "hi"), token: "anything");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(100, answer.ErrorCode);
        Assert.Equal(33, answer.Error.GetProperty("error_subcode").GetInt32());
        Assert.Equal("GraphMethodException", answer.Error.GetProperty("type").GetString());
        Assert.StartsWith("Unsupported post request. Object with ID '999999' does not exist", answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_phone_number_on_get_says_get_request()
    {
        var answer = await _sandbox.GetAsync("/v25.0/999999?fields=status");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.StartsWith("Unsupported get request.", answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json", 100, "not valid JSON")]
    [InlineData("""{"to":"+15550001111","type":"text","text":{"body":"x"}}""", 131008, "messaging_product")]
    [InlineData("""{"messaging_product":"sms","to":"+15550001111","type":"text","text":{"body":"x"}}""", 100, "messaging_product")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"text","text":{}}""", 131008, "text['body']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"text"}""", 131008, "text")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"fax","fax":{}}""", 100, "type")]
    [InlineData("""{"messaging_product":"whatsapp","to":"12345","type":"text","text":{"body":"x"}}""", 131009, "to")]
    [InlineData("""{"messaging_product":"whatsapp","to":"Y2FwaV9ncm91cDoxOTUwNTU1","type":"text","text":{"body":"x"}}""", 100, "recipient_type and to type do not match")]
    [InlineData("""{"messaging_product":"whatsapp","recipient_type":"group","to":"+15550001111","type":"text","text":{"body":"x"}}""", 100, "recipient_type and to type do not match")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"image","image":{"id":"123","link":"https://x.test/a.png"}}""", 100, "image['id'] or image['link']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"image","image":{}}""", 131008, "image['id'] or image['link']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"audio","audio":{"id":"1","caption":"no"}}""", 100, "audio['caption']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"document","document":{"link":"ftp://x/a.pdf"}}""", 131009, "document['link']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"location","location":{"latitude":91,"longitude":0}}""", 131009, "latitude")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"location","location":{"latitude":1}}""", 131008, "location['longitude']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"contacts","contacts":[{"name":{"first_name":"A"}}]}""", 131008, "contacts[0]['name']['formatted_name']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"reaction","reaction":{"emoji":"x"}}""", 131008, "reaction['message_id']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"pin","pin":{"type":"pin","message_id":"wamid.x","expiration_days":3}}""", 131051, "groups")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"Hello-World","language":{"code":"en_US"}}}""", 131009, "template['name']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"hello_world"}}""", 131008, "template['language']")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"hello_world","language":{"code":"pt_BR"}}}""", 132001, "does not exist in pt_BR")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"hello_world","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"x"}]}]}}""", 132000, "body: number of localizable_params (1) does not match the expected number of params (0)")]
    [InlineData("""{"messaging_product":"whatsapp","to":"+15550001111","type":"text","text":{"body":"x"},"context":{}}""", 131008, "context['message_id']")]
    [InlineData("""{"messaging_product":"whatsapp","status":"read"}""", 131008, "message_id")]
    [InlineData("""{"messaging_product":"whatsapp","status":"read","message_id":"wamid.unknown"}""", 131009, "message_id")]
    public async Task Invalid_payloads_fail_like_meta(string body, int code, string detailsFragment)
    {
        var answer = await _sandbox.SendAsync(PhoneId, body);

        Assert.Equal(code == 132001 ? HttpStatusCode.NotFound : HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(code, answer.ErrorCode);
        Assert.Equal($"(#{code})", answer.Error.GetProperty("message").GetString()!.Split(' ')[0]);
        Assert.Equal("OAuthException", answer.Error.GetProperty("type").GetString());
        Assert.Equal("whatsapp", answer.Error.GetProperty("error_data").GetProperty("messaging_product").GetString());
        Assert.Contains(detailsFragment, answer.ErrorDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_longer_than_4096_is_131009()
    {
        var ok = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", new string('a', 4096)));
        var tooLong = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", new string('a', 4097)));

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(131009, tooLong.ErrorCode);
        Assert.Equal("(#131009) Parameter value is not valid", tooLong.Error.GetProperty("message").GetString());
        Assert.Contains("text['body'] must be at most 4096", tooLong.ErrorDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Callback_data_longer_than_512_is_131009()
    {
        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "x", new string('c', 513)));

        Assert.Equal(131009, answer.ErrorCode);
        Assert.Contains("biz_opaque_callback_data", answer.ErrorDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interactive_to_a_group_is_rejected()
    {
        var answer = await _sandbox.SendAsync(PhoneId, $$$"""
            {"messaging_product":"whatsapp","recipient_type":"group","to":"{{{GroupId}}}","type":"interactive",
             "interactive":{"type":"button","body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]} } }
            """);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(131051, answer.ErrorCode);
        Assert.Contains("group", answer.ErrorDetails, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"button","body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"b","title":"B"}},{"type":"reply","reply":{"id":"c","title":"C"}}]}}""", 0, "")]
    [InlineData("""{"type":"button","body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"b","title":"B"}},{"type":"reply","reply":{"id":"c","title":"C"}},{"type":"reply","reply":{"id":"d","title":"D"}}]}}""", 131009, "between 1 and 3")]
    [InlineData("""{"type":"button","body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"a","title":"B"}}]}}""", 131009, "unique ids")]
    [InlineData("""{"type":"button","body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"Twenty-one characters"}}]}}""", 131009, "['title'] must be at most 20")]
    [InlineData("""{"type":"button","action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}""", 131008, "interactive['body']")]
    [InlineData("""{"type":"list","body":{"text":"Menu"},"action":{"button":"Open","sections":[{"rows":[{"id":"1","title":"a"},{"id":"2","title":"b"},{"id":"3","title":"c"},{"id":"4","title":"d"},{"id":"5","title":"e"},{"id":"6","title":"f"},{"id":"7","title":"g"},{"id":"8","title":"h"},{"id":"9","title":"i"},{"id":"10","title":"j"},{"id":"11","title":"k"}]}]}}""", 131009, "at most 10 rows")]
    [InlineData("""{"type":"list","body":{"text":"Menu"},"action":{"button":"Open","sections":[{"rows":[{"id":"1","title":"A row title that is too long"}]}]}}""", 131009, "must be at most 24")]
    [InlineData("""{"type":"cta_url","body":{"text":"See"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://example.test/x"}}}""", 0, "")]
    [InlineData("""{"type":"cta_url","body":{"text":"See"},"action":{"name":"cta_url","parameters":{"url":"https://example.test/x"}}}""", 131008, "display_text")]
    public async Task Interactive_messages_are_validated(string interactive, int code, string detailsFragment)
    {
        var answer = await _sandbox.SendAsync(PhoneId,
            $$$"""{"messaging_product":"whatsapp","to":"+15550001111","type":"interactive","interactive":{{{interactive}}}}""");

        if (code == 0)
        {
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            return;
        }

        Assert.Equal(code, answer.ErrorCode);
        Assert.Contains(detailsFragment, answer.ErrorDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pin_in_a_group_needs_expiration_days_between_1_and_30()
    {
        var groupId = _sandbox.AddGroup(PhoneId);
        var pinned = (await _sandbox.SendAsync(PhoneId, $$$"""
            {"messaging_product":"whatsapp","recipient_type":"group","to":"{{{groupId}}}","type":"text","text":{"body":"pin me"}}
            """)).MessageId;
        string Pin(string extra) => $$$"""
            {"messaging_product":"whatsapp","recipient_type":"group","to":"{{{groupId}}}","type":"pin",
             "pin":{"type":"pin","message_id":"{{{pinned}}}"{{{extra}}}}}
            """;

        var missing = await _sandbox.SendAsync(PhoneId, Pin(""));
        var outOfRange = await _sandbox.SendAsync(PhoneId, Pin(""","expiration_days":31"""));
        var ok = await _sandbox.SendAsync(PhoneId, Pin(""","expiration_days":"4" """));

        Assert.Equal(131008, missing.ErrorCode);
        Assert.Equal(131009, outOfRange.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, ok.Status);
    }

    [Fact]
    public async Task Named_template_parameters_are_matched_by_name()
    {
        var templates = _sandbox.Service<TemplateStore>();
        templates.Save(SandboxHarness.WabaId, new MessageTemplate(
            "1", "spring_sale", "en_US", "MARKETING", "APPROVED", MessageTemplate.Named,
            new TemplateHeader("IMAGE"), "Hi {{first_name}}, {{discount}} off today!"));

        string Send(string header, string body) => $$$"""
            {"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"spring_sale","language":{"code":"en_US"},
             "components":[{{{header}}}{"type":"body","parameters":[{{{body}}}]}]}}
            """;
        const string image = """{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.test/a.png"}}]},""";
        const string video = """{"type":"header","parameters":[{"type":"video","video":{"link":"https://example.test/a.mp4"}}]},""";
        const string both = """{"type":"text","parameter_name":"first_name","text":"Ana"},{"type":"text","parameter_name":"discount","text":"20%"}""";

        var ok = await _sandbox.SendAsync(PhoneId, Send(image, both));
        var wrongName = await _sandbox.SendAsync(PhoneId, Send(image,
            """{"type":"text","parameter_name":"first_name","text":"Ana"},{"type":"text","parameter_name":"percent","text":"20%"}"""));
        var tooFew = await _sandbox.SendAsync(PhoneId, Send(image, """{"type":"text","parameter_name":"first_name","text":"Ana"}"""));
        var noHeader = await _sandbox.SendAsync(PhoneId, Send("", both));
        var wrongHeader = await _sandbox.SendAsync(PhoneId, Send(video, both));
        var newline = await _sandbox.SendAsync(PhoneId, Send(image,
            """{"type":"text","parameter_name":"first_name","text":"Ana\nMaria"},{"type":"text","parameter_name":"discount","text":"20%"}"""));

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(132000, wrongName.ErrorCode);
        Assert.Contains("discount", wrongName.ErrorDetails, StringComparison.Ordinal);
        Assert.Equal(132000, tooFew.ErrorCode);
        Assert.Equal(132000, noHeader.ErrorCode);
        Assert.Equal(132012, wrongHeader.ErrorCode);
        Assert.Equal(100, newline.ErrorCode);
    }

    [Fact]
    public async Task Paused_and_disabled_templates_cannot_be_sent()
    {
        var templates = _sandbox.Service<TemplateStore>();
        templates.Save(SandboxHarness.WabaId, new MessageTemplate("2", "paused_one", "en_US", "MARKETING", "PAUSED", MessageTemplate.Positional, null, "Hi"));
        templates.Save(SandboxHarness.WabaId, new MessageTemplate("3", "pending_one", "en_US", "MARKETING", "PENDING", MessageTemplate.Positional, null, "Hi"));

        string Send(string name) => $$$"""
            {"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"{{{name}}}","language":{"code":"en_US"} } }
            """;

        Assert.Equal(132015, (await _sandbox.SendAsync(PhoneId, Send("paused_one"))).ErrorCode);
        Assert.Equal(132001, (await _sandbox.SendAsync(PhoneId, Send("pending_one"))).ErrorCode);
    }

    [Fact]
    public async Task Sending_to_the_business_number_itself_is_131021()
    {
        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+" + SandboxHarness.DisplayNumber, "me"));

        Assert.Equal(131021, answer.ErrorCode);
    }

    [Fact]
    public async Task A_number_that_is_not_connected_cannot_send()
    {
        await _sandbox.RegisterAsync("2000000002", webhooks: false, status: "DISCONNECTED");

        var answer = await _sandbox.SendAsync("2000000002", SandboxHarness.Text("+15550001111", "x"));

        Assert.Equal(133010, answer.ErrorCode);
    }

    [Fact]
    public async Task Phone_number_node_honours_fields()
    {
        var all = await _sandbox.GetAsync($"/v25.0/{PhoneId}");
        var some = await _sandbox.GetAsync($"/v24.0/{PhoneId}?fields=throughput,quality_rating");
        var unknown = await _sandbox.GetAsync($"/v25.0/{PhoneId}?fields=nope");
        var unauthorized = await _sandbox.GetAsync($"/v25.0/{PhoneId}", token: "bad");

        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Equal(PhoneId, all.Body.GetProperty("id").GetString());
        Assert.Equal("Demo Shop", all.Body.GetProperty("verified_name").GetString());
        Assert.Equal(SandboxHarness.DisplayNumber, all.Body.GetProperty("display_phone_number").GetString());
        Assert.Equal("TIER_2K", all.Body.GetProperty("whatsapp_business_manager_messaging_limit").GetString());
        Assert.Equal("CLOUD_API", all.Body.GetProperty("platform_type").GetString());
        Assert.Equal(
            new[] { "id", "quality_rating", "throughput" },
            some.Body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("STANDARD", some.Body.GetProperty("throughput").GetProperty("level").GetString());
        Assert.Equal(100, unknown.ErrorCode);
        Assert.Equal(190, unauthorized.ErrorCode);
    }

    [Fact]
    public async Task Unknown_graph_paths_answer_with_a_graph_error()
    {
        var answer = await _sandbox.GetAsync("/v25.0/1/2/3");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(2500, answer.ErrorCode);
        Assert.Equal(JsonValueKind.Object, answer.Body.ValueKind);
    }
}
