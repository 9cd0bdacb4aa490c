using System.Diagnostics;
using System.Globalization;

namespace OneClick.Benchmarks;

/// <summary>
/// CPU time of this process (app + sandbox + driver) and of Azurite over a window, read from /proc: which side is
/// busy tells whether a phase is bound by the store, by the app, or by neither (waiting: latency, polling, awaits).
/// The share of the window this process spent paused for garbage collections comes with it: a pause stops every
/// thread of the app, the sandbox and the driver at once; so do the bytes it allocated, which those pauses collect.
/// The whole machine's busy cores say whether anything was left: two processes short of a core each can still fill two.
/// </summary>
internal sealed class CpuSampler
{
    private readonly int? _azuritePid;
    private readonly TimeSpan _startSelf, _startAzurite, _startPauses = GC.GetTotalPauseDuration();
    private readonly int _startGen0 = GC.CollectionCount(0), _startGen2 = GC.CollectionCount(2);
    private readonly long _startAllocated = GC.GetTotalAllocatedBytes();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly (long Busy, long Total) _startMachine = MachineTicks();

    private CpuSampler(int? azuritePid)
    {
        _azuritePid = azuritePid;
        (_startSelf, _startAzurite) = (Process.GetCurrentProcess().TotalProcessorTime, AzuriteTime());
    }

    /// <summary>Starts a window; without Azurite's process id (an external account) its share reads NaN.</summary>
    public static CpuSampler Start(int? azuritePid) => new(azuritePid);

    /// <summary>Bytes this process allocated since the start.</summary>
    public long Allocated => GC.GetTotalAllocatedBytes() - _startAllocated;

    /// <summary>"this process x% of a core, Azurite y%, the machine n of its cores busy, paused for GC z%, allocated m MB a second" since the start.</summary>
    public string Summary()
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var self = (Process.GetCurrentProcess().TotalProcessorTime - _startSelf).TotalSeconds / wall;
        var azurite = _azuritePid is null ? double.NaN : (AzuriteTime() - _startAzurite).TotalSeconds / wall;
        var paused = (GC.GetTotalPauseDuration() - _startPauses).TotalSeconds / wall;
        var machine = MachineTicks();
        var busyCores = (double)(machine.Busy - _startMachine.Busy) / Math.Max(1, machine.Total - _startMachine.Total) * Environment.ProcessorCount;
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU: this process {self:P0} of a core, Azurite {azurite:P0} of a core, the machine {busyCores:0.00} of its {Environment.ProcessorCount} cores busy; paused for GC {paused:P1} of the time ({GC.CollectionCount(0) - _startGen0:N0} collections, {GC.CollectionCount(2) - _startGen2:N0} of them full), allocated {Allocated / wall / 1e6:N0} MB a second");
    }

    /// <summary>All cores' busy and total clock ticks from the first line of /proc/stat (idle and iowait are not busy).</summary>
    private static (long Busy, long Total) MachineTicks()
    {
        try
        {
            var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            return (ticks.Sum() - ticks[3] - ticks[4], ticks.Sum());
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    private TimeSpan AzuriteTime()
    {
        try
        {
            // utime and stime are fields 14 and 15 of /proc/{pid}/stat, in clock ticks (100 a second on Linux).
            var fields = File.ReadAllText($"/proc/{_azuritePid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }
    }
}
