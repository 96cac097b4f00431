using Processes.Tck;

// dotnet run --project Tests/Processes.Tck -- [tck-folder] [--only <name-part>] [--details]
var folder = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && Directory.Exists(a))
    ?? TckRunner.DefaultFolder(Directory.GetCurrentDirectory())
    ?? TckRunner.DefaultFolder();
var onlyAt = Array.IndexOf(args, "--only");
var only = onlyAt >= 0 && onlyAt + 1 < args.Length ? args[onlyAt + 1] : null;
if (folder is null || !Directory.Exists(folder))
{
    Console.Error.WriteLine($"TCK folder not found: {folder ?? "(no Processes.sln found above the current directory)"}");
    return 2;
}
var report = TckRunner.RunAll(folder, only);
report.Print(Console.Out, args.Contains("--details"));
return 0;
