using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Bnn.Nano.Compiler.Onnx.Proto;
using Google.Protobuf;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>
/// Builds a small ONNX model (for export): inputs and outputs with shapes, float and int64 initializers, nodes with
/// attributes, opset imports. Writes IR version 8 and the standard opset 13 unless told otherwise.
/// <code>
/// OnnxModelBuilder b = new("mlp");
/// b.AddInput("x", OnnxDataType.Float, "batch", 784).AddOutput("y", OnnxDataType.Float, "batch", 10);
/// b.AddInitializer("W", weights, 784, 10);
/// b.AddNode("MatMul", ["x", "W"], ["y"]);
/// b.Save("mlp.onnx");
/// </code>
/// </summary>
public sealed class OnnxModelBuilder
{
    private readonly ModelProto _model;
    private readonly GraphProto _graph;

    public OnnxModelBuilder(string graphName = "bnn_nano", long opsetVersion = 13)
    {
        _graph = new GraphProto { Name = graphName };
        _model = new ModelProto { IrVersion = 8, ProducerName = "Bnn.Nano", ProducerVersion = typeof(OnnxModelBuilder).Assembly.GetName().Version?.ToString(3) ?? string.Empty, Graph = _graph };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opsetVersion });
    }

    /// <summary>The IR version written (8 by default; ONNX Runtime 1.16 and later read up to 9 or more).</summary>
    public long IrVersion
    {
        get => _model.IrVersion;
        set => _model.IrVersion = value;
    }

    public string ProducerName
    {
        get => _model.ProducerName;
        set => _model.ProducerName = value;
    }

    /// <summary>Imports another operator set (e.g. a custom domain), or changes the version of one already imported.</summary>
    public OnnxModelBuilder AddOpset(string domain, long version)
    {
        OperatorSetIdProto? existing = _model.OpsetImport.FirstOrDefault(o => o.Domain == domain);
        if (existing != null)
        {
            existing.Version = version;
        }
        else
        {
            _model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        return this;
    }

    /// <summary>A graph input; dimensions are sizes or symbolic names ("batch").</summary>
    public OnnxModelBuilder AddInput(string name, OnnxDataType elementType, params OnnxDimension[] shape)
    {
        _graph.Input.Add(ValueInfo(name, elementType, shape));
        return this;
    }

    /// <summary>A graph output; dimensions are sizes or symbolic names ("batch").</summary>
    public OnnxModelBuilder AddOutput(string name, OnnxDataType elementType, params OnnxDimension[] shape)
    {
        _graph.Output.Add(ValueInfo(name, elementType, shape));
        return this;
    }

    /// <summary>A float32 constant (stored as little-endian raw_data), row-major in <paramref name="dims"/>.</summary>
    public OnnxModelBuilder AddInitializer(string name, float[] data, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        TensorProto tensor = Tensor(name, OnnxDataType.Float, data.Length, dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>An int64 constant (shapes for Reshape, axes, ...), stored in int64_data.</summary>
    public OnnxModelBuilder AddInt64Initializer(string name, long[] data, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        TensorProto tensor = Tensor(name, OnnxDataType.Int64, data.Length, dims);
        tensor.Int64Data.AddRange(data);
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a node; set its attributes on the returned builder. The name defaults to "OpType_index".</summary>
    public OnnxNodeBuilder AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string? name = null, string domain = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        NodeProto node = new() { OpType = opType, Domain = domain, Name = name ?? $"{opType}_{_graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        _graph.Node.Add(node);
        return new OnnxNodeBuilder(node);
    }

    /// <summary>The serialized model.</summary>
    public byte[] ToBytes()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("raw_data is written from memory and must be little-endian");
        }

        return _model.ToByteArray();
    }

    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    /// <summary>A copy of the protobuf message built so far.</summary>
    internal ModelProto Build() => _model.Clone();

    private static ValueInfoProto ValueInfo(string name, OnnxDataType elementType, OnnxDimension[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        TensorShapeProto shapeProto = new();
        foreach (OnnxDimension d in shape)
        {
            TensorShapeProto.Types.Dimension dim = new();
            if (d.Value is long value)
            {
                dim.DimValue = value;
            }
            else if (d.Param != null)
            {
                dim.DimParam = d.Param;
            }

            shapeProto.Dim.Add(dim);
        }

        TypeProto type = new() { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shapeProto } };
        return new ValueInfoProto { Name = name, Type = type };
    }

    private static TensorProto Tensor(string name, OnnxDataType type, int count, long[] dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (dims.Any(d => d < 0) || dims.Aggregate(1L, (a, d) => a * d) != count)
        {
            throw new ArgumentException($"initializer '{name}': dims [{string.Join(", ", dims)}] do not hold {count} values", nameof(dims));
        }

        TensorProto tensor = new() { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}

/// <summary>Sets attributes of a node added by <see cref="OnnxModelBuilder.AddNode"/>.</summary>
public sealed class OnnxNodeBuilder
{
    private readonly NodeProto _node;

    internal OnnxNodeBuilder(NodeProto node)
    {
        _node = node;
    }

    public string Name => _node.Name;

    public OnnxNodeBuilder SetInt(string name, long value) => Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    public OnnxNodeBuilder SetFloat(string name, float value) => Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    public OnnxNodeBuilder SetString(string name, string value) => Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });

    public OnnxNodeBuilder SetInts(string name, params long[] values)
    {
        AttributeProto a = new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return Add(a);
    }

    public OnnxNodeBuilder SetFloats(string name, params float[] values)
    {
        AttributeProto a = new() { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return Add(a);
    }

    private OnnxNodeBuilder Add(AttributeProto attribute)
    {
        ArgumentException.ThrowIfNullOrEmpty(attribute.Name);
        if (_node.Attribute.Any(a => a.Name == attribute.Name))
        {
            throw new ArgumentException($"node '{_node.Name}' already has attribute '{attribute.Name}'", nameof(attribute));
        }

        _node.Attribute.Add(attribute);
        return this;
    }
}
