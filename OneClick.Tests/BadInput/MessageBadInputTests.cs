using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.BadInput;

/// <summary>
/// POST /api/messages with bad input: always a 4xx problem (RFC 7807), never a 500, and nothing stored —
/// no message, no due schedule row, no contact.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class MessageBadInputTests(OneClickEnvironment env)
{
    private const string Valid = """{"to":"+14155550140","type":"text","text":{"body":"Hello"}}""";

    [Fact]
    public async Task The_valid_body_these_tests_break_is_accepted()
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", Valid);

        reply.AssertStatus(HttpStatusCode.Accepted);
        Assert.Single((await tenant.Get("api/messages")).Json["items"]!.AsArray());
    }

    public static TheoryData<string> UnreadableBodies => new()
    {
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"}""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"}}}""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"}} trailing""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello",}}""",
        """{'to':'+14155550140','type':'text','text':{'body':'Hello'}}""",
        """{"to":+14155550140,"type":"text","text":{"body":"Hello"}}""",
        """{"to":14155550140,"type":"text","text":{"body":"Hello"}}""",
        """{"to":123,"type":"text","text":{"body":"Hello"}}""",
        """{"to":"+14155550140","type":"text","text":"x"}""",
        """{"to":"+14155550140","type":"text","text":{"body":5}}""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello","previewUrl":"yes"}}""",
        """{"to":"+14155550140","type":["text"],"text":{"body":"Hello"}}""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"},"scheduleFor":1893456000}""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"},"metadata":[]}""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"},"metadata":"x"}""",
        """{"to":"+14155550140","type":"template","template":{"name":"hello_world","language":"en_US","components":{}}}""",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"},"contactId":{}}""",
        """{"to":null,"type":"text","text":{"body":"Hello"},"metadata":""" + new string('[', 100) + new string(']', 100) + "}",
        """{"to":"+14155550140","type":"text","text":{"body":"Hello"},"metadata":""" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "}",
        "[]",
        "\"text\"",
        "42",
        "null",
        "",
        "   ",
        "not json at all",
    };

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task An_unreadable_body_is_400_problem_with_a_detail_and_stores_nothing(string body)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", body);

        reply.AssertUnreadable();
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_400_problem_and_store_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        var bytes = Encoding.UTF8.GetBytes("""{"to":"+14155550140","type":"text","text":{"body":"X"}}""");
        bytes[bytes.Length - 5] = 0xFF;
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var reply = await tenant.Send(HttpMethod.Post, "api/messages", content);

        reply.AssertUnreadable();
        await tenant.AssertNothingWrittenAsync();
    }

    public static TheoryData<string, string> InvalidMessages
    {
        get
        {
            string At(TimeSpan fromNow, string format = "yyyy-MM-ddTHH:mm:sszzz") => DateTimeOffset.UtcNow.Add(fromNow).ToString(format, CultureInfo.InvariantCulture);
            string Text(string extra) => """{"to":"+14155550140","type":"text","text":{"body":"Hello"}""" + extra + "}";
            return new()
            {
                { """{"to":"12345","type":"text","text":{"body":"Hello"}}""", "to" },
                { """{"to":"not a phone","type":"text","text":{"body":"Hello"}}""", "to" },
                { """{"to":"+1 555","type":"text","text":{"body":"Hello"}}""", "to" },
                { """{"to":"+999 1234567","type":"text","text":{"body":"Hello"}}""", "to" },
                { """{"to":"","type":"text","text":{"body":"Hello"}}""", "to" },
                { $$$"""{"to":"+{{{new string('1', 40)}}}","type":"text","text":{"body":"Hello"}}""", "to" },
                { """{"type":"text","text":{"body":"Hello"}}""", "to" },
                { """{"to":"+14155550140","contactId":"c0123456789abcdef01234567","type":"text","text":{"body":"Hello"}}""", "to" },
                { """{"contactId":"c/x","type":"text","text":{"body":"Hello"}}""", "contactId" },
                { """{"contactId":"c#x","type":"text","text":{"body":"Hello"}}""", "contactId" },
                { """{"contactId":"nope","type":"text","text":{"body":"Hello"}}""", "contactId" },
                { """{"contactId":"c0123456789abcdef01234567","type":"text","text":{"body":"Hello"}}""", "contactId" },
                { """{"to":"+14155550140"}""", "type" },
                { """{"to":"+14155550140","type":"pin","pin":{"type":"pin"}}""", "type" },
                { """{"to":"+14155550140","type":"TEXT","text":{"body":"Hello"}}""", "type" },
                { """{"to":"+14155550140","type":"text"}""", "text.body" },
                { """{"to":"+14155550140","type":"text","text":{}}""", "text.body" },
                { """{"to":"+14155550140","type":"text","text":{"body":"   "}}""", "text.body" },
                { $$$"""{"to":"+14155550140","type":"text","text":{"body":"{{{new string('x', 4097)}}}"}}""", "text.body" },
                { """{"to":"+14155550140","type":"template"}""", "template.name" },
                { """{"to":"+14155550140","type":"template","template":{"name":"Hello World","language":"en_US"}}""", "template.name" },
                { """{"to":"+14155550140","type":"template","template":{"name":"hello_world","language":"english"}}""", "template.language" },
                { Text(""","scheduleFor":"2020-01-01T00:00:00Z" """), "scheduleFor" },
                { Text($$""","scheduleFor":"{{At(TimeSpan.FromMinutes(-5))}}" """), "scheduleFor" },
                { Text($$""","scheduleFor":"{{At(TimeSpan.FromDays(1), "yyyy-MM-ddTHH:mm:ss")}}" """), "scheduleFor" },
                { Text($$""","scheduleFor":"{{At(TimeSpan.FromDays(1), "yyyy-MM-dd")}}" """), "scheduleFor" },
                { Text(""","scheduleFor":"tomorrow at 9" """), "scheduleFor" },
                { Text(""","scheduleFor":"" """), "scheduleFor" },
                { Text(""","scheduleFor":"2027-02-30T10:00:00Z" """), "scheduleFor" },
                { Text(""","scheduleFor":"2027-01-01T25:00:00Z" """), "scheduleFor" },
                { Text(""","scheduleFor":"2027-01-01T10:00:00+15:00" """), "scheduleFor" },
                { Text(""","scheduleFor":"0001-01-01T00:00:00+01:00" """), "scheduleFor" },
                { Text($$""","scheduleFor":"{{At(TimeSpan.FromDays(366))}}" """), "scheduleFor" },
                { Text(""","scheduleFor":"9999-12-31T23:59:59Z" """), "scheduleFor" },
                { Text($$""","scheduleFor":"{{At(TimeSpan.FromDays(1), "ddd, dd MMM yyyy HH:mm:ss 'GMT'")}}" """), "scheduleFor" },
            };
        }
    }

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public async Task An_invalid_message_is_400_validation_problem_for_the_field_and_stores_nothing(string body, string field)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", body);

        reply.AssertValidation(field);
        await tenant.AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("+1415555/0140")]
    [InlineData("+1415555\\0140")]
    [InlineData("+14155550140#")]
    [InlineData("+1415555?0140")]
    [InlineData("+1415555\u00010140")]
    public async Task A_number_with_characters_table_keys_forbid_is_normalised_to_e164_or_refused(string to)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Post("api/messages", new { to, type = "text", text = new { body = "Hello" } });

        if (reply.Status == HttpStatusCode.Accepted)
        {
            Assert.Matches(@"^\+[1-9][0-9]{6,14}$", reply.Json["to"]!.GetValue<string>());
            var contacts = await env.EntitiesAsync(Core.Storage.TableNames.Contacts, tenant.Id);
            Assert.All(contacts, c => Assert.Matches(@"^(contact\|c[0-9a-f]+|phone\|\+[0-9]+)$", c.RowKey));
        }
        else
        {
            reply.AssertValidation("to");
            await tenant.AssertNothingWrittenAsync();
        }
    }

    [Fact]
    public async Task All_invalid_fields_are_reported_at_once()
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", """{"to":"12","type":"text","text":{"body":""},"scheduleFor":"soon"}""");

        reply.AssertValidation("to", "text.body", "scheduleFor");
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Metadata_too_large_to_store_is_400_and_stores_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        var metadata = Enumerable.Range(0, 40).ToDictionary(i => $"field{i}", _ => new string('m', 1000));

        var reply = await tenant.Post("api/messages", new { to = "+14155550141", type = "text", text = new { body = "Hello" }, metadata });

        reply.AssertValidation("metadata");
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Scheduled_metadata_too_large_to_store_is_400_and_leaves_no_due_row()
    {
        var tenant = await env.CreateBareTenantAsync();
        var metadata = new { blob = new string('m', 200_000) };

        var reply = await tenant.Post("api/messages", new
        {
            to = "+14155550142",
            type = "text",
            text = new { body = "Hello" },
            scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture),
            metadata,
        });

        reply.AssertValidation("metadata");
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Template_components_too_large_to_store_are_400_and_store_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        var parameters = Enumerable.Range(0, 60).Select(i => new { type = "text", text = new string('p', 1000) }).ToArray();

        var reply = await tenant.Post("api/messages", new
        {
            to = "+14155550143",
            type = "template",
            template = new { name = "hello_world", language = "en_US", components = new[] { new { type = "body", parameters } } },
        });

        reply.AssertValidation("template.components");
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task A_body_over_1_MiB_is_413_problem_and_stores_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        var body = $$$"""{"to":"+14155550144","type":"text","text":{"body":"Hello"},"metadata":{"pad":"{{{new string('x', 1024 * 1024)}}}"}}""";

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", body);

        reply.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task A_chunked_body_over_1_MiB_is_413_problem_and_stores_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        // Just over the limit: the server has read nearly all of it when it answers, so the client is not cut off mid-write.
        var bytes = Encoding.UTF8.GetBytes($$$"""{"to":"+14155550145","type":"text","text":{"body":"Hello"},"metadata":{"pad":"{{{new string('x', 1024 * 1024 + 1024)}}}"}}""");
        using var content = new StreamContent(new UnseekableStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var reply = await tenant.Send(HttpMethod.Post, "api/messages", content);

        reply.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        await tenant.AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_json_is_415_problem_and_stores_nothing(string contentType)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", Valid, contentType);

        reply.AssertProblem(HttpStatusCode.UnsupportedMediaType);
        await tenant.AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\u0000")]
    [InlineData("\\udfff\\ud800")]
    public async Task Odd_text_is_accepted_or_refused_cleanly_never_a_500_or_half_written(string escaped)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", $$$"""{"to":"+14155550146","type":"text","text":{"body":"a{{{escaped}}}b"}}""");

        if (reply.Status == HttpStatusCode.Accepted)
        {
            var id = reply.Json["id"]!.GetValue<string>();
            (await tenant.Get($"api/messages/{id}")).AssertStatus(HttpStatusCode.OK);
        }
        else
        {
            reply.AssertProblem(HttpStatusCode.BadRequest);
            await tenant.AssertNothingWrittenAsync();
        }
    }

    [Fact]
    public async Task Rejected_posts_without_a_key_are_401_before_the_body_is_read()
    {
        var tenant = await env.CreateBareTenantAsync();

        var malformed = await Api.SendAsync(env, HttpMethod.Post, "api/messages", null, new StringContent("{not json", Encoding.UTF8, "application/json"));
        var valid = await Api.SendAsync(env, HttpMethod.Post, "api/messages", null, new StringContent(Valid, Encoding.UTF8, "application/json"));

        malformed.AssertProblem(HttpStatusCode.Unauthorized);
        valid.AssertProblem(HttpStatusCode.Unauthorized);
        await tenant.AssertNothingWrittenAsync();
    }

    /// <summary>A stream without a length, so HttpClient sends the body chunked (no Content-Length to refuse up front).</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
