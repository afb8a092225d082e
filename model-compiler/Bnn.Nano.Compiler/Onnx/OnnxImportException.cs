using System;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>
/// An ONNX file that cannot be read or used: missing, not an ONNX protobuf, or holding something the importer does
/// not support. The message names the file and, where it applies, the node, attribute or tensor.
/// </summary>
public sealed class OnnxImportException : Exception
{
    public OnnxImportException()
        : base("the ONNX model cannot be imported")
    {
    }

    public OnnxImportException(string message)
        : base(message)
    {
    }

    public OnnxImportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
