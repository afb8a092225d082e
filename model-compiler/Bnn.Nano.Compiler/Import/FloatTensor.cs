using System;
using System.Globalization;
using System.Linq;
using Bnn.Nano.Compiler.Onnx;

namespace Bnn.Nano.Compiler.Import;

/// <summary>
/// A dense row-major tensor of float32 values, the value type of <see cref="OnnxFloatEvaluator"/>. Integer tensors
/// (shapes, indices, INT64 outputs) are held as floats too, flagged by <see cref="IsInteger"/>; they are exact up to
/// 2^24, far beyond any shape or index these graphs use.
/// </summary>
public sealed class FloatTensor
{
    public FloatTensor(int[] shape, float[] data, bool isInteger = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension in [{string.Join(", ", shape)}]", nameof(shape));
            }

            count *= d;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} values, data has {data.Length}", nameof(data));
        }

        Shape = shape;
        Data = data;
        IsInteger = isInteger;
    }

    /// <summary>The dimensions; empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>The values, row-major.</summary>
    public float[] Data { get; }

    /// <summary>True for integer-typed tensors (INT64 and friends, BOOL).</summary>
    public bool IsInteger { get; }

    public int Rank => Shape.Length;

    public int Count => Data.Length;

    /// <summary>"[1, 784]"; "[]" for a scalar.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    public static FloatTensor Scalar(float value) => new([], [value]);

    /// <summary>A tensor of the values of an ONNX constant (dims checked to fit 32 bits).</summary>
    public static FloatTensor FromOnnx(OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int[] shape = new int[tensor.Rank];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = checked((int)tensor.Dims[i]);
        }

        bool integer = tensor.DataType is not (OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 or OnnxDataType.BFloat16);
        float[] data = integer ? [.. tensor.ToInt64().Select(v => (float)v)] : (float[])tensor.Data.Clone();
        return new FloatTensor(shape, data, integer);
    }

    /// <summary>The values as 64-bit integers; an <see cref="OnnxImportException"/> when one is not integral.</summary>
    public long[] ToInt64(string what)
    {
        long[] result = new long[Data.Length];
        for (int i = 0; i < Data.Length; i++)
        {
            float v = Data[i];
            if (float.IsNaN(v) || float.IsInfinity(v) || v != MathF.Round(v))
            {
                throw new OnnxImportException($"{what} holds {v.ToString("R", CultureInfo.InvariantCulture)} at index {i}, which is not an integer");
            }

            result[i] = (long)v;
        }

        return result;
    }

    public FloatTensor Reshape(int[] shape) => new(shape, Data, IsInteger);

    public override string ToString() => $"{(IsInteger ? "int" : "float")} {ShapeText}";
}
