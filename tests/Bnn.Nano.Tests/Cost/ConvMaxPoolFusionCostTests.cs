using System;
using System.Globalization;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Runtime.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Cost;

/// <summary>
/// The fusion of a binary convolution with the max-pool after it (<see cref="CostModel.MaxPoolFusionPays"/>) on the
/// device cost model: IL instructions executed, counted exactly by <see cref="IlExecutionCounter"/>. The fused kernel
/// must execute fewer IL than the convolution and the pool apart even when it can skip nothing (every output 0), and
/// give the same bits; the counts are printed for no skips, for random thresholds and for every output 1.
/// </summary>
public class ConvMaxPoolFusionCostTests
{
    private const string Kernels = "Bnn.Nano.Runtime.Kernels.";
    private const string GeometryType = "Bnn.Nano.Runtime.Kernels.ConvGeometry";

    private readonly ITestOutputHelper _output;

    public ConvMaxPoolFusionCostTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(12, 10, 64, 64, 1, 2)]
    [InlineData(12, 10, 40, 70, 0, 2)]
    [InlineData(9, 9, 64, 32, -1, 3)]
    [InlineData(8, 8, 100, 16, 1, 2)]
    public void the_fused_kernel_executes_fewer_il_than_conv_and_pool_apart(int height, int width, int inChannels, int outChannels, int padValue, int poolSize)
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        Random random = new((height * 1000) + inChannels + outChannels);
        var conv = new ConvGeometry(height, width, inChannels, outChannels, 3, 3, 1, 1, 1, 1, 1, 1, padValue);
        var pool = new ConvGeometry(conv.OutHeight, conv.OutWidth, outChannels, outChannels, poolSize, poolSize, poolSize, poolSize, 0, 0, 0, 0, 0);
        Assert.True(CostModel.MaxPoolFusionPays(pool));
        object convArg = counter.New(GeometryType, height, width, inChannels, outChannels, 3, 3, 1, 1, 1, 1, 1, 1, padValue);
        object poolArg = counter.New(GeometryType, conv.OutHeight, conv.OutWidth, outChannels, outChannels, poolSize, poolSize, poolSize, poolSize, 0, 0, 0, 0, 0);

        int words = conv.InWordsPerPixel;
        ulong mask = (inChannels & 63) == 0 ? ulong.MaxValue : (1UL << (inChannels & 63)) - 1;
        ulong[] input = new ulong[height * width * words];
        ulong[] weights = new ulong[outChannels * 9 * words];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (ulong)random.NextInt64() & (i % words == words - 1 ? mask : ulong.MaxValue);
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (ulong)random.NextInt64() & (i % words == words - 1 ? mask : ulong.MaxValue);
        }

        int n = 9 * inChannels;
        int convWords = conv.OutHeight * conv.OutWidth * conv.OutWordsPerPixel;
        int poolWords = pool.OutHeight * pool.OutWidth * pool.OutWordsPerPixel;
        foreach ((string name, Func<int, int> threshold) in new (string, Func<int, int>)[] { ("all 0", _ => n + 1), ("random", _ => random.Next(-n / 8, (n / 8) + 1)), ("all 1", _ => -n) })
        {
            int[] thresholds = new int[outChannels];
            for (int o = 0; o < outChannels; o++)
            {
                thresholds[o] = threshold(o);
            }

            int[] dots = new int[outChannels];
            ulong[] scratch = new ulong[BinaryConv2dKernels.ScratchLength(conv)];
            ulong[] convBits = new ulong[convWords];
            ulong[] apartBits = new ulong[poolWords];
            long apart = counter.Measure(() =>
            {
                counter.CallStatic(Kernels + "BinaryConv2dKernels", "Im2ColDenseDotU64", input, 0, convArg, weights, thresholds, dots, convBits, 0, scratch);
                counter.CallStatic(Kernels + "MaxPoolBitsKernels", "Run", convBits, 0, poolArg, apartBits, 0);
            }).Total;
            ulong[] fusedBits = new ulong[poolWords];
            long fused = counter.Measure(() => counter.CallStatic(Kernels + "BinaryConv2dKernels", "Im2ColDenseDotMaxPoolU64", input, 0, convArg, poolArg, weights, thresholds, dots, fusedBits, 0, scratch)).Total;

            Assert.Equal(apartBits, fusedBits);
            long outputs = (long)pool.OutHeight * pool.OutWidth * outChannels;
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{height}x{width}x{inChannels} -> {outChannels}, pad {padValue}, pool {poolSize}x{poolSize}, {name}: apart {apart} IL, fused {fused} IL ({(double)fused / apart:0.000}); per pooled output {(double)apart / outputs:0.0} -> {(double)fused / outputs:0.0}"));
            Assert.True(fused < apart, $"fused {fused} IL is not below apart {apart} ({name})");
        }
    }
}
