namespace OneClick.Core.Scheduling;

/// <summary>
/// Due work other than a single message (campaign occurrences). The timer claims the row by ETag first, then
/// calls the handler that takes it, then removes the row; a run that dies in between leaves the row to be
/// retaken once the claim lapses, so the handler must be idempotent.
/// </summary>
public interface IDueScheduleHandler
{
    bool Takes(DueScheduleEntity row);

    /// <returns>Whether work was enqueued.</returns>
    Task<bool> HandleAsync(DueScheduleEntity row, CancellationToken cancellationToken);
}
