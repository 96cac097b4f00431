using System.Globalization;
using System.Text.RegularExpressions;
using Hangfire;
using Hangfire.Dashboard;

namespace Processes.Host.Hangfire;

/// <summary>
/// A section on the dashboard's job details page of a timer job: a link to the instance's case page
/// (<c>/cases/{key}</c>). Hangfire's own extension point for that page (1.8's job details renderers); the display name
/// stays plain text everywhere else, as Hangfire escapes it.
/// </summary>
internal static partial class CaseLinkRenderer
{
    private static int _registered;

    /// <summary>Hangfire keeps its renderers in a process-wide list: registered once, however many hosts run in the process.</summary>
    public static IGlobalConfiguration UseCaseLinks(this IGlobalConfiguration configuration) =>
        Interlocked.Exchange(ref _registered, 1) == 0 ? configuration.UseJobDetailsRenderer(10, Render) : configuration;

    /// <summary>The instance key of a timer job: the display name ends with it (<c>… · #2251799813685321</c>), by design.</summary>
    public static long? InstanceKeyOf(string? displayName) =>
        displayName is not null && TrailingKey().Match(displayName) is { Success: true } match
            && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var key) ? key : null;

    private static NonEscapedString? Render(JobDetailsRendererDto dto)
    {
        if (dto.JobDetails?.Job is not { } job || job.Type != typeof(TimerFiringJob) || job.Args.Count < 2
            || InstanceKeyOf(job.Args[1] as string) is not { } key)
        {
            return null;
        }
        // Only digits reach the markup, so nothing of the model's text is rendered unescaped.
        var href = Pages.DesignerPages.CasePath.Replace("{key}", key.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return new NonEscapedString(
            $"<h3>Case</h3><p><a id=\"case-link\" href=\"{href}\">Open the case of instance {key.ToString(CultureInfo.InvariantCulture)}</a></p>");
    }

    [GeneratedRegex(@"· #(\d{1,19})$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingKey();
}
