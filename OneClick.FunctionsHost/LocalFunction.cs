namespace OneClick.FunctionsHost;

/// <summary>A function the host runs, as <c>func start</c> lists it.</summary>
/// <param name="Name">The function's name.</param>
/// <param name="TriggerType">httpTrigger, queueTrigger, timerTrigger, or a trigger the local host does not drive.</param>
/// <param name="Url">For HTTP triggers: the route's URL (parameters shown as {name}).</param>
/// <param name="Methods">For HTTP triggers: the allowed methods; empty means all.</param>
/// <param name="QueueName">For queue triggers: the queue, settings resolved.</param>
/// <param name="Schedule">For timer triggers: the schedule, settings resolved.</param>
public sealed record LocalFunction(string Name, string TriggerType, string? Url, IReadOnlyList<string> Methods, string? QueueName, string? Schedule)
{
    public override string ToString() => TriggerType.ToUpperInvariant() switch
    {
        "HTTPTRIGGER" => $"{Name}: [{(Methods.Count == 0 ? "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS" : string.Join(',', Methods))}] {Url}",
        "QUEUETRIGGER" => $"{Name}: queueTrigger ({QueueName})",
        "TIMERTRIGGER" => $"{Name}: timerTrigger ({Schedule})",
        _ => $"{Name}: {TriggerType} (not driven by the local host)",
    };
}
