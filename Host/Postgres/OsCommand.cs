using System.Diagnostics;
using System.Text;

namespace Processes.Host.Postgres;

/// <summary>Runs a PostgreSQL program, as the service user when the host is root.</summary>
internal sealed class OsCommand(string? runAsUser)
{
    public sealed record Outcome(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public async Task<Outcome> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            // The server inherits this; a cwd it cannot read (root's home) makes it complain at start.
            WorkingDirectory = "/",
        };
        if (runAsUser is null)
        {
            info.FileName = program;
        }
        else
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(runAsUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(program);
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // A user-level locale the server does not have would fail initdb; the cluster picks its own below.
        info.Environment["LC_ALL"] = "C.UTF-8";
        info.Environment.Remove("PGDATA");
        info.Environment.Remove("PGPORT");

        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return new Outcome(-1, $"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds:0} s.\n{Text(output)}");
        }
        process.WaitForExit(); // flushes the asynchronous readers
        return new Outcome(process.ExitCode, Text(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
