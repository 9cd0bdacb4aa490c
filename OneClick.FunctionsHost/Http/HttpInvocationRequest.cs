using Microsoft.AspNetCore.Http;
using OneClick.FunctionsHost.Invocations;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Http;

/// <summary>
/// The InvocationRequest for an HTTP trigger when the worker proxies HTTP itself (ASP.NET Core integration):
/// the trigger input is an empty RpcHttp, as the real host sends; query values, route values (over query values),
/// "Query" and "Headers" go into the trigger metadata so the worker can bind method parameters such as <c>string id</c>.
/// </summary>
internal static class HttpInvocationRequest
{
    public static InvocationRequest Create(string invocationId, HttpRouteMatch match, HttpRequest request, DateTimeOffset utcNow)
    {
        var invocation = new InvocationRequest { InvocationId = invocationId };
        invocation.InputData.Add(new ParameterBinding { Name = match.TriggerName, Data = new TypedData { Http = new RpcHttp() } });

        var metadata = invocation.TriggerMetadata;
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Query)
        {
            query[name] = values.ToString();
            if (!name.Equals("code", StringComparison.OrdinalIgnoreCase)) // The function key is not binding data.
                metadata[name] = TriggerValues.String(values.ToString());
        }
        foreach (var (name, value) in match.RouteValues)
            metadata[name] = TriggerValues.String(value);
        metadata["Query"] = TriggerValues.Json(query);
        metadata["Headers"] = TriggerValues.Json(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        metadata["sys"] = TriggerValues.Sys(match.FunctionName, utcNow);
        return invocation;
    }
}
