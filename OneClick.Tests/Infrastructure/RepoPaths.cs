namespace OneClick.Tests.Infrastructure;

public static class RepoPaths
{
    /// <summary>The repository root: the folder that holds OneClick.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>OneClick.Functions' build output of the same configuration as the tests' (functions.metadata, host.json, worker.config.json).</summary>
    public static string FunctionsBuildOutput { get; } = Path.Combine(Root, "OneClick.Functions",
        Path.GetRelativePath(Path.Combine(Root, "OneClick.Tests"), AppContext.BaseDirectory));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OneClick.sln")))
                return dir.FullName;
        throw new InvalidOperationException("OneClick.sln not found above " + AppContext.BaseDirectory);
    }
}
