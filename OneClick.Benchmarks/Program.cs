using OneClick.Benchmarks;

// dotnet run -c Release --project OneClick.Benchmarks -- <name> [options]
IBenchmark[] benchmarks =
[
    new PersonalisationBenchmark(),
    new WebhookThroughputBenchmark(),
    new ContactImportBenchmark(),
    new CampaignBenchmark(),
    new CrashBenchmark(),
];

var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => string.Equals(b.Name, args[0], StringComparison.OrdinalIgnoreCase)) : null;
if (chosen is null)
{
    Console.WriteLine("Usage: dotnet run -c Release --project OneClick.Benchmarks -- <benchmark> [options]");
    foreach (var benchmark in benchmarks)
        Console.WriteLine($"  {benchmark.Name,-12} {benchmark.Description}");
    return args.Length > 0 ? 2 : 0;
}
return await chosen.RunAsync(args[1..]);
