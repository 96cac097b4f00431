using System.Text;

namespace Processes.Tests.Shipped;

/// <summary>The repository's Definitions/ folder (found by walking up to Processes.sln), as the host deploys it.</summary>
internal static class ShippedDefinitions
{
    public static string Directory { get; } = Find();

    public static IEnumerable<string> Files(params string[] extensions) =>
        System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(Directory, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public static string Text(string name) => File.ReadAllText(Path.Combine(Directory, name), Encoding.UTF8);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Processes.sln")))
            {
                return Path.Combine(dir.FullName, "Definitions");
            }
        }
        throw new InvalidOperationException($"Processes.sln not found above {AppContext.BaseDirectory}.");
    }
}
