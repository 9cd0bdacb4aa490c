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
        var output = await NodeScript.RunAsync("DevTools/lokijs-removal.cjs", TimeSpan.FromSeconds(60));
        Assert.Equal("ok", output.Trim());
    }
}
