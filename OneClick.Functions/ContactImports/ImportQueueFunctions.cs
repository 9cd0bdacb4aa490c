using Microsoft.Azure.Functions.Worker;
using OneClick.Core.ContactImports;
using OneClick.Core.Storage;
using OneClick.Functions.Hosting;

namespace OneClick.Functions.ContactImports;

/// <summary>One chunk of a CSV import per queue message; each chunk queues the next.</summary>
public sealed class ImportQueueFunctions(ContactImportService imports, HostSettings host)
{
    [Function(nameof(ProcessContactImport))]
    public async Task ProcessContactImport(
        [QueueTrigger(QueueNames.ContactImports, Connection = QueueTriggers.Connection)] ImportChunkCommand command,
        long dequeueCount, CancellationToken cancellationToken)
    {
        QueueTriggers.Require(command, c => c.V == ImportChunkCommand.CurrentVersion && c.TenantId is not null && ContactImportService.IsValidId(c.ImportId) && c.Offset >= 0);
        try
        {
            await imports.ProcessChunkAsync(command, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && dequeueCount >= host.MaxDequeueCount)
        {
            // The last try: end the import with the reason instead of leaving it "running" behind a poisoned message.
            if (await imports.GetAsync(command.TenantId, command.ImportId, cancellationToken) is { } job)
                await imports.FailAsync(job, $"Processing stopped after {dequeueCount} tries at row {job.RowsRead}: {e.Message}", cancellationToken);
        }
    }
}
