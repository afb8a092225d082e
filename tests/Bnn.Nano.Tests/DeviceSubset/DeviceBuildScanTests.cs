using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>
/// The device build's DLLs (every *.Device.csproj under firmware/ and devices/, built before the tests through
/// ProjectReferences of this project) hold nothing that compiles but cannot run on nanoFramework 1.x, and
/// reference mscorlib alone. Planted IL proves the scanner sees generics and localloc.
/// </summary>
public class DeviceBuildScanTests
{
    /// <summary>Debug / Release: the configuration this test assembly was built in (…/bin/&lt;project&gt;/&lt;Configuration&gt;/&lt;tfm&gt;/).</summary>
    private static string Configuration =>
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))!)!;

    [Fact]
    public void Device_build_dlls_have_no_generics_or_localloc_and_reference_only_mscorlib_and_own_libraries()
    {
        var failures = new List<string>();
        var scanned = new List<string>();
        foreach (DeviceLibrary library in DeviceLibrary.All())
        {
            if (library.DeviceProjects.Count == 0)
            {
                failures.Add(library.RelativeDirectory + ": no *.Device.csproj (every device library has a device build)");
            }

            foreach (string project in library.DeviceProjects)
            {
                string? dll = LocateDeviceDll(project);
                if (dll == null)
                {
                    failures.Add(DeviceLibrary.RepoRelative(project) + ": device-build DLL not found for configuration " + Configuration
                        + " (build Bnn.Nano.sln; this test project references every *.Device.csproj)");
                    continue;
                }

                IlScanResult result = DeviceIlScanner.Scan(dll);
                scanned.Add(DeviceLibrary.RepoRelative(dll) + " (" + result.MethodsScanned + " method bodies)");
                failures.AddRange(result.Findings.Select(f => DeviceLibrary.RepoRelative(dll) + ": " + f));
                // A device library may reference mscorlib and the repository's own device libraries, nothing else.
                if (!result.AssemblyReferences.Contains("mscorlib") || !result.AssemblyReferences.All(r => r == "mscorlib" || r.StartsWith("Bnn.Nano.", StringComparison.Ordinal)))
                {
                    failures.Add(DeviceLibrary.RepoRelative(dll) + ": references " + string.Join(", ", result.AssemblyReferences) + " (only mscorlib and the repository's device libraries are allowed)");
                }

                if (result.MethodsScanned == 0)
                {
                    failures.Add(DeviceLibrary.RepoRelative(dll) + ": no method bodies scanned");
                }
            }
        }

        Assert.NotEmpty(scanned);
        Assert.True(failures.Count == 0, "device build scan failed:\n" + string.Join("\n", failures) + "\nscanned:\n" + string.Join("\n", scanned));
    }

    [Fact]
    public void Scanner_reports_generic_parameters_instances_and_specs_naming_type_and_method()
    {
        const string source = """
            namespace Planted
            {
                public class Box<T> { public T Value; }
                public static class Uses
                {
                    public static T Echo<T>(T value) { return value; }
                    public static int Run()
                    {
                        Box<int> box = new Box<int>();
                        box.Value = 3;
                        return Echo(box.Value);
                    }
                }
            }
            """;

        IlScanResult result = DeviceIlScanner.Scan(CompileAgainstNanoMscorlib(source, allowUnsafe: false));

        string report = string.Join("\n", result.Findings);
        Assert.Contains(result.Findings, f => f.StartsWith("Planted.Box`1: GenericParam row (generic type", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.StartsWith("Planted.Uses::Echo: GenericParam row (generic method", StringComparison.Ordinal));
        Assert.True(result.Findings.Any(f => f.Contains("Planted.Uses::Run (call at IL_", StringComparison.Ordinal) && f.Contains("MethodSpec row (generic method instance Planted.Uses::Echo<Int32>)", StringComparison.Ordinal)), report);
        Assert.True(result.Findings.Any(f => f.Contains("Planted.Uses::Run (newobj at IL_", StringComparison.Ordinal) && f.Contains("TypeSpec row (generic instantiation Planted.Box`1<Int32>)", StringComparison.Ordinal)), report);
        Assert.True(result.Findings.Any(f => f.StartsWith("Planted.Uses::Run (local variable): generic instantiation", StringComparison.Ordinal)), report);
        Assert.Equal(new[] { "mscorlib" }, result.AssemblyReferences);
    }

    [Fact]
    public void Scanner_reports_localloc_and_multidimensional_arrays()
    {
        const string source = """
            namespace Planted
            {
                public static class Stack
                {
                    public static unsafe int Sum()
                    {
                        int* p = stackalloc int[4];
                        p[0] = 1;
                        return p[0];
                    }

                    public static int Grid() { int[,] g = new int[2, 2]; return g[1, 1]; }
                }
            }
            """;

        IlScanResult result = DeviceIlScanner.Scan(CompileAgainstNanoMscorlib(source, allowUnsafe: true));

        string report = string.Join("\n", result.Findings);
        Assert.True(result.Findings.Any(f => f.StartsWith("Planted.Stack::Sum: localloc at IL_", StringComparison.Ordinal)), report);
        Assert.True(result.Findings.Any(f => f.StartsWith("Planted.Stack::Grid", StringComparison.Ordinal) && f.Contains("multi-dimensional array", StringComparison.Ordinal)), report);
    }

    [Fact]
    public void Iterators_need_the_generic_IEnumerator_T_which_the_device_mscorlib_lacks()
    {
        // Why the guard bans yield: the compiler's state machine implements IEnumerator<object> even for IEnumerable.
        const string source = """
            namespace Planted
            {
                public static class Values
                {
                    public static System.Collections.IEnumerable Ones() { yield return 1; }
                }
            }
            """;

        var compilation = CSharpCompilation.Create(
            "Planted",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
            new[] { MetadataReference.CreateFromFile(NanoPackages.Mscorlib) },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var stream = new MemoryStream();
        EmitResult emit = compilation.Emit(stream);

        Assert.False(emit.Success);
        Assert.Contains(emit.Diagnostics, d => d.Id == "CS0518" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("System.Collections.Generic.IEnumerator`1", StringComparison.Ordinal));
    }

    [Fact]
    public void Decoder_walks_switch_tables_and_two_byte_opcodes()
    {
        const string source = """
            namespace Planted
            {
                public static class Branches
                {
                    public static int Pick(int k, object o)
                    {
                        switch (k)
                        {
                            case 0: return 10;
                            case 1: return 11;
                            case 2: return 12;
                            case 3: return 13;
                            case 4: return 14;
                        }

                        return o == null ? 1 : 2;
                    }
                }
            }
            """;

        byte[] image = CompileAgainstNanoMscorlib(source, allowUnsafe: false);
        IlScanResult result = DeviceIlScanner.Scan(image);
        Assert.Empty(result.Findings);

        // The switch opcode with its 5-entry table decodes, and decoding continues in step to the final ret.
        using var pe = new PEReader(ImmutableArray.Create(image));
        MetadataReader md = pe.GetMetadataReader();
        MethodDefinition pick = md.MethodDefinitions.Select(md.GetMethodDefinition).Single(m => md.GetString(m.Name) == "Pick");
        byte[] il = pe.GetMethodBody(pick.RelativeVirtualAddress).GetILBytes()!;
        var ops = DeviceIlScanner.Decode(il).ToList();
        Assert.Contains(ops, o => o.OpCode == OpCodes.Switch);
        Assert.Equal(OpCodes.Ret, ops[^1].OpCode);
        Assert.Throws<InvalidDataException>(() => DeviceIlScanner.Decode(new byte[] { 0x45, 0x02, 0x00, 0x00, 0x00, 0x00 }).ToList());
    }

    /// <summary>The DLL of a *.Device.csproj: bin/&lt;project&gt;/&lt;Configuration&gt;/&lt;tfm&gt;/&lt;AssemblyName&gt;.dll.</summary>
    private static string? LocateDeviceDll(string deviceProject)
    {
        string projectName = Path.GetFileNameWithoutExtension(deviceProject);
        string assemblyName = XDocument.Load(deviceProject).Descendants().FirstOrDefault(e => e.Name.LocalName == "AssemblyName")?.Value.Trim()
            ?? projectName;
        string configurationDir = Path.Combine(Path.GetDirectoryName(deviceProject)!, "bin", projectName, Configuration);
        if (!Directory.Exists(configurationDir))
        {
            return null;
        }

        return Directory.GetDirectories(configurationDir)
            .OrderByDescending(d => Path.GetFileName(d) == "netstandard2.0")
            .Select(d => Path.Combine(d, assemblyName + ".dll"))
            .FirstOrDefault(File.Exists);
    }

    private static byte[] CompileAgainstNanoMscorlib(string source, bool allowUnsafe)
    {
        var compilation = CSharpCompilation.Create(
            "Planted",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
            new[] { MetadataReference.CreateFromFile(NanoPackages.Mscorlib) },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: allowUnsafe));
        using var stream = new MemoryStream();
        EmitResult emit = compilation.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));

        return stream.ToArray();
    }
}
