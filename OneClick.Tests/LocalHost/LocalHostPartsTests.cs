using OneClick.FunctionsHost.Configuration;
using OneClick.FunctionsHost.Http;
using OneClick.FunctionsHost.Timers;

namespace OneClick.Tests.LocalHost;

/// <summary>The local host's small rules, without a worker.</summary>
public sealed class LocalHostPartsTests
{
    [Theory]
    [InlineData("/api/echo/x", true)]
    [InlineData("/api/echo/100%25", true)]
    [InlineData("/api/echo/a%20b", true)]
    [InlineData("/api/echo/...", true)]
    [InlineData("/api/echo/../x", false)]
    [InlineData("/api/./echo", false)]
    [InlineData("/api/echo/..%5c..%5cSecret", false)]
    [InlineData("/api/echo/%2e%2e/x", false)]
    [InlineData("/api/echo/%2E", false)]
    [InlineData("/api/echo/%252e%252e", false)]
    [InlineData("/api/echo/%25252e%25252e", false)]
    [InlineData("/api/echo/..%2fSecret", false)]
    [InlineData("/api/echo/a%5cb", false)]
    [InlineData("/api/echo/a\\b", false)]
    public void Paths_with_dot_segments_or_backslashes_at_any_decoding_are_unsafe(string rawPath, bool safe) =>
        Assert.Equal(safe, RequestPathGuard.IsSafe(rawPath));

    [Fact]
    public void Settings_from_code_beat_the_environment_which_beats_local_settings_json()
    {
        var path = Path.GetTempFileName();
        var variable = "LOCALHOST_TEST_" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllText(path, $$"""{ "IsEncrypted": false, "Values": { "{{variable}}": "file", "OnlyInFile": "file", "Queue": "orders" } }""");
            Environment.SetEnvironmentVariable(variable, "environment");

            var settings = AppSettings.Load(path, new Dictionary<string, string?>());
            var withCode = AppSettings.Load(path, new Dictionary<string, string?> { [variable] = "code" });

            Assert.Equal("environment", settings.Get(variable));
            Assert.False(settings.ForWorker.ContainsKey(variable)); // The worker inherits the environment's value.
            Assert.Equal("file", settings.ForWorker["OnlyInFile"]);
            Assert.Equal("code", withCode.ForWorker[variable]);
            Assert.Equal("orders-in", settings.Resolve("%Queue%-in"));
            Assert.Throws<InvalidOperationException>(() => settings.Resolve("%Missing%"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            File.Delete(path);
        }
    }

    [Fact]
    public void An_encrypted_local_settings_json_is_refused()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "IsEncrypted": true, "Values": { "A": "x" } }""");
            var error = Assert.Throws<InvalidOperationException>(() => AppSettings.Load(path, new Dictionary<string, string?>()));
            Assert.Contains("encrypted", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Host_json_queue_settings_default_as_the_host_does()
    {
        var defaults = HostJson.Parse(JsonFile.Parse("{}"));
        var set = HostJson.Parse(JsonFile.Parse("""
            { "extensions": { "http": { "routePrefix": "/v1/" },
              "queues": { "BatchSize": 4, "maxPollingInterval": "00:00:02", "visibilityTimeout": "00:00:30", "maxDequeueCount": 2, "messageEncoding": "none" } } }
            """));

        Assert.Equal("api", defaults.RoutePrefix);
        Assert.Equal(16, defaults.Queues.BatchSize);
        Assert.Equal(8 * Environment.ProcessorCount, defaults.Queues.NewBatchThreshold);
        Assert.Equal(TimeSpan.FromMinutes(1), defaults.Queues.MaxPollingInterval);
        Assert.Equal(TimeSpan.Zero, defaults.Queues.VisibilityTimeout);
        Assert.Equal(5, defaults.Queues.MaxDequeueCount);
        Assert.True(defaults.Queues.Base64Encoding);

        Assert.Equal("v1", set.RoutePrefix);
        Assert.Equal(4, set.Queues.BatchSize);
        Assert.Equal(2 * Environment.ProcessorCount, set.Queues.NewBatchThreshold);
        Assert.Equal(TimeSpan.FromSeconds(2), set.Queues.MaxPollingInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), set.Queues.VisibilityTimeout);
        Assert.Equal(2, set.Queues.MaxDequeueCount);
        Assert.False(set.Queues.Base64Encoding);
    }

    [Fact]
    public void App_settings_override_host_json_as_in_azure()
    {
        var root = Directory.CreateTempSubdirectory("host-json-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "host.json"), """{ "extensions": { "queues": { "visibilityTimeout": "00:00:05", "batchSize": 16 } } }""");
            var settings = AppSettings.Load(null, new Dictionary<string, string?>
            {
                ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:00",
                ["AzureFunctionsJobHost__Extensions__Queues__MaxDequeueCount"] = "2",
                ["AzureFunctionsJobHost__extensions__http__routePrefix"] = "v2",
            });

            var hostJson = HostJson.Load(root, settings);

            Assert.Equal(TimeSpan.Zero, hostJson.Queues.VisibilityTimeout);
            Assert.Equal(2, hostJson.Queues.MaxDequeueCount);
            Assert.Equal(16, hostJson.Queues.BatchSize);
            Assert.Equal("v2", hostJson.RoutePrefix);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Timer_schedules_are_six_field_ncrontab_or_intervals()
    {
        var start = new DateTimeOffset(2030, 1, 1, 10, 0, 1, TimeSpan.Zero).ToLocalTime();

        Assert.Equal(start.AddSeconds(29), TimerSchedule.Parse("*/30 * * * * *").Next(start));
        Assert.Equal(start.AddMinutes(5), TimerSchedule.Parse("00:05:00").Next(start));
        Assert.Throws<InvalidOperationException>(() => TimerSchedule.Parse("every minute"));
    }
}
