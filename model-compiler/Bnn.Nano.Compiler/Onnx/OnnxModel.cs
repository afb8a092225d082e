using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Bnn.Nano.Compiler.Onnx.Proto;
using Google.Protobuf;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>An operator set a model imports: domain ("" = standard ONNX) and version.</summary>
public readonly record struct OnnxOpsetImport(string Domain, long Version)
{
    public override string ToString() => $"{(Domain.Length == 0 ? "ai.onnx" : Domain)} {Version.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// A read-only view of an ONNX model file: opset imports, graph inputs and outputs with shapes, nodes with typed
/// attribute getters, and every constant (initializers and Constant nodes) decoded to <see cref="OnnxTensor"/>.
/// Anything wrong with the file gives an <see cref="OnnxImportException"/> that names the file.
/// </summary>
public sealed class OnnxModel
{
    private readonly Dictionary<string, OnnxTensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);

    private OnnxModel(ModelProto proto, string source)
    {
        GraphProto graph = proto.Graph;
        Source = source;
        IrVersion = proto.IrVersion;
        ProducerName = proto.ProducerName;
        ProducerVersion = proto.ProducerVersion;
        GraphName = graph.Name;
        OpsetImports = [.. proto.OpsetImport.Select(o => new OnnxOpsetImport(o.Domain, o.Version))];
        Metadata = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

        List<OnnxTensor> initializers = [];
        for (int i = 0; i < graph.Initializer.Count; i++)
        {
            TensorProto t = graph.Initializer[i];
            if (t.Name.Length == 0)
            {
                throw new OnnxImportException($"initializer #{i} in '{source}' has no name");
            }

            OnnxTensor tensor = OnnxTensor.FromProto(t, t.Name, $"initializer in '{source}'");
            initializers.Add(tensor);
            _constants[t.Name] = tensor;
        }

        Initializers = initializers;

        List<OnnxNode> nodes = [];
        for (int i = 0; i < graph.Node.Count; i++)
        {
            OnnxNode node = new(graph.Node[i], i, source);
            nodes.Add(node);
            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                _producers.TryAdd(output, node);
            }

            if (node.OpType == "Constant" && node.IsStandardDomain && node.Outputs.Count == 1)
            {
                _constants[node.Outputs[0]] = ConstantValue(node);
            }
        }

        Nodes = nodes;
        Inputs = [.. graph.Input.Where(v => !_constants.ContainsKey(v.Name)).Select(ToValueInfo)];
        Outputs = [.. graph.Output.Select(ToValueInfo)];
        ValueInfos = [.. graph.ValueInfo.Select(ToValueInfo)];
    }

    /// <summary>The file path (or the name given to <see cref="Load(Stream, string)"/>), as used in messages.</summary>
    public string Source { get; }

    public long IrVersion { get; }

    public string ProducerName { get; }

    public string ProducerVersion { get; }

    public string GraphName { get; }

    public IReadOnlyList<OnnxOpsetImport> OpsetImports { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The graph inputs a caller must feed: graph inputs that are not initializers (files before IR 4 list those as inputs too).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>Shapes the file annotates on intermediate values (may be empty).</summary>
    public IReadOnlyList<OnnxValueInfo> ValueInfos { get; }

    /// <summary>The nodes in file order (topological in a valid model).</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>The graph initializers in file order.</summary>
    public IReadOnlyList<OnnxTensor> Initializers { get; }

    /// <summary>Every constant value by name: initializers and outputs of standard Constant nodes.</summary>
    public IReadOnlyDictionary<string, OnnxTensor> Constants => _constants;

    /// <summary>Reads an ONNX model file.</summary>
    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new OnnxImportException($"ONNX file '{path}' does not exist");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException($"ONNX file '{path}' cannot be read: {e.Message}", e);
        }

        return Parse(bytes, path);
    }

    /// <summary>Reads an ONNX model from a stream; <paramref name="sourceName"/> names it in error messages.</summary>
    public static OnnxModel Load(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using MemoryStream memory = new();
        stream.CopyTo(memory);
        return Parse(memory.ToArray(), sourceName);
    }

    /// <summary>Reads an ONNX model from its serialized bytes.</summary>
    public static OnnxModel Parse(byte[] bytes, string sourceName = "<bytes>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0)
        {
            throw new OnnxImportException($"'{sourceName}' is empty, not an ONNX model");
        }

        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException($"'{sourceName}' is not an ONNX model: it does not parse as an ONNX protobuf ({e.Message})", e);
        }

        if (proto.Graph == null || proto.IrVersion <= 0)
        {
            throw new OnnxImportException($"'{sourceName}' is not an ONNX model: " + (proto.Graph == null ? "it has no graph" : "it has no IR version"));
        }

        return new OnnxModel(proto, sourceName);
    }

    /// <summary>The version of the operator set imported for <paramref name="domain"/> ("" and "ai.onnx" are the same), or null.</summary>
    public long? OpsetVersion(string domain)
    {
        bool standard = domain.Length == 0 || domain == "ai.onnx";
        foreach (OnnxOpsetImport o in OpsetImports)
        {
            if (o.Domain == domain || (standard && (o.Domain.Length == 0 || o.Domain == "ai.onnx")))
            {
                return o.Version;
            }
        }

        return null;
    }

    public bool IsConstant(string valueName) => _constants.ContainsKey(valueName);

    public bool TryGetConstant(string valueName, out OnnxTensor tensor) => _constants.TryGetValue(valueName, out tensor!);

    /// <summary>The constant named <paramref name="valueName"/>; the error names <paramref name="user"/> when given.</summary>
    public OnnxTensor GetConstant(string valueName, OnnxNode? user = null)
    {
        if (_constants.TryGetValue(valueName, out OnnxTensor? tensor))
        {
            return tensor;
        }

        OnnxNode? producer = FindProducer(valueName);
        string what = producer != null ? $"it is computed by {producer.Label}" : $"no initializer or Constant node in '{Source}' has that name";
        throw new OnnxImportException($"'{valueName}'{(user != null ? " (input of " + user.Label + ")" : string.Empty)} is not a constant: {what}");
    }

    /// <summary>The node whose output is <paramref name="valueName"/>, or null (graph input, initializer, or unknown).</summary>
    public OnnxNode? FindProducer(string valueName) => _producers.GetValueOrDefault(valueName);

    /// <summary>The nodes that read <paramref name="valueName"/>, in graph order.</summary>
    public IReadOnlyList<OnnxNode> FindConsumers(string valueName) => [.. Nodes.Where(n => n.Inputs.Contains(valueName))];

    /// <summary>A readable multi-line summary: header, opsets, inputs, outputs, initializers, nodes with attributes.</summary>
    public string Describe()
    {
        StringBuilder text = new();
        CultureInfo inv = CultureInfo.InvariantCulture;
        text.Append(inv, $"ONNX model '{Source}': IR version {IrVersion}");
        if (ProducerName.Length > 0)
        {
            text.Append(", produced by ").Append(ProducerName);
            if (ProducerVersion.Length > 0)
            {
                text.Append(' ').Append(ProducerVersion);
            }
        }

        text.Append(inv, $", graph '{GraphName}'").AppendLine();
        text.Append("opsets: ").AppendLine(OpsetImports.Count == 0 ? "(none)" : string.Join(", ", OpsetImports));
        foreach (OnnxValueInfo input in Inputs)
        {
            text.Append(inv, $"input:  {input}").AppendLine();
        }

        foreach (OnnxValueInfo output in Outputs)
        {
            text.Append(inv, $"output: {output}").AppendLine();
        }

        text.Append(inv, $"initializers ({Initializers.Count}):").AppendLine();
        foreach (OnnxTensor t in Initializers)
        {
            text.Append(inv, $"  {t}").AppendLine();
        }

        text.Append(inv, $"nodes ({Nodes.Count}):").AppendLine();
        foreach (OnnxNode node in Nodes)
        {
            text.Append(inv, $"  [{node.Index}] {node.OpType}");
            if (!node.IsStandardDomain)
            {
                text.Append(inv, $" ({node.Domain})");
            }

            if (node.Name.Length > 0)
            {
                text.Append(inv, $" '{node.Name}'");
            }

            text.Append(": ").Append(string.Join(", ", node.Inputs.Select(DescribeValue)));
            text.Append(" -> ").Append(string.Join(", ", node.Outputs));
            if (node.Attributes.Count > 0)
            {
                text.Append("; ").Append(string.Join(", ", node.Attributes.Select(a => a.ToString())));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private string DescribeValue(string name)
    {
        return name.Length == 0 ? "<none>" : _constants.TryGetValue(name, out OnnxTensor? t) ? $"{name}{t.ShapeText}" : name;
    }

    private static OnnxValueInfo ToValueInfo(ValueInfoProto v)
    {
        TypeProto.Types.Tensor? tensor = v.Type?.TensorType;
        if (tensor == null)
        {
            return new OnnxValueInfo(v.Name, OnnxDataType.Undefined, null);
        }

        IReadOnlyList<OnnxDimension>? shape = tensor.Shape == null ? null : [.. tensor.Shape.Dim.Select(ToDimension)];
        return new OnnxValueInfo(v.Name, (OnnxDataType)tensor.ElemType, shape);
    }

    private static OnnxDimension ToDimension(TensorShapeProto.Types.Dimension d) => d.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => new OnnxDimension(d.DimValue, null),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => new OnnxDimension(null, d.DimParam),
        _ => new OnnxDimension(null, null),
    };

    /// <summary>The value of a standard Constant node (attribute value, value_float(s) or value_int(s)).</summary>
    private static OnnxTensor ConstantValue(OnnxNode node)
    {
        string name = node.Outputs[0];
        if (node.Attributes.Count != 1)
        {
            throw new OnnxImportException($"{node.Label} must have exactly one value attribute, it has {node.Attributes.Count}");
        }

        OnnxAttribute a = node.Attributes[0];
        switch (a.Name)
        {
            case "value":
                return a.AsTensor().Rename(name);
            case "value_float":
                return OnnxTensor.FromFloats(name, [a.AsFloat()]);
            case "value_floats":
                return OnnxTensor.FromFloats(name, [.. a.AsFloats()], a.AsFloats().Count);
            case "value_int":
                return OnnxTensor.FromInt64(name, [a.AsInt()]);
            case "value_ints":
                return OnnxTensor.FromInt64(name, [.. a.AsInts()], a.AsInts().Count);
            default:
                return OnnxTensor.Unsupported(name, [], OnnxDataType.Undefined, $"constant '{name}' of {node.Label} is given by attribute '{a.Name}', which is not supported");
        }
    }
}
