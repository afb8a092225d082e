using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>Kinds of background noise.</summary>
public enum NoiseKind
{
    /// <summary>Flat spectrum (approximately Gaussian amplitudes: sum of four uniforms).</summary>
    White,

    /// <summary>−3 dB per octave (Paul Kellett's three-pole filter over white noise).</summary>
    Pink,

    /// <summary>−6 dB per octave (leaky integrator over white noise, DC removed).</summary>
    Brown,

    /// <summary>Slices of a real recording: alsa-utils' /usr/share/sounds/alsa/Noise.wav (48 kHz, 1.4 s), resampled to 16 kHz.</summary>
    Alsa,
}

/// <summary>
/// Seeded background noise at unit RMS (the caller scales it). The alsa noise recording is used when the file exists
/// (Debian package alsa-utils); <see cref="Identity"/> records whether it was, and its hash, so corpora built with and
/// without it never share a cache key.
/// </summary>
public sealed class NoiseSource
{
    /// <summary>Where alsa-utils installs its noise recording.</summary>
    public const string DefaultAlsaNoisePath = "/usr/share/sounds/alsa/Noise.wav";

    private readonly float[]? _alsa;

    /// <param name="alsaNoisePath">A 16-bit PCM WAV of real noise, or null (or a missing file) for generated noise only.</param>
    public NoiseSource(string? alsaNoisePath = DefaultAlsaNoisePath)
    {
        List<NoiseKind> kinds = [NoiseKind.White, NoiseKind.Pink, NoiseKind.Brown];
        string identity = "white,pink,brown";
        if (alsaNoisePath != null && File.Exists(alsaNoisePath))
        {
            byte[] bytes = File.ReadAllBytes(alsaNoisePath);
            WavFile wav = WavFile.Parse(bytes, alsaNoisePath);
            short[] mono = wav.ToMono();
            if (wav.SampleRate != SpeechAudio.SampleRate)
            {
                mono = Resampler.Resample(mono, wav.SampleRate, SpeechAudio.SampleRate);
            }

            _alsa = new float[mono.Length];
            double mean = 0;
            for (int i = 0; i < mono.Length; i++)
            {
                mean += mono[i];
            }

            mean /= Math.Max(1, mono.Length);
            for (int i = 0; i < mono.Length; i++)
            {
                _alsa[i] = (float)(mono[i] - mean);
            }

            kinds.Add(NoiseKind.Alsa);
            identity += ",alsa:" + Path.GetFileName(alsaNoisePath) + ":" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        }

        Kinds = kinds;
        Identity = identity;
    }

    /// <summary>The kinds this source can make (Alsa only when the recording exists).</summary>
    public IReadOnlyList<NoiseKind> Kinds { get; }

    /// <summary>"white,pink,brown[,alsa:Noise.wav:hash]": part of corpus keys.</summary>
    public string Identity { get; }

    /// <summary><paramref name="length"/> samples of <paramref name="kind"/> noise at unit RMS, determined by <paramref name="seed"/>.</summary>
    public float[] Generate(NoiseKind kind, int length, ulong seed)
    {
        SeededRandom random = new(seed);
        float[] x = new float[length];
        switch (kind)
        {
            case NoiseKind.White:
                for (int i = 0; i < length; i++)
                {
                    x[i] = (float)White(random);
                }

                break;
            case NoiseKind.Pink:
            {
                double b0 = 0, b1 = 0, b2 = 0;
                for (int i = -2000; i < length; i++)
                {
                    double w = White(random);
                    b0 = (0.99765 * b0) + (w * 0.0990460);
                    b1 = (0.96300 * b1) + (w * 0.2965164);
                    b2 = (0.57000 * b2) + (w * 1.0526913);
                    if (i >= 0)
                    {
                        x[i] = (float)(b0 + b1 + b2 + (w * 0.1848));
                    }
                }

                break;
            }

            case NoiseKind.Brown:
            {
                double b = 0;
                for (int i = -4000; i < length; i++)
                {
                    b = (0.998 * b) + (0.05 * White(random));
                    if (i >= 0)
                    {
                        x[i] = (float)b;
                    }
                }

                RemoveMean(x);
                break;
            }

            case NoiseKind.Alsa:
            {
                float[] source = _alsa ?? throw new InvalidOperationException($"alsa noise is not available ({DefaultAlsaNoisePath} missing: apt-get install -y alsa-utils)");
                int filled = 0;
                while (filled < length)
                {
                    int start = random.Next(source.Length);
                    int count = Math.Min(length - filled, source.Length - start);
                    float sign = random.Next(2) == 0 ? 1f : -1f;
                    for (int i = 0; i < count; i++)
                    {
                        x[filled + i] = sign * source[start + i];
                    }

                    filled += count;
                }

                break;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        double rms = SpeechAudio.Rms(x, 0, x.Length);
        if (rms > 0)
        {
            float scale = (float)(1.0 / rms);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] *= scale;
            }
        }

        return x;
    }

    private static double White(SeededRandom random) =>
        (random.NextDouble() + random.NextDouble() + random.NextDouble() + random.NextDouble() - 2.0) * 1.7320508075688772;

    private static void RemoveMean(float[] x)
    {
        double mean = 0;
        foreach (float v in x)
        {
            mean += v;
        }

        mean /= Math.Max(1, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(x[i] - mean);
        }
    }
}

/// <summary>Small signal helpers shared by the corpus builder and the stream generator.</summary>
public static class SpeechAudio
{
    /// <summary>Sample rate of every clip and stream.</summary>
    public const int SampleRate = 16000;

    /// <summary>Samples per corpus clip (1 s).</summary>
    public const int ClipSamples = 16000;

    /// <summary>Analysis frame of <see cref="ActiveRange"/>: 10 ms.</summary>
    public const int FrameSamples = 160;

    /// <summary>Root mean square of x[start..end).</summary>
    public static double Rms(float[] x, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (end <= start)
        {
            return 0;
        }

        double sum = 0;
        for (int i = start; i < end; i++)
        {
            sum += x[i] * (double)x[i];
        }

        return Math.Sqrt(sum / (end - start));
    }

    /// <summary>Root mean square of x[start..end).</summary>
    public static double Rms(short[] x, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (end <= start)
        {
            return 0;
        }

        double sum = 0;
        for (int i = start; i < end; i++)
        {
            sum += x[i] * (double)x[i];
        }

        return Math.Sqrt(sum / (end - start));
    }

    /// <summary>
    /// The spoken part of a clean utterance: from one 10 ms frame before the first frame whose RMS is within 40 dB of the
    /// loudest frame (and above 8 LSB) to one frame after the last such frame. (0, 0) when nothing is spoken.
    /// </summary>
    public static (int Start, int End) ActiveRange(short[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int frames = (x.Length + FrameSamples - 1) / FrameSamples;
        double[] rms = new double[frames];
        double peak = 0;
        for (int f = 0; f < frames; f++)
        {
            rms[f] = Rms(x, f * FrameSamples, Math.Min(x.Length, (f + 1) * FrameSamples));
            peak = Math.Max(peak, rms[f]);
        }

        double threshold = Math.Max(8.0, peak * 0.01);
        int first = Array.FindIndex(rms, r => r > threshold);
        if (first < 0)
        {
            return (0, 0);
        }

        int last = Array.FindLastIndex(rms, r => r > threshold);
        int start = Math.Max(0, (first - 1) * FrameSamples);
        int end = Math.Min(x.Length, (last + 2) * FrameSamples);
        return (start, end);
    }

    /// <summary>Amplitude (in 16-bit units) of a level in dB relative to full scale (32768).</summary>
    public static double DbfsToAmplitude(double dbfs) => 32768.0 * Math.Pow(10.0, dbfs / 20.0);

    /// <summary>Level in dB relative to full scale (32768) of an amplitude in 16-bit units.</summary>
    public static double AmplitudeToDbfs(double amplitude) => 20.0 * Math.Log10(Math.Max(amplitude, 1e-9) / 32768.0);

    /// <summary>Rounds and clamps to 16 bits.</summary>
    public static short[] ToPcm(float[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        short[] pcm = new short[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            pcm[i] = Resampler.ToInt16(x[i]);
        }

        return pcm;
    }

    /// <summary>
    /// The word of a cached utterance ready to place: trimmed to its active range, sped up or slowed down by
    /// <paramref name="speedPercent"/> (resampling, which shifts pitch and formants with tempo, like Kaldi's speed
    /// perturbation), and faster still when needed so it is at most <paramref name="maxLength"/> samples.
    /// Returns the samples and the speed actually used.
    /// </summary>
    public static (float[] Word, int SpeedPercent) PrepareWord(short[] utterance, int speedPercent, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        (int start, int end) = ActiveRange(utterance);
        if (end <= start)
        {
            throw new InvalidDataException("a cached utterance is silent");
        }

        int length = end - start;
        int minimum = (int)Math.Ceiling(length * 100.0 / maxLength);
        int speed = Math.Max(speedPercent, minimum);
        float[] word = new float[length];
        for (int i = 0; i < length; i++)
        {
            word[i] = utterance[start + i];
        }

        if (speed != 100)
        {
            word = Resampler.Resample(word, SampleRate * speed / 100, SampleRate);
        }

        return (word, speed);
    }
}
