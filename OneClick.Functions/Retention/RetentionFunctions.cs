using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Retention;

namespace OneClick.Functions.Retention;

/// <summary>The daily purge of data kept only for a while (docs/hardening.md, "Retention").</summary>
public sealed class RetentionFunctions(RetentionPurger purger)
{
    /// <summary>Every day at 03:17 UTC, off the hour when other timers fire.</summary>
    [Function(nameof(PurgeExpiredData))]
    public async Task PurgeExpiredData([TimerTrigger("0 17 3 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        await purger.PurgeAsync(cancellationToken);

    internal static void Add(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section))
            .Validate(o => o.Days is > 0 and <= 3650, $"{RetentionOptions.Section}:Days must be between 1 and 3,650.")
            .ValidateOnStart();
        services.AddSingleton<RetentionPurger>();
    }
}
