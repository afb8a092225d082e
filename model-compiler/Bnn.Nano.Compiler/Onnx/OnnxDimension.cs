using System.Globalization;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>
/// One dimension of a graph input or output: a fixed size (<see cref="Value"/>), a symbolic name such as "batch"
/// (<see cref="Param"/>), or unknown (both null).
/// </summary>
public readonly record struct OnnxDimension(long? Value, string? Param)
{
    public static implicit operator OnnxDimension(long value) => FromInt64(value);

    public static implicit operator OnnxDimension(string param) => FromString(param);

    public static OnnxDimension FromInt64(long value) => new(value, null);

    public static OnnxDimension FromString(string param) => new(null, param);

    public override string ToString() => Value?.ToString(CultureInfo.InvariantCulture) ?? Param ?? "?";
}
