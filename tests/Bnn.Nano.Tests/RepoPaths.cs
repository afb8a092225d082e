using System;
using System.IO;

namespace Bnn.Nano.Tests;

/// <summary>Locates the repository (the folder holding Bnn.Nano.sln) and the shared data beside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Firmware => Path.Combine(Root, "firmware");

    /// <summary>../shared relative to the repository root.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null)
        {
            if (File.Exists(Path.Combine(dir, "Bnn.Nano.sln")))
            {
                return dir;
            }

            dir = Path.GetDirectoryName(dir);
        }

        throw new InvalidOperationException("Bnn.Nano.sln not found above " + AppContext.BaseDirectory);
    }
}
