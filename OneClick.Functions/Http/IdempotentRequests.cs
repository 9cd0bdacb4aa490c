using System.Security.Cryptography;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using OneClick.Core.Idempotency;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Http;

/// <summary>
/// The function takes an Idempotency-Key header: a retry with the same key and body gets the first answer and acts
/// no more (docs/hardening.md). For writes a client may have to retry without knowing whether the first call acted.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class IdempotentAttribute : Attribute;

/// <summary>Runs an [Idempotent] function for a tenant: reserve the key, act once, record and replay the answer.</summary>
internal sealed partial class IdempotentRequests(IdempotencyStore store, ILogger<IdempotentRequests> logger)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    public async Task InvokeAsync(FunctionContext context, HttpContext http, string tenantId, FunctionExecutionDelegate next)
    {
        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            await next(context);
            return;
        }
        var result = context.GetInvocationResult();
        if (key.Length > MaxKeyLength || key.Any(c => c is < ' ' or > '~'))
        {
            result.Value = Problem.Validation(Header, $"1–{MaxKeyLength} printable ASCII characters (a UUID is a good key).");
            return;
        }

        var reservation = await store.ReserveAsync(tenantId, key, await FingerprintAsync(http.Request), http.RequestAborted);
        LogOutcome(logger, context.FunctionDefinition.Name, reservation.Outcome);
        switch (reservation.Outcome)
        {
            case ReservationOutcome.Mismatch:
                result.Value = Problem.Status(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused", "This Idempotency-Key was used for a different request (method, path or body). Use a new key for a new request.");
                return;
            case ReservationOutcome.InProgress:
                http.Response.Headers.RetryAfter = "1";
                result.Value = Problem.Status(StatusCodes.Status409Conflict, "Conflict", "A request with this Idempotency-Key is still being handled; retry shortly to get its answer.");
                return;
            case ReservationOutcome.Replay:
                http.Response.Headers[ReplayedHeader] = "true";
                result.Value = new RecordedResult(reservation.Record.Status, reservation.Record.ContentType, reservation.Record.Location, reservation.Record.Body ?? []);
                return;
        }

        try
        {
            await next(context);
        }
        catch
        {
            // Failed on our side (or unreadable input, which acted on nothing): a retry with this key may act.
            await store.ReleaseAsync(reservation.Record, CancellationToken.None);
            throw;
        }
        // Read it again: the invocation result taken before next() does not see the function's return value.
        result = context.GetInvocationResult();
        if (result.Value is not IResult answer)
        {
            LogNotRecorded(logger, context.FunctionDefinition.Name, result.Value?.GetType().Name);
            await store.ReleaseAsync(reservation.Record, CancellationToken.None);
            return;
        }
        var recorded = await RecordAsync(answer, http);
        // The request acted: its answer is recorded even if the caller has gone, for the retry it will make.
        await store.CompleteAsync(reservation.Record, recorded.Status, recorded.ContentType, recorded.Location, recorded.Body, CancellationToken.None);
        result.Value = recorded;
    }

    /// <summary>SHA-256 of method, path and body; the body is buffered so the function reads it after this.</summary>
    private static async Task<string> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}\n"));
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
            hash.AppendData(buffer, 0, read);
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes the function's answer into memory, as it would go to the caller, so it can be stored and sent.</summary>
    private static async Task<RecordedResult> RecordAsync(IResult answer, HttpContext http)
    {
        var capture = new DefaultHttpContext { RequestServices = http.RequestServices };
        capture.Request.Method = http.Request.Method;
        capture.Request.Path = http.Request.Path;
        using var body = new MemoryStream();
        capture.Response.Body = body;
        await answer.ExecuteAsync(capture);
        var location = capture.Response.Headers.Location.ToString();
        return new RecordedResult(capture.Response.StatusCode, capture.Response.ContentType, location.Length > 0 ? location : null, body.ToArray());
    }

    private sealed class RecordedResult(int status, string? contentType, string? location, byte[] body) : IResult
    {
        public int Status => status;
        public string? ContentType => contentType;
        public string? Location => location;
        public byte[] Body => body;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (contentType is not null)
                httpContext.Response.ContentType = contentType;
            if (location is not null)
                httpContext.Response.Headers.Location = location;
            if (body.Length > 0)
                await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Idempotency-Key on {Function}: {Outcome}")]
    private static partial void LogOutcome(ILogger logger, string function, ReservationOutcome outcome);

    [LoggerMessage(LogLevel.Warning, "Idempotency-Key on {Function}: the answer ({Type}) could not be recorded; the key is released")]
    private static partial void LogNotRecorded(ILogger logger, string function, string? type);
}
