using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Automations;
using OneClick.Core.Storage;
using OneClick.Functions.Hosting;

namespace OneClick.Functions.Automations;

/// <summary>Runs one automation action per queue message; the run key makes a retried message a no-op once done.</summary>
public sealed class AutomationQueueFunctions(AutomationActionRunner runner)
{
    [Function(nameof(RunAutomationAction))]
    public async Task RunAutomationAction(
        [QueueTrigger(QueueNames.AutomationActions, Connection = QueueTriggers.Connection)] AutomationActionCommand command, CancellationToken cancellationToken)
    {
        QueueTriggers.Require(command, c => c.V == AutomationActionCommand.CurrentVersion && c.TenantId is not null && c.RunKey is not null);
        await runner.RunAsync(command, cancellationToken);
    }
}
