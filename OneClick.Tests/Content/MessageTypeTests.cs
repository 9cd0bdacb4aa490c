using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>Every message type through POST /api/messages to the sandbox, and a bad example of each refused with a 400 naming the field.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class MessageTypeTests(OneClickEnvironment env)
{
    public static TheoryData<string, string, string> ValidMessages => new()
    {
        // type, the request's content members, a path into Meta's payload that must be there
        { "text", """ "text":{"body":"See https://example.com","previewUrl":true} """, "text.preview_url" },
        { "image", """ "image":{"link":"https://cdn.example/a.png","caption":"New in"} """, "image.caption" },
        { "video", """ "video":{"link":"https://cdn.example/a.mp4","caption":"Watch"} """, "video.link" },
        { "audio", """ "audio":{"link":"https://cdn.example/a.ogg"} """, "audio.link" },
        { "document", """ "document":{"link":"https://cdn.example/a.pdf","caption":"Invoice","filename":"invoice.pdf"} """, "document.filename" },
        { "sticker", """ "sticker":{"link":"https://cdn.example/a.webp"} """, "sticker.link" },
        { "location", """ "location":{"latitude":52.37,"longitude":4.89,"name":"Shop","address":"Damrak 1"} """, "location.address" },
        { "contacts", """ "contacts":[{"name":{"formatted_name":"Ana Lima","first_name":"Ana"},"phones":[{"phone":"+14155550100","type":"WORK"}],"emails":[{"email":"ana@example.com"}],"birthday":"1990-05-01"}] """, "contacts.0.name.formatted_name" },
        { "interactive", """ "interactive":{"type":"button","header":{"type":"text","text":"Hi"},"body":{"text":"Pick one"},"footer":{"text":"Shop"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}},{"type":"reply","reply":{"id":"n","title":"No"}}]}} """, "interactive.action.buttons.1.reply.title" },
        { "interactive", """ "interactive":{"type":"list","header":{"type":"text","text":"Menu"},"body":{"text":"Choose"},"action":{"button":"Options","sections":[{"title":"A","rows":[{"id":"r1","title":"One","description":"First"}]},{"title":"B","rows":[{"id":"r2","title":"Two"}]}]}} """, "interactive.action.sections.1.rows.0.id" },
        { "interactive", """ "interactive":{"type":"cta_url","header":{"type":"image","image":{"link":"https://cdn.example/a.png"}},"body":{"text":"See dates"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://example.com/dates"}}} """, "interactive.action.parameters.url" },
    };

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public async Task Each_message_type_reaches_meta_as_meta_expects_it_and_keeps_metadata_and_payload(string type, string content, string path)
    {
        var tenant = await env.CreateTenantAsync();

        var id = await SendRawAsync(tenant, $$$"""{"to":"+14155550170","type":"{{{type}}}",{{{content}}},"metadata":{"campaign":"c-1"}}""");

        var message = await tenant.WaitForStatusAsync(id, "read");
        Assert.Equal("c-1", message["metadata"]!["campaign"]!.GetValue<string>());
        var sent = await ContentKit.SandboxBodyAsync(env, tenant, id);
        Assert.Equal(type, sent["type"]!.GetValue<string>());
        Assert.NotNull(At(sent, path));
        Assert.Equal(sent[type]!.ToJsonString(), message["payload"]![type]!.ToJsonString());
    }

    [Fact]
    public async Task An_uploaded_image_is_sent_by_its_media_id()
    {
        var tenant = await env.CreateTenantAsync();
        var upload = await MediaUploadTests.UploadAsync(tenant, new byte[2 * 1024 * 1024], "image/png", "big.png");
        upload.AssertStatus(HttpStatusCode.Created);
        var mediaId = upload.Json["id"]!.GetValue<string>();

        var id = await tenant.SendMessageAsync(new { to = "+14155550171", type = "image", image = new { id = mediaId, caption = "Yours" } });

        await tenant.WaitForStatusAsync(id, "read");
        Assert.Equal(mediaId, (await ContentKit.SandboxBodyAsync(env, tenant, id))["image"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_reaction_to_a_received_message_and_a_quoted_reply_go_out_and_mark_as_read_answers_at_once()
    {
        var tenant = await env.CreateTenantAsync();
        var inbound = await ContentKit.InboundAsync(env, tenant, "+14155550172", "Do you have it in blue?");

        var reaction = await tenant.SendMessageAsync(new { to = "+14155550172", type = "reaction", reaction = new { messageId = inbound, emoji = "👍🏽" } });
        var reply = await tenant.SendMessageAsync(new { to = "+14155550172", type = "text", text = new { body = "Yes!" }, replyTo = inbound });
        var read = await tenant.Post("api/messages", new { type = "read", read = new { messageId = inbound, typingIndicator = true } });

        read.AssertStatus(HttpStatusCode.OK);
        Assert.True(read.Json["success"]!.GetValue<bool>());
        await tenant.WaitForStatusAsync(reaction, "sent");
        Assert.Equal(inbound, (await ContentKit.SandboxBodyAsync(env, tenant, reaction))["reaction"]!["message_id"]!.GetValue<string>());
        Assert.Equal(inbound, (await ContentKit.SandboxBodyAsync(env, tenant, reply))["context"]!["message_id"]!.GetValue<string>());
        // A read receipt is not a stored message.
        Assert.Equal(2, (await tenant.Get("api/messages")).Json["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Marking_an_unknown_message_as_read_is_meta_s_131009_as_a_400()
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await tenant.Post("api/messages", new { type = "read", read = new { messageId = "wamid.NOTKNOWN" } });

        Assert.Equal(131009, reply.AssertValidation("read.messageId")["metaCode"]!.GetValue<int>());
    }

    public static TheoryData<string, string> InvalidMessages => new()
    {
        { """{"to":"+14155550173","type":"text","text":{"body":""}}""", "text.body" },
        { """{"to":"+14155550173","type":"image","image":{}}""", "image" },
        { """{"to":"+14155550173","type":"image","image":{"id":"123","link":"https://cdn.example/a.png"}}""", "image" },
        { """{"to":"+14155550173","type":"image","image":{"link":"ftp://cdn.example/a.png"}}""", "image.link" },
        { """{"to":"+14155550173","type":"image","image":{"id":"not-a-media-id"}}""", "image.id" },
        { $$$"""{"to":"+14155550173","type":"image","image":{"link":"https://cdn.example/a.png","caption":"{{{new string('c', 1025)}}}"}}""", "image.caption" },
        { """{"to":"+14155550173","type":"video"}""", "video" },
        { """{"to":"+14155550173","type":"audio","audio":{"link":"https://cdn.example/a.ogg","caption":"no"}}""", "audio.caption" },
        { """{"to":"+14155550173","type":"document","document":{"link":"https://cdn.example/a.pdf","filename":"../etc/passwd"}}""", "document.filename" },
        { """{"to":"+14155550173","type":"image","image":{"link":"https://cdn.example/a.png","filename":"a.png"}}""", "image.filename" },
        { """{"to":"+14155550173","type":"sticker","sticker":{"link":"https://cdn.example/a.webp","caption":"no"}}""", "sticker.caption" },
        { """{"to":"+14155550173","type":"location","location":{"latitude":91,"longitude":4.89}}""", "location.latitude" },
        { """{"to":"+14155550173","type":"location","location":{"latitude":52}}""", "location.longitude" },
        { """{"to":"+14155550173","type":"contacts","contacts":[]}""", "contacts" },
        { """{"to":"+14155550173","type":"contacts","contacts":[{"name":{"first_name":"Ana"}}]}""", "contacts[0].name.formatted_name" },
        { """{"to":"+14155550173","type":"contacts","contacts":[{"name":{"formatted_name":"Ana"},"birthday":"01/05/1990"}]}""", "contacts[0].birthday" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"carousel","body":{"text":"x"},"action":{}}}""", "interactive.type" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[]}}}""", "interactive.action.buttons" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"A"}},{"type":"reply","reply":{"id":"2","title":"B"}},{"type":"reply","reply":{"id":"3","title":"C"}},{"type":"reply","reply":{"id":"4","title":"D"}}]}}}""", "interactive.action.buttons" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"A title longer than 20"}}]}}}""", "interactive.action.buttons[0].reply.title" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"A"}},{"type":"reply","reply":{"id":"1","title":"B"}}]}}}""", "interactive.action.buttons[1].reply.id" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"button","action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"A"}}]}}}""", "interactive.body.text" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"footer":{"text":"This footer is much longer than sixty characters, which Meta refuses"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"A"}}]}}}""", "interactive.footer.text" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"list","body":{"text":"x"},"action":{"button":"Options","sections":[{"title":"A","rows":[{"id":"r","title":"One"}]},{"rows":[{"id":"s","title":"Two"}]}]}}}""", "interactive.action.sections[1].title" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"list","body":{"text":"x"},"action":{"button":"Options","sections":[{"rows":[{"id":"1","title":"a"},{"id":"2","title":"a"},{"id":"3","title":"a"},{"id":"4","title":"a"},{"id":"5","title":"a"},{"id":"6","title":"a"},{"id":"7","title":"a"},{"id":"8","title":"a"},{"id":"9","title":"a"},{"id":"10","title":"a"},{"id":"11","title":"a"}]}]}}}""", "interactive.action.sections" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"list","body":{"text":"x"},"action":{"button":"Options","sections":[{"rows":[{"id":"1","title":"a","description":"This description is far longer than the seventy-two characters Meta allows"}]}]}}}""", "interactive.action.sections[0].rows[0].description" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"list","header":{"type":"image","image":{"link":"https://cdn.example/a.png"}},"body":{"text":"x"},"action":{"button":"Options","sections":[{"rows":[{"id":"1","title":"a"}]}]}}}""", "interactive.header.type" },
        { """{"to":"+14155550173","type":"interactive","interactive":{"type":"cta_url","body":{"text":"x"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"javascript:alert(1)"}}}}""", "interactive.action.parameters.url" },
        { """{"to":"+14155550173","type":"reaction","reaction":{"messageId":"123","emoji":"👍"}}""", "reaction.messageId" },
        { """{"to":"+14155550173","type":"reaction","reaction":{"messageId":"wamid.ABC","emoji":"ok"}}""", "reaction.emoji" },
        { """{"to":"+14155550173","type":"reaction","reaction":{"messageId":"wamid.ABC","emoji":"👍👍"}}""", "reaction.emoji" },
        { """{"to":"+14155550173","type":"text","text":{"body":"x"},"replyTo":"nope"}""", "replyTo" },
        { """{"type":"read","read":{"messageId":"x"}}""", "read.messageId" },
        { """{"to":"+14155550173","type":"read","read":{"messageId":"wamid.ABC"}}""", "type" },
        { """{"to":"+14155550173","type":"pin","pin":{}}""", "type" },
    };

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public async Task A_bad_message_of_each_type_is_400_naming_the_field_and_nothing_is_stored_or_sent(string body, string field)
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", body);

        reply.AssertValidation(field);
        await tenant.AssertNothingWrittenAsync();
        Assert.Empty(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task A_media_upload_or_read_receipt_without_credentials_is_409()
    {
        var tenant = await env.CreateBareTenantAsync();
        (await tenant.Post("api/messages", new { type = "read", read = new { messageId = "wamid.ABC" } })).AssertProblem(HttpStatusCode.Conflict);
        (await MediaUploadTests.UploadAsync(tenant, [1, 2, 3], "image/png", "a.png")).AssertProblem(HttpStatusCode.Conflict);
    }

    private static JsonNode? At(JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var part in path.Split('.'))
            current = int.TryParse(part, out var index) ? current?[index] : current?[part];
        return current;
    }

    private static async Task<string> SendRawAsync(TestTenant tenant, string body)
    {
        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", body);
        reply.AssertStatus(HttpStatusCode.Accepted);
        return reply.Json["id"]!.GetValue<string>();
    }
}
