using System.Reflection;
using System.Runtime.CompilerServices;

namespace OneClick.Functions.OpenApi;

/// <summary>
/// What a function's code does with its request and response, read from its IL: which generic methods it calls
/// (ReadBodyAsync&lt;T&gt;, TypedResults.Ok&lt;T&gt;, ...) and which query names it reads. Reading the code itself keeps
/// the document from drifting from it, without an attribute to keep in step beside every function.
/// </summary>
internal static class CodeScan
{
    /// <summary>A call found in the code, with the string literal loaded just before it (a query name), if any.</summary>
    public sealed record Call(MethodBase Method, string? LiteralBefore);

    private const byte Call_ = 0x28, CallVirt = 0x6F, LdStr = 0x72, Prefix = 0xFE, LdFtn = 0x06;
    private const int MaxDepth = 3;

    /// <summary>Calls made by <paramref name="method"/>, its async state machine, and the app's own methods it calls.</summary>
    public static IReadOnlyList<Call> CallsFrom(MethodInfo method)
    {
        var calls = new List<Call>();
        Walk(method, calls, new HashSet<MethodBase>(), 0);
        return calls;
    }

    private static void Walk(MethodBase method, List<Call> calls, HashSet<MethodBase> seen, int depth)
    {
        if (depth > MaxDepth || !seen.Add(method))
            return;
        if (method.GetCustomAttribute<AsyncStateMachineAttribute>() is { } machine
            && machine.StateMachineType.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public) is { } moveNext)
            Walk(moveNext, calls, seen, depth);
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            return;
        for (var i = 0; i + 4 < il.Length; i++)
        {
            // A lambda or local function (ldftn of the app's own method, e.g. the body of MetaProblems.CallAsync(() => ...)):
            // its code is this function's code.
            if (il[i] == Prefix && il[i + 1] == LdFtn && i + 5 < il.Length && il[i + 5] == 0x06
                && Resolve(method, BitConverter.ToInt32(il, i + 2)) is { } target && target.Module == method.Module)
            {
                Walk(target, calls, seen, depth + 1);
                continue;
            }
            // Calls to a MethodDef (0x06), MemberRef (0x0A) or MethodSpec (0x2B) token; other byte runs do not resolve.
            if ((il[i] != Call_ && il[i] != CallVirt) || il[i + 4] is not (0x06 or 0x0A or 0x2B))
                continue;
            if (Resolve(method, BitConverter.ToInt32(il, i + 1)) is not { } callee)
                continue;
            calls.Add(new Call(callee, LiteralBefore(method, il, i)));
            if (callee.Module == method.Module && callee.DeclaringType?.Namespace?.StartsWith("OneClick.Functions", StringComparison.Ordinal) == true
                && callee.DeclaringType != typeof(Http.RequestReading) && callee.DeclaringType != typeof(Problems.ListParameters))
                Walk(callee is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericMethodDefinition() : callee, calls, seen, depth + 1);
        }
    }

    private static MethodBase? Resolve(MethodBase from, int token)
    {
        try
        {
            var typeArgs = from.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
            var methodArgs = from.IsGenericMethod ? from.GetGenericArguments() : null;
            return from.Module.ResolveMethod(token, typeArgs, methodArgs);
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
        {
            return null;
        }
    }

    private static string? LiteralBefore(MethodBase method, byte[] il, int callAt)
    {
        var at = callAt - 5;
        if (at < 0 || il[at] != LdStr)
            return null;
        try
        {
            return method.Module.ResolveString(BitConverter.ToInt32(il, at + 1));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
