namespace OneClick.Benchmarks;

/// <summary>
/// One end-to-end benchmark. Absolute timings on a shared 2-core machine are noisy, so each benchmark
/// measures its subject and a baseline side by side in one run and reports the ratio too.
/// </summary>
public interface IBenchmark
{
    string Name { get; }
    string Description { get; }

    /// <returns>The process exit code: 0 when the benchmark met its targets.</returns>
    Task<int> RunAsync(IReadOnlyList<string> args);
}
