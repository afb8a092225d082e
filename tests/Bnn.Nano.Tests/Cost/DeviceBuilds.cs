using System;
using System.IO;
using Bnn.Nano.Compiler.Cost;
using Xunit;

namespace Bnn.Nano.Tests.Cost;

/// <summary>The device builds the IL tests read: present, Release (what the device runs) and newer than their sources.</summary>
internal static class DeviceBuilds
{
    /// <summary>
    /// The Release device build of a firmware library, failing the test when it is missing, only built for Debug (whose
    /// IL has nops and extra local stores, a difference that says nothing about the code) or older than its sources
    /// (it would price yesterday's code).
    /// </summary>
    public static string Release(string library)
    {
        string? dll = IlCostInspector.FindDeviceBuild(RepoPaths.Root, library);
        string rebuild = "build firmware/" + library + "/" + library + ".Device.csproj (dotnet test Bnn.Nano.sln -c Release builds it)";
        if (dll == null)
        {
            Assert.Fail("the device build of " + library + " is missing: " + rebuild);
        }

        if (!dll.Contains(Path.DirectorySeparatorChar + "Release" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            Assert.Fail("the IL checks need the Release device build, found only " + dll + ": run the README's test command, dotnet test Bnn.Nano.sln -c Release");
        }

        string sources = Path.Combine(RepoPaths.Firmware, library);
        DateTime built = File.GetLastWriteTimeUtc(dll);
        foreach (string source in Directory.EnumerateFiles(sources, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(sources, source);
            bool generated = relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("Board", StringComparison.Ordinal);
            if (!generated && File.GetLastWriteTimeUtc(source) > built)
            {
                Assert.Fail(dll + " is older than " + relative + ": " + rebuild);
            }
        }

        return dll;
    }
}
