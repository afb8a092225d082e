using System;

namespace Bnn.Nano.Compiler.Cost;

/// <summary>
/// A deterministic pseudo-random "speech-like" 16-bit signal for cost measurements: syllables of 120–320 ms, each a
/// voiced vowel (a harmonic series on a gliding pitch of 90–250 Hz, shaped by three formants of one of five vowels)
/// or an unvoiced fricative (noise, brightened by a first difference), under a raised-cosine envelope; short pauses
/// of a faint noise floor between them; peaks of about a quarter of full scale. Not speech: only a signal whose
/// spectrum, level changes and silences exercise the front end's data-dependent paths as speech would.
/// </summary>
public static class SpeechLikeSignal
{
    /// <summary>Formants F1, F2, F3 (Hz) of five vowels (a, e, i, o, u; textbook averages).</summary>
    private static readonly double[][] s_vowels =
    [
        [730, 1090, 2440],
        [530, 1840, 2480],
        [270, 2290, 3010],
        [570, 840, 2410],
        [300, 870, 2240],
    ];

    /// <summary><paramref name="sampleCount"/> samples at <paramref name="sampleRateHz"/>; the same arguments give the same samples.</summary>
    public static short[] Generate(int sampleRateHz, int sampleCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 1000);
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        short[] pcm = new short[sampleCount];
        ulong state = 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed;
        int at = 0;
        double phase = 0;
        double previousNoise = 0;
        while (at < sampleCount)
        {
            // A pause of 30–150 ms, then a syllable.
            int pause = (int)(sampleRateHz * (0.03 + (0.12 * Next(ref state))));
            for (int i = 0; i < pause && at < sampleCount; i++, at++)
            {
                pcm[at] = Clamp(30 * ((2 * Next(ref state)) - 1));
            }

            int length = (int)(sampleRateHz * (0.12 + (0.2 * Next(ref state))));
            bool voiced = Next(ref state) < 0.75;
            double[] formants = s_vowels[(int)(Next(ref state) * s_vowels.Length) % s_vowels.Length];
            double pitchStart = 90 + (160 * Next(ref state));
            double pitchEnd = pitchStart * (0.8 + (0.4 * Next(ref state)));
            double level = 4000 + (8000 * Next(ref state));
            double nyquist = sampleRateHz / 2.0;
            for (int i = 0; i < length && at < sampleCount; i++, at++)
            {
                double t = (double)i / length;
                double envelope = 0.5 - (0.5 * Math.Cos(2 * Math.PI * t));
                double value;
                if (voiced)
                {
                    double pitch = pitchStart + ((pitchEnd - pitchStart) * t);
                    phase += 2 * Math.PI * pitch / sampleRateHz;
                    if (phase > 2 * Math.PI * 1000)
                    {
                        phase -= 2 * Math.PI * 1000;
                    }

                    value = 0;
                    for (int h = 1; h * pitch < nyquist && h <= 40; h++)
                    {
                        value += FormantGain(h * pitch, formants) * Math.Sin(h * phase) / h;
                    }

                    value += 0.02 * ((2 * Next(ref state)) - 1);
                }
                else
                {
                    double noise = (2 * Next(ref state)) - 1;
                    value = 0.5 * (noise - previousNoise);
                    previousNoise = noise;
                }

                pcm[at] = Clamp(level * envelope * value);
            }
        }

        return pcm;
    }

    /// <summary>Sum of three resonances (bandwidths 80, 100, 120 Hz) at frequency f.</summary>
    private static double FormantGain(double f, double[] formants)
    {
        double gain = 0;
        for (int k = 0; k < formants.Length; k++)
        {
            double bandwidth = 80 + (20 * k);
            double d = (f - formants[k]) / bandwidth;
            gain += 1 / (1 + (d * d));
        }

        return gain;
    }

    /// <summary>xorshift64*, uniform in [0, 1).</summary>
    private static double Next(ref ulong state)
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return ((state * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
    }

    private static short Clamp(double v)
    {
        double r = Math.Round(v);
        return (short)(r > short.MaxValue ? short.MaxValue : r < short.MinValue ? short.MinValue : r);
    }
}
