using System.Text.Json;

namespace OneClick.FunctionsHost.Configuration;

/// <summary>worker.config.json's description: how to start the worker process.</summary>
internal sealed record WorkerConfig(string ExecutablePath, IReadOnlyList<string> ExecutableArguments, string? WorkerPath, IReadOnlyList<string> WorkerArguments)
{
    public static WorkerConfig Load(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, "worker.config.json");
        if (!File.Exists(path))
            throw new InvalidOperationException($"No worker.config.json in {scriptRoot}: is this the build output of an isolated worker project?");
        var description = JsonFile.Read(path).Get("description")
            ?? throw new InvalidOperationException($"{path} has no \"description\".");

        var executable = description.GetText("defaultExecutablePath");
        if (string.IsNullOrWhiteSpace(executable))
            throw new InvalidOperationException($"{path} has no description.defaultExecutablePath.");

        // As the host does: a relative worker path is relative to the worker directory (the script root here).
        var workerPath = description.GetText("defaultWorkerPath");
        if (!string.IsNullOrEmpty(workerPath) && !Path.IsPathRooted(workerPath))
            workerPath = Path.Combine(scriptRoot, workerPath);

        return new WorkerConfig(executable, Strings(description.Get("arguments")), workerPath, Strings(description.Get("workerArguments")));
    }

    private static List<string> Strings(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
}
