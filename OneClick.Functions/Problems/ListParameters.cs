using System.Buffers.Text;
using System.Text;
using Azure;
using OneClick.Core.Storage;
using OneClick.Functions.Http;

namespace OneClick.Functions.Problems;

/// <summary>The paging parameters every list endpoint takes: pageSize and continuationToken.</summary>
public static class ListParameters
{
    /// <summary>
    /// The storage service accepts almost any text as a continuation token and quietly answers some page for it,
    /// so the API wraps the tokens it hands out (prefix + base64url) and refuses anything it did not make.
    /// </summary>
    private const string TokenPrefix = "ct1.";
    public const string PageSize = "pageSize";
    public const string ContinuationToken = "continuationToken";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IResult? Check(int? pageSize, string? continuationToken)
    {
        if (pageSize is < 1 or > Paging.MaxPageSize)
            return Problem.Validation("pageSize", $"Between 1 and {Paging.MaxPageSize}.");
        if (!TryUnwrap(continuationToken, out _))
            return Problem.Validation("continuationToken", "Pass back the token a previous page returned.");
        return null;
    }

    /// <summary>The token to give the client for the storage service's <paramref name="storageToken"/>.</summary>
    public static string? Wrap(string? storageToken) =>
        storageToken is null ? null : TokenPrefix + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(storageToken));

    /// <summary>The storage service's token inside a client's token (null for none); false when it is not one of ours.</summary>
    public static bool TryUnwrap(string? token, out string? storageToken)
    {
        storageToken = null;
        if (token is null)
            return true;
        if (!Paging.LooksValid(token) || !token.StartsWith(TokenPrefix, StringComparison.Ordinal))
            return false;
        try
        {
            var unwrapped = StrictUtf8.GetString(Base64Url.DecodeFromChars(token.AsSpan(TokenPrefix.Length)));
            if (unwrapped.Length == 0 || !Paging.LooksValid(unwrapped))
                return false;
            storageToken = unwrapped;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            // Invalid UTF-8 (DecoderFallbackException).
            return false;
        }
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

    /// <summary>A list function's whole answer, with the paging parameters read from the request's query.</summary>
    public static Task<IResult> PageAsync<TItem, TView>(
        HttpRequest request, Func<string?, int, Task<ResultPage<TItem>>> read, Func<TItem, TView> view)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PageAsync(request.QueryInt(PageSize), request.QueryText(ContinuationToken), read, view);
    }

    /// <summary>
    /// A list endpoint's whole answer: checks the paging parameters, reads one page with the storage service's token
    /// and the clamped page size, and hands the client a wrapped token for the next page.
    /// </summary>
    public static async Task<IResult> PageAsync<TItem, TView>(
        int? pageSize, string? continuationToken, Func<string?, int, Task<ResultPage<TItem>>> read, Func<TItem, TView> view)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(view);
        if (Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        TryUnwrap(continuationToken, out var storageToken);
        return await ReadAsync(async () =>
        {
            var page = await read(storageToken, Paging.Clamp(pageSize)).ConfigureAwait(false);
            return new ResultPage<TView>(page.Items.Select(view).ToList(), Wrap(page.ContinuationToken));
        }).ConfigureAwait(false);
    }
}
