using System;
using System.Collections.Concurrent;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>
/// Band-limited sample-rate conversion between any two integer rates: a Kaiser-windowed sinc low-pass (32 zero
/// crossings each side, β = 8.6, cut-off 0.92 × the lower Nyquist frequency; measured for a 16 kHz output: within
/// 0.5 dB up to 7 kHz, −12 dB at 7.5 kHz, more than 90 dB down from 8 kHz) evaluated at the exact rational positions
/// of the output samples, one precomputed polyphase table per rate pair. Used to bring every engine's output (espeak-ng
/// writes 22,050 Hz, the HTS festival voice 32,000 Hz, the alsa noise file is 48,000 Hz) to 16 kHz, and for speed
/// perturbation (reading a 16 kHz signal as if it were at 16,000 × f Hz). Deterministic: the same input gives the same
/// output on the same machine and runtime.
/// </summary>
public static class Resampler
{
    /// <summary>Changes whenever the filter changes; part of every cache key built on resampled audio.</summary>
    public const string Version = "kaiser-sinc-32zc-b8.6-r0.92-v1";

    private const int ZeroCrossings = 32;
    private const double Beta = 8.6;
    private const double Rolloff = 0.92;
    private const int MaxTabulatedPhases = 4096;

    private static readonly ConcurrentDictionary<(int Up, int Down), Filter> s_filters = new();

    /// <summary>Resamples 16-bit samples (rounded to nearest, clamped to the 16-bit range).</summary>
    public static short[] Resample(short[] input, int fromRate, int toRate)
    {
        ArgumentNullException.ThrowIfNull(input);
        float[] x = new float[input.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = input[i];
        }

        float[] y = Resample(x, fromRate, toRate);
        short[] output = new short[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            output[i] = ToInt16(y[i]);
        }

        return output;
    }

    /// <summary>Resamples a float signal; the output has floor(n × to / from) samples.</summary>
    public static float[] Resample(float[] input, int fromRate, int toRate)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (fromRate <= 0 || toRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fromRate), $"sample rates must be positive (from {fromRate} Hz to {toRate} Hz)");
        }

        int g = Gcd(fromRate, toRate);
        int up = toRate / g;
        int down = fromRate / g;
        if (up == down)
        {
            return (float[])input.Clone();
        }

        Filter filter = s_filters.GetOrAdd((up, down), key => new Filter(key.Up, key.Down));
        long outputLength = (long)input.Length * up / down;
        float[] output = new float[outputLength];
        int taps = filter.Taps;
        int half = filter.Half;
        double[] scratch = filter.Table == null ? new double[taps] : [];
        for (long j = 0; j < outputLength; j++)
        {
            long position = j * down;
            long i0 = position / up;
            int phase = (int)(position % up);
            double[] h;
            int offset;
            if (filter.Table != null)
            {
                h = filter.Table;
                offset = phase * taps;
            }
            else
            {
                filter.Fill(phase, scratch);
                h = scratch;
                offset = 0;
            }

            // Taps m = 0..taps-1 weigh input sample k = i0 - half + 1 + m.
            long first = i0 - half + 1;
            int mStart = (int)Math.Max(0, -first);
            int mEnd = (int)Math.Min(taps, input.Length - first);
            double sum = 0;
            for (int m = mStart; m < mEnd; m++)
            {
                sum += h[offset + m] * input[first + m];
            }

            output[j] = (float)sum;
        }

        return output;
    }

    internal static short ToInt16(double v)
    {
        double r = Math.Round(v, MidpointRounding.AwayFromZero);
        return r >= short.MaxValue ? short.MaxValue : r <= short.MinValue ? short.MinValue : (short)r;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private sealed class Filter
    {
        private readonly int _up;
        private readonly double _cutoff; // cycles per input sample
        private readonly double _halfWidth; // input samples

        public Filter(int up, int down)
        {
            _up = up;
            _cutoff = 0.5 * Math.Min(1.0, up / (double)down) * Rolloff;
            _halfWidth = ZeroCrossings / (2.0 * _cutoff);
            Half = (int)Math.Ceiling(_halfWidth);
            Taps = 2 * Half;
            if (up <= MaxTabulatedPhases)
            {
                Table = new double[up * Taps];
                double[] row = new double[Taps];
                for (int p = 0; p < up; p++)
                {
                    Fill(p, row);
                    Array.Copy(row, 0, Table, p * Taps, Taps);
                }
            }
        }

        public int Half { get; }

        public int Taps { get; }

        public double[]? Table { get; }

        /// <summary>The taps of one phase, normalised to unit DC gain.</summary>
        public void Fill(int phase, double[] row)
        {
            double frac = phase / (double)_up;
            double sum = 0;
            for (int m = 0; m < Taps; m++)
            {
                double d = (m - Half + 1) - frac; // input position minus output position, in input samples
                double v = 0;
                if (Math.Abs(d) < _halfWidth)
                {
                    double x = 2.0 * _cutoff * d;
                    double sinc = x == 0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
                    double r = d / _halfWidth;
                    v = sinc * BesselI0(Beta * Math.Sqrt(1.0 - (r * r))) / BesselI0(Beta);
                }

                row[m] = v;
                sum += v;
            }

            for (int m = 0; m < Taps; m++)
            {
                row[m] /= sum;
            }
        }

        private static double BesselI0(double x)
        {
            double sum = 1.0;
            double term = 1.0;
            double q = x * x / 4.0;
            for (int k = 1; k < 64; k++)
            {
                term *= q / (k * (double)k);
                sum += term;
                if (term < sum * 1e-17)
                {
                    break;
                }
            }

            return sum;
        }
    }
}
