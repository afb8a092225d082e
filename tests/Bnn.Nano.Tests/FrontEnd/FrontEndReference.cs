using System;
using System.Numerics;
using Bnn.Nano.FrontEnd;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>
/// The front-end pipeline in double precision, written from the math rather than from the fixed-point code:
/// pre-emphasis y[n] = x[n] − a·x[n−1] (x[−1] = x[0]), periodic Hann 0.5 − 0.5·cos(2πn/W), zero-padded DFT of
/// N points (System.Numerics.Complex), power |X_k|², HTK mel triangles (mel = 2595·log10(1 + f/700), peak 1),
/// natural log, then the configured quantisation f = clamp(floor(256·log2(E)·scale / 2^shift + 0.5) + offset).
/// </summary>
internal sealed class FrontEndReference
{
    private readonly FrontEndConfig _config;
    private readonly double[] _window;
    private readonly double[] _cos;
    private readonly double[] _sin;
    private readonly double[][] _weights; // [band][bin]

    public FrontEndReference(FrontEndConfig config)
    {
        _config = config.Copy();
        int w = config.WindowLength;
        int n = config.FftSize;
        _window = new double[w];
        for (int i = 0; i < w; i++)
        {
            _window[i] = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / w));
        }

        _cos = new double[n];
        _sin = new double[n];
        for (int i = 0; i < n; i++)
        {
            _cos[i] = Math.Cos(2 * Math.PI * i / n);
            _sin[i] = Math.Sin(2 * Math.PI * i / n);
        }

        int bands = config.BandCount;
        double melLo = Mel(config.MinFrequencyHz);
        double melHi = Mel(config.MaxFrequencyHz);
        var edges = new double[bands + 2];
        for (int j = 0; j < edges.Length; j++)
        {
            edges[j] = InverseMel(melLo + ((melHi - melLo) * j / (bands + 1)));
        }

        edges[0] = config.MinFrequencyHz;
        edges[bands + 1] = config.MaxFrequencyHz;
        _weights = new double[bands][];
        for (int b = 0; b < bands; b++)
        {
            _weights[b] = new double[(n / 2) + 1];
            for (int k = 0; k <= n / 2; k++)
            {
                double f = (double)k * config.SampleRateHz / n;
                double lo = edges[b], c = edges[b + 1], hi = edges[b + 2];
                if (f > lo && f <= c)
                {
                    _weights[b][k] = (f - lo) / (c - lo);
                }
                else if (f > c && f < hi)
                {
                    _weights[b][k] = (hi - f) / (hi - c);
                }
            }
        }
    }

    public static double Mel(double hz) => 2595.0 * Math.Log10(1.0 + (hz / 700.0));

    public static double InverseMel(double mel) => 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);

    /// <summary>The DFT X_k (k = 0..N/2) of the pre-emphasised, windowed, zero-padded frame.</summary>
    public Complex[] Spectrum(short[] pcm, int offset)
    {
        int w = _config.WindowLength;
        int n = _config.FftSize;
        double a = _config.PreEmphasisQ15 / 32768.0;
        var frame = new double[w];
        for (int i = 0; i < w; i++)
        {
            double x = pcm[offset + i];
            double prev = i == 0 ? pcm[offset] : pcm[offset + i - 1];
            frame[i] = (x - (a * prev)) * _window[i];
        }

        var spectrum = new Complex[(n / 2) + 1];
        for (int k = 0; k <= n / 2; k++)
        {
            double re = 0, im = 0;
            int idx = 0;
            for (int i = 0; i < w; i++)
            {
                re += frame[i] * _cos[idx];
                im -= frame[i] * _sin[idx];
                idx += k;
                if (idx >= n)
                {
                    idx -= n;
                }
            }

            spectrum[k] = new Complex(re, im);
        }

        return spectrum;
    }

    /// <summary>Mel band energies Σ_k w_b(k)·|X_k|² in PCM units².</summary>
    public double[] MelEnergies(short[] pcm, int offset)
    {
        Complex[] spectrum = Spectrum(pcm, offset);
        var energies = new double[_weights.Length];
        for (int b = 0; b < _weights.Length; b++)
        {
            double sum = 0;
            for (int k = 0; k < spectrum.Length; k++)
            {
                double m = spectrum[k].Magnitude;
                sum += _weights[b][k] * m * m;
            }

            energies[b] = sum;
        }

        return energies;
    }

    /// <summary>The quantised features of one frame (natural log, converted to log2 for the configured scale).</summary>
    public int[] Features(short[] pcm, int offset) => Quantize(MelEnergies(pcm, offset));

    public int[] Quantize(double[] energies)
    {
        var features = new int[energies.Length];
        for (int b = 0; b < energies.Length; b++)
        {
            features[b] = Quantize(energies[b]);
        }

        return features;
    }

    public int Quantize(double energy)
    {
        if (energy <= 0)
        {
            return -128;
        }

        double log2 = Math.Log(energy) / Math.Log(2.0);
        double q = Math.Floor((256.0 * log2 * _config.LogScale / Math.Pow(2, _config.LogShift)) + 0.5) + _config.LogOffset;
        return (int)Math.Clamp(q, -128, 127);
    }
}
