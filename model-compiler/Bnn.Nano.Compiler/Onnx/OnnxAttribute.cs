using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Bnn.Nano.Compiler.Onnx.Proto;

namespace Bnn.Nano.Compiler.Onnx;

/// <summary>Attribute kinds (values as in AttributeProto.AttributeType of the ONNX specification).</summary>
public enum OnnxAttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensor = 11,
    SparseTensors = 12,
    TypeProto = 13,
    TypeProtos = 14,
}

/// <summary>
/// One attribute of a node. The typed readers (<see cref="AsFloat"/>, <see cref="AsInts"/>, ...) check the kind and
/// throw an <see cref="OnnxImportException"/> naming the attribute and node when it differs.
/// </summary>
public sealed class OnnxAttribute
{
    private readonly float _f;
    private readonly long _i;
    private readonly string _s;
    private readonly OnnxTensor? _t;
    private readonly float[] _floats;
    private readonly long[] _ints;
    private readonly string[] _strings;

    internal OnnxAttribute(AttributeProto proto, string owner)
    {
        Name = proto.Name;
        Owner = owner;
        Type = proto.Type == AttributeProto.Types.AttributeType.Undefined ? Infer(proto) : (OnnxAttributeType)proto.Type;
        _f = proto.F;
        _i = proto.I;
        _s = proto.S.ToStringUtf8();
        _t = proto.T == null ? null : OnnxTensor.FromProto(proto.T, proto.T.Name.Length > 0 ? proto.T.Name : Name, $"attribute '{Name}' of {owner}");
        _floats = [.. proto.Floats];
        _ints = [.. proto.Ints];
        _strings = [.. proto.Strings.Select(b => b.ToStringUtf8())];
    }

    public string Name { get; }

    public OnnxAttributeType Type { get; }

    /// <summary>The node this attribute belongs to, as used in messages (e.g. "node 'MatMul_0' (MatMul) in 'model.onnx'").</summary>
    public string Owner { get; }

    public float AsFloat() => Expect(OnnxAttributeType.Float, _f);

    public long AsInt() => Expect(OnnxAttributeType.Int, _i);

    /// <summary>The value of an INT attribute, checked to fit an <see cref="int"/>.</summary>
    public int AsInt32()
    {
        long value = AsInt();
        return value is < int.MinValue or > int.MaxValue
            ? throw new OnnxImportException($"attribute '{Name}' of {Owner} is {value}, outside the 32-bit range")
            : (int)value;
    }

    public string AsString() => Expect(OnnxAttributeType.String, _s);

    public OnnxTensor AsTensor() => Expect(OnnxAttributeType.Tensor, _t) ?? throw new OnnxImportException($"attribute '{Name}' of {Owner} has no tensor value");

    public IReadOnlyList<float> AsFloats() => Expect(OnnxAttributeType.Floats, _floats);

    public IReadOnlyList<long> AsInts() => Expect(OnnxAttributeType.Ints, _ints);

    public IReadOnlyList<string> AsStrings() => Expect(OnnxAttributeType.Strings, _strings);

    /// <summary>A short readable value: 2.5, 7, "BIPOLAR", [1, 2, 3], tensor [64]; long lists are cut after 8 values.</summary>
    public string ValueText => Type switch
    {
        OnnxAttributeType.Float => Format(_f),
        OnnxAttributeType.Int => _i.ToString(CultureInfo.InvariantCulture),
        OnnxAttributeType.String => Quote(_s),
        OnnxAttributeType.Tensor => _t == null ? "tensor" : $"tensor {OnnxDataTypes.Name(_t.DataType)} {_t.ShapeText}",
        OnnxAttributeType.Floats => List(_floats.Select(Format)),
        OnnxAttributeType.Ints => List(_ints.Select(v => v.ToString(CultureInfo.InvariantCulture))),
        OnnxAttributeType.Strings => List(_strings.Select(Quote)),
        _ => KindName(Type).ToLowerInvariant(),
    };

    public override string ToString() => $"{Name}={ValueText}";

    /// <summary>The ONNX spelling of an attribute kind (FLOAT, INTS, ...).</summary>
    public static string KindName(OnnxAttributeType type) => type switch
    {
        OnnxAttributeType.SparseTensor => "SPARSE_TENSOR",
        OnnxAttributeType.SparseTensors => "SPARSE_TENSORS",
        OnnxAttributeType.TypeProto => "TYPE_PROTO",
        OnnxAttributeType.TypeProtos => "TYPE_PROTOS",
        _ => type.ToString().ToUpperInvariant(),
    };

    private T Expect<T>(OnnxAttributeType wanted, T value)
    {
        return Type == wanted
            ? value
            : throw new OnnxImportException($"attribute '{Name}' of {Owner} is {KindName(Type)}, expected {KindName(wanted)}");
    }

    /// <summary>Files older than IR version 2 have no type discriminator: the kind follows from the field in use.</summary>
    private static OnnxAttributeType Infer(AttributeProto p)
    {
        if (p.Ints.Count > 0)
        {
            return OnnxAttributeType.Ints;
        }

        if (p.Floats.Count > 0)
        {
            return OnnxAttributeType.Floats;
        }

        if (p.Strings.Count > 0)
        {
            return OnnxAttributeType.Strings;
        }

        if (p.Tensors.Count > 0)
        {
            return OnnxAttributeType.Tensors;
        }

        if (p.T != null)
        {
            return OnnxAttributeType.Tensor;
        }

        if (!p.S.IsEmpty)
        {
            return OnnxAttributeType.String;
        }

        if (p.I != 0)
        {
            return OnnxAttributeType.Int;
        }

        return p.F != 0 ? OnnxAttributeType.Float : OnnxAttributeType.Undefined;
    }

    private static string Format(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) => "\"" + s + "\"";

    private static string List(IEnumerable<string> items)
    {
        string[] all = [.. items];
        StringBuilder text = new("[");
        text.Append(string.Join(", ", all.Take(8)));
        if (all.Length > 8)
        {
            text.Append(CultureInfo.InvariantCulture, $", ... ({all.Length} values)");
        }

        return text.Append(']').ToString();
    }
}
