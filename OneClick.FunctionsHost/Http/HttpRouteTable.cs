using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using OneClick.FunctionsHost.Metadata;

namespace OneClick.FunctionsHost.Http;

/// <summary>A request that matched an HTTP-triggered function, with its route values (decoded).</summary>
internal sealed record HttpRouteMatch(string FunctionName, string TriggerName, IReadOnlyDictionary<string, string> RouteValues);

/// <summary>
/// The HTTP triggers' routes ("{routePrefix}/{route}", the route defaulting to the function name), matched with
/// ASP.NET Core route templates against the raw, undecoded request path, most specific first.
/// </summary>
internal sealed class HttpRouteTable
{
    private readonly List<Route> _routes;

    private HttpRouteTable(List<Route> routes) => _routes = routes;

    public IEnumerable<(string FunctionName, string Template, IReadOnlyList<string> Methods)> Routes =>
        _routes.Select(r => (r.FunctionName, r.Template, r.Methods));

    public static HttpRouteTable Build(IEnumerable<FunctionDefinition> functions, string routePrefix, IInlineConstraintResolver constraints)
    {
        var routes = new List<Route>();
        foreach (var function in functions)
        {
            if (function.Trigger is not { } trigger || !trigger.Is(TriggerBinding.Http))
                continue;
            var route = (trigger.Route ?? function.Name).Trim('/');
            var template = routePrefix.Length == 0 ? route : $"{routePrefix}/{route}";
            var parsed = TemplateParser.Parse(template);
            var defaults = new RouteValueDictionary();
            var parameterConstraints = new Dictionary<string, IRouteConstraint[]>(StringComparer.OrdinalIgnoreCase);
            foreach (var parameter in parsed.Parameters)
            {
                if (parameter.DefaultValue is not null)
                    defaults[parameter.Name!] = parameter.DefaultValue;
                parameterConstraints[parameter.Name!] = parameter.InlineConstraints
                    .Select(c => constraints.ResolveConstraint(c.Constraint)
                        ?? throw new InvalidOperationException($"Function '{function.Name}': unknown route constraint '{c.Constraint}' in '{template}'."))
                    .ToArray();
            }
            routes.Add(new Route(function.Name, trigger.Name, template, new TemplateMatcher(parsed, defaults), trigger.Methods,
                parameterConstraints, RoutePrecedence.ComputeInbound(parsed)));
        }
        routes.Sort((a, b) => a.Precedence != b.Precedence
            ? a.Precedence.CompareTo(b.Precedence)
            : string.Compare(a.Template, b.Template, StringComparison.OrdinalIgnoreCase));
        return new HttpRouteTable(routes);
    }

    public HttpRouteMatch? Match(string rawPath, string method, HttpContext context)
    {
        foreach (var route in _routes)
        {
            if (route.Methods.Count > 0 && !route.Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
                continue;
            var values = new RouteValueDictionary();
            if (!route.Matcher.TryMatch(new PathString(rawPath), values))
                continue;

            var decoded = new RouteValueDictionary();
            foreach (var (name, value) in values)
                if (value is string text)
                    decoded[name] = Uri.UnescapeDataString(text);
            if (!ConstraintsHold(route, decoded, context))
                continue;
            return new HttpRouteMatch(route.FunctionName, route.TriggerName,
                decoded.ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.OrdinalIgnoreCase));
        }
        return null;
    }

    private static bool ConstraintsHold(Route route, RouteValueDictionary values, HttpContext context)
    {
        foreach (var (name, constraints) in route.Constraints)
        {
            if (!values.ContainsKey(name))
                continue; // An optional parameter that is absent.
            foreach (var constraint in constraints)
                if (!constraint.Match(context, null, name, values, RouteDirection.IncomingRequest))
                    return false;
        }
        return true;
    }

    private sealed record Route(
        string FunctionName,
        string TriggerName,
        string Template,
        TemplateMatcher Matcher,
        IReadOnlyList<string> Methods,
        Dictionary<string, IRouteConstraint[]> Constraints,
        decimal Precedence);
}
