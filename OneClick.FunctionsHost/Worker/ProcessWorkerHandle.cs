using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OneClick.FunctionsHost.Worker;

/// <summary>A worker process, with its console output going to the log.</summary>
internal sealed class ProcessWorkerHandle : IWorkerHandle
{
    private const int KeptLines = 30;
    private readonly Process _process;
    private readonly Queue<string> _recentOutput = new();
    private readonly ILogger _logger;
    private readonly TimeSpan _killAfter;

    private ProcessWorkerHandle(Process process, ILogger logger, TimeSpan killAfter)
    {
        _process = process;
        _logger = logger;
        _killAfter = killAfter;
    }

    public Task<int> Exited { get; private set; } = Task.FromResult(0);

    public int? ProcessId { get; private set; }

    public IReadOnlyList<string> RecentOutput
    {
        get
        {
            lock (_recentOutput)
                return [.. _recentOutput];
        }
    }

    public static ProcessWorkerHandle Start(ProcessStartInfo startInfo, ILogger logger, TimeSpan killAfter)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.CreateNoWindow = true;
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var handle = new ProcessWorkerHandle(process, logger, killAfter);
        process.OutputDataReceived += (_, line) => handle.OnOutput(line.Data, isError: false);
        process.ErrorDataReceived += (_, line) => handle.OnOutput(line.Data, isError: true);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }
        handle.ProcessId = process.Id;
        handle.Exited = WaitForExitAsync(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return handle;
    }

    /// <summary>Gives the worker its grace period to exit (after WorkerTerminate), then kills it and its children.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await Exited.WaitAsync(_killAfter).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.KillingWorker(_logger, _killAfter);
                KillQuietly();
                await Exited.ConfigureAwait(false);
            }
        }
        _process.Dispose();
    }

    private static async Task<int> WaitForExitAsync(Process process)
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        return process.ExitCode;
    }

    private void KillQuietly()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnOutput(string? line, bool isError)
    {
        if (line is null)
            return;
        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > KeptLines)
                _recentOutput.Dequeue();
        }
        if (isError)
            Log.WorkerStderr(_logger, line);
        else
            Log.WorkerStdout(_logger, line);
    }
}
