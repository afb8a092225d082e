using System.Collections.Generic;
using System.Linq;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>A named value of the graph (input, output or annotated intermediate) with its element type and shape.</summary>
public sealed class OnnxValueInfo
{
    public OnnxValueInfo(string name, OnnxDataType elementType, IReadOnlyList<OnnxDimension>? shape)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
    }

    public string Name { get; }

    /// <summary>The tensor element type; <see cref="OnnxDataType.Undefined"/> when the value is not a tensor or has no type.</summary>
    public OnnxDataType ElementType { get; }

    /// <summary>The dimensions, or null when the file gives no shape (rank unknown).</summary>
    public IReadOnlyList<OnnxDimension>? Shape { get; }

    /// <summary>"[1, 1, 28, 28]", "[batch, 784]", or "[?]" with no shape.</summary>
    public string ShapeText => Shape == null ? "[?]" : "[" + string.Join(", ", Shape.Select(d => d.ToString())) + "]";

    public override string ToString() => $"{Name} {OnnxDataTypes.Name(ElementType)} {ShapeText}";
}
