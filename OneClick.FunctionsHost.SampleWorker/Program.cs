using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// The worker's own Kestrel caps request bodies at ~28.6 MiB by default; the upload test sends 50 MiB.
builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = null);

await builder.Build().RunAsync();
