using Microsoft.Kiota.Abstractions;
using OneClick.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Infrastructure;

/// <summary>
/// A command that calls the API: resolves the URL and key, and turns the ways a call can fail into the exit codes
/// (1 refused, 2 usage, 3 unreachable) so each command only writes its happy path.
/// </summary>
internal abstract class ApiCommand<TSettings> : AsyncCommand<TSettings> where TSettings : ApiSettings
{
    /// <summary>What the command line was registered with (WithData): lets one command class serve several verbs.</summary>
    protected object? Data { get; private set; }

    protected abstract Task<int> RunAsync(OneClickApiClient api, TSettings settings, CancellationToken cancellationToken);

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Data = context.Data;
        var (url, key) = CliConfig.Resolve(settings);
        if (url.Value is null || key.Value is null)
        {
            Output.Error.MarkupLine("[red]No app configured.[/] Run `oneclick config set --url <URL> --key <KEY>`, set ONECLICK_URL and ONECLICK_API_KEY, or pass --url and --key.");
            return ExitCodes.Usage;
        }
        if (!Uri.TryCreate(url.Value, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            Output.Error.MarkupLineInterpolated($"[red]Not an http(s) URL:[/] {url.Value} (from {url.Source})");
            return ExitCodes.Usage;
        }
        try
        {
            return await RunAsync(OneClickApi.Create(baseUrl, key.Value), settings, cancellationToken);
        }
        catch (ApiException problem)
        {
            await Output.ProblemAsync(problem, settings.Json, cancellationToken);
            return ExitCodes.Refused;
        }
        catch (HttpRequestException unreachable)
        {
            Output.Error.MarkupLineInterpolated($"[red]Cannot reach {baseUrl}[/]: {unreachable.Message}");
            return ExitCodes.Unreachable;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Output.Error.MarkupLineInterpolated($"[red]Cannot reach {baseUrl}[/]: the request timed out.");
            return ExitCodes.Unreachable;
        }
    }
}
