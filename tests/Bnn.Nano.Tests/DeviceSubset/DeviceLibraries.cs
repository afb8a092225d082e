using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>
/// One library that runs on the microcontroller: a folder under firmware/ or devices/ holding a *.nfproj (and, by the
/// design, a host csproj and a *.Device.csproj over the same sources). Found generically, never by name.
/// </summary>
internal sealed class DeviceLibrary
{
    public const string BoardFolder = "Board";

    private DeviceLibrary(string directory, string nfproj)
    {
        Directory = directory;
        Nfproj = nfproj;
        Name = Path.GetFileNameWithoutExtension(nfproj);
    }

    public string Name { get; }

    /// <summary>Absolute path of the library folder.</summary>
    public string Directory { get; }

    /// <summary>Absolute path of the .nfproj.</summary>
    public string Nfproj { get; }

    /// <summary>Repository-relative folder, '/' separated (e.g. firmware/Bnn.Nano.Runtime).</summary>
    public string RelativeDirectory => RepoRelative(Directory);

    /// <summary>The device-build projects (*.Device.csproj) of the folder.</summary>
    public IReadOnlyList<string> DeviceProjects =>
        System.IO.Directory.GetFiles(Directory, "*.Device.csproj").OrderBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>The host projects (*.csproj that are not *.Device.csproj) of the folder.</summary>
    public IReadOnlyList<string> HostProjects =>
        System.IO.Directory.GetFiles(Directory, "*.csproj")
            .Where(p => !p.EndsWith(".Device.csproj", StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();

    /// <summary>Every library under firmware/ and devices/ (any depth; obj/bin and hidden folders skipped).</summary>
    public static IReadOnlyList<DeviceLibrary> All()
    {
        var libraries = new List<DeviceLibrary>();
        foreach (string top in new[] { "firmware", "devices" })
        {
            string root = Path.Combine(RepoPaths.Root, top);
            if (!System.IO.Directory.Exists(root))
            {
                continue;
            }

            foreach (string nfproj in EnumerateFiles(root, "*.nfproj"))
            {
                libraries.Add(new DeviceLibrary(Path.GetDirectoryName(nfproj)!, nfproj));
            }
        }

        return libraries.OrderBy(l => l.RelativeDirectory, StringComparer.Ordinal).ToList();
    }

    /// <summary>The .cs files on disk, relative to the library folder ('/' separated), obj/bin and hidden folders excluded.</summary>
    public IReadOnlyList<string> SourceFilesOnDisk()
    {
        return EnumerateFiles(Directory, "*.cs")
            .Select(p => Path.GetRelativePath(Directory, p).Replace('\\', '/'))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>True for board glue: files in the library's top-level Board/ folder (listed only in the .nfproj).</summary>
    public static bool IsBoardGlue(string libraryRelativePath)
    {
        return libraryRelativePath.StartsWith(BoardFolder + "/", StringComparison.Ordinal);
    }

    public static string RepoRelative(string absolutePath)
    {
        return Path.GetRelativePath(RepoPaths.Root, absolutePath).Replace('\\', '/');
    }

    private static IEnumerable<string> EnumerateFiles(string root, string pattern)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string file in System.IO.Directory.GetFiles(dir, pattern))
            {
                yield return file;
            }

            foreach (string sub in System.IO.Directory.GetDirectories(dir))
            {
                string name = Path.GetFileName(sub);
                bool skip = name.StartsWith('.')
                    || name.Equals("obj", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("bin", StringComparison.OrdinalIgnoreCase);
                if (!skip)
                {
                    pending.Push(sub);
                }
            }
        }
    }

    public override string ToString() => RelativeDirectory;
}

/// <summary>Where the nanoFramework assemblies live (the NuGet cache: NUGET_PACKAGES or ~/.nuget/packages).</summary>
internal static class NanoPackages
{
    public const string CoreLibraryVersion = "1.17.11";

    public static string NuGetRoot
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (!string.IsNullOrWhiteSpace(env))
            {
                return env;
            }

            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }
    }

    /// <summary>The real device mscorlib (nanoFramework.CoreLibrary, reflection build), restored by the device build.</summary>
    public static string Mscorlib
    {
        get
        {
            string path = Path.Combine(NuGetRoot, "nanoframework.corelibrary", CoreLibraryVersion, "lib", "mscorlib.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    "nanoFramework mscorlib not found at " + path + "; restore/build a *.Device.csproj first (dotnet build Bnn.Nano.sln)", path);
            }

            return path;
        }
    }
}
