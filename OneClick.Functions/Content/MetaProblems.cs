using OneClick.Core.Meta;
using OneClick.Core.Templates;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Content;

/// <summary>
/// Answers for the synchronous calls to Meta (templates, media, mark-as-read): Meta's refusal as the one table in
/// <see cref="MetaFailures"/> says (a content error is the caller's 400 on <c>field</c>, access to Meta a 502, an
/// unreachable Meta a 503), a tenant without credentials a 409.
/// </summary>
public static class MetaProblems
{
    public static async Task<IResult> CallAsync(string field, Func<Task<IResult>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call();
        }
        catch (TenantNotConnectedException e)
        {
            return Problem.From(MetaFailures.NotConnected(e.Message));
        }
        catch (MetaApiException e)
        {
            return Problem.From(MetaFailures.From(e, field));
        }
        catch (MetaUnreachableException e)
        {
            return Problem.From(MetaFailures.Unreachable(e));
        }
    }
}
