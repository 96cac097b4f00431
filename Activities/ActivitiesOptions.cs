namespace Processes.Activities;

/// <summary>Configuration of the built-in activities, section <c>Processes:Activities</c>.</summary>
public sealed class ActivitiesOptions
{
    public SmsOptions Sms { get; set; } = new();

    public RefundOptions Refund { get; set; } = new();

    public HttpActivityOptions Http { get; set; } = new();

    public AssignmentOptions Assignment { get; set; } = new();

    public VerificationOptions Verification { get; set; } = new();
}

/// <summary>How outbound calls retry transient faults in-process before the job itself fails (and retries later).</summary>
public sealed class OutboundRetryOptions
{
    /// <summary>Timeout of one attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra attempts after the first on 5xx, 408, 429, connection failures and timeouts.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First pause between attempts; doubles each time.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(200);
}

public sealed class SmsOptions
{
    /// <summary><c>outbox</c> (default: rows in <c>sms_outbox</c>) or <c>http</c>.</summary>
    public string Provider { get; set; } = "outbox";

    /// <summary>The HTTP provider's endpoint; it gets <c>POST {"to","text","reference"}</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary>Header carrying the credential (e.g. <c>Authorization</c>), and its value.</summary>
    public string AuthHeader { get; set; } = "Authorization";

    public string? AuthValue { get; set; }

    public OutboundRetryOptions Retry { get; set; } = new();
}

public sealed class RefundOptions
{
    /// <summary>The payment API; refunds are <c>POST {BaseUrl}/refunds</c>.</summary>
    public Uri? BaseUrl { get; set; }

    public string AuthHeader { get; set; } = "Authorization";

    public string? AuthValue { get; set; }

    /// <summary>Refunds above this amount need <c>financeApproved = true</c> (a finance review) first.</summary>
    public decimal ReviewThreshold { get; set; } = 1000m;

    public OutboundRetryOptions Retry { get; set; } = new();
}

public sealed class HttpActivityOptions
{
    /// <summary>Hosts the <c>http</c> activity may call: exact names or <c>*.example.com</c>. Empty: none.</summary>
    public IList<string> AllowedHosts { get; } = [];

    public OutboundRetryOptions Retry { get; set; } = new();

    /// <summary>Response bodies longer than this are cut (variables live in the database).</summary>
    public int MaxResponseChars { get; set; } = 64 * 1024;
}

public sealed class AssignmentOptions
{
    /// <summary>Group of the supervisors' dispatch queue (mode <c>manual</c>, and central dispatch with nobody free).</summary>
    public string DispatchGroup { get; set; } = "dispatch";
}

public sealed class VerificationOptions
{
    /// <summary>
    /// Key of the <c>verification-code</c> activity's HMACs (codes and their hashes). Every node of a cluster needs the
    /// same value; empty: a random key per host process (codes do not survive a restart).
    /// </summary>
    public string? Secret { get; set; }
}
