using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Cost;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Cost;

/// <summary>
/// The IL cost inspector on hand-made IL (opcode decoding, loop nesting) and on the device build of the runtime, where
/// it checks the cost-model facts the runtime's kernel choices rest on (docs/cost-model.md).
/// </summary>
public class IlCostInspectorTests
{
    private const string DotKernels = "Bnn.Nano.Runtime.Kernels.BinaryDotKernels";
    private const string Int8Kernels = "Bnn.Nano.Runtime.Kernels.Int8BinaryDotKernels";

    private readonly ITestOutputHelper _output;

    public IlCostInspectorTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void decodes_two_byte_opcodes_long_operands_and_switch_and_nests_loops()
    {
        byte[] il =
        [
            0x16,                                           // IL_0000 ldc.i4.0
            0x0A,                                           // IL_0001 stloc.0
            0x21, 1, 2, 3, 4, 5, 6, 7, 8,                   // IL_0002 ldc.i8 (8-byte operand)
            0x06,                                           // IL_000b ldloc.0        <- outer loop
            0x06,                                           // IL_000c ldloc.0        <- inner loop
            0xFE, 0x01,                                     // IL_000d ceq (two-byte opcode)
            0x2D, 0xFB,                                     // IL_000f brtrue.s IL_000c
            0x06,                                           // IL_0011 ldloc.0
            0x45, 1, 0, 0, 0, 0xF0, 0xFF, 0xFF, 0xFF,       // IL_0012 switch (IL_000b)
            0x2A,                                           // IL_001b ret
        ];

        MethodIlCost cost = IlCostInspector.AnalyzeBody("T", "M", il);

        Assert.Equal(10, cost.IlInstructions);
        Assert.Equal(
            [new LoopIlCost(0x0b, 0x1b, 1, 6), new LoopIlCost(0x0c, 0x11, 2, 3)],
            cost.Loops);
        Assert.Equal([new LoopIlCost(0x0c, 0x11, 2, 3)], cost.InnermostLoops);
        Assert.Equal(new LoopIlCost(0x0c, 0x11, 2, 3), cost.HotLoop);
    }

    [Fact]
    public void long_backward_branch_and_several_branches_to_one_target_make_one_loop()
    {
        byte[] il =
        [
            0x00,                                           // IL_0000 nop               <- loop
            0x06,                                           // IL_0001 ldloc.0
            0x2C, 0xFC,                                     // IL_0002 brfalse.s IL_0000
            0xFE, 0x0C, 0x00, 0x01,                         // IL_0004 ldloc 256 (two-byte opcode, 2-byte operand)
            0x3A, 0xF3, 0xFF, 0xFF, 0xFF,                   // IL_0008 brtrue IL_0000
            0x2A,                                           // IL_000d ret
        ];

        MethodIlCost cost = IlCostInspector.AnalyzeBody("T", "M", il);

        Assert.Equal(6, cost.IlInstructions);
        Assert.Equal([new LoopIlCost(0x00, 0x0d, 1, 5)], cost.Loops);
    }

    [Fact]
    public void rejects_unknown_opcodes_and_branches_into_an_instruction()
    {
        Assert.Throws<BadImageFormatException>(() => IlCostInspector.AnalyzeBody("T", "M", [0x00, 0xA6, 0x2A]));
        Assert.Throws<BadImageFormatException>(() => IlCostInspector.AnalyzeBody("T", "M", [0x20, 0, 0, 0, 0, 0x2B, 0xFC, 0x2A]));
        Assert.Throws<BadImageFormatException>(() => IlCostInspector.AnalyzeBody("T", "M", [0x21, 0, 0, 0]));
        Assert.Throws<BadImageFormatException>(() => IlCostInspector.AnalyzeBody("T", "M", [0x45, 2, 0, 0, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void decodes_every_method_of_the_core_library()
    {
        // CoreLib uses nearly every opcode (prefixes, switch, 8-byte constants); every branch must land on an
        // instruction boundary, which a wrong operand size would break somewhere.
        IReadOnlyList<MethodIlCost> methods = IlCostInspector.Inspect(typeof(object).Assembly.Location);

        Assert.True(methods.Count > 10_000, methods.Count + " methods");
        Assert.Contains(methods, m => m.Loops.Any(l => l.Depth >= 3));
    }

    [Fact]
    public void finds_the_kernels_in_the_device_build()
    {
        IReadOnlyList<MethodIlCost> methods = InspectDeviceBuild();

        foreach (string kernel in new[] { DotKernels + ".Reference", DotKernels + ".SwarU64", DotKernels + ".HarleySealU64", Int8Kernels + ".Reference", Int8Kernels + ".PartialSumTable" })
        {
            MethodIlCost method = Find(methods, kernel);
            Assert.NotEmpty(method.Loops);
            Assert.True(method.IlInstructions > method.Loops.Max(l => l.IlInstructions), kernel);
            _output.WriteLine(Describe(method));
        }
    }

    [Fact]
    public void harley_seal_costs_fewer_il_instructions_per_word_than_swar()
    {
        IReadOnlyList<MethodIlCost> methods = InspectDeviceBuild();
        MethodIlCost swar = Find(methods, DotKernels + ".SwarU64");
        MethodIlCost harleySeal = Find(methods, DotKernels + ".HarleySealU64");

        // SwarU64: one 64-bit word per iteration of its single inner loop. HarleySealU64: two inner loops (8-word
        // blocks, then a SWAR tail); the block loop is the larger.
        LoopIlCost swarLoop = Assert.Single(swar.InnermostLoops);
        LoopIlCost blockLoop = harleySeal.InnermostLoops.MaxBy(l => l.IlInstructions)!;
        double swarPerWord = swarLoop.IlInstructions;
        double harleySealPerWord = blockLoop.IlInstructions / 8.0;

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SwarU64 inner loop: {swarLoop.IlInstructions} IL per 64-bit word ({swarPerWord / 2:0.##} per 32 bits)"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HarleySealU64 block loop: {blockLoop.IlInstructions} IL per 8 words = {harleySealPerWord:0.##} per 64-bit word ({harleySealPerWord / 2:0.##} per 32 bits)"));
        Assert.True(harleySealPerWord < swarPerWord, $"Harley–Seal {harleySealPerWord} IL per word is not below SWAR {swarPerWord}");
    }

    [Fact]
    public void partial_sum_table_inner_loop_is_smaller_than_the_reference_per_input_loop()
    {
        IReadOnlyList<MethodIlCost> methods = InspectDeviceBuild();
        MethodIlCost reference = Find(methods, Int8Kernels + ".Reference");
        MethodIlCost table = Find(methods, Int8Kernels + ".PartialSumTable");

        // Reference: outputs × inputs, the inner loop handles one input. PartialSumTable: the table build loop
        // (depth 1), then outputs × weight words × nibbles, the innermost (depth 3) loop handling 4 inputs.
        LoopIlCost referenceLoop = reference.HotLoop!;
        LoopIlCost tableLoop = table.HotLoop!;
        Assert.Equal(2, referenceLoop.Depth);
        Assert.Equal(3, tableLoop.Depth);

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Int8 Reference inner loop: {referenceLoop.IlInstructions} IL per input and output (static, both arms of its branches)"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PartialSumTable inner loop: {tableLoop.IlInstructions} IL per 4 inputs and output = {tableLoop.IlInstructions / 4.0:0.##} per input and output"));
        Assert.True(tableLoop.IlInstructions < referenceLoop.IlInstructions, $"PartialSumTable {tableLoop.IlInstructions} IL per output is not below the reference {referenceLoop.IlInstructions} per input");
    }

    [Fact]
    public void renders_markdown_with_every_kernel_loop()
    {
        IReadOnlyList<MethodIlCost> kernels = IlCostInspector.KernelMethods(InspectDeviceBuild());
        string markdown = IlCostInspector.RenderMarkdown(kernels);

        Assert.StartsWith("# IL instructions of the runtime kernels", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(kernels, m => !m.TypeName.StartsWith(IlCostInspector.KernelNamespace, StringComparison.Ordinal));
        foreach (MethodIlCost method in kernels)
        {
            Assert.Contains("| " + method.ShortName + " | " + method.IlInstructions.ToString(CultureInfo.InvariantCulture) + " |", markdown, StringComparison.Ordinal);
        }
    }

    private static IReadOnlyList<MethodIlCost> InspectDeviceBuild() => IlCostInspector.Inspect(DeviceBuilds.Release(IlCostInspector.RuntimeLibrary));

    private static MethodIlCost Find(IReadOnlyList<MethodIlCost> methods, string fullName)
    {
        MethodIlCost? method = methods.SingleOrDefault(m => m.TypeName + "." + m.MethodName == fullName);
        Assert.True(method != null, fullName + " not found in the device build");
        return method!;
    }

    private static string Describe(MethodIlCost method)
    {
        string loops = string.Join("; ", method.Loops.Select(l => string.Create(CultureInfo.InvariantCulture, $"IL_{l.StartOffset:x4}..IL_{l.EndOffset:x4} depth {l.Depth}: {l.IlInstructions}")));
        return string.Create(CultureInfo.InvariantCulture, $"{method.ShortName}: {method.IlInstructions} IL; loops: {loops}");
    }
}
