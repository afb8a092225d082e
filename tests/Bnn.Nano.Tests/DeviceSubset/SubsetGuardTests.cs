using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>
/// The subset guard over the real firmware (zero violations, allowlist exact and backed by nano-api), and planted
/// code proving that each banned construct is caught with its file and line.
/// </summary>
public class SubsetGuardTests
{
    private const string PlantedPath = "firmware/Planted/Sensor.cs";
    private const int PlantedLine = 8;

    private static string AllowlistPath => Path.Combine(RepoPaths.Root, SubsetGuard.AllowlistFile);

    private static IReadOnlyList<string> Allowlist => SubsetGuard.ReadAllowlist(AllowlistPath);

    [Fact]
    public void Real_firmware_has_no_subset_violations()
    {
        IReadOnlyList<GuardSource> sources = SubsetGuard.LoadRepositorySources();
        Assert.NotEmpty(sources);

        IReadOnlyList<SubsetViolation> violations = SubsetGuard.Check(sources, Allowlist, NanoApi.TryLoad()?.TypeNames);

        Assert.True(violations.Count == 0, SubsetGuard.Format(violations.ToList()));
    }

    [Fact]
    public void Guard_covers_every_library_and_board_glue()
    {
        IReadOnlyList<GuardSource> sources = SubsetGuard.LoadRepositorySources();
        foreach (DeviceLibrary library in DeviceLibrary.All())
        {
            var expected = library.SourceFilesOnDisk().Select(f => library.RelativeDirectory + "/" + f).ToList();
            var actual = sources.Where(s => s.Library == library.RelativeDirectory).Select(s => s.Path).ToList();
            Assert.Equal(expected, actual);
            Assert.All(sources.Where(s => s.Library == library.RelativeDirectory),
                s => Assert.Equal(s.Path.StartsWith(library.RelativeDirectory + "/" + DeviceLibrary.BoardFolder + "/", StringComparison.Ordinal), s.IsBoardGlue));
        }

        Assert.DoesNotContain(sources, s => s.Path.Contains("/obj/", StringComparison.Ordinal) || s.Path.Contains("/bin/", StringComparison.Ordinal));
        Assert.Contains(sources, s => s.Path.StartsWith("firmware/", StringComparison.Ordinal));
    }

    [Fact]
    public void Allowlist_entries_exist_in_nano_api()
    {
        NanoApi? api = NanoApi.TryLoad();
        if (api == null)
        {
            return; // ../shared/nano-api is not present on this machine: nothing to check against.
        }

        var missing = Allowlist.Where(entry => api.Find(entry) == null).ToList();

        Assert.True(missing.Count == 0,
            SubsetGuard.AllowlistFile + " entries not found in " + NanoApi.Directory + " (" + string.Join(", ", api.Files) + "):\n"
            + string.Join("\n", missing));
    }

    [Fact]
    public void Allowlist_has_no_stale_or_duplicate_entries()
    {
        GuardAnalysis analysis = SubsetGuard.Analyze(SubsetGuard.LoadRepositorySources(), Allowlist.Concat(NanoApi.TryLoad()?.TypeNames ?? Array.Empty<string>()));
        var used = new HashSet<string>(analysis.References.Select(r => r.Entry), StringComparer.Ordinal);

        var stale = Allowlist.Where(entry => !used.Contains(entry)).ToList();
        var duplicates = Allowlist.GroupBy(e => e, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

        Assert.True(stale.Count == 0, "entries of " + SubsetGuard.AllowlistFile + " that no firmware source uses (remove them):\n" + string.Join("\n", stale));
        Assert.True(duplicates.Count == 0, "duplicate entries in " + SubsetGuard.AllowlistFile + ":\n" + string.Join("\n", duplicates));
    }

    [Fact]
    public void Nano_api_matching_reads_members_constructors_indexers_and_keyword_types()
    {
        NanoApi? api = NanoApi.TryLoad();
        if (api == null)
        {
            return;
        }

        Assert.NotNull(api.Find("System.Array.Copy"));
        Assert.NotNull(api.Find("System.Array.Length"));
        Assert.NotNull(api.Find("System.Exception"));
        Assert.NotNull(api.Find("System.Exception..ctor"));
        Assert.NotNull(api.Find("System.UInt32.ToString"));
        Assert.NotNull(api.Find("System.Int32.MaxValue"));
        Assert.NotNull(api.Find("System.String..ctor"));
        Assert.NotNull(api.Find("System.String.this[]"));
        Assert.NotNull(api.Find("System.String.op_Equality"));
        Assert.NotNull(api.Find("System.Runtime.CompilerServices.MethodImplOptions.InternalCall"));
        Assert.NotNull(api.Find("System.Diagnostics.DebuggableAttribute.DebuggingModes"));
        Assert.NotNull(api.Find("System.Math.Max"));
        Assert.Equal("System.Device.Gpio.txt", api.Find("System.Device.Gpio.GpioController"));

        Assert.Null(api.Find("System.Buffer.BlockCopy"));
        Assert.Null(api.Find("System.Numerics.BitOperations.PopCount"));
        Assert.Null(api.Find("System.Array.Fill"));
        Assert.Null(api.Find("System.Array..ctor.Copy"));
        Assert.Null(api.Find("System.Exception.Exception"));
        Assert.Null(api.Find("System.Array.Contains")); // only an explicit IList.Contains implementation
        Assert.Null(api.Find("System.Span"));
    }

    [Fact]
    public void Clean_planted_code_passes()
    {
        IReadOnlyList<SubsetViolation> violations = SubsetGuard.Check(Planted("int n = data.Length + 1;", withHelpers: false), new[] { "System.Array.Length" });

        Assert.True(violations.Count == 0, SubsetGuard.Format(violations.ToList()));
    }

    [Theory]
    [InlineData("System.Collections.Generic.List<int> x = null;", "generic name List<int>")]
    [InlineData("System.Span<byte> span = default;", "generic name Span<byte>")]
    [InlineData("System.ReadOnlySpan<byte> span = default;", "generic name ReadOnlySpan<byte>")]
    [InlineData("object o = Echo<int>(1);", "generic name Echo<int>")]
    [InlineData("object o = Echo(1);", "generic method")]
    [InlineData("int? maybe = null;", "generic Nullable<T>")]
    [InlineData("var items = new { A = 1 };", "generic anonymous type")]
    [InlineData("unsafe { }", "unsafe")]
    [InlineData("unsafe { int* p = stackalloc int[4]; }", "stackalloc")]
    [InlineData("unsafe { int* p = null; }", "pointer type int*")]
    [InlineData("unsafe { fixed (byte* p = data) { } }", "fixed")]
    [InlineData("int[,] grid = new int[2, 2];", "multi-dimensional array [,]")]
    [InlineData("var pair = (1, 2);", "tuple literal")]
    [InlineData("(int, int) pair = default;", "tuple type")]
    [InlineData("var (a, b) = Swap();", "tuple deconstruction")]
    [InlineData("string s = $\"{data.Length}\";", "interpolated string")]
    [InlineData("async void Later() { await Later2(); }", "await")]
    [InlineData("async void Later() { await Later2(); }", "async")]
    [InlineData("var q = from x in data select x;", "LINQ query expression")]
    [InlineData("dynamic d = data;", "dynamic")]
    [InlineData("int c = checked(data.Length * 2);", "checked arithmetic")]
    [InlineData("var tail = data[1..];", "range expression")]
    [InlineData("int m = System.Math.Max(1, 2);", "BCL reference System.Math.Max is not on " + SubsetGuard.AllowlistFile)]
    [InlineData("System.Console.WriteLine(\"x\");", "BCL reference System.Console.WriteLine is not on " + SubsetGuard.AllowlistFile)]
    [InlineData("System.Buffer.BlockCopy(data, 0, data, 1, 1);", "BCL reference System.Buffer.BlockCopy is not on")]
    [InlineData("System.Array.Reverse(data);", "BCL reference System.Array.Reverse is not on")]
    [InlineData("string s = data.Length.ToString();", "BCL reference System.Int32.ToString is not on")]
    [InlineData("var e = new System.Exception(\"x\");", "BCL reference System.Exception..ctor is not on")]
    [InlineData("System.Threading.Thread.Sleep(1);", "BCL reference System.Threading.Thread.Sleep is not on")]
    [InlineData("var b = new System.SpanByte(data);", "SpanByte is for device glue only")]
    [InlineData("lock (data) { }", "BCL reference System.Threading.Monitor.Enter is not on")]
    public void Planted_construct_is_reported_with_file_and_line(string plant, string construct)
    {
        IReadOnlyList<SubsetViolation> violations = SubsetGuard.Check(Planted(plant), new[] { "System.Array.Length" });

        string report = SubsetGuard.Format(violations.ToList());
        Assert.Contains(violations, v => v.Path == PlantedPath && v.Line == PlantedLine && v.Construct.Contains(construct, StringComparison.Ordinal));
        Assert.Contains(PlantedPath + ":" + PlantedLine + ": ", report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("using System.Linq;", 1, "LINQ (using System.Linq;)")]
    [InlineData("record Reading(int Value);", 1, "generic record")]
    [InlineData("class Box<T> { }", 1, "generic declaration <T>")]
    [InlineData("class Box<T> where T : class { }", 1, "generic constraint where T : class")]
    [InlineData("static class Gen { static System.Collections.IEnumerable Values() { yield return 1; } }", 1, "generic iterator")]
    [InlineData("class Boom : System.Exception { }", 1, "BCL reference System.Exception..ctor is not on")]
    [InlineData("class Fixed { unsafe struct Buf { fixed byte B[4]; } }", 1, "fixed")]
    public void Planted_declaration_is_reported_with_file_and_line(string source, int line, string construct)
    {
        var sources = new[] { new GuardSource("devices/Planted/Decl.cs", source, "devices/Planted") };

        IReadOnlyList<SubsetViolation> violations = SubsetGuard.Check(sources, Array.Empty<string>());

        Assert.True(
            violations.Any(v => v.Path == "devices/Planted/Decl.cs" && v.Line == line && v.Construct.Contains(construct, StringComparison.Ordinal)),
            SubsetGuard.Format(violations.ToList()));
    }

    [Fact]
    public void References_resolve_to_canonical_entries()
    {
        const string source = """
            using System;
            namespace Planted
            {
                public sealed class Oops : Exception
                {
                    public Oops(string message) : base(message) { }
                    public static string Describe(uint crc, ulong[] a, ulong[] b)
                    {
                        Array.Copy(a, 0, b, 0, a.Length);
                        return crc.ToString("X8") + int.MaxValue.ToString() + "x".Length.ToString() + "abc"[1].ToString();
                    }
                }
            }
            """;
        var sources = new[] { new GuardSource("firmware/Planted/Oops.cs", source, "firmware/Planted") };

        var entries = SubsetGuard.Analyze(sources).References.Select(r => r.Entry).Distinct().OrderBy(e => e, StringComparer.Ordinal).ToList();

        Assert.Equal(
            new[]
            {
                "System.Array", "System.Array.Copy", "System.Array.Length", "System.Char.ToString", "System.Exception", "System.Exception..ctor",
                "System.Int32.MaxValue", "System.Int32.ToString", "System.String.Length", "System.String.this[]", "System.UInt32.ToString",
            },
            entries);
    }

    [Fact]
    public void Board_glue_may_use_other_packages_when_allowlisted_but_the_runtime_may_not()
    {
        const string glue = """
            using System.Device.Gpio;
            namespace Planted.Board
            {
                public static class Led
                {
                    public static void On(GpioController controller) { controller.OpenPin(2, PinMode.Output); }
                }
            }
            """;
        var allow = new[] { "System.Device.Gpio.GpioController", "System.Device.Gpio.GpioController.OpenPin", "System.Device.Gpio.PinMode", "System.Device.Gpio.PinMode.Output" };

        var asGlue = new[] { new GuardSource("firmware/Planted/Board/Led.cs", glue, "firmware/Planted", IsBoardGlue: true) };
        var asRuntime = new[] { new GuardSource("firmware/Planted/Led.cs", glue, "firmware/Planted") };

        IReadOnlyList<SubsetViolation> glueViolations = SubsetGuard.Check(asGlue, allow);
        IReadOnlyList<SubsetViolation> runtimeViolations = SubsetGuard.Check(asRuntime, allow);
        IReadOnlyList<SubsetViolation> notAllowed = SubsetGuard.Check(asGlue, allow.Take(2).ToList(), knownNames: allow);

        Assert.True(glueViolations.Count == 0, SubsetGuard.Format(glueViolations.ToList()));
        Assert.Contains(runtimeViolations, v => v.Line == 6 && v.Construct.Contains("System.Device.Gpio.GpioController is not in the nanoFramework mscorlib", StringComparison.Ordinal));
        Assert.Contains(notAllowed, v => v.Line == 6 && v.Construct.Contains("System.Device.Gpio.PinMode.Output is not on", StringComparison.Ordinal));
    }

    [Fact]
    public void Format_lists_path_line_and_construct()
    {
        var violations = new List<SubsetViolation>
        {
            new("firmware/A/B.cs", 3, "stackalloc (localloc)"),
            new("firmware/A/C.cs", 10, "generic name List<int>"),
        };

        string report = SubsetGuard.Format(violations);

        Assert.Contains("firmware/A/B.cs:3: stackalloc (localloc)\n", report, StringComparison.Ordinal);
        Assert.Contains("firmware/A/C.cs:10: generic name List<int>\n", report, StringComparison.Ordinal);
    }

    /// <summary>A firmware-like file with <paramref name="plant"/> on line <see cref="PlantedLine"/> (plus a helper file).</summary>
    private static GuardSource[] Planted(string plant, bool withHelpers = true)
    {
        string source = string.Join("\n",
            "using System;",                                // 1
            "namespace Planted",                            // 2
            "{",                                            // 3
            "    public static partial class Sensor",       // 4
            "    {",                                        // 5
            "        public static int Read(byte[] data)",  // 6
            "        {",                                    // 7
            "            " + plant,                         // 8
            "            return data.Length;",              // 9
            "        }",                                    // 10
            "    }",
            "}");
        const string helpers = """
            namespace Planted
            {
                public static partial class Sensor
                {
                    private static object Echo<T>(T value) { return value; }
                    private static int[] Swap() { return null; }
                    private static object Later2() { return null; }
                }
            }
            """;
        var sources = new List<GuardSource> { new(PlantedPath, source, "firmware/Planted") };
        if (withHelpers)
        {
            sources.Add(new GuardSource("firmware/Planted/Helpers.cs", helpers, "firmware/Planted"));
        }

        return sources.ToArray();
    }
}
