using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace Bnn.Nano.Compiler.Cost;

/// <summary>
/// One loop of a method body: a backward branch and its target. The loop covers the IL from
/// <paramref name="StartOffset"/> (the branch target) up to <paramref name="EndOffset"/> (exclusive: the end of the
/// last backward branch to that target), condition included, so <paramref name="IlInstructions"/> is what one
/// iteration executes when the body has no branches of its own (with branches: both arms are counted).
/// </summary>
/// <param name="Depth">1 for an outermost loop, 2 for a loop inside one loop, and so on.</param>
public sealed record LoopIlCost(int StartOffset, int EndOffset, int Depth, int IlInstructions);

/// <summary>The IL of one method: every instruction of its body, and each of its loops (ordered by offset).</summary>
/// <param name="TypeName">Full name of the declaring type (nested types as Outer+Inner).</param>
public sealed record MethodIlCost(string TypeName, string MethodName, int IlInstructions, IReadOnlyList<LoopIlCost> Loops)
{
    /// <summary>Type name without its namespace, then the method: "BinaryDotKernels.SwarU64".</summary>
    public string ShortName
    {
        get
        {
            int dot = TypeName.LastIndexOf('.');
            return (dot < 0 ? TypeName : TypeName[(dot + 1)..]) + "." + MethodName;
        }
    }

    /// <summary>Loops that contain no other loop.</summary>
    public IReadOnlyList<LoopIlCost> InnermostLoops
    {
        get
        {
            List<LoopIlCost> innermost = [];
            foreach (LoopIlCost loop in Loops)
            {
                bool containsAnother = false;
                foreach (LoopIlCost other in Loops)
                {
                    containsAnother |= other.Depth > loop.Depth && loop.StartOffset <= other.StartOffset && other.EndOffset <= loop.EndOffset;
                }

                if (!containsAnother)
                {
                    innermost.Add(loop);
                }
            }

            return innermost;
        }
    }

    /// <summary>The hot loop: the deepest loop, and among equally deep ones the one with the most instructions.</summary>
    public LoopIlCost? HotLoop
    {
        get
        {
            LoopIlCost? hot = null;
            foreach (LoopIlCost loop in Loops)
            {
                if (hot == null || loop.Depth > hot.Depth || (loop.Depth == hot.Depth && loop.IlInstructions > hot.IlInstructions))
                {
                    hot = loop;
                }
            }

            return hot;
        }
    }
}

/// <summary>
/// Counts IL instructions in the method bodies of a compiled assembly (System.Reflection.Metadata, no loading): the
/// device cost model (docs/cost-model.md) prices a kernel by the IL instructions the nanoCLR interpreter executes,
/// so the instructions of a kernel's inner loop body are its cost per iteration. Meant for the device build of a
/// firmware library (compiled against the nanoFramework mscorlib), whose IL is what the device runs.
/// </summary>
public static class IlCostInspector
{
    /// <summary>Where `bnnc cost` writes the kernel table, relative to the repository root.</summary>
    public const string ReportRelativePath = "benchmarks/kernel-il-costs.md";

    /// <summary>The firmware library holding the kernels.</summary>
    public const string RuntimeLibrary = "Bnn.Nano.Runtime";

    /// <summary>The firmware namespace whose methods the kernel table lists.</summary>
    public const string KernelNamespace = "Bnn.Nano.Runtime.Kernels";

    /// <summary>
    /// Work done by one iteration of the hot loop of the known kernels (units per iteration, the unit, and the amount
    /// of units the printed cost is given for). Used only to print per-unit costs next to the raw counts.
    /// </summary>
    private static readonly (string Kernel, double PerIteration, string Unit, double UnitsPerReported, string Reported)[] s_kernelUnits =
    [
        ("BinaryDotKernels.Reference", 1, "bit", 32, "32 bits"),
        ("BinaryDotKernels.SwarU64", 64, "bit", 32, "32 bits"),
        ("BinaryDotKernels.HarleySealU64", 512, "bit", 32, "32 bits"),
        ("BinaryDotKernels.NineWordSwarU64", 576, "bit", 32, "32 bits"),
        ("BinaryDotKernels.NineWordSwarThresholdOrU64", 576, "bit", 32, "32 bits"),
        ("Int8BinaryDotKernels.Reference", 1, "input", 1, "input and output"),
        ("Int8BinaryDotKernels.PartialSumTable", 4, "input", 1, "input and output"),
        ("Int8Conv2dKernels.Im2ColPartialSumTable", 64, "window value", 1, "window value and output channel"),
        ("Int8WeightConv2dKernels.Reference", 1, "window value", 1, "window value and output channel"),
        ("Int8WeightConv2dKernels.Im2ColMac", 4, "window value", 1, "window value and output channel"),
        ("Int8WeightConv2dKernels.Im2ColSwarMac9", 27, "product", 1, "window value and output channel"),
        ("Int8HeadKernels.Reference", 1, "input bit", 1, "input bit and class"),
        ("InputThresholdKernels.Run", 1, "value", 1, "value"),
        ("MaxPoolBitsKernels.Run", 1, "tap word", 1, "tap word (64 channels)"),
        ("OutputStages.ThresholdPack", 1, "output", 1, "output"),
        ("OutputStages.ThresholdOr", 1, "output", 1, "output"),
        ("OutputStages.AffineScores", 1, "class", 1, "class"),
        ("OutputStages.ArgMax", 1, "class", 1, "class"),
    ];

    /// <summary>Opcodes by their (second) byte: one-byte opcodes, and two-byte opcodes after the 0xFE prefix.</summary>
    private static readonly (OpCode?[] OneByte, OpCode?[] TwoByte) s_opCodes = BuildOpCodeTables();

    /// <summary>Every method with an IL body in the assembly at <paramref name="dllPath"/>, in metadata order.</summary>
    public static IReadOnlyList<MethodIlCost> Inspect(string dllPath)
    {
        using FileStream stream = File.OpenRead(dllPath);
        using PEReader pe = new(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        List<MethodIlCost> methods = [];
        foreach (TypeDefinitionHandle typeHandle in metadata.TypeDefinitions)
        {
            TypeDefinition type = metadata.GetTypeDefinition(typeHandle);
            string typeName = FullName(metadata, type);
            foreach (MethodDefinitionHandle methodHandle in type.GetMethods())
            {
                MethodDefinition method = metadata.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                string methodName = metadata.GetString(method.Name);
                byte[] il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? [];
                methods.Add(AnalyzeBody(typeName, methodName, il));
            }
        }

        return methods;
    }

    /// <summary>Decodes one IL body and finds its loops. Throws <see cref="BadImageFormatException"/> on bad IL.</summary>
    public static MethodIlCost AnalyzeBody(string typeName, string methodName, byte[] il)
    {
        ArgumentNullException.ThrowIfNull(il);
        List<int> starts = [];
        Dictionary<int, int> loopEnds = [];
        List<int> targets = [];
        List<(int At, int Target)> allTargets = [];
        int offset = 0;
        while (offset < il.Length)
        {
            int start = offset;
            starts.Add(start);
            OpCode code = ReadOpCode(il, ref offset, typeName, methodName);
            int operandSize = OperandSize(code.OperandType, il, offset, typeName, methodName);
            if (offset + operandSize > il.Length)
            {
                throw Bad(typeName, methodName, start, "operand runs past the end of the body");
            }

            int end = offset + operandSize;
            targets.Clear();
            switch (code.OperandType)
            {
                case OperandType.ShortInlineBrTarget:
                    targets.Add(end + unchecked((sbyte)il[offset]));
                    break;
                case OperandType.InlineBrTarget:
                    targets.Add(end + ReadInt32(il, offset));
                    break;
                case OperandType.InlineSwitch:
                    int count = ReadInt32(il, offset);
                    for (int k = 0; k < count; k++)
                    {
                        targets.Add(end + ReadInt32(il, offset + 4 + (4 * k)));
                    }

                    break;
                default:
                    break;
            }

            foreach (int target in targets)
            {
                if (target < 0 || target >= il.Length)
                {
                    throw Bad(typeName, methodName, start, "branch target " + target.ToString(CultureInfo.InvariantCulture) + " lies outside the body");
                }

                allTargets.Add((start, target));
                if (target <= start)
                {
                    loopEnds[target] = loopEnds.TryGetValue(target, out int known) ? Math.Max(known, end) : end;
                }
            }

            offset = end;
        }

        // Every branch must land on an instruction: a cheap proof that the operands were decoded with the right sizes.
        foreach ((int at, int target) in allTargets)
        {
            if (starts.BinarySearch(target) < 0)
            {
                throw Bad(typeName, methodName, at, "branch target IL_" + target.ToString("x4", CultureInfo.InvariantCulture) + " is inside an instruction");
            }
        }

        List<(int Start, int End)> ranges = [];
        foreach (KeyValuePair<int, int> loop in loopEnds)
        {
            ranges.Add((loop.Key, loop.Value));
        }

        ranges.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        List<LoopIlCost> loops = [];
        foreach ((int loopStart, int loopEnd) in ranges)
        {
            int depth = 1;
            foreach ((int otherStart, int otherEnd) in ranges)
            {
                bool same = otherStart == loopStart && otherEnd == loopEnd;
                if (!same && otherStart <= loopStart && loopEnd <= otherEnd)
                {
                    depth++;
                }
            }

            int first = starts.BinarySearch(loopStart);
            int last = starts.BinarySearch(loopEnd);
            int afterLast = last >= 0 ? last : ~last;
            loops.Add(new LoopIlCost(loopStart, loopEnd, depth, afterLast - first));
        }

        return new MethodIlCost(typeName, methodName, starts.Count, loops);
    }

    /// <summary>
    /// The device build of a firmware library (<c>firmware/&lt;lib&gt;/bin/&lt;lib&gt;.Device/{Release,Debug}/netstandard2.0/&lt;lib&gt;.dll</c>,
    /// or the same under <c>devices/</c>): the Release build, which is what the device runs (a Debug build's IL has nops
    /// and extra local stores), else the Debug build; null when none has been built.
    /// </summary>
    public static string? FindDeviceBuild(string repoRoot, string libraryName)
    {
        ArgumentNullException.ThrowIfNull(repoRoot);
        ArgumentNullException.ThrowIfNull(libraryName);
        foreach (string configuration in new[] { "Release", "Debug" })
        {
            foreach (string area in new[] { "firmware", "devices" })
            {
                string candidate = Path.Combine(repoRoot, area, libraryName, "bin", libraryName + ".Device", configuration, "netstandard2.0", libraryName + ".dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Renders methods and their loops as the Markdown table of benchmarks/kernel-il-costs.md.</summary>
    public static string RenderMarkdown(IReadOnlyList<MethodIlCost> methods)
    {
        return RenderMarkdown(methods, null);
    }

    /// <summary>As <see cref="RenderMarkdown(IReadOnlyList{MethodIlCost})"/>, naming the inspected DLL.</summary>
    public static string RenderMarkdown(IReadOnlyList<MethodIlCost> methods, string? source)
    {
        ArgumentNullException.ThrowIfNull(methods);
        CultureInfo c = CultureInfo.InvariantCulture;
        StringBuilder s = new();
        s.AppendLine("# IL instructions of the runtime kernels");
        s.AppendLine();
        s.Append("Generated by `bnnc cost` (`Bnn.Nano.Compiler.Cost.IlCostInspector`)");
        s.AppendLine(source == null ? "." : " from `" + source + "`.");
        s.AppendLine("Do not edit by hand: rebuild the device project and regenerate. Cost model: docs/cost-model.md.");
        s.AppendLine();
        s.AppendLine("Counts are static: the IL instructions in a method body or in a loop's range (backward-branch target up to and");
        s.AppendLine("including the backward branch, loop condition included). For a loop body without branches of its own this is");
        s.AppendLine("exactly what one iteration executes on the nanoCLR interpreter; with an `if` or `?:` inside, both arms are counted.");
        s.AppendLine("Depth 1 is an outermost loop; the hot loop is the deepest one (the largest of equally deep ones).");
        s.AppendLine();
        s.AppendLine("## Hot loops");
        s.AppendLine();
        s.AppendLine("| kernel | hot loop (IL offsets) | depth | IL per iteration | work per iteration | IL per unit |");
        s.AppendLine("|---|---|---:|---:|---|---|");
        foreach (MethodIlCost method in methods)
        {
            if (method.HotLoop is not LoopIlCost hot)
            {
                continue;
            }

            string work = "";
            string perUnit = "";
            foreach ((string kernel, double perIteration, string unit, double unitsPerReported, string reported) in s_kernelUnits)
            {
                if (kernel == method.ShortName)
                {
                    work = perIteration.ToString(c) + " " + unit + (perIteration == 1 ? "" : "s");
                    perUnit = (hot.IlInstructions / perIteration * unitsPerReported).ToString("0.##", c) + " per " + reported;
                }
            }

            s.AppendLine(c, $"| {method.ShortName} | IL_{hot.StartOffset:x4}..IL_{hot.EndOffset:x4} | {hot.Depth} | {hot.IlInstructions} | {work} | {perUnit} |");
        }

        s.AppendLine();
        s.AppendLine("## All methods and loops");
        s.AppendLine();
        s.AppendLine("\"IL outside inner loops\" is a loop's own overhead per iteration (e.g. per output row): its instructions minus");
        s.AppendLine("those of the loops one level deeper; calls it makes (such as `Popcount.CountU64`) cost their callee's body on top.");
        s.AppendLine();
        s.AppendLine("| method | IL instructions | loop (IL offsets) | depth | innermost | IL in loop | IL outside inner loops |");
        s.AppendLine("|---|---:|---|---:|---|---:|---:|");
        foreach (MethodIlCost method in methods)
        {
            s.AppendLine(c, $"| {method.ShortName} | {method.IlInstructions} | | | | | |");
            IReadOnlyList<LoopIlCost> innermost = method.InnermostLoops;
            foreach (LoopIlCost loop in method.Loops)
            {
                string mark = Enumerable.Contains(innermost, loop) ? "yes" : "";
                int own = loop.IlInstructions;
                foreach (LoopIlCost inner in method.Loops)
                {
                    if (inner.Depth == loop.Depth + 1 && loop.StartOffset <= inner.StartOffset && inner.EndOffset <= loop.EndOffset)
                    {
                        own -= inner.IlInstructions;
                    }
                }

                s.AppendLine(c, $"| | | IL_{loop.StartOffset:x4}..IL_{loop.EndOffset:x4} | {loop.Depth} | {mark} | {loop.IlInstructions} | {own} |");
            }
        }

        return s.ToString();
    }

    /// <summary>The methods of <see cref="KernelNamespace"/> among <paramref name="methods"/>.</summary>
    public static IReadOnlyList<MethodIlCost> KernelMethods(IReadOnlyList<MethodIlCost> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        List<MethodIlCost> kernels = [];
        foreach (MethodIlCost method in methods)
        {
            if (method.TypeName.StartsWith(KernelNamespace + ".", StringComparison.Ordinal))
            {
                kernels.Add(method);
            }
        }

        return kernels;
    }

    /// <summary>
    /// Regenerates benchmarks/kernel-il-costs.md from the device build of the runtime (Release if built; what `bnnc cost` runs)
    /// and returns the path written.
    /// </summary>
    public static string WriteKernelReport(string repoRoot)
    {
        string dllPath = FindDeviceBuild(repoRoot, RuntimeLibrary) ?? throw MissingDeviceBuild(repoRoot);
        return WriteKernelReport(repoRoot, dllPath);
    }

    /// <summary>Regenerates benchmarks/kernel-il-costs.md from the given device build of the runtime.</summary>
    public static string WriteKernelReport(string repoRoot, string dllPath)
    {
        IReadOnlyList<MethodIlCost> kernels = KernelMethods(Inspect(dllPath));
        string relative = Path.GetRelativePath(repoRoot, dllPath).Replace('\\', '/');
        string output = Path.Combine(repoRoot, ReportRelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllText(output, RenderMarkdown(kernels, relative).ReplaceLineEndings("\n"));
        return output;
    }

    private static (OpCode?[] OneByte, OpCode?[] TwoByte) BuildOpCodeTables()
    {
        OpCode?[] oneByte = new OpCode?[256];
        OpCode?[] twoByte = new OpCode?[256];
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            // OpCodeType.Nternal: the reserved prefix bytes 0xF8..0xFF, which are no instructions.
            if (field.GetValue(null) is OpCode code && code.OpCodeType != OpCodeType.Nternal)
            {
                int second = unchecked((ushort)code.Value) & 0xFF;
                if (code.Size == 1)
                {
                    oneByte[second] = code;
                }
                else
                {
                    twoByte[second] = code;
                }
            }
        }

        return (oneByte, twoByte);
    }

    private static FileNotFoundException MissingDeviceBuild(string repoRoot)
    {
        return new FileNotFoundException("no device build of " + RuntimeLibrary + " under " + repoRoot
            + ": run `dotnet build firmware/Bnn.Nano.Runtime/Bnn.Nano.Runtime.Device.csproj -c Release` first");
    }

    private static OpCode ReadOpCode(byte[] il, ref int offset, string typeName, string methodName)
    {
        int start = offset;
        byte first = il[offset++];
        OpCode? code;
        if (first == 0xFE)
        {
            if (offset >= il.Length)
            {
                throw Bad(typeName, methodName, start, "two-byte opcode cut off at the end of the body");
            }

            code = s_opCodes.TwoByte[il[offset++]];
        }
        else
        {
            code = s_opCodes.OneByte[first];
        }

        return code ?? throw Bad(typeName, methodName, start, "unknown opcode 0x" + first.ToString("X2", CultureInfo.InvariantCulture));
    }

    private static int OperandSize(OperandType type, byte[] il, int operandAt, string typeName, string methodName)
    {
        switch (type)
        {
            case OperandType.InlineNone:
                return 0;
            case OperandType.ShortInlineBrTarget:
            case OperandType.ShortInlineI:
            case OperandType.ShortInlineVar:
                return 1;
            case OperandType.InlineVar:
                return 2;
            case OperandType.InlineI8:
            case OperandType.InlineR:
                return 8;
            case OperandType.InlineSwitch:
                if (operandAt + 4 > il.Length)
                {
                    throw Bad(typeName, methodName, operandAt, "switch count runs past the end of the body");
                }

                long count = (uint)ReadInt32(il, operandAt);
                if (4 + (4 * count) > il.Length - operandAt)
                {
                    throw Bad(typeName, methodName, operandAt, "switch table runs past the end of the body");
                }

                return 4 + (4 * (int)count);
            default:
                // InlineBrTarget, InlineField, InlineI, InlineMethod, InlineSig, InlineString, InlineTok, InlineType, ShortInlineR.
                return 4;
        }
    }

    private static int ReadInt32(byte[] il, int at)
    {
        return il[at] | (il[at + 1] << 8) | (il[at + 2] << 16) | (il[at + 3] << 24);
    }

    private static BadImageFormatException Bad(string typeName, string methodName, int offset, string what)
    {
        return new BadImageFormatException(string.Create(CultureInfo.InvariantCulture, $"{typeName}.{methodName} IL_{offset:x4}: {what}"));
    }

    private static string FullName(MetadataReader metadata, TypeDefinition type)
    {
        string name = metadata.GetString(type.Name);
        TypeDefinitionHandle declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return FullName(metadata, metadata.GetTypeDefinition(declaring)) + "+" + name;
        }

        string ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
