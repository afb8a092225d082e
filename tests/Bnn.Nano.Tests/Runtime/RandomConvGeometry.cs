using System;
using Bnn.Nano.Runtime.Kernels;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>The seeded random convolution geometries of the kernel parity tests, and how a failure names one.</summary>
internal static class RandomConvGeometry
{
    /// <summary>
    /// A random valid geometry: kernels 1..5, strides 1..3, asymmetric pads 0..k-1 (all zero one time in six), small
    /// maps (conv1d: height 1, kernel height 1, width up to <paramref name="conv1dMaxWidth"/>), channel counts from the
    /// caller; redrawn until the multiply-accumulate count is at most <paramref name="maxWork"/>, to keep tests fast.
    /// Draw order: conv1d, map, kernel, pads, out channels, in channels, strides.
    /// </summary>
    public static ConvGeometry Draw(Random random, Func<bool> conv1d, int conv1dMaxWidth, Func<int> outChannels, Func<int> inChannels, int padValue, long maxWork)
    {
        while (true)
        {
            bool oneDimensional = conv1d();
            int inHeight = oneDimensional ? 1 : random.Next(1, 9);
            int inWidth = oneDimensional ? random.Next(1, conv1dMaxWidth) : random.Next(1, 9);
            int kernelHeight = oneDimensional ? 1 : random.Next(1, 6);
            int kernelWidth = random.Next(1, 6);
            int padTop = random.Next(kernelHeight);
            int padBottom = random.Next(kernelHeight);
            int padLeft = random.Next(kernelWidth);
            int padRight = random.Next(kernelWidth);
            if (random.Next(6) == 0)
            {
                padTop = padBottom = padLeft = padRight = 0;
            }

            if (kernelHeight > inHeight + padTop + padBottom || kernelWidth > inWidth + padLeft + padRight)
            {
                continue;
            }

            int outs = outChannels();
            int ins = inChannels();
            ConvGeometry g = new(inHeight, inWidth, ins, outs, kernelHeight, kernelWidth, random.Next(1, 4), random.Next(1, 4), padTop, padLeft, padBottom, padRight, padValue);
            long work = (long)g.OutHeight * g.OutWidth * g.OutChannels * kernelHeight * kernelWidth * ins;
            if (work <= maxWork)
            {
                return g;
            }
        }
    }

    /// <summary>"in 6x5x3 out 64 k 3x3 s 1,1 pad 1,1,1,1 value 0": the geometry a failed assertion names.</summary>
    public static string Describe(ConvGeometry g)
    {
        return "in " + g.InHeight + "x" + g.InWidth + "x" + g.InChannels + " out " + g.OutChannels
            + " k " + g.KernelHeight + "x" + g.KernelWidth + " s " + g.StrideY + "," + g.StrideX
            + " pad " + g.PadTop + "," + g.PadLeft + "," + g.PadBottom + "," + g.PadRight + " value " + g.PadValue;
    }
}
