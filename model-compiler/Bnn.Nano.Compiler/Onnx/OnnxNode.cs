using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Onnx.Proto;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>
/// One node of the graph: operator type and domain, input and output value names, and attributes with typed
/// getters that throw an <see cref="OnnxImportException"/> naming the node and file when an attribute is missing or
/// of another kind.
/// </summary>
public sealed class OnnxNode
{
    private readonly OnnxAttribute[] _attributes;

    internal OnnxNode(NodeProto proto, int index, string source)
    {
        Index = index;
        Name = proto.Name;
        OpType = proto.OpType;
        Domain = proto.Domain;
        Inputs = [.. proto.Input];
        Outputs = [.. proto.Output];
        Label = (Name.Length > 0 ? $"node '{Name}'" : $"node #{index}") + $" ({OpType}) in '{source}'";
        _attributes = [.. proto.Attribute.Select(a => new OnnxAttribute(a, Label))];
    }

    /// <summary>Position in the graph's node list (topological order in a valid model).</summary>
    public int Index { get; }

    /// <summary>The node name; may be empty (ONNX makes it optional).</summary>
    public string Name { get; }

    public string OpType { get; }

    /// <summary>The operator domain as written in the file: "" (or "ai.onnx") for standard ONNX operators.</summary>
    public string Domain { get; }

    /// <summary>Input value names in order; "" marks an omitted optional input.</summary>
    public IReadOnlyList<string> Inputs { get; }

    public IReadOnlyList<string> Outputs { get; }

    public IReadOnlyList<OnnxAttribute> Attributes => _attributes;

    /// <summary>True for the standard ONNX domain ("" or "ai.onnx").</summary>
    public bool IsStandardDomain => Domain.Length == 0 || Domain == "ai.onnx";

    /// <summary>How messages name this node: "node 'MatMul_0' (MatMul) in 'model.onnx'".</summary>
    public string Label { get; }

    /// <summary>Input <paramref name="index"/>, or an error naming the node when it has fewer inputs.</summary>
    public string Input(int index)
    {
        return index >= 0 && index < Inputs.Count && Inputs[index].Length > 0
            ? Inputs[index]
            : throw new OnnxImportException($"{Label} has no input {index} (it has {Inputs.Count}: [{string.Join(", ", Inputs)}])");
    }

    /// <summary>Output <paramref name="index"/>, or an error naming the node when it has fewer outputs.</summary>
    public string Output(int index)
    {
        return index >= 0 && index < Outputs.Count && Outputs[index].Length > 0
            ? Outputs[index]
            : throw new OnnxImportException($"{Label} has no output {index} (it has {Outputs.Count}: [{string.Join(", ", Outputs)}])");
    }

    public bool HasAttribute(string name) => FindAttribute(name) != null;

    public OnnxAttribute? FindAttribute(string name) => _attributes.FirstOrDefault(a => a.Name == name);

    public OnnxAttribute GetAttribute(string name)
    {
        return FindAttribute(name) ?? throw new OnnxImportException(
            $"{Label} has no attribute '{name}'" + (_attributes.Length == 0 ? " (it has none)" : $" (it has: {string.Join(", ", _attributes.Select(a => a.Name))})"));
    }

    public float GetFloat(string name) => GetAttribute(name).AsFloat();

    public float GetFloat(string name, float defaultValue) => FindAttribute(name)?.AsFloat() ?? defaultValue;

    public long GetInt(string name) => GetAttribute(name).AsInt();

    public long GetInt(string name, long defaultValue) => FindAttribute(name)?.AsInt() ?? defaultValue;

    public string GetString(string name) => GetAttribute(name).AsString();

    public string GetString(string name, string defaultValue) => FindAttribute(name)?.AsString() ?? defaultValue;

    public IReadOnlyList<float> GetFloats(string name) => GetAttribute(name).AsFloats();

    public IReadOnlyList<long> GetInts(string name) => GetAttribute(name).AsInts();

    public IReadOnlyList<string> GetStrings(string name) => GetAttribute(name).AsStrings();

    public OnnxTensor GetTensor(string name) => GetAttribute(name).AsTensor();

    public override string ToString() => $"{OpType}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";
}
