using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;
using OneClick.Client.Models;
using Spectre.Console;

namespace OneClick.Cli.Infrastructure;

internal static class Output
{
    /// <summary>Errors and notes go to stderr, so stdout stays the result (JSON with --json).</summary>
    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Prints an API model as the API's JSON (Kiota's serializer writes the same property names).</summary>
    public static async Task JsonAsync<T>(T value, CancellationToken cancellationToken) where T : IParsable =>
        await Console.Out.WriteLineAsync(await KiotaJsonSerializer.SerializeAsStringAsync(value, serializeOnlyChangedValues: false, cancellationToken));

    /// <summary>An API refusal: title, detail and field errors on stderr; with --json the problem itself on stdout.</summary>
    public static async Task ProblemAsync(ApiException problem, bool json, CancellationToken cancellationToken)
    {
        switch (problem)
        {
            case ValidationProblemDetails validation:
                Error.MarkupLineInterpolated($"[red]{validation.Title ?? "Invalid request"}[/] (HTTP {problem.ResponseStatusCode})");
                if (!string.IsNullOrEmpty(validation.Detail))
                    Error.WriteLine(validation.Detail);
                foreach (var (field, messages) in validation.Errors?.AdditionalData ?? new Dictionary<string, object>())
                    Error.MarkupLineInterpolated($"  [yellow]{field}[/]: {string.Join("; ", Messages(messages))}");
                break;
            case ProblemDetails details:
                Error.MarkupLineInterpolated($"[red]{details.Title ?? "Refused"}[/] (HTTP {problem.ResponseStatusCode})");
                if (!string.IsNullOrEmpty(details.Detail))
                    Error.WriteLine(details.Detail);
                break;
            default:
                Error.MarkupLineInterpolated($"[red]HTTP {problem.ResponseStatusCode}[/]: {problem.Message}");
                break;
        }
        if (json && problem is IParsable parsable)
            await Console.Out.WriteLineAsync(await KiotaJsonSerializer.SerializeAsStringAsync(parsable, serializeOnlyChangedValues: false, cancellationToken));
    }

    private static IEnumerable<string> Messages(object value) => value switch
    {
        UntypedArray array => array.GetValue().Select(v => v is UntypedString s ? s.GetValue() ?? "" : v.ToString() ?? ""),
        UntypedString s => [s.GetValue() ?? ""],
        IEnumerable<object> items => items.Select(i => i.ToString() ?? ""),
        _ => [value.ToString() ?? ""],
    };
}
