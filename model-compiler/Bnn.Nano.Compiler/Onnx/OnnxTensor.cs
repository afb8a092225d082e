using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Linq;
using Bnn.Nano.Compiler.Onnx.Proto;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>
/// A constant tensor of an ONNX model (an initializer or the value of a Constant node), decoded from raw_data
/// (little-endian, fixed width) or from the typed fields. Numeric types FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT16,
/// INT8, UINT64, UINT32, UINT16, UINT8 and BOOL are decoded; for any other type (or external data) the tensor still
/// has its name, type and dims, and reading its values throws an <see cref="OnnxImportException"/> saying why.
/// </summary>
public sealed class OnnxTensor
{
    private readonly float[]? _data;
    private readonly long[]? _integers;
    private readonly string? _unsupported;

    private OnnxTensor(string name, long[] dims, OnnxDataType dataType, float[]? data, long[]? integers, string? unsupported)
    {
        Name = name;
        Dims = dims;
        DataType = dataType;
        _data = data;
        _integers = integers;
        _unsupported = unsupported;
    }

    public string Name { get; }

    /// <summary>The dimensions (empty for a scalar), row-major.</summary>
    public long[] Dims { get; }

    public OnnxDataType DataType { get; }

    public int Rank => Dims.Length;

    /// <summary>The product of <see cref="Dims"/> (1 for a scalar).</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>True when the values can be read (<see cref="Data"/>); false for unsupported types or external data.</summary>
    public bool HasData => _unsupported == null;

    /// <summary>The values as float32, row-major. INT64/UINT64 values above 2^24 lose precision here; use <see cref="ToInt64"/>.</summary>
    public float[] Data => _data ?? throw new OnnxImportException(_unsupported!);

    /// <summary>"[784, 64]"; "[]" for a scalar.</summary>
    public string ShapeText => "[" + string.Join(", ", Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>
    /// The values as exact 64-bit integers: integer and bool tensors directly, float tensors only when every value
    /// is integral (else an <see cref="OnnxImportException"/>).
    /// </summary>
    public long[] ToInt64()
    {
        if (_integers != null)
        {
            return (long[])_integers.Clone();
        }

        float[] data = Data;
        long[] result = new long[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            if (float.IsNaN(data[i]) || data[i] != MathF.Round(data[i]) || MathF.Abs(data[i]) > 9.2e18f)
            {
                throw new OnnxImportException($"tensor '{Name}' ({OnnxDataTypes.Name(DataType)}) holds {data[i].ToString(CultureInfo.InvariantCulture)} at index {i}, which is not an integer");
            }

            result[i] = (long)data[i];
        }

        return result;
    }

    /// <summary>A float tensor built in memory (for tests and for writers).</summary>
    public static OnnxTensor FromFloats(string name, float[] data, params long[] dims)
    {
        long[] shape = [.. dims];
        CheckShape(shape, data.Length);
        return new OnnxTensor(name, shape, OnnxDataType.Float, (float[])data.Clone(), null, null);
    }

    /// <summary>An INT64 tensor built in memory.</summary>
    public static OnnxTensor FromInt64(string name, long[] data, params long[] dims)
    {
        long[] shape = [.. dims];
        CheckShape(shape, data.Length);
        long[] integers = (long[])data.Clone();
        return new OnnxTensor(name, shape, OnnxDataType.Int64, [.. integers.Select(v => (float)v)], integers, null);
    }

    public override string ToString() => $"{Name} {OnnxDataTypes.Name(DataType)} {ShapeText}";

    /// <summary>Decodes a TensorProto; <paramref name="where"/> names the file and role for error messages.</summary>
    internal static OnnxTensor FromProto(TensorProto proto, string name, string where)
    {
        long[] dims = [.. proto.Dims];
        string label = $"tensor '{name}' ({where})";
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0)
            {
                throw new OnnxImportException($"{label} has a negative dimension in [{string.Join(", ", dims)}]");
            }

            count *= d;
            if (count > int.MaxValue)
            {
                throw new OnnxImportException($"{label} has dims [{string.Join(", ", dims)}]: more elements than this importer handles");
            }
        }

        OnnxDataType type = (OnnxDataType)proto.DataType;
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            string location = proto.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "?";
            return Unsupported(name, dims, type, $"{label} keeps its data in an external file ('{location}'); external data is not supported, save the model with its weights inside");
        }

        ByteString raw = proto.RawData;
        bool useRaw = raw.Length > 0;
        float[]? data = null;
        long[]? integers = null;
        switch (type)
        {
            case OnnxDataType.Float:
                data = useRaw ? DecodeRaw(raw, 4, count, label, b => BinaryPrimitives.ReadSingleLittleEndian(b)) : Typed(proto.FloatData, count, label, "float_data");
                break;
            case OnnxDataType.Double:
                data = useRaw ? DecodeRaw(raw, 8, count, label, b => (float)BinaryPrimitives.ReadDoubleLittleEndian(b)) : Typed(proto.DoubleData, count, label, "double_data", v => (float)v);
                break;
            case OnnxDataType.Float16:
                data = useRaw
                    ? DecodeRaw(raw, 2, count, label, b => (float)BinaryPrimitives.ReadHalfLittleEndian(b))
                    : Typed(proto.Int32Data, count, label, "int32_data", v => (float)BitConverter.UInt16BitsToHalf((ushort)v));
                break;
            case OnnxDataType.Int64:
                integers = useRaw ? DecodeRawLong(raw, 8, count, label, BinaryPrimitives.ReadInt64LittleEndian) : Typed(proto.Int64Data, count, label, "int64_data", v => v);
                break;
            case OnnxDataType.UInt64:
                integers = useRaw
                    ? DecodeRawLong(raw, 8, count, label, b => ToInt64(BinaryPrimitives.ReadUInt64LittleEndian(b), label))
                    : Typed(proto.Uint64Data, count, label, "uint64_data", v => ToInt64(v, label));
                break;
            case OnnxDataType.UInt32:
                integers = useRaw ? DecodeRawLong(raw, 4, count, label, b => BinaryPrimitives.ReadUInt32LittleEndian(b)) : Typed(proto.Uint64Data, count, label, "uint64_data", v => ToInt64(v, label));
                break;
            case OnnxDataType.Int32:
                integers = useRaw ? DecodeRawLong(raw, 4, count, label, b => BinaryPrimitives.ReadInt32LittleEndian(b)) : Typed(proto.Int32Data, count, label, "int32_data", v => (long)v);
                break;
            case OnnxDataType.Int16:
                integers = useRaw ? DecodeRawLong(raw, 2, count, label, b => BinaryPrimitives.ReadInt16LittleEndian(b)) : Typed(proto.Int32Data, count, label, "int32_data", v => (long)(short)v);
                break;
            case OnnxDataType.UInt16:
                integers = useRaw ? DecodeRawLong(raw, 2, count, label, b => BinaryPrimitives.ReadUInt16LittleEndian(b)) : Typed(proto.Int32Data, count, label, "int32_data", v => (long)(ushort)v);
                break;
            case OnnxDataType.Int8:
                integers = useRaw ? DecodeRawLong(raw, 1, count, label, b => (sbyte)b[0]) : Typed(proto.Int32Data, count, label, "int32_data", v => (long)(sbyte)v);
                break;
            case OnnxDataType.UInt8:
                integers = useRaw ? DecodeRawLong(raw, 1, count, label, b => b[0]) : Typed(proto.Int32Data, count, label, "int32_data", v => (long)(byte)v);
                break;
            case OnnxDataType.Bool:
                integers = useRaw ? DecodeRawLong(raw, 1, count, label, b => b[0] != 0 ? 1 : 0) : Typed(proto.Int32Data, count, label, "int32_data", v => v != 0 ? 1L : 0L);
                break;
            default:
                return Unsupported(name, dims, type, $"{label} has data type {OnnxDataTypes.Name(type)}, which is not supported (supported: FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8, BOOL)");
        }

        data ??= [.. integers!.Select(v => (float)v)];
        return new OnnxTensor(name, dims, type, data, integers, null);
    }

    /// <summary>The same tensor under another name (the output name of a Constant node).</summary>
    internal OnnxTensor Rename(string name) => new(name, Dims, DataType, _data, _integers, _unsupported);

    /// <summary>A tensor whose values cannot be read; reading them throws <paramref name="reason"/>.</summary>
    internal static OnnxTensor Unsupported(string name, long[] dims, OnnxDataType type, string reason) => new(name, dims, type, null, null, reason);

    private static long ToInt64(ulong value, string label)
    {
        return value <= long.MaxValue ? (long)value : throw new OnnxImportException($"{label} holds {value}, beyond the 64-bit signed range this importer handles");
    }

    private static void CheckShape(long[] dims, int count)
    {
        if (dims.Any(d => d < 0) || dims.Aggregate(1L, (a, d) => a * d) != count)
        {
            throw new ArgumentException($"dims [{string.Join(", ", dims)}] do not hold {count} values", nameof(dims));
        }
    }

    private static float[] DecodeRaw(ByteString raw, int width, long count, string label, Func<ReadOnlySpan<byte>, float> read)
    {
        CheckRawLength(raw, width, count, label);
        ReadOnlySpan<byte> bytes = raw.Span;
        float[] result = new float[count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = read(bytes.Slice(i * width, width));
        }

        return result;
    }

    private static long[] DecodeRawLong(ByteString raw, int width, long count, string label, Func<ReadOnlySpan<byte>, long> read)
    {
        CheckRawLength(raw, width, count, label);
        ReadOnlySpan<byte> bytes = raw.Span;
        long[] result = new long[count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = read(bytes.Slice(i * width, width));
        }

        return result;
    }

    private static void CheckRawLength(ByteString raw, int width, long count, string label)
    {
        if (raw.Length != count * width)
        {
            throw new OnnxImportException($"{label}: {count} elements of {width} byte(s) need {count * width} bytes of raw_data, found {raw.Length}");
        }
    }

    private static float[] Typed(RepeatedField<float> values, long count, string label, string field)
    {
        if (values.Count != count)
        {
            throw new OnnxImportException($"{label}: {count} elements expected, {field} holds {values.Count}");
        }

        return [.. values];
    }

    private static TOut[] Typed<TIn, TOut>(RepeatedField<TIn> values, long count, string label, string field, Func<TIn, TOut> convert)
    {
        if (values.Count != count)
        {
            throw new OnnxImportException($"{label}: {count} elements expected, {field} holds {values.Count}");
        }

        TOut[] result = new TOut[values.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = convert(values[i]);
        }

        return result;
    }
}
