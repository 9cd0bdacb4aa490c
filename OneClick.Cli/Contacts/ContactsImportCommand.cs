using System.ComponentModel;
using System.Diagnostics;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using OneClick.Client.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Contacts;

/// <summary>
/// `oneclick contacts import people.csv`: uploads the file, follows the import with a live progress bar until it
/// finishes, then lists the rejected rows. The total comes from counting the file's lines locally (the API reports
/// rows read, not rows to come), so the ETA is an estimate when a quoted field spans lines.
/// </summary>
internal sealed class ContactsImportCommand : ApiCommand<ContactsImportCommand.Settings>
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    internal sealed class Settings : ApiSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("A CSV file with a header row (phone_number, name, tags, ...).")]
        public string File { get; set; } = "";

        [CommandOption("--errors <N>")]
        [Description("Show at most this many rejected rows (default 50).")]
        [DefaultValue(50)]
        public int MaxErrors { get; set; } = 50;
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        if (!System.IO.File.Exists(settings.File))
        {
            Output.Error.MarkupLineInterpolated($"[red]No such file:[/] {settings.File}");
            return ExitCodes.Usage;
        }
        var total = Math.Max(0, System.IO.File.ReadLines(settings.File).Count(l => l.Length > 0) - 1);
        ImportView started;
        await using (var upload = System.IO.File.OpenRead(settings.File))
            started = (await api.Api.Contacts.Imports.PostAsync(upload, c => c.QueryParameters.FileName = Path.GetFileName(settings.File), cancellationToken))!;

        var import = api.Api.Contacts.Imports[started.Id!];
        ImportView view = started;
        if (settings.Json || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            while (!IsDone(view))
            {
                await Task.Delay(PollInterval, cancellationToken);
                view = (await import.GetAsync(cancellationToken: cancellationToken))!;
            }
        }
        else
        {
            var clock = Stopwatch.StartNew();
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Describe(view, total, clock.Elapsed), maxValue: Math.Max(total, 1));
                    while (true)
                    {
                        task.Value = Math.Min(view.RowsRead ?? 0, task.MaxValue);
                        task.Description = Describe(view, total, clock.Elapsed);
                        if (IsDone(view))
                            break;
                        await Task.Delay(PollInterval, cancellationToken);
                        view = (await import.GetAsync(cancellationToken: cancellationToken))!;
                    }
                    task.Value = task.MaxValue;
                });
        }

        if (settings.Json)
        {
            await Output.JsonAsync(view, cancellationToken);
            return view.State == "failed" ? ExitCodes.Refused : ExitCodes.Ok;
        }
        if (view.State == "failed")
        {
            Output.Error.MarkupLineInterpolated($"[red]Import {view.Id} failed:[/] {view.Error}");
            return ExitCodes.Refused;
        }
        AnsiConsole.MarkupLineInterpolated(
            $"Import [blue]{view.Id}[/] {view.State}: {view.RowsRead} rows read, [green]{view.Imported} imported[/] ({view.Created} new, {view.Updated} updated, {view.Unchanged} unchanged), [red]{view.Rejected} rejected[/].");
        if (view.Rejected > 0)
            await PrintErrorsAsync(import, settings.MaxErrors, cancellationToken);
        return ExitCodes.Ok;
    }

    private static bool IsDone(ImportView view) => view.State is "completed" or "failed";

    private static string Describe(ImportView view, int total, TimeSpan elapsed)
    {
        var read = view.RowsRead ?? 0;
        var rate = elapsed.TotalSeconds > 0.5 ? read / elapsed.TotalSeconds : 0;
        return $"{read:N0}/{total:N0} rows · [green]{view.Imported ?? 0:N0} imported[/] · [red]{view.Rejected ?? 0:N0} rejected[/] · {rate:N0} rows/s";
    }

    private static async Task PrintErrorsAsync(OneClick.Client.Api.Contacts.Imports.Item.WithImportItemRequestBuilder import, int max, CancellationToken cancellationToken)
    {
        var table = new Table().Title("Rejected rows").AddColumn(new TableColumn("Row").RightAligned()).AddColumn("Reason");
        var shown = 0;
        string? token = null;
        do
        {
            var page = (await import.Errors.GetAsync(c => { c.QueryParameters.ContinuationToken = token; c.QueryParameters.PageSize = 100; }, cancellationToken))!;
            foreach (var error in page.Items ?? [])
            {
                if (shown++ >= max)
                    break;
                table.AddRow(Markup.Escape(error.Row?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"), Markup.Escape(error.Reason ?? ""));
            }
            token = page.ContinuationToken;
        }
        while (token is not null && shown < max);
        AnsiConsole.Write(table);
        if (shown > max)
            AnsiConsole.MarkupLineInterpolated($"(first {max} shown; --errors N for more)");
    }
}
