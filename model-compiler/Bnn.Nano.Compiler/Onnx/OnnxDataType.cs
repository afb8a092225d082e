namespace Bnn.Nano.Compiler.Onnx;

/// <summary>Element types of ONNX tensors (values as in TensorProto.DataType of the ONNX specification).</summary>
public enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>Names of <see cref="OnnxDataType"/> values as ONNX spells them.</summary>
public static class OnnxDataTypes
{
    /// <summary>The ONNX spelling (FLOAT, UINT8, ...), or the number for a code this subset does not name.</summary>
    public static string Name(OnnxDataType type) => type switch
    {
        OnnxDataType.Undefined => "UNDEFINED",
        OnnxDataType.Float => "FLOAT",
        OnnxDataType.UInt8 => "UINT8",
        OnnxDataType.Int8 => "INT8",
        OnnxDataType.UInt16 => "UINT16",
        OnnxDataType.Int16 => "INT16",
        OnnxDataType.Int32 => "INT32",
        OnnxDataType.Int64 => "INT64",
        OnnxDataType.String => "STRING",
        OnnxDataType.Bool => "BOOL",
        OnnxDataType.Float16 => "FLOAT16",
        OnnxDataType.Double => "DOUBLE",
        OnnxDataType.UInt32 => "UINT32",
        OnnxDataType.UInt64 => "UINT64",
        OnnxDataType.Complex64 => "COMPLEX64",
        OnnxDataType.Complex128 => "COMPLEX128",
        OnnxDataType.BFloat16 => "BFLOAT16",
        _ => "data type " + ((int)type).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
