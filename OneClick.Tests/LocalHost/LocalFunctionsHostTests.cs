using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OneClick.FunctionsHost;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.LocalHost;

/// <summary>
/// The local Functions host with the real isolated worker (the sample worker as a process), real Azurite and real HTTP.
/// The sample's host.json: maxDequeueCount 3, visibilityTimeout 2 s, maxPollingInterval 500 ms.
/// </summary>
public sealed partial class LocalFunctionsHostTests(LocalHostEnvironment env) : IClassFixture<LocalHostEnvironment>
{
    [Fact]
    public async Task Http_passes_method_status_headers_body_and_the_route_value_through()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/echo/hello%20world?status=201")
        {
            Content = new StringContent("ping", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("x-echo-color", "blue");

        using var response = await env.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("hello world", Header(response, "x-route-id"));
        Assert.Equal("PUT", Header(response, "x-method"));
        Assert.Equal(new Uri(env.Host.BaseAddress, "api/echo/hello%20world?status=201").AbsoluteUri, Header(response, "x-request-url"));
        Assert.Equal("blue", Header(response, "x-echo-color"));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ping", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_50_MiB_upload_streams_through_to_the_function()
    {
        const long size = 50L * 1024 * 1024;
        using var content = new StreamContent(new PatternStream(size));
        content.Headers.ContentType = new("application/octet-stream");

        using var response = await env.Http.PostAsync("api/upload", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(size, body.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task A_function_that_throws_before_responding_answers_500_problem_details()
    {
        using var response = await env.Http.GetAsync("api/fail");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Failing on purpose.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Traversal_paths_and_unknown_routes_answer_404_without_reaching_a_function()
    {
        string[] paths =
        [
            "/api/echo/..%5c..%5cSecret",
            "/api/echo/%252e%252e",
            "/api/%2e%2e/echo/x",
            "/api/echo/%2e%2e",
            "/api/echo/x/../../upload",
            "/api/echo/..%2f..%2fupload",
            "/api/echo/a%5cb",
            "/api/nothing-here",
            "/echo/x",
            "/",
        ];
        var executingBefore = ExecutingLines();

        foreach (var path in paths)
            Assert.True(await RawStatusAsync("GET", path) == 404, $"{path} should answer 404");
        Assert.Equal(404, await RawStatusAsync("DELETE", "/api/upload")); // A route, but not its method.

        // Each answer came after any invocation would have started, so the log already shows it if one did.
        Assert.Equal(executingBefore, ExecutingLines());
        Assert.Contains(env.Logs.Lines, line => line.Contains("Refused request path '/api/echo/%252e%252e'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_queue_message_reaches_a_POCO_parameter_with_its_metadata_and_is_deleted()
    {
        var name = Guid.NewGuid().ToString();
        var text = JsonSerializer.Serialize(new { Name = name, Count = 3 });
        var queue = env.TriggerQueue("typed-in");
        var sent = (await queue.SendMessageAsync(text)).Value;

        var result = await ResultAsync(r => r.GetProperty("Function").GetString() == "RecordTyped" && r.GetProperty("Name").GetString() == name);

        Assert.Equal(3, result.GetProperty("Count").GetInt32());
        Assert.Equal(sent.MessageId, result.GetProperty("Id").GetString());
        Assert.Equal(1, result.GetProperty("DequeueCount").GetInt64());
        Assert.Equal(text, result.GetProperty("QueueTrigger").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("PopReceipt").GetString()));
        Assert.Equal(sent.InsertionTime, result.GetProperty("InsertionTime").GetDateTimeOffset());
        Assert.Equal(sent.ExpirationTime, result.GetProperty("ExpirationTime").GetDateTimeOffset());
        Assert.True(result.GetProperty("NextVisibleTime").GetDateTimeOffset() > sent.InsertionTime);
        await Eventually.Async(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0,
            () => "The processed message was not deleted from typed-in.");
    }

    [Fact]
    public async Task A_queue_message_reaches_string_and_QueueMessage_parameters()
    {
        var text = "plain " + Guid.NewGuid();
        var sentText = (await env.TriggerQueue("text-in").SendMessageAsync(text)).Value;
        var sentMessage = (await env.TriggerQueue("message-in").SendMessageAsync(text)).Value;

        var asString = await ResultAsync(r => r.GetProperty("Function").GetString() == "RecordText" && r.GetProperty("Text").GetString() == text);
        var asMessage = await ResultAsync(r => r.GetProperty("Function").GetString() == "RecordQueueMessage" && r.GetProperty("Text").GetString() == text);

        Assert.Equal(sentText.MessageId, asString.GetProperty("Id").GetString());
        Assert.Equal(sentMessage.MessageId, asMessage.GetProperty("Id").GetString());
        Assert.Equal(1, asMessage.GetProperty("DequeueCount").GetInt64());
        Assert.False(string.IsNullOrEmpty(asMessage.GetProperty("PopReceipt").GetString()));
    }

    [Fact]
    public async Task A_message_that_always_fails_is_tried_maxDequeueCount_times_visibilityTimeout_apart_then_poisoned()
    {
        var text = "doomed " + Guid.NewGuid();
        var queue = env.TriggerQueue("fails-in");
        var poison = env.TriggerQueue("fails-in-poison");
        await queue.SendMessageAsync(text);

        var attempts = new List<(long DequeueCount, DateTimeOffset At)>();
        await Eventually.Async(async () =>
        {
            attempts = await AttemptsOf(text);
            return (await poison.PeekMessagesAsync(32)).Value.Any(m => m.MessageText == text);
        }, () => $"The message never reached fails-in-poison. Tries: {string.Join(", ", attempts)}");

        attempts = await AttemptsOf(text); // The last try is recorded before it fails, so before the poisoning.

        Assert.Equal([1L, 2L, 3L], attempts.Select(a => a.DequeueCount));
        for (var i = 1; i < attempts.Count; i++)
        {
            var gap = attempts[i].At - attempts[i - 1].At;
            Assert.True(gap >= TimeSpan.FromSeconds(1.9), $"Try {i + 1} came {gap} after try {i}; visibilityTimeout is 2 s.");
        }
        Assert.Single((await poison.PeekMessagesAsync(32)).Value, m => m.MessageText == text);
        await Eventually.Async(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0,
            () => "The poisoned message is still in fails-in.");
    }

    [Fact]
    public async Task The_timer_fires_on_its_schedule()
    {
        // Two runs in a row, 2 s apart, each on time. Another test in this class crashes the worker: a run due while it
        // restarts waits for it or is skipped (as the host skips missed occurrences), so look for such a pair rather than
        // taking the first two ticks.
        var ticks = new List<JsonElement>();
        await Eventually.Async(async () =>
        {
            ticks = await env.PeekAllAsync(LocalHostEnvironment.TicksQueue);
            return ticks.Zip(ticks.Skip(1)).Any(p => Next(p.Second) - Next(p.First) == TimeSpan.FromSeconds(2) && OnTime(p.First) && OnTime(p.Second));
        }, () => $"The timer (every 2 s) did not fire on time twice in a row. Runs (scheduled, at): {string.Join(", ", ticks.Select(t => (Next(t), At(t))))}");

        foreach (var (earlier, later) in ticks.Zip(ticks.Skip(1)))
        {
            var gap = Next(later) - Next(earlier);
            Assert.True(gap > TimeSpan.Zero && gap.Ticks % TimeSpan.FromSeconds(2).Ticks == 0, $"Runs scheduled {gap} apart; the schedule is every 2 s.");
        }
        Assert.All(ticks, t => Assert.Equal(0, Next(t).Second % 2));
        Assert.All(ticks.Where(t => !t.GetProperty("IsPastDue").GetBoolean()),
            t => Assert.True(At(t) >= Next(t).AddMilliseconds(-100), $"The run scheduled for {Next(t):o} fired before its time, at {At(t):o}."));

        static DateTimeOffset Next(JsonElement tick) => tick.GetProperty("Next").GetDateTimeOffset();
        static DateTimeOffset At(JsonElement tick) => tick.GetProperty("At").GetDateTimeOffset();
        static bool OnTime(JsonElement tick) => !tick.GetProperty("IsPastDue").GetBoolean() && At(tick) >= Next(tick).AddMilliseconds(-100) && At(tick) < Next(tick).AddSeconds(3);
    }

    [Fact]
    public async Task A_crashed_worker_is_reported_with_its_exit_code_and_restarted()
    {
        var pidBefore = await WorkerPidAsync();
        var startsBefore = env.Host.WorkerStarts;

        using var crash = await env.Http.PostAsync("api/crash", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, crash.StatusCode);
        Assert.Equal("application/problem+json", crash.Content.Headers.ContentType?.MediaType);
        string? exitLine = null;
        await Eventually.Async(() => Task.FromResult((exitLine = env.Logs.Lines.FirstOrDefault(l => l.Contains($"Worker process {pidBefore} ", StringComparison.Ordinal) && l.Contains("exited with code", StringComparison.Ordinal))) is not null),
            () => "The worker's exit was not logged.");
        Assert.NotEqual("0", ExitCode().Match(exitLine!).Groups[1].Value);

        // The next request waits for the restarted worker.
        var pidAfter = await WorkerPidAsync();
        Assert.NotEqual(pidBefore, pidAfter);
        Assert.True(env.Host.WorkerStarts > startsBefore);
    }

    [Fact]
    public async Task A_StartWorker_callback_gets_the_command_line_of_a_worker_process_and_WorkerTerminate_stops_the_worker()
    {
        WorkerStartContext? seen = null;
        Process? worker = null;
        var exitedByItself = false;
        var options = env.Options();
        options.StartWorker = (context, _) =>
        {
            seen = context;
            worker = StartSampleWorker(context);
            return Task.FromResult<IAsyncDisposable>(new Disposable(async () =>
            {
                exitedByItself = await ExitsWithinAsync(worker, TimeSpan.FromSeconds(10));
                if (!exitedByItself)
                    worker.Kill(entireProcessTree: true);
                worker.Dispose();
            }));
        };

        await using (var host = new LocalFunctionsHost(options))
        {
            await host.StartAsync();
            using var http = new HttpClient { BaseAddress = host.BaseAddress };
            var health = await http.GetFromJsonAsync<JsonElement>("api/health");
            Assert.Equal(worker!.Id, health.GetProperty("pid").GetInt32());
        }

        Assert.True(exitedByItself, "The worker did not stop on WorkerTerminate.");
        var arguments = seen!.Arguments;
        Assert.Equal(seen.GrpcUri.AbsoluteUri, After(arguments, "--functions-uri"));
        Assert.Equal(seen.WorkerId, After(arguments, "--functions-worker-id"));
        Assert.Equal(seen.RequestId, After(arguments, "--functions-request-id"));
        Assert.Equal(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), After(arguments, "--functions-grpc-max-message-length"));
        Assert.Equal(seen.WorkerId, After(arguments, "--workerId"));
        Assert.Equal(seen.GrpcUri.AbsoluteUri, seen.Configuration["Functions:Worker:HostEndpoint"]);
        Assert.Equal(LocalHostEnvironment.SampleWorkerOutput, seen.EnvironmentVariables["FUNCTIONS_APPLICATION_DIRECTORY"]);
        Assert.Equal("dotnet-isolated", seen.EnvironmentVariables["FUNCTIONS_WORKER_RUNTIME"]);
    }

    [Fact]
    public async Task Start_fails_clearly_when_the_worker_never_connects()
    {
        var options = env.Options();
        options.StartupTimeout = TimeSpan.FromSeconds(1);
        options.StartWorker = (_, _) => Task.FromResult<IAsyncDisposable>(new Disposable(() => Task.CompletedTask));
        await using var host = new LocalFunctionsHost(options);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => host.StartAsync());

        Assert.Contains("did not load its functions within", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_fails_clearly_when_the_worker_process_exits()
    {
        var scriptRoot = Directory.CreateTempSubdirectory("local-host-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(scriptRoot, "worker.config.json"),
                """{ "description": { "language": "dotnet-isolated", "defaultExecutablePath": "dotnet", "defaultWorkerPath": "Missing.dll" } }""");
            var options = env.Options();
            options.ScriptRoot = scriptRoot;
            await using var host = new LocalFunctionsHost(options);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

            Assert.Matches("The worker stopped while starting: Worker process \\d+ exited with code [1-9]", error.Message);
        }
        finally
        {
            Directory.Delete(scriptRoot, recursive: true);
        }
    }

    private int ExecutingLines() => env.Logs.Lines.Count(line => line.Contains("Executing 'Functions.", StringComparison.Ordinal) && !line.Contains("Functions.Tick", StringComparison.Ordinal));

    private async Task<int> WorkerPidAsync() => (await env.Http.GetFromJsonAsync<JsonElement>("api/health")).GetProperty("pid").GetInt32();

    private async Task<JsonElement> ResultAsync(Func<JsonElement, bool> match)
    {
        JsonElement found = default;
        await Eventually.Async(async () =>
        {
            var results = await env.PeekAllAsync("results");
            found = results.FirstOrDefault(match);
            return found.ValueKind == JsonValueKind.Object;
        }, () => "The function did not record the message.");
        return found;
    }

    private async Task<List<(long DequeueCount, DateTimeOffset At)>> AttemptsOf(string text) =>
        (await env.PeekAllAsync("attempts"))
            .Where(a => a.GetProperty("Text").GetString() == text)
            .Select(a => (a.GetProperty("DequeueCount").GetInt64(), a.GetProperty("At").GetDateTimeOffset()))
            .OrderBy(a => a.Item1)
            .ToList();

    /// <summary>Sends a request with its target exactly as written (HttpClient would normalize dot segments).</summary>
    private async Task<int> RawStatusAsync(string method, string rawTarget)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(env.Host.BaseAddress.Host, env.Host.BaseAddress.Port);
        await using var stream = client.GetStream();
        var request = $"{method} {rawTarget} HTTP/1.1\r\nHost: {env.Host.BaseAddress.Authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? "";
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Process StartSampleWorker(WorkerStartContext context)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = context.ScriptRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(context.ScriptRoot, "OneClick.FunctionsHost.SampleWorker.dll"));
        foreach (var argument in context.Arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in context.EnvironmentVariables)
            start.Environment[name] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> ExitsWithinAsync(Process process, TimeSpan timeout)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static string? After(string[] arguments, string name) => arguments.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    [GeneratedRegex("exited with code (-?\\d+)")]
    private static partial Regex ExitCode();

    private sealed class Disposable(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }

    /// <summary>A body produced as it is read, so the test never holds it whole either.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
                buffer[offset + i] = (byte)((_position + i) % 251);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
