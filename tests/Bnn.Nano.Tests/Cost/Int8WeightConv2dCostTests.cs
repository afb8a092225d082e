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
/// 3 values, and Im2ColSwarMac9 for a window of 9 values); this checks that the pick executes
/// fewer IL, or at most 1% more
/// near the boundary, and prints the counts.
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
        int kernelHeight = height == 1 ? 1 : kernel;
        int padY = height == 1 ? 0 : pad;
        var conv = new ConvCase(counter, height, width, inChannels, outChannels, kernelHeight, kernel, padY, pad);
        (long reference, ulong[] referenceBits) = conv.Run("Reference");
        (long mac, ulong[] macBits) = conv.Run("Im2ColMac");
        Assert.Equal(referenceBits, macBits);

        long macs = conv.Pixels * outChannels * conv.WindowValues;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{height}x{width}x{inChannels} -> {outChannels}, kernel {kernelHeight}x{kernel}, pad {pad}: {macs} MACs; Reference {reference} IL ({(double)reference / macs:0.0} per MAC), Im2ColMac {mac} IL ({(double)mac / macs:0.0} per MAC)"));
        if (CostModel.Int8WeightConvIm2ColPays(conv.WindowValues, outChannels))
        {
            Assert.True(mac < reference, $"Im2ColMac {mac} IL is not below Reference {reference}: {macs} MACs");
        }
        else
        {
            Assert.True(reference <= mac * 1.01, $"Reference {reference} IL is more than 1% above Im2ColMac {mac}");
        }
    }

    [Theory]
    [InlineData(6, 6, 1, 1, 3, 3)]
    [InlineData(6, 6, 1, 2, 3, 3)]
    [InlineData(6, 6, 1, 3, 3, 3)]
    [InlineData(6, 6, 1, 8, 3, 3)]
    [InlineData(8, 8, 1, 64, 3, 3)]
    [InlineData(1, 40, 1, 16, 1, 9)]
    [InlineData(6, 6, 3, 8, 1, 3)]
    public void a_nine_value_window_runs_im2col_swar_mac9_which_executes_fewer_il_than_im2col_mac(int height, int width, int inChannels, int outChannels, int kernelHeight, int kernelWidth)
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        var conv = new ConvCase(counter, height, width, inChannels, outChannels, kernelHeight, kernelWidth, kernelHeight / 2, kernelWidth / 2);
        Assert.Equal(9, conv.WindowValues);
        Assert.True(CostModel.Int8WeightConvIm2ColPays(conv.WindowValues, outChannels));
        (long mac, ulong[] macBits) = conv.Run("Im2ColMac");
        (long swar, ulong[] swarBits) = conv.Run("Im2ColSwarMac9");
        Assert.Equal(macBits, swarBits);

        long outputs = conv.Pixels * outChannels;
        bool pick = CostModel.Int8WeightConvSwarMacPays(conv.WindowValues);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{height}x{width}x{inChannels} -> {outChannels}, kernel {kernelHeight}x{kernelWidth}: per output pixel and channel Im2ColMac {(double)mac / outputs:0.0} IL, Im2ColSwarMac9 {(double)swar / outputs:0.0} IL (ratio {(double)mac / swar:0.00}); picked: {(pick ? "Im2ColSwarMac9" : "Im2ColMac")}"));
        Assert.True(pick ? swar < mac : mac <= swar, $"the cost model picks {(pick ? "Im2ColSwarMac9" : "Im2ColMac")}, but Im2ColMac runs {mac} IL and Im2ColSwarMac9 {swar}");
    }

    /// <summary>A seeded random int8 input and int8 weights of one geometry (stride 1, symmetric pads), run by the instrumented kernels.</summary>
    private sealed class ConvCase
    {
        private readonly IlExecutionCounter _counter;
        private readonly object _geometry;
        private readonly byte[] _input;
        private readonly sbyte[] _weights;
        private readonly int _outChannels;
        private readonly int _outWords;

        public ConvCase(IlExecutionCounter counter, int height, int width, int inChannels, int outChannels, int kernelHeight, int kernelWidth, int padY, int padX)
        {
            _counter = counter;
            _outChannels = outChannels;
            Random random = new(height * 1000 + width * 10 + outChannels);
            _input = new byte[height * width * inChannels];
            random.NextBytes(_input);
            ConvGeometry host = new(height, width, inChannels, outChannels, kernelHeight, kernelWidth, 1, 1, padY, padX, padY, padX, 0);
            _geometry = counter.New("Bnn.Nano.Runtime.Kernels.ConvGeometry", height, width, inChannels, outChannels, kernelHeight, kernelWidth, 1, 1, padY, padX, padY, padX, 0);
            WindowValues = Int8WeightConv2dKernels.ScratchLength(host);
            Pixels = (long)host.OutHeight * host.OutWidth;
            _outWords = host.OutHeight * host.OutWidth * host.OutWordsPerPixel;
            _weights = new sbyte[outChannels * WindowValues];
            for (int i = 0; i < _weights.Length; i++)
            {
                _weights[i] = (sbyte)random.Next(-128, 128);
            }
        }

        public int WindowValues { get; }

        public long Pixels { get; }

        /// <summary>IL executed by one call of the named kernel (thresholds 0, signed input) and the bits it wrote.</summary>
        public (long Il, ulong[] Bits) Run(string kernel)
        {
            ulong[] bits = new ulong[_outWords];
            int[] thresholds = new int[_outChannels];
            object?[] arguments;
            if (kernel == "Im2ColSwarMac9")
            {
                long[] packed = new long[Int8WeightConv2dKernels.SwarGroups(_outChannels) * Int8WeightConv2dKernels.SwarLongsPerGroup];
                Int8WeightConv2dKernels.PackSwar(_weights, thresholds, _outChannels, packed);
                arguments = [_input, true, _geometry, packed, bits, 0, new short[WindowValues]];
            }
            else
            {
                int[] dots = new int[_outChannels];
                arguments = kernel == "Reference"
                    ? [_input, true, _geometry, _weights, thresholds, dots, bits, 0]
                    : [_input, true, _geometry, _weights, thresholds, dots, bits, 0, new short[WindowValues]];
            }

            long il = _counter.Measure(() => _counter.CallStatic(Kernels, kernel, arguments)).Total;
            return (il, bits);
        }
    }
}
