using System;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.FrontEnd;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>
/// Behaviour of <see cref="AudioFrontEnd"/>: tones land in their mel band and silence on the floor (c), results are
/// bit-identical across runs and instances and pinned by a golden hash (d), no allocation per frame (e), the byte and
/// short inputs agree, bad buffers are refused, and the per-stage operation counts are printed (g).
/// </summary>
public class AudioFrontEndTests
{
    /// <summary>
    /// FNV-1a of the features of <see cref="GoldenSignal"/> under the default configuration and with pre-emphasis
    /// 0.97. Training features are made with this code, so any change to the arithmetic must come with a new
    /// <see cref="FrontEndConfig.CurrentVersion"/> (models trained on the old features then refuse the new front end);
    /// only then update these values.
    /// </summary>
    private const uint GoldenDefault = 0x5762F080u;
    private const uint GoldenPreEmphasis = 0xEDD85A89u;

    private readonly ITestOutputHelper _output;

    public AudioFrontEndTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(250.0)]
    [InlineData(1000.0)]
    [InlineData(3300.0)]
    [InlineData(6000.0)]
    public void A_tone_lands_in_the_mel_band_centred_nearest_to_it(double hz)
    {
        var frontEnd = new AudioFrontEnd(new FrontEndConfig());
        short[] x = TestSignals.Tone(31, 480, hz, 16000, 0);
        var features = new sbyte[40];
        frontEnd.ProcessFrame(x, 0, features, 0);

        int loudest = 0;
        for (int b = 1; b < features.Length; b++)
        {
            if (features[b] > features[loudest])
            {
                loudest = b;
            }
        }

        MelFilterbank mel = frontEnd.Filterbank;
        int nearest = 0;
        for (int b = 1; b < mel.BandCount; b++)
        {
            if (Math.Abs(Centre(mel, b) - hz) < Math.Abs(Centre(mel, nearest) - hz))
            {
                nearest = b;
            }
        }

        _output.WriteLine(hz + " Hz: loudest band " + loudest + " (centre " + Centre(mel, loudest).ToString("F1") + " Hz, feature " + features[loudest] + ")");
        Assert.Equal(nearest, loudest);
        Assert.True(features[loudest] > 60, "tone feature " + features[loudest]);
    }

    [Fact]
    public void One_kilohertz_peaks_in_band_13_of_the_default_filterbank()
    {
        // Default filterbank (HTK mel, 40 bands over 20..8000 Hz): band 13 spans 887..1091 Hz around 986 Hz.
        var frontEnd = new AudioFrontEnd(new FrontEndConfig());
        var features = new sbyte[40];
        frontEnd.ProcessFrame(TestSignals.Tone(32, 480, 1000, 20000, 0), 0, features, 0);
        Assert.Equal(13, Array.IndexOf(features, Max(features)));
        Assert.InRange(Centre(frontEnd.Filterbank, 13), 985, 987);
        Assert.InRange(frontEnd.Filterbank.EdgeHzQ16(13) / 65536.0, 886, 888);
        Assert.InRange(frontEnd.Filterbank.EdgeHzQ16(15) / 65536.0, 1090, 1092);
    }

    [Fact]
    public void Silence_gives_the_floor_value_in_every_band()
    {
        foreach (FrontEndConfig config in new[] { new FrontEndConfig(), new FrontEndConfig { PreEmphasisQ15 = 31785 } })
        {
            var frontEnd = new AudioFrontEnd(config);
            var features = new sbyte[40];
            Assert.Equal(40, frontEnd.ProcessFrame(TestSignals.Silence(480), 0, features, 0));
            Assert.All(features, f => Assert.Equal(AudioFrontEnd.FeatureMin, f));

            var logQ8 = new int[40];
            frontEnd.CopyLogMelQ8(logQ8, 0);
            Assert.All(logQ8, l => Assert.Equal(AudioFrontEnd.LogOfZero, l));
        }

        // A ±1 LSB hiss (mel energies 2^6..2^11) stays near the floor with the default quantisation.
        var quiet = new AudioFrontEnd(new FrontEndConfig());
        var q = new sbyte[40];
        quiet.ProcessFrame(TestSignals.Noise(33, 480, 1), 0, q, 0);
        Assert.All(q, f => Assert.True(f <= -90, "feature " + f));
    }

    [Fact]
    public void Results_are_bit_identical_across_runs_and_instances()
    {
        short[] x = TestSignals.Voiced(34, 16000, 12000, 5);
        byte[] first = Stream(new AudioFrontEnd(new FrontEndConfig()), x);
        var shared = new AudioFrontEnd(new FrontEndConfig());
        byte[] second = Stream(shared, x);
        byte[] third = Stream(shared, x);
        Assert.Equal(first, second);
        Assert.Equal(first, third);
    }

    [Fact]
    public void Golden_hash_pins_the_arithmetic()
    {
        short[] x = GoldenSignal();
        uint hashDefault = Fnv(Stream(new AudioFrontEnd(new FrontEndConfig()), x));
        uint hashPre = Fnv(Stream(new AudioFrontEnd(new FrontEndConfig { PreEmphasisQ15 = 31785 }), x));
        _output.WriteLine("golden: default 0x" + hashDefault.ToString("X8") + ", pre-emphasis 0x" + hashPre.ToString("X8"));
        Assert.Equal(GoldenDefault, hashDefault);
        Assert.Equal(GoldenPreEmphasis, hashPre);
    }

    [Fact]
    public void Byte_pcm_and_short_pcm_give_the_same_features()
    {
        var frontEnd = new AudioFrontEnd(new FrontEndConfig());
        short[] x = TestSignals.Chirp(35, 480, 100, 7000, 30000, 3);
        var bytes = new byte[3 + (2 * x.Length)];
        for (int i = 0; i < x.Length; i++)
        {
            bytes[3 + (2 * i)] = (byte)x[i];
            bytes[4 + (2 * i)] = (byte)(x[i] >> 8);
        }

        var a = new sbyte[41];
        var b = new sbyte[41];
        frontEnd.ProcessFrame(x, 0, a, 1);
        frontEnd.ProcessFrame(bytes, 3, b, 1);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Frames_allocate_nothing()
    {
        var frontEnd = new AudioFrontEnd(new FrontEndConfig { PreEmphasisQ15 = 31785 });
        var window = new FeatureWindow(new AudioFrontEnd(new FrontEndConfig()));
        short[] x = TestSignals.Voiced(36, 16000, 12000, 5);
        var bytes = new byte[2 * x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            bytes[2 * i] = (byte)x[i];
            bytes[(2 * i) + 1] = (byte)(x[i] >> 8);
        }

        var features = new sbyte[40];
        var input = new byte[window.Length];
        int frames = 0;
        void Pass()
        {
            for (int i = 0; i < 1000; i++)
            {
                int offset = (i * 320) % (x.Length - 480);
                frontEnd.ProcessFrame(x, offset, features, 0);
                frontEnd.ProcessFrame(bytes, 2 * offset, features, 0);
                frames += window.PushSamples(x, offset, 320);
                frames += window.PushSamples(bytes, 2 * offset, 640);
                window.CopyTo(input);
            }
        }

        Pass(); // warm-up past tiered JIT compilation
        Assert.Equal(0, SteadyStateAllocation.Bytes(Pass));
        Assert.True(frames >= 3990, "frames " + frames);
    }

    [Fact]
    public void Bad_buffers_are_refused_with_a_clear_message()
    {
        var frontEnd = new AudioFrontEnd(new FrontEndConfig());
        var features = new sbyte[40];
        Assert.Contains("needs 480 samples from index 1", Assert.Throws<FrontEndException>(() => frontEnd.ProcessFrame(new short[480], 1, features, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("feature buffer must hold 40", Assert.Throws<FrontEndException>(() => frontEnd.ProcessFrame(new short[480], 0, new sbyte[39], 0)).Message, StringComparison.Ordinal);
        Assert.Contains("needs 960 PCM bytes", Assert.Throws<FrontEndException>(() => frontEnd.ProcessFrame(new byte[959], 0, features, 0)).Message, StringComparison.Ordinal);
        Assert.Throws<FrontEndException>(() => frontEnd.ProcessFrame((short[])null!, 0, features, 0));
        Assert.Throws<FrontEndException>(() => frontEnd.PowerSpectrum(new short[480], 0, new long[256]));
        Assert.Throws<FrontEndException>(() => new AudioFrontEnd(null!));
    }

    [Fact]
    public void Operation_counts_per_frame_are_reported_for_each_stage()
    {
        foreach (FrontEndConfig config in new[] { new FrontEndConfig(), new FrontEndConfig { PreEmphasisQ15 = 31785 } })
        {
            var frontEnd = new AudioFrontEnd(config);
            int framesPerSecond = config.SampleRateHz / config.HopLength;
            var window = new FeatureWindow(frontEnd);
            _output.WriteLine("N=" + config.FftSize + ", W=" + config.WindowLength + ", " + config.BandCount + " bands, pre-emphasis " + (config.PreEmphasisQ15 != 0 ? "on" : "off")
                + ", " + framesPerSecond + " frames/s; filterbank weights " + frontEnd.Filterbank.WeightCount
                + "; RAM: front end " + frontEnd.RamBytes + " B, feature window (" + window.Frames + " frames) " + window.RamBytes + " B");
            Assert.InRange(frontEnd.RamBytes, 10000, 20000);
            _output.WriteLine("stage                          multiplies       adds   (per frame; adds include rounding constants)");
            long mul = 0, add = 0;
            for (int stage = 0; stage < AudioFrontEnd.StageCount; stage++)
            {
                int m = frontEnd.GetStageMultiplies(stage);
                int a = frontEnd.GetStageAdds(stage);
                mul += m;
                add += a;
                _output.WriteLine(AudioFrontEnd.StageName(stage).PadRight(30) + m.ToString().PadLeft(11) + a.ToString().PadLeft(11));
                Assert.True(m >= 0 && a >= 0);
            }

            _output.WriteLine("total per frame".PadRight(30) + mul.ToString().PadLeft(11) + add.ToString().PadLeft(11));
            _output.WriteLine("total per second".PadRight(30) + (mul * framesPerSecond).ToString().PadLeft(11) + (add * framesPerSecond).ToString().PadLeft(11));

            // 512-point real FFT as 256-point complex: 6 multiplying stages of 128 butterflies × 4.
            Assert.Equal(6 * 128 * 4, frontEnd.GetStageMultiplies(AudioFrontEnd.StageFft));
            Assert.Equal(frontEnd.Filterbank.WeightCount, frontEnd.GetStageMultiplies(AudioFrontEnd.StageMel));
        }
    }

    internal static byte[] Stream(AudioFrontEnd frontEnd, short[] x)
    {
        int bands = frontEnd.BandCount;
        int frames = ((x.Length - frontEnd.WindowLength) / frontEnd.HopLength) + 1;
        var all = new byte[frames * bands];
        var f = new sbyte[bands];
        for (int t = 0; t < frames; t++)
        {
            frontEnd.ProcessFrame(x, t * frontEnd.HopLength, f, 0);
            for (int b = 0; b < bands; b++)
            {
                all[(t * bands) + b] = (byte)f[b];
            }
        }

        return all;
    }

    /// <summary>An integer-only signal (xorshift noise under a triangle sweep), identical on every machine.</summary>
    internal static short[] GoldenSignal()
    {
        var x = new short[16000];
        uint state = 2463534242u;
        int phase = 0;
        for (int i = 0; i < x.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            phase += 40 + (i / 8);
            int tri = (phase & 0xFFFF) < 0x8000 ? (phase & 0x7FFF) - 16384 : 16383 - (phase & 0x7FFF);
            x[i] = (short)(tri + (int)(state % 601) - 300);
        }

        return x;
    }

    private static uint Fnv(byte[] data)
    {
        uint h = 2166136261u;
        foreach (byte b in data)
        {
            h = (h ^ b) * 16777619u;
        }

        return h;
    }

    private static double Centre(MelFilterbank mel, int band) => mel.EdgeHzQ16(band + 1) / 65536.0;

    private static sbyte Max(sbyte[] values)
    {
        sbyte m = values[0];
        foreach (sbyte v in values)
        {
            m = Math.Max(m, v);
        }

        return m;
    }
}
