using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Onnx;
using Bnn.Nano.Compiler.Onnx.Proto;
using Bnn.Nano.Compiler.Passes;
using Google.Protobuf;

namespace Bnn.Nano.Compiler.Export;

/// <summary>
/// Exports a <see cref="BnnNetwork"/> as a standard ONNX graph (default domain only, opset 13) that any ONNX runtime
/// can run: an independent oracle of the IR → compiler → runtime path (docs/bit-convention.md).
/// <para>
/// <b>Interface.</b> Input <c>input</c>: float32 [N, H·W·C], one row per sample holding the 8-bit feature values in
/// the network's HWC order, already decoded as the network reads them (uint8: 0..255; int8: −128..127), i.e. exactly
/// the numbers the float reference sees. Outputs: <c>scores</c>, float64 [N, classes] (see "Scores" below), and
/// <c>class</c>, int64 [N], the ArgMax over the exact integer scores (lowest index wins ties, as the runtime).
/// </para>
/// <para>
/// <b>Exactness: why ONNX decisions equal the runtime's on every sample, not just nearly.</b>
/// <list type="bullet">
/// <item>Dot products are integers. Dense layers run MatMul in float64 (±1 weights, integer inputs, |partial sums| &lt;
/// 2^53, so any summation order is exact). Convolutions run in float32 (ONNX Runtime's Conv is float only): exact
/// because every product is ±1 times an integer and every partial sum an integer of magnitude ≤ taps·max|x|, which the
/// exporter checks is ≤ 2^24 (it refuses a larger convolution). The dot is then cast to float64.</item>
/// <item>Hidden batch norm is <i>not</i> folded: each hidden channel computes, in float64, the very sequence of
/// correctly rounded IEEE operations of <see cref="BatchNorm.Apply"/> and <c>FloatReference</c>:
/// <c>((α·dot − μ)·k) + β ≥ 0</c> with <c>k = γ / sqrt(σ² + ε)</c> precomputed by <see cref="BatchNorm.Scale"/> and
/// stored as a float64 initializer (α, μ, β are the float parameters widened exactly to float64; no α node when the
/// layer has none). Separate Mul/Sub/Mul/Add nodes are each correctly rounded, so every hidden bit is bit-identical
/// to the float reference's, which the compiler's threshold folding (<see cref="BatchNormFolding"/>) reproduces by
/// construction. The oracle therefore checks the fold (and the kernels) instead of reusing it. The sign is
/// <c>Where(GreaterOrEqual(y, 0), +1, −1)</c> (ONNX Sign(0) = 0, ours is +1). The nodes after a Conv start with a Cast,
/// so ONNX Runtime's Conv+Mul/Add/BatchNormalization fusions (which would fold α or BN into float weights) never
/// apply.</item>
/// <item>InputThreshold: <c>GreaterOrEqual(x, T_c)</c> on integer-valued floats, thresholds clamped to [−129, 256]
/// (same decisions for every byte value, and exactly representable in float32).</item>
/// <item>Padding: Conv's own zero padding for pad value 0; an explicit constant Pad (NCHW) for ±1. MaxPool runs on
/// the ±1 floats (valid windows, floor output size as the IR).</item>
/// </list>
/// </para>
/// <para>
/// <b>Scores.</b> The runtime's scores are integers, so the exported graph computes those integers exactly in float64
/// and takes the class from them; <c>scores</c> is that integer times a factor, <see cref="ScoreFactor"/>, applied as
/// one float64 multiplication. A last <see cref="DenseLayer"/> (BinaryDenseScores) uses the fixed-point parameters of
/// <see cref="ScoreQuantization"/>: integer score <c>a_c·dot_c + b_c</c>, <c>scores = integer · 2^−shift</c> (exact),
/// the runtime's fixed-point approximation of the float reference's real BN score (they differ by the rounding of
/// a_c and b_c). An <see cref="Int8HeadLayer"/> computes <c>Σ w·x + b</c> exactly and <c>scores = Scale · sum</c>,
/// bit-identical to the float reference's head scores. So: ONNX <c>class</c> = runtime class, and ONNX <c>scores</c>
/// = runtime score × <see cref="ScoreFactor"/>, exactly.
/// </para>
/// <para>
/// Layout: tensors stay flat [N, H·W·C] (HWC order) until a Conv or MaxPool needs NCHW (Reshape + Transpose), and
/// go back (Transpose + Reshape) before a dense layer. Supported networks: what <c>FloatReference</c> evaluates
/// (hidden: dense, conv, max-pool, input threshold; last: dense or int8 head).
/// </para>
/// </summary>
public static class OnnxExporter
{
    public const long OpsetVersion = 13;

    public const string InputName = "input";

    public const string ScoresName = "scores";

    public const string ClassName = "class";

    /// <summary>Largest |partial sum| a float32 Conv keeps exact: 2^24.</summary>
    public const long MaxExactFloatSum = 1L << 24;

    /// <summary>The serialized ONNX model of <paramref name="network"/>.</summary>
    public static byte[] Export(BnnNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new Writer(network).Write();
    }

    /// <summary>Writes the ONNX model to <paramref name="path"/> (replacing any file there; callers check first).</summary>
    public static void Save(BnnNetwork network, string path) => File.WriteAllBytes(path, Export(network));

    /// <summary>
    /// The factor f with ONNX <c>scores</c> = runtime integer score × f (one float64 multiplication): 2^−shift of
    /// <see cref="ScoreQuantization"/> for a last dense layer, the head's <see cref="Int8HeadLayer.Scale"/> for an
    /// int8 head.
    /// </summary>
    public static double ScoreFactor(BnnNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Layers[^1] switch
        {
            DenseLayer dense => Math.ScaleB(1.0, -ScoreQuantization.Quantize(dense.Norm, dense.Alpha, dense.Inputs).Shift),
            Int8HeadLayer head => head.Scale,
            NetworkLayer other => throw new ArgumentException($"the last layer must be dense or an int8 head, not {other.Describe()}", nameof(network)),
        };
    }

    private enum Layout
    {
        /// <summary>[N, H·W·C], HWC order.</summary>
        Flat,

        /// <summary>[N, C, H, W].</summary>
        Nchw,
    }

    private sealed class Writer
    {
        private readonly BnnNetwork _network;
        private readonly OnnxModelBuilder _builder = new("bnn_nano", OpsetVersion);
        private readonly List<TensorProto> _doubles = [];
        private string _value = InputName;
        private Layout _layout = Layout.Flat;
        private TensorShape _shape;

        public Writer(BnnNetwork network)
        {
            _network = network;
            _shape = network.InputShape;
        }

        public byte[] Write()
        {
            _builder.AddInput(InputName, OnnxDataType.Float, "N", _network.InputLength);
            _builder.AddOutput(ScoresName, OnnxDataType.Double, "N", _network.ClassCount);
            _builder.AddOutput(ClassName, OnnxDataType.Int64, "N");
            _builder.AddInitializer("one", [1f]);
            _builder.AddInitializer("minus_one", [-1f]);
            AddDouble("zero_d", [0.0]);

            TensorShape[] shapes = _network.Shapes();
            int last = _network.Layers.Count - 1;
            for (int l = 0; l <= last; l++)
            {
                NetworkLayer layer = _network.Layers[l];
                string p = $"l{l}_";
                if (l == last)
                {
                    switch (layer)
                    {
                        case DenseLayer dense:
                            DenseScores(p, dense);
                            break;
                        case Int8HeadLayer head:
                            Head(p, head);
                            break;
                        default:
                            throw new ArgumentException($"layer {l} ({layer.Describe()}): the last layer must be dense or an int8 head");
                    }

                    break;
                }

                switch (layer)
                {
                    case DenseLayer dense:
                        HiddenDense(p, dense);
                        break;
                    case Conv2dLayer conv:
                        Conv(p, conv, l == 0);
                        break;
                    case MaxPool2dLayer pool:
                        MaxPool(p, pool);
                        break;
                    case InputThresholdLayer threshold:
                        Threshold(p, threshold);
                        break;
                    default:
                        throw new ArgumentException($"layer {l} ({layer.Describe()}) cannot be a hidden layer");
                }

                _shape = shapes[l + 1];
            }

            ModelProto model = _builder.Build();
            model.Graph.Initializer.AddRange(_doubles);
            model.Graph.DocString = "Bnn.Nano export: input = decoded 8-bit features (HWC) as float32; class = argmax of the exact integer scores (lowest index on ties); scores = integer score x factor.";
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("raw_data is written from memory and must be little-endian");
            }

            return model.ToByteArray();
        }

        private void HiddenDense(string p, DenseLayer dense)
        {
            string dot = DenseDot(p, dense.Inputs, dense.Outputs, dense.BinaryWeight);
            Binarize(p, dot, dense.Alpha, dense.Norm, [dense.Outputs]);
            _layout = Layout.Flat;
        }

        private void DenseScores(string p, DenseLayer dense)
        {
            string dot = DenseDot(p, dense.Inputs, dense.Outputs, dense.BinaryWeight);
            ScoreQuantization.QuantizedScores q = ScoreQuantization.Quantize(dense.Norm, dense.Alpha, dense.Inputs);
            AddDouble(p + "a", Array.ConvertAll(q.Scales, s => (double)s), dense.Outputs);
            AddDouble(p + "b", Array.ConvertAll(q.Biases, b => (double)b), dense.Outputs);
            Node("Mul", [dot, p + "a"], p + "scaled");
            Node("Add", [p + "scaled", p + "b"], p + "integer");
            Outputs(p, p + "integer", Math.ScaleB(1.0, -q.Shift));
        }

        private void Head(string p, Int8HeadLayer head)
        {
            ToFlat(p);
            string x = Node("Cast", [_value], p + "x_d", n => n.SetInt("to", (long)OnnxDataType.Double));
            double[] w = new double[head.Inputs * head.Outputs];
            for (int o = 0; o < head.Outputs; o++)
            {
                for (int i = 0; i < head.Inputs; i++)
                {
                    w[(i * head.Outputs) + o] = head.Weights[(o * head.Inputs) + i];
                }
            }

            AddDouble(p + "w", w, head.Inputs, head.Outputs);
            AddDouble(p + "bias", Array.ConvertAll(head.Biases, b => (double)b), head.Outputs);
            Node("MatMul", [x, p + "w"], p + "dot");
            Node("Add", [p + "dot", p + "bias"], p + "integer");
            Outputs(p, p + "integer", head.Scale);
        }

        /// <summary>class = ArgMax(integer scores); scores = integer · factor.</summary>
        private void Outputs(string p, string integer, double factor)
        {
            AddDouble(p + "factor", [factor]);
            Node("Mul", [integer, p + "factor"], ScoresName);
            Node("ArgMax", [integer], ClassName, n => n.SetInt("axis", 1).SetInt("keepdims", 0).SetInt("select_last_index", 0));
        }

        /// <summary>x·Wᵀ in float64 over the flat HWC input; returns the [N, outputs] dot product.</summary>
        private string DenseDot(string p, int inputs, int outputs, Func<int, int, int> weight)
        {
            ToFlat(p);
            string x = Node("Cast", [_value], p + "x_d", n => n.SetInt("to", (long)OnnxDataType.Double));
            double[] w = new double[inputs * outputs];
            for (int o = 0; o < outputs; o++)
            {
                for (int i = 0; i < inputs; i++)
                {
                    w[(i * outputs) + o] = weight(o, i);
                }
            }

            AddDouble(p + "w", w, inputs, outputs);
            return Node("MatMul", [x, p + "w"], p + "dot");
        }

        private void Conv(string p, Conv2dLayer conv, bool first)
        {
            long maxTerm = (first ? (_network.InputSigned ? 128 : 255) : 1) * (conv.Int8Weights ? 127 : 1);
            if ((long)conv.TapCount * maxTerm > MaxExactFloatSum)
            {
                throw new ArgumentException($"{conv.Describe()}: |dot| can reach {conv.TapCount * maxTerm:N0} > 2^24, beyond what a float32 ONNX Conv computes exactly");
            }

            ToNchw(p);
            int kh = conv.KernelHeight, kw = conv.KernelWidth, cin = conv.InChannels, cout = conv.OutChannels;
            float[] w = new float[cout * cin * kh * kw];
            for (int o = 0; o < cout; o++)
            {
                for (int c = 0; c < cin; c++)
                {
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            w[(((((o * cin) + c) * kh) + ky) * kw) + kx] = conv.Weight(o, ky, kx, c);
                        }
                    }
                }
            }

            _builder.AddInitializer(p + "w", w, cout, cin, kh, kw);
            bool padded = conv.PadTop + conv.PadLeft + conv.PadBottom + conv.PadRight > 0;
            string input = _value;
            long[] convPads = [conv.PadTop, conv.PadLeft, conv.PadBottom, conv.PadRight];
            if (padded && conv.PadValue != 0)
            {
                _builder.AddInt64Initializer(p + "pads", [0, 0, conv.PadTop, conv.PadLeft, 0, 0, conv.PadBottom, conv.PadRight], 8);
                _builder.AddInitializer(p + "pad_value", [conv.PadValue]);
                input = Node("Pad", [_value, p + "pads", p + "pad_value"], p + "padded", n => n.SetString("mode", "constant"));
                convPads = [0, 0, 0, 0];
            }

            Node("Conv", [input, p + "w"], p + "dot_f", n => n
                .SetInts("kernel_shape", kh, kw)
                .SetInts("strides", conv.StrideY, conv.StrideX)
                .SetInts("pads", convPads)
                .SetInts("dilations", 1, 1)
                .SetInt("group", 1));
            string dot = Node("Cast", [p + "dot_f"], p + "dot", n => n.SetInt("to", (long)OnnxDataType.Double));
            Binarize(p, dot, conv.Alpha, conv.Norm, [cout, 1, 1]);
            _layout = Layout.Nchw;
        }

        private void MaxPool(string p, MaxPool2dLayer pool)
        {
            ToNchw(p);
            Node("MaxPool", [_value], p + "out", n => n
                .SetInts("kernel_shape", pool.PoolHeight, pool.PoolWidth)
                .SetInts("strides", pool.StrideY, pool.StrideX));
            _layout = Layout.Nchw;
        }

        private void Threshold(string p, InputThresholdLayer threshold)
        {
            ToFlat(p);
            int channels = threshold.Thresholds.Length;
            float[] t = new float[_shape.Count];
            for (int i = 0; i < t.Length; i++)
            {
                // Every input is an integer in −128..255: clamping keeps each decision and makes the value exact.
                t[i] = Math.Clamp(threshold.Thresholds[i % channels], -129, 256);
            }

            _builder.AddInitializer(p + "t", t, t.Length);
            Node("GreaterOrEqual", [_value, p + "t"], p + "fires");
            Node("Where", [p + "fires", "one", "minus_one"], p + "out");
            _layout = Layout.Flat;
        }

        /// <summary>±1 = sign(((α·dot − μ)·k) + β) in float64, op for op as BatchNorm.Apply; channel parameters shaped <paramref name="dims"/>.</summary>
        private void Binarize(string p, string dot, float[]? alpha, BatchNorm norm, long[] dims)
        {
            int n = norm.Count;
            string y = dot;
            if (alpha != null)
            {
                AddDouble(p + "alpha", Array.ConvertAll(alpha, a => (double)a), dims);
                y = Node("Mul", [y, p + "alpha"], p + "scaled");
            }

            double[] mean = new double[n], scale = new double[n], beta = new double[n];
            for (int c = 0; c < n; c++)
            {
                mean[c] = norm.Mean[c];
                scale[c] = norm.Scale(c);
                beta[c] = norm.Beta[c];
            }

            AddDouble(p + "mean", mean, dims);
            AddDouble(p + "k", scale, dims);
            AddDouble(p + "beta", beta, dims);
            y = Node("Sub", [y, p + "mean"], p + "centered");
            y = Node("Mul", [y, p + "k"], p + "normed");
            y = Node("Add", [y, p + "beta"], p + "bn");
            Node("GreaterOrEqual", [y, "zero_d"], p + "fires");
            Node("Where", [p + "fires", "one", "minus_one"], p + "out");
        }

        private void ToFlat(string p)
        {
            if (_layout == Layout.Flat)
            {
                return;
            }

            Node("Transpose", [_value], p + "nhwc", n => n.SetInts("perm", 0, 2, 3, 1));
            _builder.AddInt64Initializer(p + "flat_shape", [-1, _shape.Count], 2);
            Node("Reshape", [p + "nhwc", p + "flat_shape"], p + "flat");
            _layout = Layout.Flat;
        }

        private void ToNchw(string p)
        {
            if (_layout == Layout.Nchw)
            {
                return;
            }

            _builder.AddInt64Initializer(p + "nhwc_shape", [-1, _shape.Height, _shape.Width, _shape.Channels], 4);
            Node("Reshape", [_value, p + "nhwc_shape"], p + "nhwc");
            Node("Transpose", [p + "nhwc"], p + "nchw", n => n.SetInts("perm", 0, 3, 1, 2));
            _layout = Layout.Nchw;
        }

        /// <summary>Adds a node with one output, which becomes the current value; returns the output's name.</summary>
        private string Node(string opType, string[] inputs, string output, Action<OnnxNodeBuilder>? attributes = null)
        {
            OnnxNodeBuilder node = _builder.AddNode(opType, inputs, [output]);
            attributes?.Invoke(node);
            _value = output;
            return output;
        }

        private void AddDouble(string name, double[] data, params long[] dims)
        {
            long count = 1;
            foreach (long d in dims)
            {
                count *= d;
            }

            if (count != data.Length)
            {
                throw new ArgumentException($"initializer '{name}': dims [{string.Join(", ", dims)}] do not hold {data.Length} values");
            }

            TensorProto tensor = new() { Name = name, DataType = (int)OnnxDataType.Double, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
            tensor.Dims.AddRange(dims);
            _doubles.Add(tensor);
        }
    }
}
