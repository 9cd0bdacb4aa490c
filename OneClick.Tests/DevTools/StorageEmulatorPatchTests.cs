using System.Diagnostics;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.DevTools;

/// <summary>
/// Azurite keeps its data in lokijs 1.5.12, which re-sorts every binary index of a collection whenever documents are
/// removed through a batch, even an empty one. Azurite does that on every queue request (clearing expired messages)
/// and once per extent its garbage collector deletes, so under sustained queue traffic it stalled for tens of seconds
/// (docs/benchmarks.md, "Azurite's stalls"). npm ci applies patches/lokijs+1.5.12.patch through patch-package; this
/// checks that the lokijs Azurite loads here is the patched one and that its indices stay right.
/// </summary>
public sealed class StorageEmulatorPatchTests
{
    [Fact]
    public async Task Azurites_lokijs_removes_zero_or_one_document_without_re_sorting_its_indices()
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
            ArgumentList = { Path.Combine(RepoPaths.Root, "OneClick.Tests", "DevTools", "lokijs-removal.cjs") },
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(timeout.Token);

        Assert.True(node.ExitCode == 0, $"lokijs check failed ({node.ExitCode}): {await errors}");
        Assert.Equal("ok", (await output).Trim());
    }
}
