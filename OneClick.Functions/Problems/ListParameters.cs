using Azure;
using OneClick.Core.Storage;

namespace OneClick.Functions.Problems;

/// <summary>The paging parameters every list endpoint takes: pageSize and continuationToken.</summary>
public static class ListParameters
{
    public static IResult? Check(int? pageSize, string? continuationToken)
    {
        if (pageSize is < 1 or > Paging.MaxPageSize)
            return Problem.Validation("pageSize", $"Between 1 and {Paging.MaxPageSize}.");
        if (!Paging.LooksValid(continuationToken))
            return Problem.Validation("continuationToken", "Pass back the token a previous page returned.");
        return null;
    }

    /// <summary>Reads a page; a continuation token the storage service rejects is the caller's mistake (400).</summary>
    public static async Task<IResult> ReadAsync<T>(Func<Task<ResultPage<T>>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return TypedResults.Ok(await read());
        }
        catch (Exception e) when (e is RequestFailedException { Status: 400 } or FormatException or ArgumentException)
        {
            return Problem.Validation("continuationToken", "Pass back the token a previous page returned.");
        }
    }
}
