using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Contract;

/// <summary>
/// OneClick.http (the examples integrators start from) covers every operation of the committed OpenAPI document,
/// names none the document lacks, and works: its requests, run in order against the app with a fresh tenant, answer
/// the status each one states in its "# expect NNN" comment, and none a 5xx.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed partial class HttpFileTests(OneClickEnvironment env)
{
    private static readonly string FilePath = Path.Combine(RepoPaths.Root, "OneClick.http");

    [Fact]
    public void The_file_has_a_request_for_every_operation_and_none_the_document_lacks()
    {
        var (_, requests) = HttpFile.Parse(File.ReadAllText(FilePath));
        var document = JsonNode.Parse(File.ReadAllText(OpenApiDocumentTests.CommittedPath))!;
        var operations = (from path in document["paths"]!.AsObject()
                          from operation in path.Value!.AsObject()
                          select $"{operation.Key.ToUpperInvariant()} {path.Key}").ToHashSet(StringComparer.Ordinal);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var request in requests)
        {
            var path = "/api" + request.Url.Replace("{{baseUrl}}", "", StringComparison.Ordinal).Split('?')[0];
            var match = operations.Where(o => o.StartsWith(request.Method + " ", StringComparison.Ordinal))
                .Select(o => (Operation: o, Literals: Matches(o[(request.Method.Length + 1)..], path)))
                .Where(m => m.Literals >= 0).OrderByDescending(m => m.Literals).FirstOrDefault();
            if (match.Operation is null)
                unknown.Add($"{request.Method} {path}");
            else
                covered.Add(match.Operation);
        }
        Assert.True(unknown.Count == 0, "OneClick.http names operations the document lacks: " + string.Join(", ", unknown));
        var missing = operations.Except(covered).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "OneClick.http has no request for: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Every_request_in_the_file_answers_the_status_it_states()
    {
        var tenant = await env.CreateTenantAsync("Http file");
        var (variables, requests) = HttpFile.Parse(File.ReadAllText(FilePath));
        // The file's values are the local run's; the test app has its own tenant, keys and sandbox number.
        variables["baseUrl"] = new Uri(env.AppUrl, "api").ToString();
        (variables["tenantId"], variables["apiKey"], variables["adminKey"]) = (tenant.Id, tenant.ApiKey, OneClickEnvironment.AdminKey);
        (variables["wabaId"], variables["phoneNumberId"], variables["accessToken"], variables["appSecret"], variables["verifyToken"]) =
            (tenant.WabaId, tenant.PhoneNumberId, tenant.AccessToken, tenant.AppSecret, tenant.VerifyToken);
        // The environment's one platform app pair, so that other tests' platform tenants keep working.
        (variables["platformAppSecret"], variables["platformVerifyToken"]) = (OneClickEnvironment.PlatformAppSecret, OneClickEnvironment.PlatformVerifyToken);

        var answers = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var request in requests)
        {
            Assert.True(request.Expect is not null, $"'{request.Title}' states no '# expect NNN'.");
            // "(retry while 409)": Meta is still at work (a group being created); repeat it, as a person would, until it is done.
            var (status, text) = request.RetryWhile is { } busy
                ? await Eventually.Async(() => SendAsync(request, variables, answers), a => a.Status != busy, $"'{request.Title}' to stop answering {busy}")
                : await SendAsync(request, variables, answers);
            if (status != request.Expect || status >= 500)
                wrong.Add($"'{request.Title}' answered {status}, expected {request.Expect}: {text[..Math.Min(text.Length, 300)]}");
            if (request.Name is not null)
                answers[request.Name] = TryParse(text);
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private async Task<(int Status, string Text)> SendAsync(HttpFile.Request request, Dictionary<string, string> variables, Dictionary<string, JsonNode?> answers)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), Substitute(request.Url, variables, answers));
        string? contentType = null;
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                contentType = value;
            else
                message.Headers.TryAddWithoutValidation(name, Substitute(value, variables, answers));
        }
        if (request.Body is { } body)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Substitute(body, variables, answers).ReplaceLineEndings("\r\n")));
            message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType ?? "application/json");
        }
        using var response = await env.Http.SendAsync(message);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>How many literal segments of the document's path match (-1: it does not match).</summary>
    private static int Matches(string template, string path)
    {
        var (t, p) = (template.Split('/'), path.Split('/'));
        if (t.Length != p.Length)
            return -1;
        var literals = 0;
        for (var i = 0; i < t.Length; i++)
        {
            if (t[i].StartsWith('{'))
                continue;
            if (t[i] != p[i])
                return -1;
            literals++;
        }
        return literals;
    }

    private static string Substitute(string text, Dictionary<string, string> variables, Dictionary<string, JsonNode?> answers) =>
        Reference().Replace(DaysAhead().Replace(text, m => DateTimeOffset.UtcNow.AddDays(int.Parse(m.Groups["days"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)), m =>
        {
            var name = m.Groups["name"].Value;
            if (!m.Groups["path"].Success)
                return variables.TryGetValue(name, out var value) ? value : m.Value;
            var node = answers.GetValueOrDefault(name);
            foreach (Match step in PathStep().Matches(m.Groups["path"].Value))
                node = step.Groups["index"].Success ? node?.AsArray().ElementAtOrDefault(int.Parse(step.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture)) : node?[step.Groups["key"].Value];
            // A missing value makes the request fail its expectation, reported with the others.
            return node?.ToString() ?? "missing-" + name;
        });

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>{{name}} or {{name.response.body.$.a.b[0].c}}.</summary>
    [GeneratedRegex(@"\{\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(\.response\.body\.\$(?<path>[^}]*))?\}\}")]
    private static partial Regex Reference();

    /// <summary>REST Client's {{$datetime iso8601 N d}}: N days from now.</summary>
    [GeneratedRegex(@"\{\{\$datetime iso8601 (?<days>\d+) d\}\}")]
    private static partial Regex DaysAhead();

    [GeneratedRegex(@"\.(?<key>[A-Za-z0-9_]+)|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();
}

/// <summary>The little of the .http format OneClick.http uses: @variables, ### requests, # @name and # expect comments.</summary>
internal static class HttpFile
{
    public sealed record Request(string Title, string? Name, int? Expect, int? RetryWhile, string Method, string Url, List<(string Name, string Value)> Headers, string? Body);

    public static (Dictionary<string, string> Variables, List<Request> Requests) Parse(string text)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new List<Request>();
        var blocks = text.ReplaceLineEndings("\n").Split("\n###");
        foreach (var line in blocks[0].Split('\n').Where(l => l.StartsWith('@')))
        {
            var (name, value) = (line[1..line.IndexOf('=', StringComparison.Ordinal)].Trim(), line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim());
            variables[name] = value;
        }
        foreach (var block in blocks.Skip(1))
        {
            var lines = block.Split('\n');
            var (title, name, expect, retryWhile, at) = (lines[0].Trim(), (string?)null, (int?)null, (int?)null, 1);
            for (; at < lines.Length && (lines[at].StartsWith('#') || lines[at].Length == 0); at++)
            {
                if (lines[at].StartsWith("# @name ", StringComparison.Ordinal))
                    name = lines[at]["# @name ".Length..].Trim();
                else if (lines[at].StartsWith("# expect ", StringComparison.Ordinal))
                {
                    var numbers = lines[at].Split(' ', '(', ')').Where(w => w.Length == 3 && w.All(char.IsAsciiDigit)).Select(int.Parse).ToList();
                    (expect, retryWhile) = (numbers[0], numbers.Count > 1 ? numbers[1] : null);
                }
            }
            var requestLine = lines[at++].Split(' ', 2);
            var headers = new List<(string, string)>();
            for (; at < lines.Length && lines[at].Length > 0; at++)
                headers.Add((lines[at][..lines[at].IndexOf(':', StringComparison.Ordinal)].Trim(), lines[at][(lines[at].IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()));
            var body = string.Join('\n', lines.Skip(at + 1)).TrimEnd('\n');
            requests.Add(new Request(title, name, expect, retryWhile, requestLine[0], requestLine[1].Trim(), headers, body.Length == 0 ? null : body + (body.Contains("--oneclick", StringComparison.Ordinal) ? "\n" : "")));
        }
        return (variables, requests);
    }
}
