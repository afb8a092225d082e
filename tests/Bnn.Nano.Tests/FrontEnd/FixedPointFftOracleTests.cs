using System;
using Bnn.Nano.FrontEnd;
using Xunit;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>
/// <see cref="AudioFrontEnd.PowerSpectrum"/> (window, block exponent, FFT two stages per pass, real split, power)
/// against <see cref="OneStagePower"/>: the integer arithmetic the class summary of <see cref="AudioFrontEnd"/>
/// documents, written plainly with one radix-2 stage per pass. They must agree bit for bit at every FFT size, with an
/// odd or even count of stages after the first two, with and without pre-emphasis, at any level.
/// </summary>
public class FixedPointFftOracleTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach ((int n, int w) in new[] { (64, 64), (128, 100), (256, 255), (512, 480), (1024, 1024), (2048, 2000), (4096, 4095) })
        {
            data.Add(n, w, 0);
            data.Add(n, w, 31785);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Power_spectrum_equals_the_one_stage_oracle_bit_for_bit(int fftSize, int window, int preEmphasisQ15)
    {
        var config = new FrontEndConfig { FftSize = fftSize, WindowLength = window, HopLength = window / 2, BandCount = 8, PreEmphasisQ15 = preEmphasisQ15 };
        var frontEnd = new AudioFrontEnd(config);
        var power = new long[(fftSize / 2) + 1];
        var signals = new[]
        {
            TestSignals.Noise(fftSize, 3 * window, 32000),
            TestSignals.Noise(fftSize + 1, 3 * window, 3),
            TestSignals.Voiced(fftSize + 2, 3 * window, 20000, 40),
            TestSignals.Tone(fftSize + 3, 3 * window, 1000, 32767, 0),
        };
        foreach (short[] x in signals)
        {
            for (int offset = 0; offset + window <= x.Length; offset += window / 2)
            {
                int exponent = frontEnd.PowerSpectrum(x, offset, power);
                (long[] expected, int expectedExponent) = OneStagePower(config, x, offset);
                Assert.Equal(expectedExponent, exponent);
                Assert.Equal(expected, power);
            }
        }
    }

    /// <summary>The documented pipeline with one radix-2 stage per pass; returns P[0..N/2] and its exponent.</summary>
    private static (long[] Power, int Exponent) OneStagePower(FrontEndConfig config, short[] pcm, int offset)
    {
        int n = config.FftSize, w = config.WindowLength, h = n / 2, a = config.PreEmphasisQ15;

        // Pre-emphasis (x[−1] = x[0]) and Q30 periodic Hann, zero-padded to N.
        var v = new long[n];
        for (int i = 0; i < w; i++)
        {
            int x = pcm[offset + i];
            long y = a == 0 ? x : ((long)x << 15) - ((long)a * pcm[offset + Math.Max(i - 1, 0)]);
            long hann = ((long)FixedMath.OneQ30 - FixedMath.CosQ30(FixedMath.PhaseQ32(i, w)) + 1) >> 1;
            v[i] = y * hann;
        }

        // Block exponent from the bit length of the largest one's-complement magnitude (−v − 1 for negative v),
        // u = round(v / 2^s).
        long peak = 0;
        foreach (long value in v)
        {
            peak = Math.Max(peak, value >= 0 ? value : -value - 1);
        }

        int s = Math.Max(0, FixedMath.BitLength(peak) - (30 - (FixedMath.BitLength(n) - 1)));
        long round = (1L << s) >> 1;

        // z[j] = u[2j] + i·u[2j+1] in bit-reversed order.
        int bits = FixedMath.BitLength(h) - 1;
        var re = new long[h];
        var im = new long[h];
        for (int j = 0; j < h; j++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++)
            {
                r |= ((j >> b) & 1) << (bits - 1 - b);
            }

            re[r] = (v[2 * j] + round) >> s;
            im[r] = (v[(2 * j) + 1] + round) >> s;
        }

        // Radix-2 decimation in time, one stage per pass, twiddle W_N^(j·N/size) = c − i·s in Q30.
        for (int size = 2; size <= h; size <<= 1)
        {
            int halfSize = size / 2;
            for (int j = 0; j < halfSize; j++)
            {
                uint phase = FixedMath.PhaseQ32(j * (n / size), n);
                long c = FixedMath.CosQ30(phase), sn = FixedMath.SinQ30(phase);
                for (int k = j; k < h; k += size)
                {
                    int m = k + halfSize;
                    long tr = ((re[m] * c) + (im[m] * sn) + (1L << 29)) >> 30;
                    long ti = ((im[m] * c) - (re[m] * sn) + (1L << 29)) >> 30;
                    (re[k], im[k], re[m], im[m]) = (re[k] + tr, im[k] + ti, re[k] - tr, im[k] - ti);
                }
            }
        }

        // 2X[k] = (Z[k] + conj Z[H−k]) − i·W_N^k·(Z[k] − conj Z[H−k]) and 2X[H−k] from the same twiddle;
        // P = (|2X|² + 2^15) >> 16. With A = Z[k] + conj Z[H−k], D = Z[k] − conj Z[H−k]: −i·W·D = t1 + i·t2,
        // t1 = c·D_im − s·D_re, t2 = −(c·D_re + s·D_im), each rounded once by 2^30; 2X[H−k] = conj(A) − conj(t1 + i·t2).
        var power = new long[h + 1];
        power[0] = Power(2 * (re[0] + im[0]), 0);
        power[h] = Power(2 * (re[0] - im[0]), 0);
        for (int k = 1; k <= h / 2; k++)
        {
            long aRe = re[k] + re[h - k], aIm = im[k] - im[h - k];
            long dRe = re[k] - re[h - k], dIm = im[k] + im[h - k];
            uint phase = FixedMath.PhaseQ32(k, n);
            long c = FixedMath.CosQ30(phase), sn = FixedMath.SinQ30(phase);
            long t1 = ((c * dIm) - (sn * dRe) + (1L << 29)) >> 30;
            long t2 = ((-(c * dRe)) - (sn * dIm) + (1L << 29)) >> 30;
            power[k] = Power(aRe + t1, aIm + t2);
            power[h - k] = Power(aRe - t1, t2 - aIm);
        }

        return (power, (2 * s) - (a == 0 ? 46 : 76));
    }

    private static long Power(long re, long im) => ((re * re) + (im * im) + (1L << 15)) >> 16;
}
