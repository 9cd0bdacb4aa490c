using Azure;

namespace OneClick.Core.Storage;

/// <summary>
/// Outlasting a storage outage where giving up would cost more than waiting: the results of Meta calls already
/// made live only in memory until they are written, and a write given up turns them into "unknown" recipients.
/// The SDK's own retries last a few seconds; this keeps trying for longer.
/// </summary>
public static class StorageOutage
{
    /// <summary>Whether <paramref name="exception"/> says the store could not be reached or failed on its side (worth trying again).</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        HttpRequestException or TimeoutException or IOException => true,
        _ => false,
    };

    /// <summary>Runs <paramref name="action"/> again after a transient failure, backing off up to 5 s, until <paramref name="patience"/> has passed.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> action, TimeSpan patience, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(clock);
        var giveUpAt = clock.GetUtcNow() + patience;
        var wait = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await action().ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && clock.GetUtcNow() + wait < giveUpAt)
            {
                await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public static Task RetryAsync(Func<Task> action, TimeSpan patience, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        return RetryAsync(async () =>
        {
            await action().ConfigureAwait(false);
            return true;
        }, patience, clock, cancellationToken);
    }
}
