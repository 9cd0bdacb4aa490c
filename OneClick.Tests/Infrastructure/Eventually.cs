namespace OneClick.Tests.Infrastructure;

/// <summary>Waits for something the app does in the background (queues, webhooks, timers), polling until it holds.</summary>
public static class Eventually
{
    public static async Task Async(Func<Task<bool>> condition, Func<string> failure, TimeSpan? timeout = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(failure);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await condition())
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail(failure());
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Reads until <paramref name="done"/> holds for what was read, and returns that.</summary>
    public static async Task<T> Async<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var last = default(T);
        await Async(async () => done(last = await read()), () => $"Timed out waiting for {what}; last read: {Describe(last)}", timeout, poll);
        return last!;
    }

    private static string Describe(object? value)
    {
        try
        {
            return value as string ?? System.Text.Json.JsonSerializer.Serialize(value);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
        {
            return value?.ToString() ?? "null"; // a type that will not serialize (a live object, a throwing property) still says something
        }
    }
}
