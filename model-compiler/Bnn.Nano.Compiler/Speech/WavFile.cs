using System;
using System.Buffers.Binary;
using System.IO;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>
/// A RIFF/WAVE file of 16-bit PCM, mono or stereo, at any sample rate. Samples are interleaved (L R L R ... for
/// stereo). Reading accepts the plain PCM format tag (1) and WAVE_FORMAT_EXTENSIBLE with the PCM sub-format; any other
/// encoding (float, 8/24/32-bit, A-law, more than two channels) and any malformed or truncated file is refused with an
/// <see cref="InvalidDataException"/> that names the source and what is wrong. Unknown chunks (LIST, fact, ...) are skipped.
/// Writing always produces the canonical 44-byte header.
/// </summary>
public sealed class WavFile
{
    private const ushort FormatPcm = 1;
    private const ushort FormatExtensible = 0xFFFE;

    /// <param name="sampleRate">Frames per second, positive.</param>
    /// <param name="channels">1 (mono) or 2 (stereo).</param>
    /// <param name="samples">Interleaved samples; the length must be a multiple of <paramref name="channels"/>.</param>
    public WavFile(int sampleRate, int channels, short[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (sampleRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sample rate must be positive");
        }

        if (channels is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "only mono (1) and stereo (2) are supported");
        }

        if (samples.Length % channels != 0)
        {
            throw new ArgumentException($"{samples.Length} interleaved samples are not a whole number of {channels}-channel frames", nameof(samples));
        }

        SampleRate = sampleRate;
        Channels = channels;
        Samples = samples;
    }

    public int SampleRate { get; }

    public int Channels { get; }

    /// <summary>Interleaved 16-bit samples.</summary>
    public short[] Samples { get; }

    /// <summary>Samples per channel.</summary>
    public int FrameCount => Samples.Length / Channels;

    public double DurationSeconds => FrameCount / (double)SampleRate;

    public static WavFile Mono(int sampleRate, short[] samples) => new(sampleRate, 1, samples);

    /// <summary>Reads a WAV file; errors name the file.</summary>
    public static WavFile Read(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"'{path}' is a folder, not a WAV file");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"WAV file '{path}' does not exist", path);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses WAV bytes; <paramref name="source"/> names them in error messages.</summary>
    public static WavFile Parse(byte[] bytes, string source = "WAV data")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ReadOnlySpan<byte> data = bytes;
        if (data.Length < 12)
        {
            throw Bad(source, $"only {data.Length} bytes: too short for a RIFF/WAVE header (12 bytes)");
        }

        if (!data[..4].SequenceEqual("RIFF"u8))
        {
            string hint = data[..4].SequenceEqual("RIFX"u8) ? " (big-endian RIFX is not supported)" : string.Empty;
            throw Bad(source, "not a WAV file: no RIFF header" + hint);
        }

        if (!data.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw Bad(source, "RIFF file but not WAVE (form type is not 'WAVE')");
        }

        // The RIFF size is often wrong in the wild (streamed writers); the chunks themselves are checked strictly.
        int position = 12;
        bool haveFormat = false;
        int channels = 0;
        int sampleRate = 0;
        while (position + 8 <= data.Length)
        {
            ReadOnlySpan<byte> id = data.Slice(position, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(position + 4, 4));
            int body = position + 8;
            long available = data.Length - body;
            string name = ChunkName(id);
            if (id.SequenceEqual("fmt "u8))
            {
                if (size > available)
                {
                    throw Bad(source, $"truncated: 'fmt ' chunk says {size} bytes but only {available} remain");
                }

                (channels, sampleRate) = ParseFormat(data.Slice(body, (int)size), source);
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat)
                {
                    throw Bad(source, "'data' chunk before the 'fmt ' chunk");
                }

                if (size > available)
                {
                    throw Bad(source, $"truncated: 'data' chunk says {size} bytes but only {available} remain");
                }

                int blockAlign = channels * 2;
                if (size % blockAlign != 0)
                {
                    throw Bad(source, $"'data' chunk of {size} bytes is not a whole number of {blockAlign}-byte frames");
                }

                short[] samples = new short[size / 2];
                ReadOnlySpan<byte> pcm = data.Slice(body, (int)size);
                for (int i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm.Slice(2 * i, 2));
                }

                return new WavFile(sampleRate, channels, samples);
            }
            else if (size > available)
            {
                throw Bad(source, $"truncated: '{name}' chunk says {size} bytes but only {available} remain");
            }

            // Chunks are padded to an even length.
            position = (int)Math.Min(int.MaxValue, body + (long)size + (size & 1));
        }

        throw Bad(source, haveFormat ? "no 'data' chunk" : "no 'fmt ' chunk");
    }

    /// <summary>The canonical 44-byte-header file.</summary>
    public byte[] ToBytes()
    {
        int dataBytes = checked(Samples.Length * 2);
        byte[] bytes = new byte[44 + dataBytes];
        Span<byte> span = bytes;
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(36 + dataBytes));
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], (ushort)Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)(SampleRate * Channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], (ushort)(Channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)dataBytes);
        for (int i = 0; i < Samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(span.Slice(44 + (2 * i), 2), Samples[i]);
        }

        return bytes;
    }

    /// <summary>Writes the file (to a temporary name first, then renamed, so readers never see half a file).</summary>
    public void Write(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder != null)
        {
            Directory.CreateDirectory(folder);
        }

        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".partial";
        File.WriteAllBytes(temporary, ToBytes());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The mono signal: the file itself when mono, else the rounded mean of left and right.</summary>
    public short[] ToMono()
    {
        if (Channels == 1)
        {
            return (short[])Samples.Clone();
        }

        short[] mono = new short[FrameCount];
        for (int i = 0; i < mono.Length; i++)
        {
            int sum = Samples[2 * i] + Samples[(2 * i) + 1];
            mono[i] = (short)(sum >= 0 ? (sum + 1) >> 1 : -((-sum + 1) >> 1));
        }

        return mono;
    }

    private static (int Channels, int SampleRate) ParseFormat(ReadOnlySpan<byte> fmt, string source)
    {
        if (fmt.Length < 16)
        {
            throw Bad(source, $"'fmt ' chunk of {fmt.Length} bytes is shorter than 16");
        }

        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == FormatExtensible)
        {
            // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16): the GUID's first two bytes hold the format tag and
            // the rest is the fixed KSDATAFORMAT suffix 00000000-0010-8000-00AA00389B71.
            if (fmt.Length < 40)
            {
                throw Bad(source, $"WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of {fmt.Length} bytes is shorter than 40");
            }

            ReadOnlySpan<byte> suffix = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
            ushort subTag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
            if (!fmt.Slice(26, 14).SequenceEqual(suffix))
            {
                throw Bad(source, "WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID; only 16-bit PCM is supported");
            }

            tag = subTag;
        }

        if (tag != FormatPcm)
        {
            throw Bad(source, $"unsupported encoding {Encoding(tag)} ({bits}-bit); only 16-bit PCM is supported");
        }

        if (bits != 16)
        {
            throw Bad(source, $"unsupported sample size: {bits}-bit PCM; only 16-bit PCM is supported");
        }

        if (channels is not (1 or 2))
        {
            throw Bad(source, $"{channels} channels; only mono and stereo are supported");
        }

        if (sampleRate == 0 || sampleRate > 1_000_000)
        {
            throw Bad(source, $"implausible sample rate {sampleRate} Hz");
        }

        if (blockAlign != channels * 2)
        {
            throw Bad(source, $"block align {blockAlign} does not match {channels} channel(s) of 16-bit samples ({channels * 2})");
        }

        return (channels, (int)sampleRate);
    }

    private static string Encoding(ushort tag) => tag switch
    {
        3 => "IEEE float (format 3)",
        6 => "A-law (format 6)",
        7 => "mu-law (format 7)",
        2 => "Microsoft ADPCM (format 2)",
        0x11 => "IMA ADPCM (format 0x11)",
        0x55 => "MP3 (format 0x55)",
        _ => $"format tag 0x{tag:X4}",
    };

    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        char[] chars = new char[4];
        for (int i = 0; i < 4; i++)
        {
            chars[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        }

        return new string(chars);
    }

    private static InvalidDataException Bad(string source, string what) => new($"{source}: {what}");
}
