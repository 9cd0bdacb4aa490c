using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Functions.Auth;

namespace OneClick.Functions.OpenApi;

/// <summary>One HTTP function as the SDK's functions.metadata describes it, plus who may call it.</summary>
internal sealed record HttpOperation(string Name, string Method, string Route, string? Policy, bool Anonymous, MethodInfo EntryPoint)
{
    /// <summary>The route as an OpenAPI path: /api prefix, constraints and optional marks dropped from parameters.</summary>
    public string Path => "/api/" + System.Text.RegularExpressions.Regex.Replace(Route, @"\{\*?([A-Za-z0-9_]+)[^}]*\}", "{$1}");

    public IEnumerable<string> RouteParameters =>
        System.Text.RegularExpressions.Regex.Matches(Route, @"\{\*?([A-Za-z0-9_]+)").Select(m => m.Groups[1].Value);

    /// <summary>The feature folder the function lives in (Contacts, Campaigns, ...), used as its tag.</summary>
    public string Tag => EntryPoint.DeclaringType!.Namespace!.Split('.')[^1];
}

internal static class HttpOperations
{
    /// <summary>Every [Function] with an [HttpTrigger], one entry per HTTP method, in path order.</summary>
    public static IReadOnlyList<HttpOperation> All { get; } = Find(typeof(HttpOperations).Assembly);

    private static List<HttpOperation> Find(Assembly assembly) =>
        (from type in assembly.GetTypes()
         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
         let function = method.GetCustomAttribute<FunctionAttribute>()
         let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null)
         where function is not null && trigger is not null
         let anonymous = (method.GetCustomAttribute<AllowAnonymousAttribute>() ?? type.GetCustomAttribute<AllowAnonymousAttribute>()) is not null
         let authorize = method.GetCustomAttribute<AuthorizeAttribute>() ?? type.GetCustomAttribute<AuthorizeAttribute>()
         from verb in trigger.Methods ?? ["get"]
         select new HttpOperation(function.Name, verb.ToLowerInvariant(), trigger.Route ?? function.Name, authorize?.Policy, anonymous, method))
        .OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Method, StringComparer.Ordinal).ToList();

    /// <summary>The OpenAPI security requirement names for a policy; none for anonymous functions.</summary>
    public static IReadOnlyList<string> SchemesFor(HttpOperation operation) => operation switch
    {
        { Anonymous: true } => [],
        { Policy: Policies.Admin } => [SecuritySchemes.Admin],
        { Policy: Policies.TenantOrAdmin } => [SecuritySchemes.Tenant, SecuritySchemes.Admin],
        _ => [SecuritySchemes.Tenant],
    };
}

internal static class SecuritySchemes
{
    public const string Tenant = "tenantApiKey";
    public const string Admin = "adminApiKey";
}
