using System;
using Bnn.Nano.FrontEnd;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>
/// The integer-only table builders of the front end against System.Math. Measured: sine/cosine within 1.2·2^-30,
/// log2 within 1·2^-30, exp2 within 8e-10 relative; asserted: 4·2^-30, 4·2^-30 and 1e-8, plus exact values at the
/// quadrant points the tables rely on.
/// </summary>
public class FixedMathTests
{
    private const double Q30 = 1 << 30;
    private readonly ITestOutputHelper _output;

    public FixedMathTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Sine_and_cosine_are_within_4_units_of_q30()
    {
        var rng = new Random(11);
        double worst = 0;
        for (int i = 0; i < 20000; i++)
        {
            uint phase = i < 4096 ? (uint)i << 20 : (uint)rng.NextInt64(0, 1L << 32);
            double angle = 2 * Math.PI * phase / 4294967296.0;
            worst = Math.Max(worst, Math.Abs(FixedMath.SinQ30(phase) - (Math.Sin(angle) * Q30)));
            worst = Math.Max(worst, Math.Abs(FixedMath.CosQ30(phase) - (Math.Cos(angle) * Q30)));
        }

        _output.WriteLine("sin/cos: max error " + worst.ToString("F2") + " units of 2^-30");
        Assert.True(worst <= 4, "max error " + worst + " units of 2^-30");
    }

    [Fact]
    public void Quadrant_points_are_exact()
    {
        Assert.Equal(0, FixedMath.SinQ30(0));
        Assert.Equal(FixedMath.OneQ30, FixedMath.CosQ30(0));
        Assert.Equal(FixedMath.OneQ30, FixedMath.SinQ30(0x40000000u));
        Assert.Equal(0, FixedMath.CosQ30(0x40000000u));
        Assert.Equal(0, FixedMath.SinQ30(0x80000000u));
        Assert.Equal(-FixedMath.OneQ30, FixedMath.CosQ30(0x80000000u));
        Assert.Equal(-FixedMath.OneQ30, FixedMath.SinQ30(0xC0000000u));
        Assert.Equal(0x80000000u, FixedMath.PhaseQ32(240, 480));
        Assert.Equal(0x40000000u, FixedMath.PhaseQ32(128, 512));
    }

    [Fact]
    public void Log2_and_exp2_match_math()
    {
        double worstLog = 0, worstExp = 0;
        foreach (long x in new long[] { 1, 2, 3, 5, 255, 256, 300, 511, 700, 701, 720, 8700, 48700, 1L << 40, (1L << 61) + 12345 })
        {
            double expected = Math.Log2(x) * Q30;
            worstLog = Math.Max(worstLog, Math.Abs(FixedMath.Log2Q30(x) - expected));
            Assert.True(Math.Abs(FixedMath.Log2Q30(x) - expected) <= 4, "log2(" + x + ")");
        }

        for (double y = 0; y < 7; y += 0.0371)
        {
            long fixedY = (long)Math.Round(y * Q30);
            double expected = Math.Pow(2, fixedY / Q30);
            double actual = FixedMath.Exp2Q30(fixedY) / Q30;
            worstExp = Math.Max(worstExp, Math.Abs(actual - expected) / expected);
            Assert.True(Math.Abs(actual - expected) / expected < 1e-8, "exp2(" + y + "): " + actual + " vs " + expected);
        }

        _output.WriteLine("log2: max error " + worstLog.ToString("F2") + " units of 2^-30; exp2: max relative error " + worstExp.ToString("E2"));
    }

    [Fact]
    public void Bit_length_counts_significant_bits()
    {
        Assert.Equal(0, FixedMath.BitLength(0));
        Assert.Equal(1, FixedMath.BitLength(1));
        Assert.Equal(2, FixedMath.BitLength(3));
        for (int b = 0; b < 63; b++)
        {
            Assert.Equal(b + 1, FixedMath.BitLength(1L << b));
            Assert.Equal(b + 1, FixedMath.BitLength((1L << b) | ((1L << b) - 1)));
        }
    }
}
