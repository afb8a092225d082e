using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Bnn.Nano.Compiler.Onnx;

namespace Bnn.Nano.Compiler.Import;

/// <summary>
/// A plain float32 interpreter of ONNX graphs: the independent oracle for the importer. It runs the ORIGINAL graph
/// node by node (never the imported network), with numpy-style broadcasting and float32 arithmetic in the order the
/// ONNX reference implementation writes it. Operators: Add, Sub, Mul, Div, Pow, Sqrt, Neg, Sign, Identity, Dropout,
/// Cast, MatMul, Gemm, Conv (NCHW, 1-D and 2-D, groups, dilations), BatchNormalization (inference), MaxPool,
/// Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Shape, Gather, Concat, Constant, TopK, ArgMax, and the custom
/// operators FINN MultiThreshold, QONNX BipolarQuant and Quant/IntQuant (semantics of the qonnx reference code).
/// Ties in TopK and ArgMax go to the lowest index. Built once per model; <see cref="Run(float[])"/> is thread-safe.
/// </summary>
public sealed class OnnxFloatEvaluator
{
    /// <summary>The operators this evaluator implements (custom-domain ones are matched by op type).</summary>
    public static readonly IReadOnlyList<string> SupportedOperators =
    [
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Sign", "Identity", "Dropout", "Cast", "MatMul", "Gemm", "Conv",
        "BatchNormalization", "MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Shape", "Gather",
        "Concat", "Constant", "TopK", "ArgMax", "MultiThreshold", "BipolarQuant", "Quant", "IntQuant",
    ];

    private static readonly HashSet<string> s_custom = ["MultiThreshold", "BipolarQuant", "Quant", "IntQuant"];

    private readonly Dictionary<string, FloatTensor> _constants = new(StringComparer.Ordinal);
    private readonly OnnxNode[] _nodes;

    public OnnxFloatEvaluator(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        if (model.Inputs.Count == 0)
        {
            throw new OnnxImportException($"'{model.Source}' has no graph input");
        }

        if (model.Outputs.Count == 0)
        {
            throw new OnnxImportException($"'{model.Source}' has no graph output");
        }

        foreach (KeyValuePair<string, OnnxTensor> c in model.Constants)
        {
            _constants[c.Key] = FloatTensor.FromOnnx(c.Value);
        }

        List<OnnxNode> nodes = [];
        foreach (OnnxNode node in model.Nodes)
        {
            if (!IsSupported(node))
            {
                throw new OnnxImportException($"{node.Label}: the float evaluator does not implement {(node.IsStandardDomain ? string.Empty : node.Domain + ".")}{node.OpType}; it implements {string.Join(", ", SupportedOperators)}");
            }

            if (node.OpType == "Constant" && node.IsStandardDomain)
            {
                continue;
            }

            // Subgraphs of constants (quantized weights, shape arithmetic) are evaluated once, here.
            if (node.Inputs.Count > 0 && node.Inputs.All(i => i.Length == 0 || _constants.ContainsKey(i)) && node.Inputs.Any(i => i.Length > 0))
            {
                FloatTensor?[] folded = Execute(node, [.. node.Inputs.Select(i => i.Length == 0 ? null : _constants[i])]);
                for (int o = 0; o < node.Outputs.Count && o < folded.Length; o++)
                {
                    if (node.Outputs[o].Length > 0 && folded[o] != null)
                    {
                        _constants[node.Outputs[o]] = folded[o]!;
                    }
                }

                continue;
            }

            nodes.Add(node);
        }

        _nodes = [.. nodes];
        InputShape = InputDims(model.Inputs[0], model.Source);
    }

    public OnnxModel Model { get; }

    /// <summary>The first graph input.</summary>
    public string InputName => Model.Inputs[0].Name;

    /// <summary>The first graph input's dimensions, a symbolic or unknown batch dimension (index 0) taken as 1.</summary>
    public int[] InputShape { get; }

    /// <summary>True when the evaluator implements the node's operator.</summary>
    public static bool IsSupported(OnnxNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.IsStandardDomain ? SupportedOperators.Contains(node.OpType) && !s_custom.Contains(node.OpType) : s_custom.Contains(node.OpType);
    }

    /// <summary>The dimensions of a graph input; a symbolic first (batch) dimension is 1, any other must be fixed.</summary>
    public static int[] InputDims(OnnxValueInfo input, string source)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Shape == null)
        {
            throw new OnnxImportException($"graph input '{input.Name}' of '{source}' has no shape");
        }

        int[] dims = new int[input.Shape.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            long? value = input.Shape[i].Value;
            if (value is null or <= 0)
            {
                if (i == 0 && dims.Length > 1)
                {
                    dims[i] = 1;
                    continue;
                }

                throw new OnnxImportException($"graph input '{input.Name}' of '{source}' has dimension {i} = {input.Shape[i]}; only the batch dimension may be symbolic");
            }

            dims[i] = checked((int)value.Value);
        }

        return dims;
    }

    /// <summary>Runs the graph on its first input (in the input's shape) and returns the first output.</summary>
    public FloatTensor Run(float[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Dictionary<string, FloatTensor> feeds = new(StringComparer.Ordinal) { [InputName] = new FloatTensor(InputShape, input) };
        return Run(feeds)[Model.Outputs[0].Name];
    }

    /// <summary>
    /// Runs the graph. Returns the graph outputs, or every computed value when <paramref name="keepAll"/> is set.
    /// </summary>
    public IReadOnlyDictionary<string, FloatTensor> Run(IReadOnlyDictionary<string, FloatTensor> inputs, bool keepAll = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Dictionary<string, FloatTensor> values = new(StringComparer.Ordinal);
        foreach (OnnxValueInfo input in Model.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out FloatTensor? value))
            {
                throw new ArgumentException($"no value for graph input '{input.Name}'", nameof(inputs));
            }

            values[input.Name] = value;
        }

        FloatTensor?[] args = new FloatTensor?[8];
        foreach (OnnxNode node in _nodes)
        {
            if (args.Length < node.Inputs.Count)
            {
                args = new FloatTensor?[node.Inputs.Count];
            }

            for (int i = 0; i < node.Inputs.Count; i++)
            {
                string name = node.Inputs[i];
                args[i] = name.Length == 0 ? null
                    : values.TryGetValue(name, out FloatTensor? v) ? v
                    : _constants.TryGetValue(name, out FloatTensor? c) ? c
                    : throw new OnnxImportException($"{node.Label}: input '{name}' is not computed before the node (graph not in topological order?)");
            }

            FloatTensor?[] outputs = Execute(node, args.AsSpan(0, node.Inputs.Count).ToArray());
            for (int o = 0; o < node.Outputs.Count && o < outputs.Length; o++)
            {
                if (node.Outputs[o].Length > 0 && outputs[o] != null)
                {
                    values[node.Outputs[o]] = outputs[o]!;
                }
            }
        }

        if (keepAll)
        {
            return values;
        }

        Dictionary<string, FloatTensor> result = new(StringComparer.Ordinal);
        foreach (OnnxValueInfo output in Model.Outputs)
        {
            result[output.Name] = values.TryGetValue(output.Name, out FloatTensor? v) ? v
                : _constants.TryGetValue(output.Name, out FloatTensor? c) ? c
                : throw new OnnxImportException($"graph output '{output.Name}' of '{Model.Source}' is never computed");
        }

        return result;
    }

    /// <summary>
    /// The class of one input: the first output read as a class index (an integer tensor of one value, e.g. TopK or
    /// ArgMax) or as scores (argmax, lowest index on ties).
    /// </summary>
    public int Classify(float[] input)
    {
        FloatTensor output = Run(input);
        if (output.IsInteger)
        {
            return output.Count == 1 ? (int)output.Data[0] : throw new OnnxImportException($"graph output '{Model.Outputs[0].Name}' holds {output.Count} integers, not one class index");
        }

        return ArgMax(output.Data);
    }

    /// <summary>Index of the largest value, lowest index on ties (NaN never wins).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best] || float.IsNaN(values[best]))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Evaluates one node on its input values (null for omitted optional inputs); one entry per output.</summary>
    internal static FloatTensor?[] Execute(OnnxNode node, FloatTensor?[] x)
    {
        FloatTensor In(int i) => i < x.Length && x[i] != null ? x[i]! : throw new OnnxImportException($"{node.Label} has no input {i}");
        switch (node.OpType)
        {
            case "Add":
                return [Binary(node, In(0), In(1), static (a, b) => a + b)];
            case "Sub":
                return [Binary(node, In(0), In(1), static (a, b) => a - b)];
            case "Mul":
                return [Binary(node, In(0), In(1), static (a, b) => a * b)];
            case "Div":
                return [Binary(node, In(0), In(1), static (a, b) => a / b)];
            case "Pow":
                return [Binary(node, In(0), In(1), MathF.Pow)];
            case "Sqrt":
                return [Unary(In(0), MathF.Sqrt)];
            case "Neg":
                return [Unary(In(0), static v => -v)];
            case "Sign":
                return [Unary(In(0), static v => v > 0 ? 1f : v < 0 ? -1f : v)];
            case "Identity":
            case "Dropout":
                return [In(0)];
            case "Cast":
                return [Cast(node, In(0))];
            case "MatMul":
                return [MatMul(node, In(0), In(1))];
            case "Gemm":
                return [Gemm(node, In(0), In(1), x.Length > 2 ? x[2] : null)];
            case "Conv":
                return [Conv(node, In(0), In(1), x.Length > 2 ? x[2] : null)];
            case "BatchNormalization":
                return [BatchNormalization(node, In(0), In(1), In(2), In(3), In(4))];
            case "MaxPool":
                return [MaxPool(node, In(0))];
            case "Reshape":
                return [In(0).Reshape(ReshapeDims(node, In(0).Shape, In(1)))];
            case "Flatten":
                return [In(0).Reshape(FlattenDims(node, In(0).Shape))];
            case "Transpose":
                return [Transpose(In(0), TransposePerm(node, In(0).Rank))];
            case "Squeeze":
                return [In(0).Reshape(SqueezeDims(node, In(0).Shape, x.Length > 1 ? x[1] : null))];
            case "Unsqueeze":
                return [In(0).Reshape(UnsqueezeDims(node, In(0).Shape, x.Length > 1 ? x[1] : null))];
            case "Shape":
                return [ShapeOf(node, In(0).Shape)];
            case "Gather":
                return [Gather(node, In(0), In(1))];
            case "Concat":
                return [Concat(node, [.. x.Select((t, i) => t ?? In(i))])];
            case "TopK":
                return TopK(node, In(0), x.Length > 1 ? x[1] : null);
            case "ArgMax":
                return [ArgMaxOp(node, In(0))];
            case "MultiThreshold":
                return [MultiThreshold(node, In(0), In(1))];
            case "BipolarQuant":
                return [Binary(node, In(0), In(1), static (v, s) => (v >= 0f ? 1f : -1f) * s)];
            case "Quant":
            case "IntQuant":
                return [Quant(node, In(0), In(1), In(2), In(3))];
            default:
                throw new OnnxImportException($"{node.Label}: the float evaluator does not implement {node.OpType}");
        }
    }

    // ---- shape helpers (shared with the importer) ----

    internal static int NormalizeAxis(OnnxNode node, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : throw new OnnxImportException($"{node.Label}: axis {axis} is outside a rank-{rank} tensor");
    }

    internal static int[] ReshapeDims(OnnxNode node, int[] input, FloatTensor shapeTensor)
    {
        long[] shape = shapeTensor.ToInt64($"shape input of {node.Label}");
        bool allowZero = node.GetInt("allowzero", 0) != 0;
        int[] dims = new int[shape.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = shape[i];
            if (d == -1)
            {
                if (infer >= 0)
                {
                    throw new OnnxImportException($"{node.Label}: shape [{string.Join(", ", shape)}] has more than one -1");
                }

                infer = i;
                continue;
            }

            if (d == 0 && !allowZero)
            {
                d = i < input.Length ? input[i] : throw new OnnxImportException($"{node.Label}: shape [{string.Join(", ", shape)}] copies dimension {i} of a rank-{input.Length} input");
            }

            if (d < 0)
            {
                throw new OnnxImportException($"{node.Label}: shape [{string.Join(", ", shape)}] has a negative dimension");
            }

            dims[i] = checked((int)d);
            known *= d;
        }

        long count = Count(input);
        if (infer >= 0)
        {
            if (known == 0 || count % known != 0)
            {
                throw new OnnxImportException($"{node.Label}: cannot reshape [{string.Join(", ", input)}] to [{string.Join(", ", shape)}]");
            }

            dims[infer] = (int)(count / known);
        }

        return Count(dims) == count ? dims : throw new OnnxImportException($"{node.Label}: cannot reshape [{string.Join(", ", input)}] ({count} values) to [{string.Join(", ", dims)}]");
    }

    internal static int[] FlattenDims(OnnxNode node, int[] input)
    {
        long axis = node.GetInt("axis", 1);
        int a = axis < 0 ? (int)axis + input.Length : (int)axis;
        if (a < 0 || a > input.Length)
        {
            throw new OnnxImportException($"{node.Label}: axis {axis} is outside a rank-{input.Length} tensor");
        }

        return [(int)Count(input[..a]), (int)Count(input[a..])];
    }

    internal static int[] TransposePerm(OnnxNode node, int rank)
    {
        OnnxAttribute? attribute = node.FindAttribute("perm");
        int[] perm = attribute == null ? [.. Enumerable.Range(0, rank).Reverse()] : [.. attribute.AsInts().Select(p => (int)p)];
        if (perm.Length != rank || perm.Order().Where((p, i) => p != i).Any())
        {
            throw new OnnxImportException($"{node.Label}: perm [{string.Join(", ", perm)}] is not a permutation of {rank} axes");
        }

        return perm;
    }

    internal static int[] SqueezeDims(OnnxNode node, int[] input, FloatTensor? axesInput)
    {
        long[]? axes = Axes(node, axesInput);
        if (axes == null)
        {
            return [.. input.Where(d => d != 1)];
        }

        HashSet<int> drop = [.. axes.Select(a => NormalizeAxis(node, a, input.Length))];
        foreach (int a in drop)
        {
            if (input[a] != 1)
            {
                throw new OnnxImportException($"{node.Label}: cannot squeeze axis {a} of size {input[a]}");
            }
        }

        return [.. input.Where((_, i) => !drop.Contains(i))];
    }

    internal static int[] UnsqueezeDims(OnnxNode node, int[] input, FloatTensor? axesInput)
    {
        long[] axes = Axes(node, axesInput) ?? throw new OnnxImportException($"{node.Label} has no axes");
        int rank = input.Length + axes.Length;
        HashSet<int> added = [.. axes.Select(a => NormalizeAxis(node, a, rank))];
        if (added.Count != axes.Length)
        {
            throw new OnnxImportException($"{node.Label}: repeated axes [{string.Join(", ", axes)}]");
        }

        int[] dims = new int[rank];
        int k = 0;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = added.Contains(i) ? 1 : input[k++];
        }

        return dims;
    }

    internal static long Count(int[] dims)
    {
        long n = 1;
        foreach (int d in dims)
        {
            n *= d;
        }

        return n;
    }

    /// <summary>Output shape of numpy broadcasting, or an error naming the node.</summary>
    internal static int[] BroadcastShape(OnnxNode node, int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            shape[i] = da == db || db == 1 ? da : da == 1 ? db
                : throw new OnnxImportException($"{node.Label}: shapes [{string.Join(", ", a)}] and [{string.Join(", ", b)}] do not broadcast");
        }

        return shape;
    }

    /// <summary>The values of <paramref name="t"/> broadcast to <paramref name="shape"/> (which must be its broadcast).</summary>
    internal static float[] BroadcastTo(FloatTensor t, int[] shape)
    {
        int count = (int)Count(shape);
        if (t.Count == count && t.Shape.SequenceEqual(shape))
        {
            return t.Data;
        }

        int[] strides = BroadcastStrides(t.Shape, shape);
        float[] result = new float[count];
        int[] index = new int[shape.Length];
        int source = 0;
        for (int i = 0; i < count; i++)
        {
            result[i] = t.Data[source];
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                index[d]++;
                source += strides[d];
                if (index[d] < shape[d])
                {
                    break;
                }

                source -= strides[d] * shape[d];
                index[d] = 0;
            }
        }

        return result;
    }

    private static int[] BroadcastStrides(int[] from, int[] to)
    {
        int[] strides = new int[to.Length];
        int stride = 1;
        for (int i = from.Length - 1; i >= 0; i--)
        {
            int d = to.Length - from.Length + i;
            strides[d] = from[i] == 1 && to[d] != 1 ? 0 : stride;
            stride *= from[i];
        }

        return strides;
    }

    private static long[]? Axes(OnnxNode node, FloatTensor? axesInput)
    {
        OnnxAttribute? attribute = node.FindAttribute("axes");
        if (attribute != null)
        {
            return [.. attribute.AsInts()];
        }

        return axesInput?.ToInt64($"axes input of {node.Label}");
    }

    // ---- elementwise ----

    private static FloatTensor Unary(FloatTensor x, Func<float, float> f)
    {
        float[] y = new float[x.Count];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = f(x.Data[i]);
        }

        return new FloatTensor(x.Shape, y, x.IsInteger);
    }

    private static FloatTensor Binary(OnnxNode node, FloatTensor a, FloatTensor b, Func<float, float, float> f)
    {
        int[] shape = BroadcastShape(node, a.Shape, b.Shape);
        float[] y = new float[Count(shape)];
        if (b.Count == 1 && a.Count == y.Length)
        {
            float c = b.Data[0];
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = f(a.Data[i], c);
            }
        }
        else
        {
            float[] av = BroadcastTo(a, shape), bv = BroadcastTo(b, shape);
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = f(av[i], bv[i]);
            }
        }

        bool integer = a.IsInteger && b.IsInteger;
        if (integer && node.OpType == "Div")
        {
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = MathF.Truncate(y[i]);
            }
        }

        return new FloatTensor(shape, y, integer);
    }

    private static FloatTensor Cast(OnnxNode node, FloatTensor x)
    {
        OnnxDataType to = (OnnxDataType)node.GetInt("to");
        switch (to)
        {
            case OnnxDataType.Float:
            case OnnxDataType.Double:
            case OnnxDataType.Float16:
                return new FloatTensor(x.Shape, x.Data, false);
            case OnnxDataType.Bool:
                return Unary(new FloatTensor(x.Shape, x.Data, true), static v => v != 0 ? 1f : 0f);
            case OnnxDataType.Int64:
            case OnnxDataType.Int32:
            case OnnxDataType.Int16:
            case OnnxDataType.Int8:
            case OnnxDataType.UInt8:
            case OnnxDataType.UInt16:
            case OnnxDataType.UInt32:
            case OnnxDataType.UInt64:
                return Unary(new FloatTensor(x.Shape, x.Data, true), MathF.Truncate);
            default:
                throw new OnnxImportException($"{node.Label}: cast to {OnnxDataTypes.Name(to)} is not supported");
        }
    }

    // ---- linear algebra ----

    private static FloatTensor MatMul(OnnxNode node, FloatTensor a, FloatTensor b)
    {
        if (b.Rank is not (1 or 2) || a.Rank < 1)
        {
            throw new OnnxImportException($"{node.Label}: MatMul of {a.ShapeText} by {b.ShapeText} is not supported (the right operand must be a matrix or vector)");
        }

        int k = a.Shape[^1];
        int n = b.Rank == 2 ? b.Shape[1] : 1;
        if ((b.Rank == 2 ? b.Shape[0] : b.Shape[0]) != k)
        {
            throw new OnnxImportException($"{node.Label}: MatMul of {a.ShapeText} by {b.ShapeText}: inner dimensions differ");
        }

        int rows = a.Count / Math.Max(k, 1);
        float[] y = new float[rows * n];
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = y.AsSpan(r * n, n);
            for (int i = 0; i < k; i++)
            {
                float av = a.Data[(r * k) + i];
                ReadOnlySpan<float> brow = b.Data.AsSpan(i * n, n);
                for (int j = 0; j < n; j++)
                {
                    row[j] += av * brow[j];
                }
            }
        }

        int[] shape = a.Rank == 1 ? (b.Rank == 2 ? [n] : []) : b.Rank == 2 ? [.. a.Shape[..^1], n] : a.Shape[..^1];
        return new FloatTensor(shape, y);
    }

    private static FloatTensor Gemm(OnnxNode node, FloatTensor a, FloatTensor b, FloatTensor? c)
    {
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw new OnnxImportException($"{node.Label}: Gemm needs matrices, got {a.ShapeText} and {b.ShapeText}");
        }

        bool ta = node.GetInt("transA", 0) != 0, tb = node.GetInt("transB", 0) != 0;
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        int m = ta ? a.Shape[1] : a.Shape[0], k = ta ? a.Shape[0] : a.Shape[1];
        int n = tb ? b.Shape[0] : b.Shape[1];
        if ((tb ? b.Shape[1] : b.Shape[0]) != k)
        {
            throw new OnnxImportException($"{node.Label}: Gemm of {a.ShapeText} by {b.ShapeText}: inner dimensions differ");
        }

        float[] bias = c == null ? new float[m * n] : BroadcastTo(c, [m, n]);
        float[] y = new float[m * n];
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < n; j++)
            {
                float acc = 0f;
                for (int i = 0; i < k; i++)
                {
                    float av = ta ? a.Data[(i * m) + r] : a.Data[(r * k) + i];
                    float bv = tb ? b.Data[(j * k) + i] : b.Data[(i * n) + j];
                    acc += av * bv;
                }

                y[(r * n) + j] = (alpha * acc) + (c == null ? 0f : beta * bias[(r * n) + j]);
            }
        }

        return new FloatTensor([m, n], y);
    }

    /// <summary>Resolved geometry of a Conv or MaxPool node over a 1-D or 2-D NCHW input.</summary>
    internal sealed record Window(int KernelH, int KernelW, int StrideY, int StrideX, int DilationY, int DilationX, int PadTop, int PadLeft, int PadBottom, int PadRight, int OutH, int OutW);

    /// <summary>Kernel, strides, dilations and pads of a Conv/MaxPool node (auto_pad resolved) for an H×W input.</summary>
    internal static Window ResolveWindow(OnnxNode node, int spatialRank, int inH, int inW, int kernelH, int kernelW)
    {
        long[] Ints(string name, long fill, int count)
        {
            OnnxAttribute? a = node.FindAttribute(name);
            long[] v = a == null ? [.. Enumerable.Repeat(fill, count)] : [.. a.AsInts()];
            return v.Length == count ? v : throw new OnnxImportException($"{node.Label}: attribute '{name}' has {v.Length} values, expected {count}");
        }

        long[] strides = Ints("strides", 1, spatialRank);
        long[] dilations = Ints("dilations", 1, spatialRank);
        long[] pads = Ints("pads", 0, 2 * spatialRank);
        if (node.GetInt("ceil_mode", 0) != 0)
        {
            throw new OnnxImportException($"{node.Label}: ceil_mode=1 is not supported");
        }

        int sy = spatialRank == 2 ? (int)strides[0] : 1, sx = (int)strides[^1];
        int dy = spatialRank == 2 ? (int)dilations[0] : 1, dx = (int)dilations[^1];
        int pt, pl, pb, pr;
        if (spatialRank == 2)
        {
            (pt, pl, pb, pr) = ((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
        }
        else
        {
            (pt, pl, pb, pr) = (0, (int)pads[0], 0, (int)pads[1]);
        }

        string autoPad = node.GetString("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                break;
            case "VALID":
                (pt, pl, pb, pr) = (0, 0, 0, 0);
                break;
            case "SAME_UPPER":
            case "SAME_LOWER":
                {
                    (int Begin, int End) Same(int size, int k, int s, int d)
                    {
                        int outSize = (size + s - 1) / s;
                        int total = Math.Max(((outSize - 1) * s) + (((k - 1) * d) + 1) - size, 0);
                        int small = total / 2;
                        return autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
                    }

                    (pt, pb) = spatialRank == 2 ? Same(inH, kernelH, sy, dy) : (0, 0);
                    (pl, pr) = Same(inW, kernelW, sx, dx);
                    break;
                }

            default:
                throw new OnnxImportException($"{node.Label}: auto_pad '{autoPad}' is not supported");
        }

        if (sy < 1 || sx < 1 || dy < 1 || dx < 1 || pt < 0 || pl < 0 || pb < 0 || pr < 0)
        {
            throw new OnnxImportException($"{node.Label}: strides, dilations and pads must be positive");
        }

        int outH = ((inH + pt + pb - (((kernelH - 1) * dy) + 1)) / sy) + 1;
        int outW = ((inW + pl + pr - (((kernelW - 1) * dx) + 1)) / sx) + 1;
        if (outH < 1 || outW < 1)
        {
            throw new OnnxImportException($"{node.Label}: a {kernelH}x{kernelW} window does not fit the {inH}x{inW} input");
        }

        return new Window(kernelH, kernelW, sy, sx, dy, dx, pt, pl, pb, pr, outH, outW);
    }

    private static FloatTensor Conv(OnnxNode node, FloatTensor x, FloatTensor w, FloatTensor? bias)
    {
        if (x.Rank is not (3 or 4) || w.Rank != x.Rank)
        {
            throw new OnnxImportException($"{node.Label}: Conv of {x.ShapeText} by {w.ShapeText} is not supported (1-D or 2-D NCHW only)");
        }

        bool twoD = x.Rank == 4;
        int batch = x.Shape[0], c = x.Shape[1], h = twoD ? x.Shape[2] : 1, wd = x.Shape[^1];
        int o = w.Shape[0], cg = w.Shape[1], kh = twoD ? w.Shape[2] : 1, kw = w.Shape[^1];
        int groups = (int)node.GetInt("group", 1);
        if (groups < 1 || c != cg * groups || o % groups != 0)
        {
            throw new OnnxImportException($"{node.Label}: {c} input channels do not fit weights {w.ShapeText} in {groups} group(s)");
        }

        Window g = ResolveWindow(node, twoD ? 2 : 1, h, wd, kh, kw);
        int og = o / groups;
        float[] y = new float[batch * o * g.OutH * g.OutW];
        for (int n = 0; n < batch; n++)
        {
            for (int oc = 0; oc < o; oc++)
            {
                int group = oc / og;
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        float acc = 0f;
                        for (int ic = 0; ic < cg; ic++)
                        {
                            int channel = (group * cg) + ic;
                            for (int ky = 0; ky < kh; ky++)
                            {
                                int iy = (oy * g.StrideY) - g.PadTop + (ky * g.DilationY);
                                if (iy < 0 || iy >= h)
                                {
                                    continue;
                                }

                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int ix = (ox * g.StrideX) - g.PadLeft + (kx * g.DilationX);
                                    if (ix < 0 || ix >= wd)
                                    {
                                        continue;
                                    }

                                    acc += x.Data[(((((n * c) + channel) * h) + iy) * wd) + ix] * w.Data[(((((oc * cg) + ic) * kh) + ky) * kw) + kx];
                                }
                            }
                        }

                        if (bias != null)
                        {
                            acc += bias.Data[oc];
                        }

                        y[(((((n * o) + oc) * g.OutH) + oy) * g.OutW) + ox] = acc;
                    }
                }
            }
        }

        return new FloatTensor(twoD ? [batch, o, g.OutH, g.OutW] : [batch, o, g.OutW], y);
    }

    private static FloatTensor BatchNormalization(OnnxNode node, FloatTensor x, FloatTensor scale, FloatTensor b, FloatTensor mean, FloatTensor variance)
    {
        if (x.Rank < 2)
        {
            throw new OnnxImportException($"{node.Label}: BatchNormalization needs an N×C×... input, got {x.ShapeText}");
        }

        if (node.GetInt("training_mode", 0) != 0)
        {
            throw new OnnxImportException($"{node.Label}: training_mode=1 is not supported (inference only)");
        }

        int channels = x.Shape[1];
        foreach (FloatTensor p in new[] { scale, b, mean, variance })
        {
            if (p.Count != channels)
            {
                throw new OnnxImportException($"{node.Label}: parameter {p.ShapeText} does not have {channels} channels");
            }
        }

        float epsilon = node.GetFloat("epsilon", 1e-5f);
        int inner = (int)Count(x.Shape[2..]);
        float[] y = new float[x.Count];
        for (int i = 0; i < y.Length; i++)
        {
            int ch = i / inner % channels;
            y[i] = (scale.Data[ch] * (x.Data[i] - mean.Data[ch]) / MathF.Sqrt(variance.Data[ch] + epsilon)) + b.Data[ch];
        }

        return new FloatTensor(x.Shape, y);
    }

    private static FloatTensor MaxPool(OnnxNode node, FloatTensor x)
    {
        if (x.Rank is not (3 or 4))
        {
            throw new OnnxImportException($"{node.Label}: MaxPool of {x.ShapeText} is not supported (1-D or 2-D NCHW only)");
        }

        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
        {
            throw new OnnxImportException($"{node.Label}: the Indices output of MaxPool is not supported");
        }

        bool twoD = x.Rank == 4;
        IReadOnlyList<long> kernel = node.GetInts("kernel_shape");
        if (kernel.Count != (twoD ? 2 : 1))
        {
            throw new OnnxImportException($"{node.Label}: kernel_shape [{string.Join(", ", kernel)}] does not fit a {x.ShapeText} input");
        }

        int batch = x.Shape[0], c = x.Shape[1], h = twoD ? x.Shape[2] : 1, wd = x.Shape[^1];
        Window g = ResolveWindow(node, twoD ? 2 : 1, h, wd, twoD ? (int)kernel[0] : 1, (int)kernel[^1]);
        float[] y = new float[batch * c * g.OutH * g.OutW];
        for (int nc = 0; nc < batch * c; nc++)
        {
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    float best = float.NegativeInfinity;
                    for (int ky = 0; ky < g.KernelH; ky++)
                    {
                        int iy = (oy * g.StrideY) - g.PadTop + (ky * g.DilationY);
                        for (int kx = 0; kx < g.KernelW; kx++)
                        {
                            int ix = (ox * g.StrideX) - g.PadLeft + (kx * g.DilationX);
                            if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                            {
                                best = MathF.Max(best, x.Data[(((nc * h) + iy) * wd) + ix]);
                            }
                        }
                    }

                    y[(((nc * g.OutH) + oy) * g.OutW) + ox] = best;
                }
            }
        }

        return new FloatTensor(twoD ? [batch, c, g.OutH, g.OutW] : [batch, c, g.OutW], y);
    }

    // ---- shape plumbing ----

    internal static FloatTensor Transpose(FloatTensor x, int[] perm)
    {
        int[] shape = [.. perm.Select(p => x.Shape[p])];
        int[] permutation = TransposeSource(x.Shape, perm);
        float[] y = new float[x.Count];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = x.Data[permutation[i]];
        }

        return new FloatTensor(shape, y, x.IsInteger);
    }

    /// <summary>For each element of the transposed tensor, the index of the element it comes from.</summary>
    internal static int[] TransposeSource(int[] shape, int[] perm)
    {
        int rank = shape.Length;
        int[] inStrides = new int[rank];
        int stride = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            inStrides[d] = stride;
            stride *= shape[d];
        }

        int[] outShape = [.. perm.Select(p => shape[p])];
        int[] source = new int[stride];
        int[] index = new int[rank];
        for (int i = 0; i < source.Length; i++)
        {
            int s = 0;
            for (int d = 0; d < rank; d++)
            {
                s += index[d] * inStrides[perm[d]];
            }

            source[i] = s;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < outShape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return source;
    }

    private static FloatTensor ShapeOf(OnnxNode node, int[] shape)
    {
        int rank = shape.Length;
        long start = node.GetInt("start", 0), end = node.GetInt("end", rank);
        int s = (int)Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        int e = (int)Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        float[] dims = [.. shape[s..Math.Max(s, e)].Select(d => (float)d)];
        return new FloatTensor([dims.Length], dims, true);
    }

    private static FloatTensor Gather(OnnxNode node, FloatTensor data, FloatTensor indices)
    {
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), data.Rank);
        long[] idx = indices.ToInt64($"indices of {node.Label}");
        int size = data.Shape[axis];
        int outer = (int)Count(data.Shape[..axis]), inner = (int)Count(data.Shape[(axis + 1)..]);
        float[] y = new float[outer * idx.Length * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < idx.Length; j++)
            {
                long k = idx[j] < 0 ? idx[j] + size : idx[j];
                if (k < 0 || k >= size)
                {
                    throw new OnnxImportException($"{node.Label}: index {idx[j]} is outside an axis of size {size}");
                }

                Array.Copy(data.Data, ((o * size) + k) * inner, y, ((o * idx.Length) + j) * inner, inner);
            }
        }

        return new FloatTensor([.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]], y, data.IsInteger);
    }

    private static FloatTensor Concat(OnnxNode node, FloatTensor[] parts)
    {
        if (parts.Length == 0)
        {
            throw new OnnxImportException($"{node.Label} has no inputs");
        }

        int rank = parts[0].Rank;
        int axis = NormalizeAxis(node, node.GetInt("axis"), rank);
        int[] shape = (int[])parts[0].Shape.Clone();
        shape[axis] = 0;
        foreach (FloatTensor p in parts)
        {
            if (p.Rank != rank || p.Shape.Where((d, i) => i != axis && d != parts[0].Shape[i]).Any())
            {
                throw new OnnxImportException($"{node.Label}: cannot concatenate {string.Join(" and ", parts.Select(t => t.ShapeText))} on axis {axis}");
            }

            shape[axis] += p.Shape[axis];
        }

        int outer = (int)Count(shape[..axis]), inner = (int)Count(shape[(axis + 1)..]);
        float[] y = new float[Count(shape)];
        int at = 0;
        for (int o = 0; o < outer; o++)
        {
            foreach (FloatTensor p in parts)
            {
                int block = p.Shape[axis] * inner;
                Array.Copy(p.Data, o * block, y, at, block);
                at += block;
            }
        }

        return new FloatTensor(shape, y, parts.All(p => p.IsInteger));
    }

    // ---- class outputs ----

    private static FloatTensor?[] TopK(OnnxNode node, FloatTensor x, FloatTensor? kInput)
    {
        long k = kInput != null ? kInput.ToInt64($"K of {node.Label}").Single() : node.GetInt("k");
        int axis = NormalizeAxis(node, node.GetInt("axis", -1), x.Rank);
        bool largest = node.GetInt("largest", 1) != 0;
        int size = x.Shape[axis];
        if (k < 0 || k > size)
        {
            throw new OnnxImportException($"{node.Label}: K = {k} for an axis of size {size}");
        }

        int outer = (int)Count(x.Shape[..axis]), inner = (int)Count(x.Shape[(axis + 1)..]);
        int[] shape = (int[])x.Shape.Clone();
        shape[axis] = (int)k;
        float[] values = new float[outer * k * inner], indices = new float[outer * k * inner];
        int[] order = new int[size];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                float At(int j) => x.Data[(((o * size) + j) * inner) + i];
                for (int j = 0; j < size; j++)
                {
                    order[j] = j;
                }

                // Stable: equal values keep ascending index order, so the lowest index comes first.
                int[] sorted = [.. order.OrderBy(j => largest ? -At(j) : At(j))];
                for (int r = 0; r < k; r++)
                {
                    int at = (int)((((o * k) + r) * inner) + i);
                    values[at] = At(sorted[r]);
                    indices[at] = sorted[r];
                }
            }
        }

        return [new FloatTensor(shape, values, x.IsInteger), new FloatTensor(shape, indices, true)];
    }

    private static FloatTensor ArgMaxOp(OnnxNode node, FloatTensor x)
    {
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), x.Rank);
        bool keep = node.GetInt("keepdims", 1) != 0;
        bool last = node.GetInt("select_last_index", 0) != 0;
        int size = x.Shape[axis];
        int outer = (int)Count(x.Shape[..axis]), inner = (int)Count(x.Shape[(axis + 1)..]);
        float[] y = new float[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                for (int j = 1; j < size; j++)
                {
                    float v = x.Data[(((o * size) + j) * inner) + i], b = x.Data[(((o * size) + best) * inner) + i];
                    if (v > b || (last && v == b))
                    {
                        best = j;
                    }
                }

                y[(o * inner) + i] = best;
            }
        }

        int[] shape = keep ? [.. x.Shape[..axis], 1, .. x.Shape[(axis + 1)..]] : [.. x.Shape[..axis], .. x.Shape[(axis + 1)..]];
        return new FloatTensor(shape, y, true);
    }

    // ---- quantizers ----

    /// <summary>Channel axis of a MultiThreshold input: 1 (NCHW, or N×C), the last axis for NHWC 4-D or other ranks.</summary>
    internal static int MultiThresholdChannelAxis(OnnxNode node, int rank)
    {
        string layout = node.GetString("data_layout", "NCHW");
        if (layout is not ("NCHW" or "NHWC"))
        {
            throw new OnnxImportException($"{node.Label}: data_layout '{layout}' is not supported");
        }

        return rank switch
        {
            2 => 1,
            4 => layout == "NHWC" ? 3 : 1,
            0 => throw new OnnxImportException($"{node.Label}: MultiThreshold of a scalar"),
            _ => rank - 1,
        };
    }

    private static FloatTensor MultiThreshold(OnnxNode node, FloatTensor v, FloatTensor thresholds)
    {
        if (thresholds.Rank != 2)
        {
            throw new OnnxImportException($"{node.Label}: thresholds {thresholds.ShapeText} must be [channels or 1, steps]");
        }

        int axis = MultiThresholdChannelAxis(node, v.Rank);
        int channels = v.Shape[axis], rows = thresholds.Shape[0], steps = thresholds.Shape[1];
        if (rows != 1 && rows != channels)
        {
            throw new OnnxImportException($"{node.Label}: thresholds {thresholds.ShapeText} do not fit {channels} channels");
        }

        float scale = node.GetFloat("out_scale", 1f), bias = node.GetFloat("out_bias", 0f);
        int inner = (int)Count(v.Shape[(axis + 1)..]);
        float[] y = new float[v.Count];
        for (int i = 0; i < y.Length; i++)
        {
            int row = rows == 1 ? 0 : i / inner % channels;
            int count = 0;
            for (int t = 0; t < steps; t++)
            {
                count += v.Data[i] >= thresholds.Data[(row * steps) + t] ? 1 : 0;
            }

            y[i] = (scale * count) + bias;
        }

        return new FloatTensor(v.Shape, y);
    }

    /// <summary>Smallest and largest integer of a QONNX Quant node (qonnx min_int / max_int).</summary>
    internal static (double Min, double Max) QuantRange(bool signed, bool narrow, double bits)
    {
        double min = signed ? -Math.Pow(2, bits - 1) + (narrow ? 1 : 0) : 0;
        double max = signed ? Math.Pow(2, bits - 1) - 1 : Math.Pow(2, bits) - 1 - (narrow ? 1 : 0);
        return (min, max);
    }

    /// <summary>One value through QONNX Quant: y = x/scale + zeropt; bipolar when 1-bit signed, else clamp and round; (y - zeropt)·scale.</summary>
    internal static float QuantValue(float x, float scale, float zeroPoint, float bits, bool signed, bool narrow, string rounding)
    {
        float y = (x / scale) + zeroPoint;
        if (bits == 1f && signed)
        {
            y = y >= 0f ? 1f : -1f;
        }
        else
        {
            (double min, double max) = QuantRange(signed, narrow, bits);
            y = y > max ? (float)max : y;
            y = y < min ? (float)min : y;
            y = rounding switch
            {
                "ROUND" => MathF.Round(y, MidpointRounding.ToEven),
                "CEIL" => MathF.Ceiling(y),
                "FLOOR" => MathF.Floor(y),
                _ => throw new ArgumentException($"rounding mode '{rounding}'", nameof(rounding)),
            };
        }

        return (y - zeroPoint) * scale;
    }

    internal static (bool Signed, bool Narrow, string Rounding) QuantAttributes(OnnxNode node)
    {
        string rounding = node.GetString("rounding_mode", "ROUND").ToUpperInvariant();
        if (rounding is not ("ROUND" or "CEIL" or "FLOOR"))
        {
            throw new OnnxImportException($"{node.Label}: rounding_mode '{rounding}' is not supported (ROUND, CEIL, FLOOR)");
        }

        return (node.GetInt("signed", 1) != 0, node.GetInt("narrow", 1) != 0, rounding);
    }

    private static FloatTensor Quant(OnnxNode node, FloatTensor x, FloatTensor scale, FloatTensor zeroPoint, FloatTensor bitWidth)
    {
        (bool signed, bool narrow, string rounding) = QuantAttributes(node);
        int[] shape = BroadcastShape(node, BroadcastShape(node, BroadcastShape(node, x.Shape, scale.Shape), zeroPoint.Shape), bitWidth.Shape);
        float[] xv = BroadcastTo(x, shape), sv = BroadcastTo(scale, shape), zv = BroadcastTo(zeroPoint, shape), bv = BroadcastTo(bitWidth, shape);
        float[] y = new float[xv.Length];
        for (int i = 0; i < y.Length; i++)
        {
            if (bv[i] < 1f || bv[i] != MathF.Round(bv[i]))
            {
                throw new OnnxImportException($"{node.Label}: bit width {bv[i].ToString(CultureInfo.InvariantCulture)} is not a positive integer");
            }

            y[i] = QuantValue(xv[i], sv[i], zv[i], bv[i], signed, narrow, rounding);
        }

        return new FloatTensor(shape, y);
    }
}
