using OneClick.Core.Configuration;

namespace OneClick.Functions.Http;

/// <summary>Absolute URLs the operator gives to Meta: under OneClick:PublicBaseUrl when set, else the request's own host.</summary>
internal static class PublicUrls
{
    public static string Of(IConfiguration configuration, HttpContext http, string path)
    {
        var publicBase = configuration[SettingNames.ConfigKey(SettingNames.PublicBaseUrl)] ?? $"{http.Request.Scheme}://{http.Request.Host}";
        return $"{publicBase.TrimEnd('/')}/{path}";
    }
}
