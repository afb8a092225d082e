using System;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>Seeded 16-bit test signals for the front-end tests (clamped and rounded to int16).</summary>
internal static class TestSignals
{
    public static short[] Silence(int length) => new short[length];

    /// <summary>Uniform white noise in −amplitude..amplitude.</summary>
    public static short[] Noise(int seed, int length, int amplitude)
    {
        var rng = new Random(seed);
        var x = new short[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (short)rng.Next(-amplitude, amplitude + 1);
        }

        return x;
    }

    /// <summary>A sine of the given frequency and peak amplitude, plus uniform noise of ±noise (0: a pure, rounded tone).</summary>
    public static short[] Tone(int seed, int length, double hz, double amplitude, int noise, int sampleRate = 16000)
    {
        var rng = new Random(seed);
        double phase = rng.NextDouble() * 2 * Math.PI;
        var x = new short[length];
        for (int i = 0; i < length; i++)
        {
            double v = (amplitude * Math.Sin((2 * Math.PI * hz * i / sampleRate) + phase)) + (noise == 0 ? 0 : rng.Next(-noise, noise + 1));
            x[i] = Clamp(v);
        }

        return x;
    }

    /// <summary>A linear sweep from f0 to f1 Hz over the whole signal, plus noise.</summary>
    public static short[] Chirp(int seed, int length, double f0, double f1, double amplitude, int noise, int sampleRate = 16000)
    {
        var rng = new Random(seed);
        var x = new short[length];
        double duration = (double)length / sampleRate;
        for (int i = 0; i < length; i++)
        {
            double t = (double)i / sampleRate;
            double phase = 2 * Math.PI * ((f0 * t) + ((f1 - f0) * t * t / (2 * duration)));
            x[i] = Clamp((amplitude * Math.Sin(phase)) + rng.Next(-noise, noise + 1));
        }

        return x;
    }

    /// <summary>
    /// Speech-like: a harmonic series (pitch gliding 100..220 Hz, amplitudes falling as 1/k, up to 7 kHz) under a
    /// syllable-rate envelope, plus a small noise floor.
    /// </summary>
    public static short[] Voiced(int seed, int length, double amplitude, int noise, int sampleRate = 16000)
    {
        var rng = new Random(seed);
        var x = new short[length];
        double phase = 0;
        for (int i = 0; i < length; i++)
        {
            double t = (double)i / sampleRate;
            double f0 = 160 + (60 * Math.Sin(2 * Math.PI * 1.3 * t));
            phase += 2 * Math.PI * f0 / sampleRate;
            double v = 0;
            for (int k = 1; k * f0 < 7000; k++)
            {
                v += Math.Sin(k * phase) / k;
            }

            double envelope = 0.55 + (0.45 * Math.Sin(2 * Math.PI * 4 * t));
            x[i] = Clamp((amplitude * 0.35 * envelope * v) + rng.Next(-noise, noise + 1));
        }

        return x;
    }

    private static short Clamp(double v) => (short)Math.Clamp(Math.Round(v), short.MinValue, short.MaxValue);
}
