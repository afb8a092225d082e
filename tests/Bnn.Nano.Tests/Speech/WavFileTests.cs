using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>The WAV reader/writer (16-bit PCM, mono/stereo, any rate) and the resampler.</summary>
public sealed class WavFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bnn-wav-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(16000, 1)]
    [InlineData(22050, 1)]
    [InlineData(44100, 2)]
    [InlineData(12345, 2)]
    public void round_trip_keeps_rate_channels_and_every_sample(int rate, int channels)
    {
        Random random = new(rate + channels);
        short[] samples = new short[channels * 1001];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
        }

        samples[0] = short.MinValue;
        samples[1] = short.MaxValue;
        WavFile wav = new(rate, channels, samples);
        byte[] bytes = wav.ToBytes();
        Assert.Equal(44 + (2 * samples.Length), bytes.Length);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));

        WavFile parsed = WavFile.Parse(bytes);
        Assert.Equal(rate, parsed.SampleRate);
        Assert.Equal(channels, parsed.Channels);
        Assert.Equal(samples, parsed.Samples);
        Assert.Equal(1001, parsed.FrameCount);

        string path = Path.Combine(_folder, $"r{rate}c{channels}.wav");
        wav.Write(path);
        WavFile read = WavFile.Read(path);
        Assert.Equal(samples, read.Samples);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_folder, "*.partial"));
    }

    [Fact]
    public void stereo_to_mono_is_the_rounded_mean()
    {
        WavFile wav = new(8000, 2, [100, 200, -3, 0, 1, 2, short.MaxValue, short.MaxValue, short.MinValue, short.MinValue]);
        Assert.Equal([150, -2, 2, short.MaxValue, short.MinValue], wav.ToMono());
    }

    [Fact]
    public void extensible_pcm_and_unknown_chunks_are_read()
    {
        // WAVE_FORMAT_EXTENSIBLE with the PCM sub-format, a LIST chunk of odd size (padded) before fmt, a fact chunk.
        byte[] bytes = Build(
            Chunk("LIST", [1, 2, 3]),
            Chunk("fmt ", ExtensibleFormat(2, 48000, 16, subFormat: 1)),
            Chunk("fact", [0, 0, 0, 0]),
            Chunk("data", Pcm(1, -1, 300, -300)));
        WavFile wav = WavFile.Parse(bytes, "ext.wav");
        Assert.Equal(48000, wav.SampleRate);
        Assert.Equal(2, wav.Channels);
        Assert.Equal([1, -1, 300, -300], wav.Samples);

        // A wrong RIFF size (streaming writers leave 0 there) is tolerated: the chunks are what count.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 0);
        Assert.Equal([1, -1, 300, -300], WavFile.Parse(bytes, "streamed.wav").Samples);
    }

    [Fact]
    public void malformed_and_unsupported_files_give_clear_errors()
    {
        AssertBad([], "too short");
        AssertBad("RIFX\0\0\0\0WAVE"u8.ToArray(), "big-endian RIFX");
        AssertBad("OggS\0\0\0\0\0\0\0\0"u8.ToArray(), "no RIFF header");
        AssertBad("RIFF\0\0\0\0AVI "u8.ToArray(), "not WAVE");
        AssertBad(Build(Chunk("fmt ", Format(3, 1, 16000, 32)), Chunk("data", new byte[8])), "IEEE float");
        AssertBad(Build(Chunk("fmt ", Format(6, 1, 8000, 8)), Chunk("data", new byte[8])), "A-law");
        AssertBad(Build(Chunk("fmt ", Format(7, 1, 8000, 8)), Chunk("data", new byte[8])), "mu-law (format 7)");
        AssertBad(Build(Chunk("fmt ", Format(1, 1, 16000, 8)), Chunk("data", new byte[8])), "8-bit PCM");
        AssertBad(Build(Chunk("fmt ", Format(1, 1, 16000, 24)), Chunk("data", new byte[6])), "24-bit PCM");
        AssertBad(Build(Chunk("fmt ", Format(1, 3, 16000, 16)), Chunk("data", new byte[6])), "3 channels");
        AssertBad(Build(Chunk("fmt ", Format(1, 1, 0, 16)), Chunk("data", new byte[2])), "sample rate 0");
        AssertBad(Build(Chunk("fmt ", ExtensibleFormat(1, 16000, 32, subFormat: 3)), Chunk("data", new byte[8])), "IEEE float");
        AssertBad(Build(Chunk("fmt ", new byte[14]), Chunk("data", new byte[2])), "shorter than 16");
        AssertBad(Build(Chunk("fmt ", Format(1, 1, 16000, 16))), "no 'data' chunk");
        AssertBad(Build(Chunk("data", new byte[4])), "before the 'fmt ' chunk");
        AssertBad(Build(Chunk("LIST", new byte[4])), "no 'fmt ' chunk");
        AssertBad(Build(Chunk("fmt ", Format(1, 2, 16000, 16)), Chunk("data", new byte[6])), "not a whole number of 4-byte frames");
        byte[] wrongAlign = Format(1, 1, 16000, 16);
        BinaryPrimitives.WriteUInt16LittleEndian(wrongAlign.AsSpan(12), 4);
        AssertBad(Build(Chunk("fmt ", wrongAlign), Chunk("data", new byte[4])), "block align 4 does not match 1 channel(s)");

        // A data chunk that claims more bytes than the file holds (a truncated download).
        byte[] truncated = Build(Chunk("fmt ", Format(1, 1, 16000, 16)), Chunk("data", new byte[100]));
        AssertBad(truncated[..^10], "truncated: 'data' chunk says 100 bytes but only 90 remain");

        FileNotFoundException missing = Assert.Throws<FileNotFoundException>(() => WavFile.Read(Path.Combine(_folder, "none.wav")));
        Assert.Contains("none.wav", missing.Message, StringComparison.Ordinal);
        string folder = Directory.CreateDirectory(Path.Combine(_folder, "folder.wav")).FullName;
        InvalidDataException notAFile = Assert.Throws<InvalidDataException>(() => WavFile.Read(folder));
        Assert.Equal($"'{folder}' is a folder, not a WAV file", notAFile.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WavFile(16000, 3, new short[3]));
        Assert.Throws<ArgumentException>(() => new WavFile(16000, 2, new short[3]));
    }

    [Fact]
    public void resampler_keeps_a_tone_in_band_and_removes_what_would_alias()
    {
        // 1 kHz at 22,050 Hz -> 16 kHz: length, amplitude and frequency kept.
        float[] tone = Sine(1000, 22050, 22050, 10000);
        float[] y = Resampler.Resample(tone, 22050, 16000);
        Assert.Equal(16000, y.Length);
        float[] expected = Sine(1000, 16000, 16000, 10000);
        double maxError = 0;
        for (int i = 200; i < 15800; i++)
        {
            maxError = Math.Max(maxError, Math.Abs(y[i] - expected[i]));
        }

        Assert.True(maxError < 100, $"max error {maxError:F1} of 10,000");

        // 10 kHz at 48 kHz is above the new Nyquist frequency (8 kHz): removed, not folded to 6 kHz.
        float[] high = Resampler.Resample(Sine(10000, 48000, 48000, 10000), 48000, 16000);
        Assert.Equal(16000, high.Length);
        Assert.True(SpeechAudio.Rms(high, 200, 15800) < 10, $"alias RMS {SpeechAudio.Rms(high, 200, 15800):F1}");

        // 6 kHz at 48 kHz is inside the band: kept.
        float[] inBand = Resampler.Resample(Sine(6000, 48000, 48000, 10000), 48000, 16000);
        Assert.InRange(SpeechAudio.Rms(inBand, 200, 15800), 7000, 7140);

        // Same rate: a copy; 16-bit version rounds and clamps.
        short[] pcm = [1, 2, 3];
        Assert.Equal(pcm, Resampler.Resample(pcm, 16000, 16000));
        Assert.Equal(8000, Resampler.Resample(new short[16000], 16000, 8000).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(pcm, 0, 16000));
    }

    private static float[] Sine(double hz, int rate, int length, double amplitude) =>
        [.. Enumerable.Range(0, length).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / rate)))];

    private static void AssertBad(byte[] bytes, string expected)
    {
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => WavFile.Parse(bytes, "clip.wav"));
        Assert.StartsWith("clip.wav: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static byte[] Format(ushort tag, ushort channels, uint rate, ushort bits)
    {
        byte[] f = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(f, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(2), channels);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(4), rate);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(8), rate * channels * (uint)(bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(12), (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(14), bits);
        return f;
    }

    private static byte[] ExtensibleFormat(ushort channels, uint rate, ushort bits, ushort subFormat)
    {
        byte[] f = new byte[40];
        Format(0xFFFE, channels, rate, bits).CopyTo(f, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), bits);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(24), subFormat);
        byte[] suffix = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
        suffix.CopyTo(f, 26);
        return f;
    }

    private static byte[] Pcm(params short[] samples)
    {
        byte[] b = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), samples[i]);
        }

        return b;
    }

    private static byte[] Chunk(string id, byte[] body)
    {
        byte[] c = new byte[8 + body.Length + (body.Length & 1)];
        System.Text.Encoding.ASCII.GetBytes(id).CopyTo(c, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(4), (uint)body.Length);
        body.CopyTo(c, 8);
        return c;
    }

    private static byte[] Build(params byte[][] chunks)
    {
        byte[] body = [.. "WAVE"u8.ToArray(), .. chunks.SelectMany(c => c)];
        byte[] file = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)body.Length);
        body.CopyTo(file, 8);
        return file;
    }
}
