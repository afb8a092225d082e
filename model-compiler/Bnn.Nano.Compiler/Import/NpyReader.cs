using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace Bnn.Nano.Compiler.Import;

/// <summary>A numpy array read by <see cref="NpyReader"/>: shape, dtype and values (one of the three arrays is set).</summary>
public sealed record NpyArray(int[] Shape, string Dtype, float[]? Floats, long[]? Int64s, byte[]? Bytes)
{
    public int Count => Floats?.Length ?? Int64s?.Length ?? Bytes!.Length;
}

/// <summary>
/// Reads .npy files (numpy format versions 1–3) holding little-endian float32 ('&lt;f4'), int64 ('&lt;i8') or uint8
/// ('|u1') arrays in C order, such as FINN's reference inputs and outputs. Anything else gives an
/// <see cref="InvalidDataException"/> naming the file and what is unsupported.
/// </summary>
public static partial class NpyReader
{
    private static readonly byte[] s_magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"numpy file '{path}' does not exist", path);
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    public static NpyArray Parse(byte[] bytes, string name = "<bytes>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(s_magic))
        {
            throw new InvalidDataException($"'{name}' is not a numpy .npy file (no \\x93NUMPY magic)");
        }

        int major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
                headerStart = 10;
                break;
            case 2:
            case 3:
                if (bytes.Length < 12)
                {
                    throw new InvalidDataException($"'{name}' is truncated in its header");
                }

                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
                headerStart = 12;
                break;
            default:
                throw new InvalidDataException($"'{name}' is .npy format version {major}, which is not supported (1, 2 or 3)");
        }

        if (headerStart + headerLength > bytes.Length)
        {
            throw new InvalidDataException($"'{name}' is truncated: its header claims {headerLength} bytes");
        }

        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, headerStart, headerLength);
        string descr = Field(DescrPattern(), header, name, "descr");
        string fortran = Field(FortranPattern(), header, name, "fortran_order");
        string shapeText = Field(ShapePattern(), header, name, "shape");
        if (fortran != "False")
        {
            throw new InvalidDataException($"'{name}' is stored in Fortran order; only C-order arrays are supported");
        }

        int[] shape;
        try
        {
            shape = [.. shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture))];
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new InvalidDataException($"'{name}' has an unreadable shape ({shapeText})", e);
        }

        long count = shape.Aggregate(1L, (a, d) => a * d);
        int width = descr switch
        {
            "<f4" => 4,
            "<i8" => 8,
            "|u1" or "<u1" => 1,
            _ => throw new InvalidDataException($"'{name}' holds dtype '{descr}', which is not supported (little-endian '<f4', '<i8' or '|u1')"),
        };
        int data = headerStart + headerLength;
        if (bytes.Length - data != count * width)
        {
            throw new InvalidDataException($"'{name}': shape ({shapeText}) of '{descr}' needs {count * width} data bytes, the file has {bytes.Length - data}");
        }

        ReadOnlySpan<byte> raw = bytes.AsSpan(data);
        return width switch
        {
            4 => new NpyArray(shape, descr, [.. Enumerable.Range(0, (int)count).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(data + (4 * i))))], null, null),
            8 => new NpyArray(shape, descr, null, [.. Enumerable.Range(0, (int)count).Select(i => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(data + (8 * i))))], null),
            _ => new NpyArray(shape, descr, null, null, raw.ToArray()),
        };
    }

    private static string Field(Regex pattern, string header, string name, string field)
    {
        Match m = pattern.Match(header);
        return m.Success ? m.Groups[1].Value.Trim() : throw new InvalidDataException($"'{name}': the .npy header has no '{field}' ({header.Trim()})");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
