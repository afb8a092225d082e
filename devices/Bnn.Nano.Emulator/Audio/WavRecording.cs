using System;
using System.Buffers.Binary;
using System.IO;

namespace Bnn.Nano.Emulator;

/// <summary>
/// A 16-bit mono PCM recording, read from or written to a RIFF/WAVE file: what the emulated microphone
/// (<see cref="EmulatedInmp441"/>) plays. Reading accepts format tag 1 (PCM) and WAVE_FORMAT_EXTENSIBLE with the
/// PCM sub-format, skips other chunks (LIST, fact, ...; odd sizes padded), tolerates a wrong RIFF size (common from
/// streaming writers) and refuses everything else with an <see cref="InvalidDataException"/> whose message names the
/// source and the problem: stereo (a microphone is mono: mix down first), other sample sizes, float or compressed
/// encodings, truncated or malformed chunks. Writing produces the canonical 44-byte header.
/// </summary>
public sealed class WavRecording : IAudioSignal
{
    private const ushort FormatPcm = 1;
    private const ushort FormatExtensible = 0xFFFE;

    private readonly short[] _samples;

    /// <param name="sampleRateHz">Samples per second, 1..1,000,000.</param>
    /// <param name="samples">The samples (copied).</param>
    public WavRecording(int sampleRateHz, short[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRateHz, 1_000_000);
        SampleRateHz = sampleRateHz;
        _samples = (short[])samples.Clone();
    }

    public int SampleRateHz { get; }

    public long SampleCount => _samples.Length;

    /// <summary>The samples, read-only.</summary>
    public ReadOnlySpan<short> Samples => _samples;

    public double DurationSeconds => _samples.Length / (double)SampleRateHz;

    public short SampleAt(long index) => _samples[index];

    /// <summary>Reads a WAV file; errors name the path.</summary>
    public static WavRecording Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("WAV file '" + path + "' does not exist", path);
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a WAV stream to its end; <paramref name="source"/> names it in error messages.</summary>
    public static WavRecording Read(Stream stream, string source = "WAV stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), source);
    }

    /// <summary>Parses the bytes of a WAV file; <paramref name="source"/> names them in error messages.</summary>
    public static WavRecording Parse(ReadOnlySpan<byte> data, string source = "WAV data")
    {
        if (data.Length < 12)
        {
            throw Bad(source, "only " + Number(data.Length) + " bytes: too short for a RIFF/WAVE header (12 bytes)");
        }

        if (!data[..4].SequenceEqual("RIFF"u8))
        {
            throw Bad(source, data[..4].SequenceEqual("RIFX"u8)
                ? "big-endian RIFX file; only little-endian RIFF/WAVE is supported"
                : "not a WAV file (it does not start with 'RIFF')");
        }

        if (!data.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw Bad(source, "a RIFF file but not WAVE (form type '" + ChunkName(data.Slice(8, 4)) + "')");
        }

        int sampleRate = 0;
        bool haveFormat = false;
        long position = 12;
        while (position + 8 <= data.Length)
        {
            int at = (int)position;
            ReadOnlySpan<byte> id = data.Slice(at, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(at + 4, 4));
            int body = at + 8;
            long remaining = data.Length - body;
            if (size > remaining)
            {
                throw Bad(source, "truncated: chunk '" + ChunkName(id) + "' at byte " + Number(at) + " says " + Number(size)
                    + " bytes but only " + Number(remaining) + " follow");
            }

            ReadOnlySpan<byte> chunk = data.Slice(body, (int)size);
            if (id.SequenceEqual("fmt "u8))
            {
                sampleRate = ParseFormat(chunk, source);
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat)
                {
                    throw Bad(source, "'data' chunk before the 'fmt ' chunk");
                }

                if (size % 2 != 0)
                {
                    throw Bad(source, "'data' chunk of " + Number(size) + " bytes is not a whole number of 16-bit samples");
                }

                var samples = new short[size / 2];
                for (int i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(chunk.Slice(2 * i, 2));
                }

                return new WavRecording(sampleRate, samples);
            }

            position = body + size + (size & 1); // chunks are padded to an even length
        }

        throw Bad(source, haveFormat ? "no 'data' chunk" : "no 'fmt ' chunk");
    }

    /// <summary>The recording as a canonical WAV file (44-byte header, 16-bit mono PCM).</summary>
    public byte[] ToWavBytes()
    {
        int dataBytes = checked(_samples.Length * 2);
        var bytes = new byte[44 + dataBytes];
        Span<byte> s = bytes;
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(36 + dataBytes));
        "WAVE"u8.CopyTo(s[8..]);
        "fmt "u8.CopyTo(s[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(s[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], (uint)SampleRateHz);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)(SampleRateHz * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(s[32..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], 16);
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], (uint)dataBytes);
        for (int i = 0; i < _samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(s[(44 + (2 * i))..], _samples[i]);
        }

        return bytes;
    }

    /// <summary>Checks a 'fmt ' chunk and returns its sample rate.</summary>
    private static int ParseFormat(ReadOnlySpan<byte> fmt, string source)
    {
        if (fmt.Length < 16)
        {
            throw Bad(source, "'fmt ' chunk of " + Number(fmt.Length) + " bytes is shorter than 16");
        }

        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == FormatExtensible)
        {
            // cbSize(2) validBits(2) channelMask(4), then the sub-format GUID: its first two bytes are the format tag,
            // the other fourteen the fixed KSDATAFORMAT suffix.
            if (fmt.Length < 40)
            {
                throw Bad(source, "WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of " + Number(fmt.Length) + " bytes is shorter than 40");
            }

            ReadOnlySpan<byte> suffix = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
            if (!fmt.Slice(26, 14).SequenceEqual(suffix))
            {
                throw Bad(source, "WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID; only 16-bit PCM is supported");
            }

            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        if (tag != FormatPcm)
        {
            throw Bad(source, "unsupported encoding " + EncodingName(tag) + "; only 16-bit PCM is supported");
        }

        if (bits != 16)
        {
            throw Bad(source, Number(bits) + "-bit PCM; only 16-bit PCM is supported");
        }

        if (channels != 1)
        {
            throw Bad(source, Number(channels) + " channels; the microphone is mono: mix the recording down to one channel first");
        }

        if (sampleRate == 0 || sampleRate > 1_000_000)
        {
            throw Bad(source, "implausible sample rate " + sampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture) + " Hz");
        }

        if (blockAlign != 2)
        {
            throw Bad(source, "block align " + Number(blockAlign) + " does not match one channel of 16-bit samples (2)");
        }

        return (int)sampleRate;
    }

    private static string EncodingName(ushort tag) => tag switch
    {
        2 => "Microsoft ADPCM (format 2)",
        3 => "IEEE float (format 3)",
        6 => "A-law (format 6)",
        7 => "mu-law (format 7)",
        0x11 => "IMA ADPCM (format 0x11)",
        0x55 => "MP3 (format 0x55)",
        _ => "format tag 0x" + tag.ToString("X4", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            chars[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        }

        return new string(chars);
    }

    private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static InvalidDataException Bad(string source, string what) => new(source + ": " + what);
}
