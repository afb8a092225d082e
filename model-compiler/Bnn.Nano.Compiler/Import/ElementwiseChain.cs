using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Onnx;

namespace Bnn.Nano.Compiler.Import;

/// <summary>Kinds of elementwise steps with a constant operand.</summary>
internal enum StepKind
{
    /// <summary>x + c.</summary>
    Add,

    /// <summary>x · c.</summary>
    Mul,

    /// <summary>x − c.</summary>
    Sub,

    /// <summary>c − x.</summary>
    SubFrom,

    /// <summary>x / c.</summary>
    Div,

    /// <summary>Inference batch norm, P = [scale, bias, mean, var]: scale·(x − mean)/sqrt(var + ε) + bias.</summary>
    BatchNorm,
}

/// <summary>
/// One elementwise step of a chain, with its constant(s) broadcast to every element of the tensor it applies to
/// (<c>P[k][element]</c>). <see cref="Apply"/> is the float32 arithmetic of the ONNX operator (the same order as
/// <see cref="OnnxFloatEvaluator"/>); <see cref="Affine"/> the same step as an exact real affine map.
/// </summary>
internal sealed class Step
{
    public Step(StepKind kind, float[][] parameters, float epsilon, string node)
    {
        Kind = kind;
        P = parameters;
        Epsilon = epsilon;
        Node = node;
    }

    public StepKind Kind { get; }

    public float[][] P { get; }

    public float Epsilon { get; }

    /// <summary>The node's label, for messages.</summary>
    public string Node { get; }

    public float Apply(float x, int e) => Kind switch
    {
        StepKind.Add => x + P[0][e],
        StepKind.Mul => x * P[0][e],
        StepKind.Sub => x - P[0][e],
        StepKind.SubFrom => P[0][e] - x,
        StepKind.Div => x / P[0][e],
        _ => (P[0][e] * (x - P[2][e]) / MathF.Sqrt(P[3][e] + Epsilon)) + P[1][e],
    };

    /// <summary>The step as y = A·x + B in real arithmetic (double from the float constants).</summary>
    public (double A, double B) Affine(int e)
    {
        double c = P[0][e];
        switch (Kind)
        {
            case StepKind.Add:
                return (1, c);
            case StepKind.Mul:
                return (c, 0);
            case StepKind.Sub:
                return (1, -c);
            case StepKind.SubFrom:
                return (-1, c);
            case StepKind.Div:
                return (1 / c, 0);
            default:
                double k = P[0][e] / Math.Sqrt((double)P[3][e] + Epsilon);
                return (k, P[1][e] - (P[2][e] * k));
        }
    }

    /// <summary>The same step over a permuted tensor: element i of the result takes element source[i].</summary>
    public Step Gather(int[] source) => new(Kind, [.. P.Select(p => source.Select(s => p[s]).ToArray())], Epsilon, Node);

    /// <summary>True when the constants of elements a and b are bit-identical.</summary>
    public bool SameConstants(int a, int b) => P.All(p => BitConverter.SingleToInt32Bits(p[a]) == BitConverter.SingleToInt32Bits(p[b]));

    public string Describe() => Kind == StepKind.BatchNorm ? "BatchNormalization" : Kind.ToString();
}

/// <summary>Kinds of binarizing operators.</summary>
internal enum BinarizerKind
{
    /// <summary>FINN MultiThreshold with one threshold step: out_bias + out_scale · (x ≥ t).</summary>
    MultiThreshold,

    /// <summary>QONNX BipolarQuant: x ≥ 0 ? +scale : −scale.</summary>
    BipolarQuant,

    /// <summary>ONNX Sign: +1, −1, and 0 at 0 (the importer binarizes 0 to +1 and says so).</summary>
    Sign,

    /// <summary>QONNX Quant / IntQuant with bit width 1.</summary>
    Quant,
}

/// <summary>
/// A binarizing operator applied to a tensor: per element, the float32 output value (<see cref="Value"/>), the two
/// values it takes (<see cref="Lo"/> below the step, <see cref="Hi"/> at or above it) and the step itself
/// (<see cref="Fires"/>: true where the output is <see cref="Hi"/>).
/// </summary>
internal sealed class Binarizer
{
    private readonly bool _signed;
    private readonly bool _narrow;
    private readonly string _rounding;

    private Binarizer(BinarizerKind kind, float[][] parameters, float[] lo, float[] hi, OnnxNode node, bool signed = true, bool narrow = false, string rounding = "ROUND")
    {
        Kind = kind;
        P = parameters;
        Lo = lo;
        Hi = hi;
        Node = node;
        _signed = signed;
        _narrow = narrow;
        _rounding = rounding;
        for (int e = 0; e < lo.Length; e++)
        {
            if (BitConverter.SingleToInt32Bits(lo[e]) == BitConverter.SingleToInt32Bits(hi[e]) || float.IsNaN(lo[e]) || float.IsNaN(hi[e]))
            {
                throw new OnnxImportException($"{node.Label}: its two output levels are {lo[e]} and {hi[e]} at element {e}: not a binarizing activation");
            }
        }
    }

    public BinarizerKind Kind { get; }

    /// <summary>Per-element parameters: MultiThreshold [threshold]; BipolarQuant [scale]; Sign none; Quant [scale, zero point].</summary>
    public float[][] P { get; }

    public float[] Lo { get; }

    public float[] Hi { get; }

    public OnnxNode Node { get; }

    /// <summary>True when the step of element e is exactly "x ≥ 0" (a plain sign).</summary>
    public bool IsSignAt(int e) => Kind switch
    {
        BinarizerKind.MultiThreshold => P[0][e] == 0f,
        BinarizerKind.BipolarQuant or BinarizerKind.Sign => true,
        _ => _signed && P[1][e] == 0f && P[0][e] > 0f,
    };

    /// <summary>True where the output takes the upper level <see cref="Hi"/> (0 counts as firing for Sign).</summary>
    public bool Fires(float x, int e) => Kind switch
    {
        BinarizerKind.MultiThreshold => x >= P[0][e],
        BinarizerKind.BipolarQuant or BinarizerKind.Sign => x >= 0f,
        _ => BitConverter.SingleToInt32Bits(Value(x, e)) == BitConverter.SingleToInt32Bits(Hi[e]),
    };

    /// <summary>The operator's float32 output for input x at element e (Sign gives 0 at 0, as ONNX does).</summary>
    public float Value(float x, int e) => Kind switch
    {
        BinarizerKind.MultiThreshold or BinarizerKind.BipolarQuant => Fires(x, e) ? Hi[e] : Lo[e],
        BinarizerKind.Sign => x > 0 ? 1f : x < 0 ? -1f : x,
        _ => OnnxFloatEvaluator.QuantValue(x, P[0][e], P[1][e], 1f, _signed, _narrow, _rounding),
    };

    public bool SameConstants(int a, int b) =>
        P.All(p => BitConverter.SingleToInt32Bits(p[a]) == BitConverter.SingleToInt32Bits(p[b]))
        && BitConverter.SingleToInt32Bits(Lo[a]) == BitConverter.SingleToInt32Bits(Lo[b])
        && BitConverter.SingleToInt32Bits(Hi[a]) == BitConverter.SingleToInt32Bits(Hi[b]);

    /// <summary>
    /// The binarizer of <paramref name="node"/> over a tensor of <paramref name="dims"/>, or null when the node is
    /// not a binarizing operator. Multi-level quantizers give an error saying why.
    /// </summary>
    public static Binarizer? Create(OnnxNode node, int[] dims, Func<int, FloatTensor> constant)
    {
        int count = (int)OnnxFloatEvaluator.Count(dims);
        switch (node.OpType)
        {
            case "Sign" when node.IsStandardDomain:
                return new Binarizer(BinarizerKind.Sign, [], Fill(count, -1f), Fill(count, 1f), node);
            case "BipolarQuant" when !node.IsStandardDomain:
                {
                    float[] scale = Broadcast(node, constant(1), dims, "scale");
                    return new Binarizer(BinarizerKind.BipolarQuant, [scale], [.. scale.Select(s => -1f * s)], [.. scale.Select(s => 1f * s)], node);
                }

            case "MultiThreshold" when !node.IsStandardDomain:
                {
                    FloatTensor thresholds = constant(1);
                    if (thresholds.Rank != 2)
                    {
                        throw new OnnxImportException($"{node.Label}: thresholds {thresholds.ShapeText} must be [channels or 1, steps]");
                    }

                    int steps = thresholds.Shape[1];
                    if (steps != 1)
                    {
                        throw new OnnxImportException($"{node.Label}: {steps} threshold steps per channel make a multi-level ({steps + 1}-level) activation; only single-step (binary) thresholds can be imported");
                    }

                    int axis = OnnxFloatEvaluator.MultiThresholdChannelAxis(node, dims.Length);
                    int channels = dims[axis];
                    if (thresholds.Shape[0] != 1 && thresholds.Shape[0] != channels)
                    {
                        throw new OnnxImportException($"{node.Label}: thresholds {thresholds.ShapeText} do not fit {channels} channels");
                    }

                    int[] shape = [.. Enumerable.Repeat(1, dims.Length)];
                    shape[axis] = thresholds.Shape[0];
                    float[] t = OnnxFloatEvaluator.BroadcastTo(thresholds.Reshape(shape), dims);
                    float outScale = node.GetFloat("out_scale", 1f), outBias = node.GetFloat("out_bias", 0f);
                    return new Binarizer(BinarizerKind.MultiThreshold, [t], Fill(count, (outScale * 0) + outBias), Fill(count, (outScale * 1) + outBias), node);
                }

            case "Quant" or "IntQuant" when !node.IsStandardDomain:
                {
                    (bool signed, bool narrow, string rounding) = OnnxFloatEvaluator.QuantAttributes(node);
                    FloatTensor bits = constant(3);
                    if (bits.Count != 1 || bits.Data[0] != 1f)
                    {
                        throw new OnnxImportException($"{node.Label}: a {string.Join(", ", bits.Data.Distinct())}-bit quantizer of a computed value is a multi-level activation; only 1-bit activations (binarized networks) can be imported");
                    }

                    float[] scale = Broadcast(node, constant(1), dims, "scale");
                    float[] zero = Broadcast(node, constant(2), dims, "zero point");
                    float[] lo = new float[count], hi = new float[count];
                    for (int e = 0; e < count; e++)
                    {
                        // The two integer levels: {-1, +1} (1-bit signed, bipolar) or {0, 1} (1-bit unsigned).
                        lo[e] = ((signed ? -1f : 0f) - zero[e]) * scale[e];
                        hi[e] = ((signed || !narrow ? 1f : 0f) - zero[e]) * scale[e];
                    }

                    return new Binarizer(BinarizerKind.Quant, [scale, zero], lo, hi, node, signed, narrow, rounding);
                }

            default:
                return null;
        }
    }

    public Binarizer Gather(int[] source) => new(Kind, [.. P.Select(p => source.Select(s => p[s]).ToArray())], [.. source.Select(s => Lo[s])], [.. source.Select(s => Hi[s])], Node, _signed, _narrow, _rounding);

    private static float[] Fill(int count, float value) => Enumerable.Repeat(value, count).ToArray();

    private static float[] Broadcast(OnnxNode node, FloatTensor c, int[] dims, string what)
    {
        int[] shape = OnnxFloatEvaluator.BroadcastShape(node, dims, c.Shape);
        return shape.SequenceEqual(dims)
            ? OnnxFloatEvaluator.BroadcastTo(c, dims)
            : throw new OnnxImportException($"{node.Label}: its {what} {c.ShapeText} does not broadcast to the tensor [{string.Join(", ", dims)}]");
    }
}

/// <summary>Where a non-constant tensor comes from (see <see cref="Traced"/>).</summary>
internal enum TracedKind
{
    /// <summary>An elementwise chain of the 8-bit input features.</summary>
    Input,

    /// <summary>Two-level values of the bits of an IR tensor: bit ? Hi : Lo per element.</summary>
    Bits,

    /// <summary>The integer dot products of a pending linear layer, through a prefix affine map and an elementwise chain.</summary>
    Dot,

    /// <summary>The class index (TopK / ArgMax) over the scores of a pending layer.</summary>
    ClassIndex,
}

/// <summary>
/// The importer's symbolic description of one non-constant ONNX tensor. <see cref="Map"/>[i] is the element of the
/// IR tensor (HWC order) that ONNX element i (row-major, batch 1) stands for: the input bytes (Input), the output bits
/// of an IR layer (Bits) or the output channels of the pending layer (Dot).
/// </summary>
internal sealed class Traced
{
    public Traced(TracedKind kind, int[] dims, int source, int[] map, IReadOnlyList<Step> chain, float[]? lo, float[]? hi, PendingLayer? pending, string origin)
    {
        Kind = kind;
        Dims = dims;
        Source = source;
        Map = map;
        Chain = chain;
        Lo = lo;
        Hi = hi;
        Pending = pending;
        Origin = origin;
    }

    public TracedKind Kind { get; }

    public int[] Dims { get; }

    /// <summary>Index of the IR tensor: 0 = the input bytes, k + 1 = output of IR layer k; for Dot, the pending layer's output index.</summary>
    public int Source { get; }

    public int[] Map { get; }

    /// <summary>Elementwise steps since the source (Input and Dot).</summary>
    public IReadOnlyList<Step> Chain { get; }

    public float[]? Lo { get; }

    public float[]? Hi { get; }

    public PendingLayer? Pending { get; }

    /// <summary>The node that produced this value (for messages).</summary>
    public string Origin { get; }

    public int Count => Map.Length;

    public Traced With(int[] dims, string origin) => new(Kind, dims, Source, Map, Chain, Lo, Hi, Pending, origin);

    public Traced WithStep(Step step, string origin) => new(Kind, Dims, Source, Map, [.. Chain, step], Lo, Hi, Pending, origin);

    public Traced WithLevels(float[] lo, float[] hi, string origin) => new(Kind, Dims, Source, Map, Chain, lo, hi, Pending, origin);

    /// <summary>The tensor with its elements permuted: element i of the result is element source[i].</summary>
    public Traced Gather(int[] dims, int[] source, string origin) => new(
        Kind,
        dims,
        Source,
        [.. source.Select(s => Map[s])],
        [.. Chain.Select(s => s.Gather(source))],
        Lo == null ? null : [.. source.Select(s => Lo[s])],
        Hi == null ? null : [.. source.Select(s => Hi[s])],
        Pending,
        origin);

    /// <summary>The chain's float32 value at element e for the chain input x.</summary>
    public float Evaluate(float x, int e)
    {
        foreach (Step step in Chain)
        {
            x = step.Apply(x, e);
        }

        return x;
    }

    /// <summary>The chain at element e as a real affine map y = A·x + B.</summary>
    public (double A, double B) Affine(int e)
    {
        double a = 1, b = 0;
        foreach (Step step in Chain)
        {
            (double sa, double sb) = step.Affine(e);
            a *= sa;
            b = (b * sa) + sb;
        }

        return (a, b);
    }
}

/// <summary>A linear layer (dense or conv) whose dot products are being traced until a binarizer or the graph end.</summary>
internal sealed class PendingLayer
{
    public required string Node { get; init; }

    public required bool IsConv { get; init; }

    /// <summary>True for a first layer over the 8-bit input bytes.</summary>
    public required bool ReadsBytes { get; init; }

    /// <summary>Inputs per dot product (dense inputs, or kernel taps × channels).</summary>
    public required int DotLength { get; init; }

    public required Ir.TensorShape InShape { get; init; }

    public required Ir.TensorShape OutShape { get; init; }

    /// <summary>IR latent weights (±1): dense [o·Inputs + i], conv [o][ky][kx][c].</summary>
    public required float[] Weights { get; init; }

    /// <summary>The graph's linear output per output channel is PrefixScale·dot + PrefixOffset.</summary>
    public required double[] PrefixScale { get; init; }

    public required double[] PrefixOffset { get; init; }

    /// <summary>True when the graph computes the prefix exactly in float32 (integer values and weights).</summary>
    public required bool PrefixExact { get; init; }

    public OnnxFloatEvaluator.Window? Window { get; init; }

    public bool Finalized { get; set; }

    public int OutChannels => OutShape.Channels;

    /// <summary>The graph's float32 input to the chain for dot d at output channel o.</summary>
    public float ChainInput(int o, int d) => (float)((PrefixScale[o] * d) + PrefixOffset[o]);
}
