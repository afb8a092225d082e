using System;
using System.Globalization;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Runtime.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Cost;

/// <summary>
/// The binary dot variant <see cref="BinaryDotKernels.Cheapest"/> picks for a row length, on the device cost model: IL
/// instructions executed, counted exactly by <see cref="IlExecutionCounter"/> on the instrumented firmware. Every
/// variant runs the same random rows; the pick must give the same dots and execute the fewest IL.
/// </summary>
public class BinaryDotCostTests
{
    private const string Kernels = "Bnn.Nano.Runtime.Kernels.BinaryDotKernels";

    private readonly ITestOutputHelper _output;

    public BinaryDotCostTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(9, 1)]
    [InlineData(9, 8)]
    [InlineData(9, 64)]
    [InlineData(8, 64)]
    [InlineData(7, 64)]
    [InlineData(16, 64)]
    [InlineData(2, 16)]
    public void the_cost_model_picks_the_dot_variant_that_executes_the_fewest_il_instructions(int wordsPerRow, int outputs)
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        Random random = new((wordsPerRow * 100) + outputs);
        ulong[] input = RandomWords(random, wordsPerRow + 3);
        ulong[] weights = RandomWords(random, wordsPerRow * outputs);
        int bitCount = wordsPerRow * 64;

        string pick = CostModel.NineWordSwarPays(wordsPerRow) ? "NineWordSwarU64" : CostModel.HarleySealPays(wordsPerRow) ? "HarleySealU64" : "SwarU64";
        string[] variants = wordsPerRow == 9 ? ["SwarU64", "HarleySealU64", "NineWordSwarU64"] : ["SwarU64", "HarleySealU64"];
        int[] expected = new int[outputs];
        BinaryDotKernels.Reference(input, 3, bitCount, weights, wordsPerRow, outputs, expected);
        long picked = Run(pick, out int[] pickedDots);
        Assert.Equal(expected, pickedDots);
        foreach (string variant in variants)
        {
            long il = Run(variant, out int[] dots);
            Assert.Equal(expected, dots);
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{wordsPerRow} words x {outputs} outputs: {variant} {(double)il / outputs:0.0} IL per output{(variant == pick ? " (picked)" : string.Empty)}"));
            Assert.True(picked <= il, $"the pick {pick} executes {picked} IL, {variant} {il}");
        }

        long Run(string variant, out int[] dots)
        {
            int[] result = new int[outputs];
            long il = counter.Measure(() => counter.CallStatic(Kernels, variant, input, 3, bitCount, weights, wordsPerRow, outputs, result)).Total;
            dots = result;
            return il;
        }
    }

    private static ulong[] RandomWords(Random random, int count)
    {
        ulong[] words = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            words[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        }

        return words;
    }
}
