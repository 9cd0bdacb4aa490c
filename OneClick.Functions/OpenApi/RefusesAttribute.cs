using OneClick.Core.Results;

namespace OneClick.Functions.OpenApi;

/// <summary>
/// The refusals a function passes on from Core through <c>Problem.From</c>, for the document: the code scan sees the
/// call but not which kinds of <see cref="Failure"/> can reach it. Validation (400) and not found on a route id (404)
/// are in the document without it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RefusesAttribute(params FailureKind[] kinds) : Attribute
{
    public IReadOnlyList<FailureKind> Kinds { get; } = kinds;
}
