using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace OneClick.FunctionsHost.SampleWorker;

public static class HttpFunctions
{
    /// <summary>Answers with the status from ?status=, the x-echo-* headers, the route id, the URL it saw and the request body.</summary>
    [Function("Echo")]
    public static async Task Echo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", Route = "echo/{id}")] HttpRequest req, string id)
    {
        var response = req.HttpContext.Response;
        response.StatusCode = int.TryParse(req.Query["status"], out var status) ? status : StatusCodes.Status200OK;
        response.Headers["x-route-id"] = id;
        response.Headers["x-method"] = req.Method;
        response.Headers["x-request-url"] = $"{req.Scheme}://{req.Host}{req.Path}{req.QueryString}";
        foreach (var header in req.Headers.Where(h => h.Key.StartsWith("x-echo-", StringComparison.OrdinalIgnoreCase)))
            response.Headers[header.Key] = header.Value;
        response.ContentType = req.ContentType ?? "application/octet-stream";
        await req.Body.CopyToAsync(response.Body);
    }

    /// <summary>Counts the bytes of a streamed body without keeping them.</summary>
    [Function("Upload")]
    public static async Task<IActionResult> Upload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "upload")] HttpRequest req)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await req.Body.ReadAsync(buffer)) > 0)
            total += read;
        return new OkObjectResult(new { bytes = total });
    }

    /// <summary>Throws before writing a response.</summary>
    [Function("Fail")]
    public static IActionResult Fail(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fail")] HttpRequest req)
        => throw new InvalidOperationException("Failing on purpose.");

    /// <summary>Kills the worker process (the crash test).</summary>
    [Function("Crash")]
    public static IActionResult Crash(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "crash")] HttpRequest req)
    {
        Environment.FailFast("Crash requested by the test.");
        return new OkResult();
    }

    /// <summary>Default route (the function name) and the process id, to tell worker processes apart.</summary>
    [Function("Health")]
    public static IActionResult Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req)
        => new OkObjectResult(new { pid = Environment.ProcessId });
}
