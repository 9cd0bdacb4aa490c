using OneClick.Core.Meta;
using OneClick.Core.Templates;

namespace OneClick.Functions.Content;

/// <summary>
/// Answers for the synchronous calls to Meta (templates, media, mark-as-read): a request Meta refuses for its
/// content is the caller's 400 (with Meta's code and details), anything about OneClick's access to Meta is a 502,
/// an unreachable Meta a 503, a tenant without credentials a 409.
/// </summary>
public static class MetaProblems
{
    private static readonly int[] FixThePayload = [100, 131008, 131009, 131053, 132000, 132001, 132005, 132007, 132012, 132018, 135000];

    public static async Task<IResult> CallAsync(string field, Func<Task<IResult>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call();
        }
        catch (TenantNotConnectedException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The tenant is not connected to Meta.", detail: e.Message);
        }
        catch (MetaApiException e) when (e.Code == 100 && e.Subcode == 2388024)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Meta already has this template.",
                detail: e.Details ?? e.Message, extensions: Extensions(e));
        }
        catch (MetaApiException e) when (FixThePayload.Contains(e.Code))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"Meta refused it (code {e.Code}): {e.Details ?? e.Title}"] },
                title: "Meta refused the request.", extensions: Extensions(e));
        }
        catch (MetaApiException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Meta refused OneClick's call.",
                detail: $"Meta error {e.Code}: {e.Title}. {e.Details}".Trim(), extensions: Extensions(e));
        }
        catch (MetaUnreachableException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Meta could not be reached.", detail: e.Message);
        }
    }

    private static Dictionary<string, object?> Extensions(MetaApiException e) => new()
    {
        ["metaCode"] = e.Code,
        ["metaSubcode"] = e.Subcode,
        ["fbtraceId"] = e.FbTraceId,
    };
}
