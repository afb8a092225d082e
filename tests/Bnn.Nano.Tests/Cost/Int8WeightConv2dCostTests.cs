using System;
using System.Globalization;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Runtime.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Cost;

/// <summary>
/// The kernel choice for Int8WeightConv2d on the device cost model: IL instructions executed, counted exactly by
/// <see cref="IlExecutionCounter"/> on the instrumented firmware. BnnModel runs the kernel
/// <see cref="CostModel.Int8WeightConvIm2ColPays"/> picks (Im2ColMac unless one output channel over a window of at most
/// 3 values); this checks that the pick executes fewer IL, or at most 1% more near the boundary, and prints the counts.
/// </summary>
public class Int8WeightConv2dCostTests
{
    private const string Kernels = "Bnn.Nano.Runtime.Kernels.Int8WeightConv2dKernels";

    private readonly ITestOutputHelper _output;

    public Int8WeightConv2dCostTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(6, 6, 1, 1, 3, 1)]
    [InlineData(1, 40, 1, 2, 1, 0)]
    [InlineData(1, 40, 2, 1, 1, 0)]
    [InlineData(1, 40, 3, 1, 1, 0)]
    [InlineData(1, 40, 4, 1, 1, 0)]
    [InlineData(6, 6, 1, 8, 3, 1)]
    [InlineData(6, 6, 3, 1, 3, 1)]
    [InlineData(6, 6, 3, 8, 3, 1)]
    [InlineData(6, 6, 3, 32, 3, 1)]
    [InlineData(1, 40, 1, 1, 1, 0)]
    [InlineData(1, 40, 2, 16, 1, 0)]
    [InlineData(10, 10, 1, 1, 5, 2)]
    public void the_cost_model_picks_the_kernel_that_executes_fewer_il_instructions(int height, int width, int inChannels, int outChannels, int kernel, int pad)
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        Random random = new(height * 1000 + width * 10 + outChannels);
        byte[] input = new byte[height * width * inChannels];
        random.NextBytes(input);
        int kernelHeight = height == 1 ? 1 : kernel;
        int padY = height == 1 ? 0 : pad;
        ConvGeometry host = new(height, width, inChannels, outChannels, kernelHeight, kernel, 1, 1, padY, pad, padY, pad, 0);
        object geometry = counter.New("Bnn.Nano.Runtime.Kernels.ConvGeometry", height, width, inChannels, outChannels, kernelHeight, kernel, 1, 1, padY, pad, padY, pad, 0);
        int n = kernelHeight * kernel * inChannels;
        sbyte[] weights = new sbyte[outChannels * n];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (sbyte)random.Next(-128, 128);
        }

        int[] thresholds = new int[outChannels];
        int outWords = host.OutHeight * host.OutWidth * host.OutWordsPerPixel;
        ulong[] referenceBits = new ulong[outWords];
        ulong[] macBits = new ulong[outWords];
        short[] patch = new short[Int8WeightConv2dKernels.ScratchLength(host)];
        long reference = counter.Measure(() => counter.CallStatic(Kernels, "Reference", input, true, geometry, weights, thresholds, new int[outChannels], referenceBits, 0)).Total;
        long mac = counter.Measure(() => counter.CallStatic(Kernels, "Im2ColMac", input, true, geometry, weights, thresholds, new int[outChannels], macBits, 0, patch)).Total;
        Assert.Equal(referenceBits, macBits);

        long macs = (long)host.OutHeight * host.OutWidth * outChannels * n;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{height}x{width}x{inChannels} -> {outChannels}, kernel {kernelHeight}x{kernel}, pad {pad}: {macs} MACs; Reference {reference} IL ({(double)reference / macs:0.0} per MAC), Im2ColMac {mac} IL ({(double)mac / macs:0.0} per MAC)"));
        if (CostModel.Int8WeightConvIm2ColPays(n, outChannels))
        {
            Assert.True(mac < reference, $"Im2ColMac {mac} IL is not below Reference {reference}: {macs} MACs");
        }
        else
        {
            Assert.True(reference <= mac * 1.01, $"Reference {reference} IL is more than 1% above Im2ColMac {mac}");
        }
    }
}
