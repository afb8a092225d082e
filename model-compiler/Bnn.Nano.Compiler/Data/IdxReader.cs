using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Bnn.Nano.Compiler.Data;

/// <summary>The contents of an IDX file of unsigned bytes: its dimensions and its row-major data.</summary>
public sealed class IdxArray
{
    public IdxArray(int[] dims, byte[] data)
    {
        Dims = dims;
        Data = data;
    }

    /// <summary>The dimensions as stored (first = number of items; e.g. [10000, 28, 28] for images, [10000] for labels).</summary>
    public int[] Dims { get; }

    public byte[] Data { get; }

    /// <summary>Bytes per item (the product of all dimensions but the first).</summary>
    public int ItemSize => Dims.Skip(1).Aggregate(1, (a, d) => a * d);
}

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format): magic 00 00 08 n (unsigned bytes, n dimensions), n big-endian
/// 32-bit dimensions, then the data. Gzip-compressed files (".gz" or starting with 1F 8B) are decompressed.
/// Anything malformed (wrong magic, other element types, truncated or overlong data, broken gzip) gives an
/// <see cref="InvalidDataException"/> naming the file and the problem.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic of an IDX file of unsigned bytes with three dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of an IDX file of unsigned bytes with one dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads any unsigned-byte IDX file.</summary>
    public static IdxArray Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file '{path}' does not exist", path);
        }

        byte[] bytes = File.ReadAllBytes(path);
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B);
        return Parse(gzip ? Gunzip(bytes, path) : bytes, path);
    }

    /// <summary>Reads an images file (magic 0x00000803): [count, rows, columns].</summary>
    public static IdxArray ReadImages(string path) => Expect(Read(path), 3, path, "images");

    /// <summary>Reads a labels file (magic 0x00000801): [count].</summary>
    public static IdxArray ReadLabels(string path) => Expect(Read(path), 1, path, "labels");

    /// <summary>Parses the decompressed bytes of an IDX file; <paramref name="source"/> names it in errors.</summary>
    public static IdxArray Parse(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < 4)
        {
            throw new InvalidDataException($"'{source}' is not an IDX file: {bytes.Length} bytes, shorter than the 4-byte magic");
        }

        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new InvalidDataException($"'{source}' is not an IDX file: magic 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8} does not start with two zero bytes");
        }

        if (bytes[2] != UnsignedByteType)
        {
            throw new InvalidDataException($"'{source}' holds IDX element type 0x{bytes[2]:X2}; only unsigned bytes (0x08) are supported");
        }

        int rank = bytes[3];
        if (rank == 0)
        {
            throw new InvalidDataException($"'{source}' declares 0 dimensions");
        }

        int header = 4 + (4 * rank);
        if (bytes.Length < header)
        {
            throw new InvalidDataException($"'{source}' is truncated: {rank} dimensions need a {header}-byte header, the file has {bytes.Length} bytes");
        }

        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + (4 * i)));
            if (d > int.MaxValue)
            {
                throw new InvalidDataException($"'{source}' has dimension {i} = {d}, which is not a valid size");
            }

            dims[i] = (int)d;
            total *= d;
            if (total > int.MaxValue)
            {
                throw new InvalidDataException($"'{source}' has dimensions [{string.Join(", ", dims.Take(i + 1))}...], more data than this reader handles");
            }
        }

        long actual = bytes.Length - header;
        if (actual != total)
        {
            string problem = actual < total ? "is truncated" : "has trailing bytes";
            throw new InvalidDataException($"'{source}' {problem}: dimensions [{string.Join(", ", dims)}] need {total} data bytes, the file has {actual}");
        }

        return new IdxArray(dims, bytes.AsSpan(header).ToArray());
    }

    private static IdxArray Expect(IdxArray idx, int rank, string path, string what)
    {
        return idx.Dims.Length == rank
            ? idx
            : throw new InvalidDataException($"'{path}' should hold {what} ({rank} dimension(s), magic 0x{0x800 | rank:X8}) but has {idx.Dims.Length}: [{string.Join(", ", idx.Dims)}]");
    }

    private static byte[] Gunzip(byte[] compressed, string path)
    {
        try
        {
            using GZipStream gzip = new(new MemoryStream(compressed), CompressionMode.Decompress);
            using MemoryStream result = new();
            gzip.CopyTo(result);
            return result.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip file: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{path}' is a truncated gzip file: {e.Message}", e);
        }
    }
}
