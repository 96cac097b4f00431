using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Processes.Host.Proxies;

/// <summary>
/// Behind a TLS-terminating proxy or load balancer the host sees plain HTTP from the proxy's address. X-Forwarded-For
/// and X-Forwarded-Proto are believed only from trusted proxies — loopback, plus Processes:ForwardedHeaders:KnownProxies
/// (addresses) and …:KnownNetworks (CIDR), or anyone with …:TrustAll (off by default: only where no client can reach
/// the host except through the proxy) — so that Request.IsHttps marks the session cookie Secure, and the client address
/// is the one sign-in throttling and the audit log see.
/// </summary>
public static class ForwardedHeadersRegistration
{
    public const string Section = "Processes:ForwardedHeaders";

    public static IHostApplicationBuilder AddProcessesForwardedHeaders(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(Section);
        var proxies = ListOf(section.GetSection("KnownProxies")).Select(text => IPAddress.TryParse(text, out var address) ? address
            : throw new InvalidOperationException($"{Section}:KnownProxies: '{text}' is not an IP address.")).ToList();
        var networks = ListOf(section.GetSection("KnownNetworks")).Select(text => System.Net.IPNetwork.TryParse(text, out var network) ? network
            : throw new InvalidOperationException($"{Section}:KnownNetworks: '{text}' is not a network in CIDR notation (10.0.0.0/8).")).ToList();
        var trustAll = section.GetValue<bool>("TrustAll");
        var forwardLimit = section.GetValue("ForwardLimit", 1);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Proxies in a chain (a load balancer before a reverse proxy) each add an entry; each must be trusted.
            options.ForwardLimit = forwardLimit;
            if (trustAll)
            {
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
                return;
            }
            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(proxy);
            }
            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline: everything after it sees the client's scheme and address.</summary>
    public static IApplicationBuilder UseProcessesForwardedHeaders(this IApplicationBuilder app) => app.UseForwardedHeaders();

    /// <summary>A list as JSON array (…:0, …:1) or as one comma-separated value (handier in an environment variable).</summary>
    private static IEnumerable<string> ListOf(IConfigurationSection section) =>
        (section.Value is { } single ? single.Split(',') : section.GetChildren().Select(child => child.Value ?? ""))
            .Select(item => item.Trim()).Where(item => item.Length > 0);
}
