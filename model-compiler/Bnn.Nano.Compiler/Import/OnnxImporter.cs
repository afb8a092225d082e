using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Onnx;
using Bnn.Nano.Compiler.Passes;

namespace Bnn.Nano.Compiler.Import;

/// <summary>
/// Translates a binarized network exported to ONNX (plain ONNX, FINN or QONNX/Brevitas) into a <see cref="BnnNetwork"/>.
/// <para>
/// It walks the graph in order and describes every computed tensor symbolically (see <see cref="Traced"/>): an
/// elementwise chain of the 8-bit input, the two-level values of the bits of an IR layer, or the dot products of a
/// pending linear layer followed by an elementwise chain (Mul/Add/Sub/Div by constants, BatchNormalization). Shape
/// plumbing (Reshape, Flatten, Transpose, Squeeze, Unsqueeze) permutes or relabels elements; subgraphs of constants
/// (weights behind BipolarQuant/Quant/Sign/Transpose, the Shape/Gather/Unsqueeze/Concat flatten idiom, Pow) are
/// evaluated with <see cref="OnnxFloatEvaluator"/>. A layer is emitted when a binarizing operator (Sign, FINN
/// MultiThreshold with one step, QONNX BipolarQuant, 1-bit Quant) or the graph output is reached.
/// </para>
/// <para>
/// Thresholds follow the graph's float32 arithmetic exactly: the input binarization is found by evaluating the chain
/// on every byte value, and each hidden layer's batch norm is checked against the graph's decision on every possible
/// dot product (where the graph's own parameters would round differently, that channel gets an exact threshold-form
/// batch norm instead, and a note says so). The last linear layer's trailing affine chain becomes its batch norm.
/// Anything else gives an <see cref="OnnxImportException"/> naming the node, its operator and why.
/// </para>
/// </summary>
public static class OnnxImporter
{
    /// <summary>What the importer accepts, as listed in its error messages.</summary>
    public const string SupportedText =
        "MatMul, Gemm and Conv with binary (±α) constant weights, BatchNormalization, Sign, MultiThreshold (one step), BipolarQuant, Quant (1-bit), " +
        "Add/Sub/Mul/Div by constants, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity, Dropout, MaxPool (of binarized values), " +
        "TopK/ArgMax (class output), and subgraphs of constants (Shape, Gather, Concat, Pow, Sqrt, Cast, ...)";

    /// <summary>
    /// For each element of the graph input (row-major, e.g. NCHW), the index of the imported network's input byte
    /// that feeds it. The network reads HWC (channel fastest), so for inputs with several channels and positions
    /// the two orders differ; see <see cref="ImportOptions.ToGraphInput(ReadOnlySpan{byte}, int[])"/>.
    /// </summary>
    public static int[] InputLayout(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Inputs.Count == 0)
        {
            throw new OnnxImportException($"'{model.Source}' has no graph input");
        }

        return Session.CanonicalMap(OnnxFloatEvaluator.InputDims(model.Inputs[0], model.Source));
    }

    public static ImportResult Import(OnnxModel model, ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.InputScale == 0 || !double.IsFinite(options.InputScale) || !double.IsFinite(options.InputOffset))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"input scale {options.InputScale:R} and offset {options.InputOffset:R}: the scale must be a finite number other than 0 (with 0 every input byte becomes the same graph input), the offset finite"), nameof(options));
        }

        return new Session(model, options).Run();
    }

    private sealed class Session
    {
        private readonly OnnxModel _model;
        private readonly ImportOptions _options;
        private readonly List<string> _notes = [];
        private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);
        private readonly List<NetworkLayer> _layers = [];
        private readonly List<TensorShape> _shapes = [];
        private PendingLayer? _pending;

        public Session(OnnxModel model, ImportOptions options)
        {
            _model = model;
            _options = options;
        }

        private static CultureInfo Inv => CultureInfo.InvariantCulture;

        /// <summary>How notes name a node: "node 'MatMul_0' (MatMul)" (errors use the label with the file).</summary>
        private static string Short(OnnxNode node) => (node.Name.Length > 0 ? $"node '{node.Name}'" : $"node #{node.Index}") + $" ({node.OpType})";

        public ImportResult Run()
        {
            OnnxValueInfo input = SingleInput();
            int[] dims = OnnxFloatEvaluator.InputDims(input, _model.Source);
            TensorShape inputShape = CanonicalShape(dims) ?? throw new OnnxImportException($"graph input '{input.Name}' of '{_model.Source}' has shape {input.ShapeText}; supported: [n], [1, n], [1, C, L] or [1, C, H, W]");
            _shapes.Add(inputShape);
            _values[input.Name] = new Traced(TracedKind.Input, dims, 0, CanonicalMap(dims), [], null, null, null, $"graph input '{input.Name}'");
            _notes.Add(string.Create(Inv, $"input '{input.Name}' {input.ShapeText} = {(_options.InputSigned ? "int8" : "uint8")} byte · {_options.InputScale:R} + {_options.InputOffset:R}")
                + (inputShape.Channels > 1 && inputShape.Count > inputShape.Channels ? $"; the network reads the bytes in HWC order ({inputShape}, channel fastest), the graph in NCHW order" : string.Empty));

            string outputName = _model.Outputs.Count > 0 ? _model.Outputs[0].Name : throw new OnnxImportException($"'{_model.Source}' has no graph output");
            if (_model.Outputs.Count > 1)
            {
                _notes.Add($"the graph has {_model.Outputs.Count} outputs; only the first ('{outputName}') is imported");
            }

            HashSet<OnnxNode> needed = NeededNodes(outputName);
            foreach (OnnxNode node in _model.Nodes)
            {
                if (needed.Contains(node) && !(node.OpType == "Constant" && node.IsStandardDomain))
                {
                    Visit(node);
                }
            }

            Traced result = Get(outputName, null) as Traced ?? throw new OnnxImportException($"graph output '{outputName}' of '{_model.Source}' is a constant");
            if (result.Kind is not (TracedKind.Dot or TracedKind.ClassIndex))
            {
                throw new OnnxImportException($"graph output '{outputName}' (from {result.Origin}) is {Describe(result)}, not class scores of a final linear layer");
            }

            FinalizeScores(result);
            return new ImportResult(BuildNetwork(inputShape), _notes);
        }

        private OnnxValueInfo SingleInput()
        {
            if (_model.Inputs.Count != 1)
            {
                throw new OnnxImportException($"'{_model.Source}' has {_model.Inputs.Count} graph inputs ({string.Join(", ", _model.Inputs.Select(i => i.Name))}); exactly one is supported");
            }

            OnnxValueInfo input = _model.Inputs[0];
            if (input.ElementType == OnnxDataType.Int8 && !_options.InputSigned)
            {
                throw new OnnxImportException($"graph input '{input.Name}' is INT8: import it with signed (int8) input bytes");
            }

            if (input.ElementType == OnnxDataType.UInt8 && _options.InputSigned)
            {
                throw new OnnxImportException($"graph input '{input.Name}' is UINT8: import it with unsigned (uint8) input bytes");
            }

            return input;
        }

        private HashSet<OnnxNode> NeededNodes(string output)
        {
            HashSet<OnnxNode> needed = [];
            Stack<string> pending = new([output]);
            while (pending.Count > 0)
            {
                OnnxNode? producer = _model.FindProducer(pending.Pop());
                if (producer != null && needed.Add(producer))
                {
                    foreach (string i in producer.Inputs.Where(i => i.Length > 0))
                    {
                        pending.Push(i);
                    }
                }
            }

            return needed;
        }

        // ---- values ----

        private object? Get(string name, OnnxNode? user)
        {
            if (name.Length == 0)
            {
                return null;
            }

            if (_values.TryGetValue(name, out object? value))
            {
                return value is string reason ? throw new OnnxImportException($"{user?.Label ?? "the graph output"} reads '{name}', {reason}") : value;
            }

            if (_model.TryGetConstant(name, out OnnxTensor tensor))
            {
                FloatTensor t = FloatTensor.FromOnnx(tensor);
                _values[name] = t;
                return t;
            }

            OnnxNode? producer = _model.FindProducer(name);
            throw new OnnxImportException($"{user?.Label ?? "the graph output"} reads '{name}', which {(producer == null ? "is neither a graph input, an initializer nor a node output" : "is computed by " + producer.Label + " after it")}");
        }

        private FloatTensor Const(OnnxNode node, int index, string what)
        {
            object? v = index < node.Inputs.Count ? Get(node.Inputs[index], node) : null;
            return v as FloatTensor ?? throw new OnnxImportException(
                v == null ? $"{node.Label} has no {what} (input {index})" : $"{node.Label}: its {what} '{node.Inputs[index]}' is computed ({Describe((Traced)v)}), but it must be a constant");
        }

        private static string Describe(Traced t) => t.Kind switch
        {
            TracedKind.Input => "a function of the input features",
            TracedKind.Bits => t.Source == 0 ? "binarized input" : $"binarized outputs of IR layer {t.Source - 1}",
            TracedKind.Dot => $"the dot products of the linear layer of {t.Pending!.Node}",
            _ => "a class index",
        };

        // ---- node dispatch ----

        private void Visit(OnnxNode node)
        {
            object?[] inputs = [.. node.Inputs.Select(i => Get(i, node))];
            if (inputs.All(v => v is null or FloatTensor) && inputs.Any(v => v != null))
            {
                Fold(node, inputs);
                return;
            }

            if (!inputs.OfType<Traced>().Any())
            {
                Fold(node, inputs);
                return;
            }

            Traced x = inputs.OfType<Traced>().First();
            string op = node.IsStandardDomain ? node.OpType : "custom:" + node.OpType;
            switch (op)
            {
                case "Identity":
                case "Dropout":
                    Set(node, 0, x.With(x.Dims, Short(node)));
                    MarkUnusable(node, 1, "the mask output of Dropout, which is not supported");
                    return;
                case "Reshape":
                    Set(node, 0, Relabel(x, OnnxFloatEvaluator.ReshapeDims(node, x.Dims, Const(node, 1, "shape")), node));
                    return;
                case "Flatten":
                    Set(node, 0, Relabel(x, OnnxFloatEvaluator.FlattenDims(node, x.Dims), node));
                    return;
                case "Squeeze":
                    Set(node, 0, Relabel(x, OnnxFloatEvaluator.SqueezeDims(node, x.Dims, OptionalConst(node, 1)), node));
                    return;
                case "Unsqueeze":
                    Set(node, 0, Relabel(x, OnnxFloatEvaluator.UnsqueezeDims(node, x.Dims, OptionalConst(node, 1)), node));
                    return;
                case "Transpose":
                    {
                        int[] perm = OnnxFloatEvaluator.TransposePerm(node, x.Dims.Length);
                        int[] dims = [.. perm.Select(p => x.Dims[p])];
                        Set(node, 0, x.Kind == TracedKind.ClassIndex ? x.With(dims, Short(node)) : x.Gather(dims, OnnxFloatEvaluator.TransposeSource(x.Dims, perm), Short(node)));
                        return;
                    }

                case "Shape":
                    Fold(node, [new FloatTensor(x.Dims, new float[x.Kind == TracedKind.ClassIndex ? (int)OnnxFloatEvaluator.Count(x.Dims) : x.Count])]);
                    return;
                case "Add":
                case "Sub":
                case "Mul":
                case "Div":
                    Set(node, 0, Elementwise(node, inputs));
                    return;
                case "BatchNormalization":
                    Set(node, 0, BatchNormalization(node, Expect(node, inputs[0])));
                    for (int o = 1; o < node.Outputs.Count; o++)
                    {
                        MarkUnusable(node, o, "a training output of BatchNormalization, which is not supported");
                    }

                    return;
                case "MatMul":
                case "Gemm":
                    Set(node, 0, Dense(node, inputs));
                    return;
                case "Conv":
                    Set(node, 0, Conv(node, inputs));
                    return;
                case "MaxPool":
                    Set(node, 0, MaxPool(node, Expect(node, inputs[0])));
                    return;
                case "TopK":
                case "ArgMax":
                    ClassOutput(node, Expect(node, inputs[0]));
                    return;
                case "Sign":
                case "custom:MultiThreshold":
                case "custom:BipolarQuant":
                case "custom:Quant":
                case "custom:IntQuant":
                    {
                        Traced value = Expect(node, inputs[0]);
                        if (inputs.Skip(1).OfType<Traced>().Any())
                        {
                            throw new OnnxImportException($"{node.Label}: its parameters are computed, but they must be constants");
                        }

                        Binarizer binarizer = Binarizer.Create(node, value.Dims, i => Const(node, i, "parameter"))!;
                        Set(node, 0, Binarize(node, value, binarizer));
                        return;
                    }

                default:
                    throw new OnnxImportException($"{node.Label}: not a binarized-network operation; supported: {SupportedText}");
            }
        }

        private FloatTensor? OptionalConst(OnnxNode node, int index) => index < node.Inputs.Count && node.Inputs[index].Length > 0 ? Const(node, index, "axes") : null;

        private static Traced Expect(OnnxNode node, object? value) =>
            value as Traced ?? throw new OnnxImportException($"{node.Label}: its data input is a constant where a computed value was expected");

        private void Set(OnnxNode node, int output, Traced value)
        {
            if (output < node.Outputs.Count && node.Outputs[output].Length > 0)
            {
                _values[node.Outputs[output]] = value;
            }
        }

        private void MarkUnusable(OnnxNode node, int output, string reason)
        {
            if (output < node.Outputs.Count && node.Outputs[output].Length > 0)
            {
                _values[node.Outputs[output]] = reason;
            }
        }

        private void Fold(OnnxNode node, object?[] inputs)
        {
            if (!OnnxFloatEvaluator.IsSupported(node))
            {
                throw new OnnxImportException($"{node.Label}: not a binarized-network operation (on constants here); supported: {SupportedText}");
            }

            FloatTensor?[] outputs = OnnxFloatEvaluator.Execute(node, [.. inputs.Cast<FloatTensor?>()]);
            for (int o = 0; o < node.Outputs.Count && o < outputs.Length; o++)
            {
                if (node.Outputs[o].Length > 0 && outputs[o] != null)
                {
                    _values[node.Outputs[o]] = outputs[o]!;
                }
            }
        }

        private static Traced Relabel(Traced x, int[] dims, OnnxNode node)
        {
            long count = x.Kind == TracedKind.ClassIndex ? OnnxFloatEvaluator.Count(x.Dims) : x.Count;
            return OnnxFloatEvaluator.Count(dims) == count
                ? x.With(dims, Short(node))
                : throw new OnnxImportException($"{node.Label}: [{string.Join(", ", dims)}] does not hold the {count} values of its input");
        }

        // ---- elementwise ----

        private Traced Elementwise(OnnxNode node, object?[] inputs)
        {
            if (inputs.Length != 2 || inputs[0] == null || inputs[1] == null)
            {
                throw new OnnxImportException($"{node.Label} needs two inputs");
            }

            if (inputs[0] is Traced && inputs[1] is Traced)
            {
                throw new OnnxImportException($"{node.Label}: combines two computed tensors; only constants can be added, subtracted, multiplied or divided elementwise");
            }

            bool tracedFirst = inputs[0] is Traced;
            Traced x = (Traced)(tracedFirst ? inputs[0] : inputs[1])!;
            FloatTensor c = (FloatTensor)(tracedFirst ? inputs[1] : inputs[0])!;
            StepKind kind = (node.OpType, tracedFirst) switch
            {
                ("Add", _) => StepKind.Add,
                ("Mul", _) => StepKind.Mul,
                ("Sub", true) => StepKind.Sub,
                ("Sub", false) => StepKind.SubFrom,
                ("Div", true) => StepKind.Div,
                _ => throw new OnnxImportException($"{node.Label}: divides a constant by a computed value, which is not an affine operation"),
            };
            float[] values = BroadcastConstant(node, c, x);
            Step step = new(kind, [values], 0f, Short(node));
            return Apply(node, x, step);
        }

        private static float[] BroadcastConstant(OnnxNode node, FloatTensor c, Traced x)
        {
            if (x.Kind == TracedKind.ClassIndex)
            {
                throw new OnnxImportException($"{node.Label}: arithmetic on the class index is not supported");
            }

            int[] shape = OnnxFloatEvaluator.BroadcastShape(node, x.Dims, c.Shape);
            return shape.SequenceEqual(x.Dims)
                ? OnnxFloatEvaluator.BroadcastTo(c, x.Dims)
                : throw new OnnxImportException($"{node.Label}: its constant {c.ShapeText} would broadcast the computed tensor [{string.Join(", ", x.Dims)}] to [{string.Join(", ", shape)}]");
        }

        /// <summary>A step on a chain (Input, Dot), or applied to both levels of a Bits tensor.</summary>
        private static Traced Apply(OnnxNode node, Traced x, Step step)
        {
            switch (x.Kind)
            {
                case TracedKind.Input:
                case TracedKind.Dot:
                    return x.WithStep(step, Short(node));
                case TracedKind.Bits:
                    {
                        float[] lo = new float[x.Count], hi = new float[x.Count];
                        for (int e = 0; e < lo.Length; e++)
                        {
                            lo[e] = step.Apply(x.Lo![e], e);
                            hi[e] = step.Apply(x.Hi![e], e);
                            if (BitConverter.SingleToInt32Bits(lo[e]) == BitConverter.SingleToInt32Bits(hi[e]) || float.IsNaN(lo[e]) || float.IsNaN(hi[e]))
                            {
                                throw new OnnxImportException($"{node.Label}: maps the two levels of binarized element {e} to {lo[e]} and {hi[e]}, which are no longer two distinct values");
                            }
                        }

                        return x.WithLevels(lo, hi, Short(node));
                    }

                default:
                    throw new OnnxImportException($"{node.Label}: arithmetic on the class index is not supported");
            }
        }

        private Traced BatchNormalization(OnnxNode node, Traced x)
        {
            if (x.Dims.Length < 2)
            {
                throw new OnnxImportException($"{node.Label}: needs an N×C×... input, got [{string.Join(", ", x.Dims)}]");
            }

            if (node.GetInt("training_mode", 0) != 0)
            {
                throw new OnnxImportException($"{node.Label}: training_mode=1 is not supported (inference only)");
            }

            int channels = x.Dims[1];
            int[] shape = [.. Enumerable.Repeat(1, x.Dims.Length)];
            shape[1] = channels;
            float[][] p = new float[4][];
            string[] names = ["scale", "bias", "mean", "var"];
            for (int k = 0; k < 4; k++)
            {
                FloatTensor t = Const(node, k + 1, names[k]);
                if (t.Count != channels)
                {
                    throw new OnnxImportException($"{node.Label}: its {names[k]} {t.ShapeText} does not have {channels} channels");
                }

                p[k] = OnnxFloatEvaluator.BroadcastTo(t.Reshape(shape), x.Dims);
            }

            return Apply(node, x, new Step(StepKind.BatchNorm, p, node.GetFloat("epsilon", 1e-5f), Short(node)));
        }

        // ---- binarization ----

        private Traced Binarize(OnnxNode node, Traced x, Binarizer binarizer)
        {
            switch (x.Kind)
            {
                case TracedKind.Input:
                    return InputThreshold(node, x, binarizer);
                case TracedKind.Dot:
                    return FinalizeHidden(node, x, binarizer);
                case TracedKind.Bits:
                    {
                        float[] lo = new float[x.Count], hi = new float[x.Count];
                        for (int e = 0; e < lo.Length; e++)
                        {
                            lo[e] = binarizer.Value(x.Lo![e], e);
                            hi[e] = binarizer.Value(x.Hi![e], e);
                            if (BitConverter.SingleToInt32Bits(lo[e]) == BitConverter.SingleToInt32Bits(hi[e]))
                            {
                                throw new OnnxImportException($"{node.Label}: maps both levels ({x.Lo[e]}, {x.Hi[e]}) of binarized element {e} to {lo[e]}: a constant, not a binarized value");
                            }
                        }

                        return x.WithLevels(lo, hi, Short(node));
                    }

                default:
                    throw new OnnxImportException($"{node.Label}: binarizes the class index");
            }
        }

        /// <summary>The first binarization of the input: per input element, the smallest byte whose chain value fires.</summary>
        private Traced InputThreshold(OnnxNode node, Traced x, Binarizer binarizer)
        {
            RequireFirstLayer(node, x);
            (int min, int max) = _options.ByteRange;
            float[] graphValues = new float[max - min + 1];
            for (int v = min; v <= max; v++)
            {
                graphValues[v - min] = _options.GraphInputValue(v);
            }

            int[] thresholds = new int[x.Count];
            float[] lo = (float[])binarizer.Lo.Clone(), hi = (float[])binarizer.Hi.Clone();
            int inverted = 0, constant = 0, zeroHits = 0;
            for (int e = 0; e < x.Count; e++)
            {
                bool first = false, increasing = true, decreasing = true;
                int changes = 0, at = max + 1;
                for (int v = min; v <= max; v++)
                {
                    float value = x.Evaluate(graphValues[v - min], e);
                    if (float.IsNaN(value))
                    {
                        throw new OnnxImportException($"{node.Label}: the chain before it ({ChainText(x)}) gives NaN for input byte {v} at element {e}");
                    }

                    zeroHits += binarizer.Kind == BinarizerKind.Sign && value == 0f ? 1 : 0;
                    bool fires = binarizer.Fires(value, e);
                    if (v == min)
                    {
                        first = fires;
                    }
                    else if (fires != first && changes == 0)
                    {
                        changes = 1;
                        at = v;
                        increasing = fires;
                        decreasing = !fires;
                    }
                    else if (changes == 1 && fires == first)
                    {
                        throw new OnnxImportException($"{node.Label}: the chain before it ({ChainText(x)}) is not monotone in the input byte at element {e} (it fires, stops and fires again), so no byte threshold reproduces it");
                    }
                }

                if (changes == 0)
                {
                    constant++;
                    thresholds[x.Map[e]] = first ? min : max + 1;
                }
                else if (increasing)
                {
                    thresholds[x.Map[e]] = at;
                }
                else if (decreasing)
                {
                    // Fires below the step: the IR bit is "byte >= at" = NOT fires, so this element's levels swap.
                    thresholds[x.Map[e]] = at;
                    (lo[e], hi[e]) = (hi[e], lo[e]);
                    inverted++;
                }
            }

            _layers.Add(new InputThresholdLayer(thresholds));
            _shapes.Add(_shapes[0]);
            int[] distinct = [.. thresholds.Distinct().Order()];
            string values = distinct.Length <= 4 ? string.Join(", ", distinct) : $"{distinct.Length} distinct values {distinct[0]}..{distinct[^1]}";
            _notes.Add($"layer 0: InputThreshold from {Short(node)}: bit = byte >= T, T = {values} over {x.Count} input values (found exactly by evaluating {ChainText(x)} in float32 on every byte value)"
                + (inverted > 0 ? $"; {inverted} element(s) fire below their threshold, so their levels are swapped downstream" : string.Empty)
                + (constant > 0 ? $"; {constant} element(s) are constant" : string.Empty));
            if (zeroHits > 0)
            {
                _notes.Add($"{Short(node)}: ONNX Sign(0) = 0, which a binarized network cannot represent; the chain before it reaches exactly 0 for {zeroHits} (element, byte) pair(s), which the import binarizes to +1, so the float graph may differ on such inputs");
            }

            return new Traced(TracedKind.Bits, x.Dims, 1, x.Map, [], lo, hi, null, Short(node));
        }

        private void RequireFirstLayer(OnnxNode node, Traced x)
        {
            if (_layers.Count > 0 || x.Source != 0)
            {
                throw new OnnxImportException($"{node.Label}: reads the input features after other layers were built; only a chain of layers starting at the input is supported");
            }
        }

        private static string ChainText(Traced x) => x.Chain.Count == 0 ? "the identity" : string.Join(" → ", x.Chain.Select(s => s.Describe()));

        /// <summary>Emits the pending linear layer as a hidden layer whose output bits are the binarizer's decisions.</summary>
        private Traced FinalizeHidden(OnnxNode node, Traced dot, Binarizer binarizer)
        {
            PendingLayer p = TakePending(node, dot);
            int channels = p.OutChannels;
            int[] rep = Representatives(dot, channels, p, binarizer);
            (int minDot, int maxDot) = BatchNormFolding.DotRange(p.DotLength, p.ReadsBytes, _options.InputSigned);
            bool[][] fires = new bool[channels][];
            int zeroHits = 0;
            OnnxFloatEvaluator.Window? w = p.Window;
            bool anyParity = p.ReadsBytes || (w != null && w.PadTop + w.PadLeft + w.PadBottom + w.PadRight > 0);
            for (int o = 0; o < channels; o++)
            {
                fires[o] = new bool[maxDot - minDot + 1];
                for (int d = minDot; d <= maxDot; d++)
                {
                    float value = dot.Evaluate(p.ChainInput(o, d), rep[o]);

                    // Dots of ±1 inputs without padding have the parity of their length; only those can occur.
                    zeroHits += binarizer.Kind == BinarizerKind.Sign && value == 0f && (anyParity || ((d - minDot) & 1) == 0) ? 1 : 0;
                    fires[o][d - minDot] = binarizer.Fires(value, rep[o]);
                }
            }

            // The graph's own batch norm when the chain is [Mul by α > 0]* then BatchNormalization, before a plain sign.
            float[] gamma = new float[channels], beta = new float[channels], mean = new float[channels], variance = new float[channels];
            float[] alpha = new float[channels];
            float epsilon = 0f;
            bool faithful = dot.Chain.Count > 0 && dot.Chain[^1].Kind == StepKind.BatchNorm && dot.Chain.SkipLast(1).All(s => s.Kind == StepKind.Mul);
            for (int o = 0; o < channels && faithful; o++)
            {
                int e = rep[o];
                double a = p.PrefixScale[o];
                foreach (Step s in dot.Chain.SkipLast(1))
                {
                    a *= s.P[0][e];
                }

                Step bn = dot.Chain[^1];
                faithful = p.PrefixOffset[o] == 0 && a > 0 && a < float.MaxValue && binarizer.IsSignAt(e);
                (gamma[o], beta[o], mean[o], variance[o], alpha[o], epsilon) = (bn.P[0][e], bn.P[1][e], bn.P[2][e], bn.P[3][e], (float)a, bn.Epsilon);
            }

            if (!faithful)
            {
                epsilon = 0f;
                Array.Fill(alpha, 1f);
            }

            BatchNorm norm = new(gamma, beta, mean, variance, epsilon);
            float[]? alphaOrNull = alpha.All(a => a == 1f) ? null : alpha;
            NetworkLayer layer = MakeLayer(p, norm, alphaOrNull);
            int rewritten = 0;
            for (int o = 0; o < channels; o++)
            {
                if (!faithful || !Agrees(layer, o, fires[o], minDot))
                {
                    SetThresholdForm(norm, o, fires[o], minDot, node);
                    rewritten += faithful ? 1 : 0;
                    if (!Agrees(layer, o, fires[o], minDot))
                    {
                        throw new OnnxImportException($"{node.Label}: internal error: channel {o} of the layer of {p.Node} cannot reproduce the graph's decisions");
                    }
                }
            }

            _layers.Add(layer);
            _shapes.Add(p.OutShape);
            int index = _layers.Count - 1;
            string how = faithful
                ? string.Create(Inv, $"batch norm of {dot.Chain[^1].Node} (epsilon {epsilon:R})") + (alphaOrNull != null ? " with scaling α from the weights and Mul" : string.Empty)
                    + (rewritten > 0 ? $"; {rewritten} channel(s) where double and float32 rounding of that batch norm disagree on some dot product use an exact threshold form instead" : string.Empty)
                : $"per-channel thresholds found exactly by evaluating {PrefixText(p)} → {ChainText(dot)} → {node.OpType} in float32 on every dot product in [{minDot}, {maxDot}]";
            _notes.Add($"layer {index}: {layer.Describe()} from {p.Node}, binarized by {Short(node)}: {how}" + (p.PrefixExact ? string.Empty : "; the graph's float32 dot products are not exact integers here (scaled inputs or weights), so rounding in the graph may differ from the exact sums near a threshold"));
            if (zeroHits > 0)
            {
                _notes.Add($"{Short(node)}: ONNX Sign(0) = 0, which a binarized network cannot represent; the chain before it reaches exactly 0 for {zeroHits} (channel, dot) pair(s), which the import binarizes to +1, so the float graph may differ on such inputs");
            }

            return new Traced(TracedKind.Bits, dot.Dims, _layers.Count, dot.Map, [], binarizer.Lo, binarizer.Hi, null, Short(node));
        }

        private static string PrefixText(PendingLayer p)
        {
            bool identity = p.PrefixScale.All(s => s == 1) && p.PrefixOffset.All(c => c == 0);
            return identity ? "dot" : "α·dot + c";
        }

        private PendingLayer TakePending(OnnxNode node, Traced dot)
        {
            PendingLayer p = dot.Pending!;
            if (p.Finalized || !ReferenceEquals(p, _pending))
            {
                throw new OnnxImportException($"{node.Label}: the dot products of {p.Node} were already used by another binarizer or output; branching graphs are not supported");
            }

            p.Finalized = true;
            _pending = null;
            return p;
        }

        /// <summary>One element per output channel; every element of a channel must share the chain's and binarizer's constants.</summary>
        private static int[] Representatives(Traced dot, int channels, PendingLayer p, Binarizer? binarizer)
        {
            int[] rep = new int[channels];
            Array.Fill(rep, -1);
            for (int e = 0; e < dot.Count; e++)
            {
                int o = dot.Map[e] % channels;
                if (rep[o] < 0)
                {
                    rep[o] = e;
                    continue;
                }

                foreach (Step s in dot.Chain)
                {
                    if (!s.SameConstants(e, rep[o]))
                    {
                        throw new OnnxImportException($"{s.Node}: its constants differ between positions of output channel {o} of the layer of {p.Node}; only per-channel constants fold into per-channel thresholds");
                    }
                }

                if (binarizer != null && !binarizer.SameConstants(e, rep[o]))
                {
                    throw new OnnxImportException($"{binarizer.Node.Label}: its parameters differ between positions of output channel {o} of the layer of {p.Node}; only per-channel parameters are supported");
                }
            }

            return rep;
        }

        private static NetworkLayer MakeLayer(PendingLayer p, BatchNorm norm, float[]? alpha)
        {
            if (!p.IsConv)
            {
                return new DenseLayer(p.InShape.Count, p.OutChannels, p.Weights, norm, alpha);
            }

            OnnxFloatEvaluator.Window w = p.Window!;
            return new Conv2dLayer(p.InShape.Channels, p.OutChannels, w.KernelH, w.KernelW, w.StrideY, w.StrideX, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight, 0, p.Weights, norm, alpha);
        }

        private static double Activation(NetworkLayer layer, int o, int d) => layer is DenseLayer dense ? dense.Activation(o, d) : ((Conv2dLayer)layer).Activation(o, d);

        private static bool Agrees(NetworkLayer layer, int o, bool[] fires, int minDot)
        {
            for (int i = 0; i < fires.Length; i++)
            {
                if ((Activation(layer, o, minDot + i) >= 0) != fires[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Batch norm parameters of one channel that reproduce a monotone decision exactly: sign(±(d − (T ∓ ½))).</summary>
        private static void SetThresholdForm(BatchNorm norm, int o, bool[] fires, int minDot, OnnxNode node)
        {
            int firstTrue = Array.IndexOf(fires, true), firstFalse = Array.IndexOf(fires, false);
            norm.Variance[o] = 1f;
            norm.Beta[o] = 0f;
            if (firstTrue < 0 || firstFalse < 0)
            {
                // Constant output: zero scale, the sign of beta decides.
                norm.Gamma[o] = 0f;
                norm.Mean[o] = 0f;
                norm.Beta[o] = firstFalse < 0 ? 1f : -1f;
                return;
            }

            bool increasing = !fires[0];
            int step = increasing ? firstTrue : firstFalse;
            for (int i = step; i < fires.Length; i++)
            {
                if (fires[i] != increasing)
                {
                    throw new OnnxImportException($"{node.Label}: its decision on output channel {o} is not monotone in the dot product, so no threshold reproduces it");
                }
            }

            // Increasing: fires for d >= T = minDot + step; decreasing: fires for d <= D = minDot + step - 1.
            norm.Gamma[o] = increasing ? 1f : -1f;
            norm.Mean[o] = increasing ? (float)(minDot + step - 0.5) : (float)(minDot + step - 1 + 0.5);
        }

        /// <summary>Emits the pending dense layer as the score layer; its trailing affine chain becomes the batch norm.</summary>
        private void FinalizeScores(Traced result)
        {
            PendingLayer p = result.Pending!;
            if (p.Finalized || !ReferenceEquals(p, _pending))
            {
                throw new OnnxImportException($"the graph output reads the dot products of {p.Node}, which were already binarized; branching graphs are not supported");
            }

            if (p.IsConv)
            {
                throw new OnnxImportException($"the graph output comes from the convolution {p.Node}: the last layer must be dense (flatten, then a MatMul/Gemm producing the class scores)");
            }

            p.Finalized = true;
            _pending = null;
            int classes = p.OutChannels;
            for (int e = 0; e < result.Map.Length; e++)
            {
                if (result.Map[e] != e)
                {
                    throw new OnnxImportException($"the class scores of {p.Node} are reordered (Transpose) before the output, which is not supported");
                }
            }

            float[] gamma = new float[classes], beta = new float[classes];
            double[] a = new double[classes], b = new double[classes];
            for (int o = 0; o < classes; o++)
            {
                (double ca, double cb) = result.Affine(o);
                a[o] = p.PrefixScale[o] * ca;
                b[o] = (p.PrefixOffset[o] * ca) + cb;
                if (!double.IsFinite(a[o]) || !double.IsFinite(b[o]))
                {
                    throw new OnnxImportException($"the score chain of {p.Node} ({ChainText(result)}) is not finite for class {o}");
                }

                gamma[o] = (float)a[o];
                beta[o] = (float)b[o];
            }

            float[] ones = Enumerable.Repeat(1f, classes).ToArray();
            BatchNorm norm = new(gamma, beta, new float[classes], ones, 0f);
            DenseLayer layer = new(p.InShape.Count, classes, p.Weights, norm);
            _layers.Add(layer);
            _shapes.Add(p.OutShape);

            // How close are the IR scores (double) to the graph's float32 scores, and is the argmax exactly the graph's?
            (int minDot, int maxDot) = BatchNormFolding.DotRange(p.DotLength, p.ReadsBytes, _options.InputSigned);
            double worst = 0;
            for (int o = 0; o < classes; o++)
            {
                for (int d = minDot; d <= maxDot; d++)
                {
                    double graph = result.Evaluate(p.ChainInput(o, d), o);
                    worst = Math.Max(worst, Math.Abs(graph - layer.Activation(o, d)));
                }
            }

            bool shared = Enumerable.Range(1, classes - 1).All(o => p.PrefixScale[o] == p.PrefixScale[0] && p.PrefixOffset[o] == p.PrefixOffset[0] && result.Chain.All(s => s.SameConstants(o, 0)));
            int parity = p.ReadsBytes ? 1 : 2;
            bool strict = shared;
            for (int d = minDot; strict && d + parity <= maxDot; d += parity)
            {
                float f0 = result.Evaluate(p.ChainInput(0, d), 0), f1 = result.Evaluate(p.ChainInput(0, d + parity), 0);
                strict = a[0] > 0 ? f1 > f0 : f1 < f0;
            }

            string output = result.Kind == TracedKind.ClassIndex ? $"; class output by {result.Origin}" : string.Empty;
            string affine = shared ? string.Create(Inv, $"score = {a[0]:G9}·dot + {b[0]:G9} for every class") : "a per-class affine map";
            _notes.Add(string.Create(Inv, $"layer {_layers.Count - 1}: {layer.Describe()} class scores from {p.Node}: {ChainText(result)} folded into a batch norm ({affine}; largest difference from the graph's float32 scores {worst:G3}){output}"));
            _notes.Add(strict
                ? "scores: every class shares one strictly monotone float32 score map, so the imported network's class (lowest index on ties) equals the graph's on every input"
                : "scores: the classes' score maps differ (or are not strictly monotone in float32), so the class may differ from the float graph where two scores are within rounding of each other");
        }

        // ---- linear layers ----

        private void RequireLinearInput(OnnxNode node, Traced x)
        {
            switch (x.Kind)
            {
                case TracedKind.Dot:
                    throw new OnnxImportException($"{node.Label}: multiplies the output of the linear layer of {x.Pending!.Node} without a binarizing activation in between; supported activations: Sign, MultiThreshold, BipolarQuant, 1-bit Quant");
                case TracedKind.ClassIndex:
                    throw new OnnxImportException($"{node.Label}: multiplies the class index");
                case TracedKind.Input:
                    RequireFirstLayer(node, x);
                    break;
                default:
                    if (x.Source != _layers.Count)
                    {
                        throw new OnnxImportException($"{node.Label}: reads the output of IR layer {x.Source - 1} although later layers exist; only a chain of layers is supported");
                    }

                    break;
            }

            if (_pending != null)
            {
                throw new OnnxImportException($"{node.Label}: starts a linear layer while the dot products of {_pending.Node} are not binarized yet; branching graphs are not supported");
            }
        }

        private Traced Dense(OnnxNode node, object?[] inputs)
        {
            if (inputs.Length < 2 || inputs[0] is not Traced x)
            {
                throw new OnnxImportException($"{node.Label}: its left operand must be the computed activations and its right operand the constant weights");
            }

            FloatTensor weights = Const(node, 1, "weights");
            RequireLinearInput(node, x);
            bool gemm = node.OpType == "Gemm";
            if (gemm && node.GetInt("transA", 0) != 0)
            {
                throw new OnnxImportException($"{node.Label}: transA=1 is not supported");
            }

            if (weights.Rank != 2)
            {
                throw new OnnxImportException($"{node.Label}: weights {weights.ShapeText} must be a matrix");
            }

            if (gemm && node.GetInt("transB", 0) != 0)
            {
                weights = OnnxFloatEvaluator.Transpose(weights, [1, 0]);
            }

            int k = weights.Shape[0], n = weights.Shape[1];
            if (x.Dims.Length == 0 || x.Dims[^1] != k || x.Count != k || (gemm && x.Dims.Length != 2))
            {
                throw new OnnxImportException($"{node.Label}: multiplies [{string.Join(", ", x.Dims)}] by {weights.ShapeText}; a single row of {k} values (batch 1) is required");
            }

            TensorShape inShape = _shapes[x.Source];
            if (inShape.Count != k)
            {
                throw new OnnxImportException($"{node.Label}: reads {k} of the {inShape.Count} values of its input tensor; only whole tensors are supported");
            }

            double[] alpha = ColumnScales(node, weights.Data, n, (i, o) => (i * n) + o, k);
            float[] latent = new float[n * k];
            double[] scale = new double[n], offset = new double[n];
            bool exact;
            if (x.Kind == TracedKind.Bits)
            {
                (double h, double[] mid, int[] halfSign) = Levels(node, x);
                for (int o = 0; o < n; o++)
                {
                    double c = 0;
                    for (int i = 0; i < k; i++)
                    {
                        float w = weights.Data[(i * n) + o];
                        latent[(o * k) + x.Map[i]] = (w >= 0 ? 1f : -1f) * halfSign[i];
                        c += w * mid[i];
                    }

                    scale[o] = h * alpha[o];
                    offset[o] = c;
                }

                exact = x.Lo!.Concat(x.Hi!).All(IsInteger) && weights.Data.All(IsInteger);
            }
            else
            {
                (double a, double[] b) = InputAffine(node, x);
                for (int o = 0; o < n; o++)
                {
                    double c = 0;
                    for (int i = 0; i < k; i++)
                    {
                        float w = weights.Data[(i * n) + o];
                        latent[(o * k) + x.Map[i]] = w >= 0 ? 1f : -1f;
                        c += w * b[i];
                    }

                    scale[o] = a * alpha[o];
                    offset[o] = c;
                }

                exact = x.Chain.Count == 0 && _options.InputScale == 1 && _options.InputOffset == 0 && weights.Data.All(IsInteger);
            }

            PendingLayer p = new()
            {
                Node = Short(node),
                IsConv = false,
                ReadsBytes = x.Kind == TracedKind.Input,
                DotLength = k,
                InShape = inShape,
                OutShape = TensorShape.Vector(n),
                Weights = latent,
                PrefixScale = scale,
                PrefixOffset = offset,
                PrefixExact = exact,
            };
            _pending = p;
            int[] dims = x.Dims.Length == 1 ? [n] : [.. x.Dims[..^1], n];
            Traced dot = new(TracedKind.Dot, dims, _layers.Count + 1, [.. Enumerable.Range(0, n)], [], null, null, p, Short(node));
            if (gemm)
            {
                float alphaAttr = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
                dot = dot.WithStep(new Step(StepKind.Mul, [Enumerable.Repeat(alphaAttr, n).ToArray()], 0f, Short(node)), Short(node));
                if (inputs.Length > 2 && inputs[2] != null)
                {
                    FloatTensor c = Const(node, 2, "bias C");
                    float[] bias = BroadcastConstant(node, c, dot);
                    dot = dot.WithStep(new Step(StepKind.Add, [bias.Select(v => beta * v).ToArray()], 0f, Short(node)), Short(node));
                }
            }

            return dot;
        }

        private static bool IsInteger(float v) => v == MathF.Round(v) && MathF.Abs(v) < 1 << 24;

        /// <summary>Per output column, the magnitude α of binary weights ±α; an error naming values otherwise.</summary>
        private static double[] ColumnScales(OnnxNode node, float[] w, int columns, Func<int, int, int> at, int rowsPerColumn)
        {
            double[] alpha = new double[columns];
            for (int o = 0; o < columns; o++)
            {
                float magnitude = MathF.Abs(w[at(0, o)]);
                for (int i = 0; i < rowsPerColumn; i++)
                {
                    float v = MathF.Abs(w[at(i, o)]);
                    if (v != magnitude || !(v > 0) || float.IsInfinity(v))
                    {
                        float[] distinct = [.. Enumerable.Range(0, rowsPerColumn).Select(r => w[at(r, o)]).Distinct().Take(5)];
                        throw new OnnxImportException($"{node.Label}: its weights are not binary: output {o} holds {string.Join(", ", distinct.Select(d => d.ToString("R", CultureInfo.InvariantCulture)))}{(distinct.Length == 5 ? ", ..." : string.Empty)} (expected ±α with one α > 0 per output; quantize the weights to 1 bit, e.g. BipolarQuant or Sign)");
                    }
                }

                alpha[o] = magnitude;
            }

            return alpha;
        }

        /// <summary>The bits' common half-step h (|hi − lo|/2), each element's midpoint and the sign of its half-step.</summary>
        private static (double H, double[] Mid, int[] HalfSign) Levels(OnnxNode node, Traced x)
        {
            double h = Math.Abs(((double)x.Hi![0] - x.Lo![0]) / 2);
            double[] mid = new double[x.Count];
            int[] sign = new int[x.Count];
            for (int e = 0; e < x.Count; e++)
            {
                double half = ((double)x.Hi[e] - x.Lo[e]) / 2;
                if (Math.Abs(half) != h)
                {
                    throw new OnnxImportException($"{node.Label}: its binarized inputs take levels ({x.Lo[0]}, {x.Hi[0]}) at element 0 but ({x.Lo[e]}, {x.Hi[e]}) at element {e}; the levels must be a common ±h around any midpoint");
                }

                mid[e] = ((double)x.Hi[e] + x.Lo[e]) / 2;
                sign[e] = half > 0 ? 1 : -1;
            }

            return (h, mid, sign);
        }

        /// <summary>
        /// The input chain as graph_value = a·byte + b[element] in real arithmetic (a common to all elements, b per
        /// element), from the options' input scale and offset and the chain's affine steps.
        /// </summary>
        private (double A, double[] B) InputAffine(OnnxNode node, Traced x)
        {
            double a0 = double.NaN;
            double[] b = new double[x.Count];
            for (int e = 0; e < x.Count; e++)
            {
                (double ca, double cb) = x.Affine(e);
                double a = _options.InputScale * ca;
                b[e] = (_options.InputOffset * ca) + cb;
                if (e == 0)
                {
                    a0 = a;
                }
                else if (a != a0)
                {
                    throw new OnnxImportException($"{node.Label}: the input features are scaled differently per element before this 8-bit layer ({ChainText(x)}); only one common scale can be folded");
                }
            }

            if (a0 == 0 || !double.IsFinite(a0))
            {
                throw new OnnxImportException($"{node.Label}: the input features reach it with scale {a0} ({ChainText(x)})");
            }

            return (a0, b);
        }

        private Traced Conv(OnnxNode node, object?[] inputs)
        {
            if (inputs.Length < 2 || inputs[0] is not Traced x)
            {
                throw new OnnxImportException($"{node.Label}: its data input must be the computed activations and its weights a constant");
            }

            FloatTensor w = Const(node, 1, "weights");
            RequireLinearInput(node, x);
            if (x.Dims.Length is not (3 or 4) || w.Rank != x.Dims.Length || x.Dims[0] != 1)
            {
                throw new OnnxImportException($"{node.Label}: convolution of [{string.Join(", ", x.Dims)}] by {w.ShapeText}: a 1-D or 2-D NCHW convolution with batch 1 is required");
            }

            if (node.GetInt("group", 1) != 1)
            {
                throw new OnnxImportException($"{node.Label}: grouped convolution (group={node.GetInt("group", 1)}) is not supported");
            }

            TensorShape inShape = _shapes[x.Source];
            RequireCanonical(node, x, inShape);
            bool twoD = x.Dims.Length == 4;
            int o = w.Shape[0], c = w.Shape[1], kh = twoD ? w.Shape[2] : 1, kw = w.Shape[^1];
            if (c != inShape.Channels)
            {
                throw new OnnxImportException($"{node.Label}: weights {w.ShapeText} expect {c} input channels, the input has {inShape.Channels}");
            }

            OnnxFloatEvaluator.Window g = OnnxFloatEvaluator.ResolveWindow(node, twoD ? 2 : 1, inShape.Height, inShape.Width, kh, kw);
            if (g.DilationX != 1 || g.DilationY != 1)
            {
                throw new OnnxImportException($"{node.Label}: dilated convolution is not supported");
            }

            if (g.PadTop >= kh || g.PadBottom >= kh || g.PadLeft >= kw || g.PadRight >= kw)
            {
                throw new OnnxImportException($"{node.Label}: padding {g.PadTop},{g.PadLeft},{g.PadBottom},{g.PadRight} must be smaller than the {kh}x{kw} kernel");
            }

            bool padded = g.PadTop + g.PadLeft + g.PadBottom + g.PadRight > 0;
            int taps = kh * kw * c;
            double[] alpha = ColumnScales(node, w.Data, o, (t, oc) => (oc * taps) + t, taps);

            // Per input channel: the sign of the half-step and the midpoint (bits), or the offset (bytes).
            int[] channelSign = new int[c];
            double[] channelOffset = new double[c];
            double common;
            bool exact;
            int[] rep = new int[c];
            Array.Fill(rep, -1);
            for (int e = 0; e < x.Count; e++)
            {
                int ch = x.Map[e] % c;
                rep[ch] = rep[ch] < 0 ? e : rep[ch];
            }

            if (x.Kind == TracedKind.Bits)
            {
                (double h, double[] mid, int[] halfSign) = Levels(node, x);
                for (int e = 0; e < x.Count; e++)
                {
                    int ch = x.Map[e] % c;
                    if (x.Lo![e] != x.Lo[rep[ch]] || x.Hi![e] != x.Hi[rep[ch]])
                    {
                        throw new OnnxImportException($"{node.Label}: the levels of its binarized input differ between positions of channel {ch}");
                    }

                    channelSign[ch] = halfSign[e];
                    channelOffset[ch] = mid[e];
                }

                common = h;
                exact = x.Lo!.Concat(x.Hi!).All(IsInteger) && w.Data.All(IsInteger);
                if (padded && channelOffset.Any(m => m != 0))
                {
                    throw new OnnxImportException($"{node.Label}: zero padding of inputs with levels ({x.Lo![0]}, {x.Hi![0]}) is not a ±1 padding; pad only ±1-valued (symmetric) activations");
                }
            }
            else
            {
                (double a, double[] b) = InputAffine(node, x);
                for (int e = 0; e < x.Count; e++)
                {
                    int ch = x.Map[e] % c;
                    if (b[e] != b[rep[ch]])
                    {
                        throw new OnnxImportException($"{node.Label}: the input features are offset differently per position of channel {ch} before this 8-bit convolution ({ChainText(x)})");
                    }

                    channelSign[ch] = 1;
                    channelOffset[ch] = b[e];
                }

                common = a;
                exact = x.Chain.Count == 0 && _options.InputScale == 1 && _options.InputOffset == 0 && w.Data.All(IsInteger);
                if (padded && channelOffset.Any(v => v != 0))
                {
                    throw new OnnxImportException($"{node.Label}: the input features are offset ({ChainText(x)}) before a zero-padded 8-bit convolution, which the runtime cannot reproduce");
                }
            }

            float[] latent = new float[o * taps];
            double[] scale = new double[o], offset = new double[o];
            for (int oc = 0; oc < o; oc++)
            {
                double sum = 0;
                for (int ic = 0; ic < c; ic++)
                {
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            float v = w.Data[(((((oc * c) + ic) * kh) + ky) * kw) + kx];
                            latent[(((((oc * kh) + ky) * kw) + kx) * c) + ic] = (v >= 0 ? 1f : -1f) * channelSign[ic];
                            sum += v * channelOffset[ic];
                        }
                    }
                }

                scale[oc] = common * alpha[oc];
                offset[oc] = sum;
            }

            PendingLayer p = new()
            {
                Node = Short(node),
                IsConv = true,
                ReadsBytes = x.Kind == TracedKind.Input,
                DotLength = taps,
                InShape = inShape,
                OutShape = new TensorShape(g.OutH, g.OutW, o),
                Weights = latent,
                PrefixScale = scale,
                PrefixOffset = offset,
                PrefixExact = exact,
                Window = g,
            };
            _pending = p;
            int[] dims = twoD ? [1, o, g.OutH, g.OutW] : [1, o, g.OutW];
            Traced dot = new(TracedKind.Dot, dims, _layers.Count + 1, CanonicalMap(dims), [], null, null, p, Short(node));
            if (inputs.Length > 2 && inputs[2] != null)
            {
                FloatTensor bias = Const(node, 2, "bias");
                if (bias.Count != o)
                {
                    throw new OnnxImportException($"{node.Label}: bias {bias.ShapeText} does not have {o} values");
                }

                int[] shape = [.. Enumerable.Repeat(1, dims.Length)];
                shape[1] = o;
                dot = dot.WithStep(new Step(StepKind.Add, [OnnxFloatEvaluator.BroadcastTo(bias.Reshape(shape), dims)], 0f, Short(node)), Short(node));
            }

            return dot;
        }

        private static void RequireCanonical(OnnxNode node, Traced x, TensorShape shape)
        {
            TensorShape? view = CanonicalShape(x.Dims);
            int[] canonical = CanonicalMap(x.Dims);
            if (view != shape || !canonical.SequenceEqual(x.Map))
            {
                throw new OnnxImportException($"{node.Label}: its input [{string.Join(", ", x.Dims)}] is not the NCHW view of the IR tensor {shape} it reads (reordered or reshaped); only plain NCHW tensors can be convolved or pooled");
            }
        }

        private Traced MaxPool(OnnxNode node, Traced x)
        {
            if (x.Kind != TracedKind.Bits)
            {
                throw new OnnxImportException($"{node.Label}: max-pools {Describe(x)}; only binarized values can be pooled (place MaxPool after the binarizing activation)");
            }

            if (x.Source != _layers.Count || _pending != null)
            {
                throw new OnnxImportException($"{node.Label}: pools the output of IR layer {x.Source - 1} although later layers exist; only a chain of layers is supported");
            }

            if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
            {
                throw new OnnxImportException($"{node.Label}: the Indices output of MaxPool is not supported");
            }

            TensorShape inShape = _shapes[x.Source];
            RequireCanonical(node, x, inShape);
            bool twoD = x.Dims.Length == 4;
            IReadOnlyList<long> kernel = node.GetInts("kernel_shape");
            if (kernel.Count != (twoD ? 2 : 1))
            {
                throw new OnnxImportException($"{node.Label}: kernel_shape [{string.Join(", ", kernel)}] does not fit [{string.Join(", ", x.Dims)}]");
            }

            OnnxFloatEvaluator.Window g = OnnxFloatEvaluator.ResolveWindow(node, twoD ? 2 : 1, inShape.Height, inShape.Width, twoD ? (int)kernel[0] : 1, (int)kernel[^1]);
            if (g.PadTop + g.PadLeft + g.PadBottom + g.PadRight != 0 || g.DilationX != 1 || g.DilationY != 1)
            {
                throw new OnnxImportException($"{node.Label}: padded or dilated max-pooling is not supported");
            }

            int c = inShape.Channels;
            float[] lo = new float[c], hi = new float[c];
            bool[] seen = new bool[c];
            for (int e = 0; e < x.Count; e++)
            {
                int ch = x.Map[e] % c;
                if (!seen[ch])
                {
                    (lo[ch], hi[ch], seen[ch]) = (x.Lo![e], x.Hi![e], true);
                }
                else if (lo[ch] != x.Lo![e] || hi[ch] != x.Hi![e])
                {
                    throw new OnnxImportException($"{node.Label}: the levels of its input differ between positions of channel {ch}");
                }

                if (!(x.Hi![e] > x.Lo![e]))
                {
                    throw new OnnxImportException($"{node.Label}: channel {ch} takes its upper level {x.Hi[e]} for bit 0 and {x.Lo[e]} for bit 1, so max-pooling is an AND of bits, which the runtime does not implement");
                }
            }

            MaxPool2dLayer layer = new(g.KernelH, g.KernelW, g.StrideY, g.StrideX);
            TensorShape outShape = layer.OutputShape(inShape);
            _layers.Add(layer);
            _shapes.Add(outShape);
            _notes.Add($"layer {_layers.Count - 1}: {layer.Describe()} from {Short(node)}");
            int[] dims = twoD ? [1, c, outShape.Height, outShape.Width] : [1, c, outShape.Width];
            int[] map = CanonicalMap(dims);
            return new Traced(TracedKind.Bits, dims, _layers.Count, map, [], [.. map.Select(m => lo[m % c])], [.. map.Select(m => hi[m % c])], null, Short(node));
        }

        private void ClassOutput(OnnxNode node, Traced x)
        {
            if (x.Kind != TracedKind.Dot || x.Pending != _pending)
            {
                throw new OnnxImportException($"{node.Label}: ranks {Describe(x)}; it must rank the class scores of the last linear layer");
            }

            int axis = OnnxFloatEvaluator.NormalizeAxis(node, node.GetInt("axis", node.OpType == "TopK" ? -1 : 0), x.Dims.Length);
            if (x.Dims[axis] != x.Count)
            {
                throw new OnnxImportException($"{node.Label}: ranks along axis {axis} of [{string.Join(", ", x.Dims)}], which does not hold all {x.Count} scores");
            }

            int[] dims = (int[])x.Dims.Clone();
            dims[axis] = 1;
            if (node.OpType == "TopK")
            {
                long k = node.Inputs.Count > 1 ? Const(node, 1, "K").ToInt64($"K of {node.Label}").Single() : node.GetInt("k");
                if (k != 1 || node.GetInt("largest", 1) == 0)
                {
                    throw new OnnxImportException($"{node.Label}: only TopK with K = 1 and largest = 1 (the class) is supported, got K = {k}");
                }

                MarkUnusable(node, 0, "the top score of TopK, which the runtime does not produce (only the class index is supported)");
                Set(node, 1, new Traced(TracedKind.ClassIndex, dims, x.Source, x.Map, x.Chain, null, null, x.Pending, Short(node)));
                return;
            }

            if (node.GetInt("select_last_index", 0) != 0)
            {
                throw new OnnxImportException($"{node.Label}: select_last_index=1 breaks ties by the highest index; the runtime takes the lowest");
            }

            if (node.GetInt("keepdims", 1) == 0)
            {
                dims = [.. dims.Where((_, i) => i != axis)];
            }

            Set(node, 0, new Traced(TracedKind.ClassIndex, dims, x.Source, x.Map, x.Chain, null, null, x.Pending, Short(node)));
        }

        // ---- layout ----

        /// <summary>The HWC shape an N×C×spatial tensor stands for: [n] and [1, n] → 1×1×n, [1, C, L] → 1×L×C, [1, C, H, W] → H×W×C.</summary>
        private static TensorShape? CanonicalShape(int[] dims) => dims.Length switch
        {
            1 => TensorShape.Vector(dims[0]),
            2 when dims[0] == 1 => TensorShape.Vector(dims[1]),
            3 when dims[0] == 1 => new TensorShape(1, dims[2], dims[1]),
            4 when dims[0] == 1 => new TensorShape(dims[2], dims[3], dims[1]),
            _ => null,
        };

        /// <summary>For each element of an NCHW tensor, its index in the HWC layout of <see cref="CanonicalShape"/>.</summary>
        internal static int[] CanonicalMap(int[] dims)
        {
            int count = (int)OnnxFloatEvaluator.Count(dims);
            if (dims.Length < 3)
            {
                return [.. Enumerable.Range(0, count)];
            }

            int c = dims[1], spatial = count / Math.Max(c * dims[0], 1);
            int[] map = new int[count];
            for (int ch = 0; ch < c; ch++)
            {
                for (int s = 0; s < spatial; s++)
                {
                    map[(ch * spatial) + s] = (s * c) + ch;
                }
            }

            return map;
        }

        // ---- network ----

        private BnnNetwork BuildNetwork(TensorShape inputShape)
        {
            List<NetworkLayer> layers = [.. _layers];
            if (layers[0] is InputThresholdLayer threshold)
            {
                bool flat = inputShape.Height == 1 && inputShape.Width == 1;
                if (flat || (layers.Count > 1 && layers[1] is DenseLayer))
                {
                    // One threshold per input value over a flat input (a dense layer reads it in HWC order anyway).
                    inputShape = TensorShape.Vector(inputShape.Count);
                }
                else
                {
                    int c = inputShape.Channels;
                    int[] perChannel = threshold.Thresholds[..c];
                    for (int m = 0; m < threshold.Thresholds.Length; m++)
                    {
                        if (threshold.Thresholds[m] != perChannel[m % c])
                        {
                            throw new OnnxImportException($"the input binarization has different thresholds at different positions of channel {m % c}; per-position thresholds are only supported before a dense layer");
                        }
                    }

                    layers[0] = new InputThresholdLayer(perChannel);
                }
            }
            else if (layers[0] is DenseLayer)
            {
                inputShape = TensorShape.Vector(inputShape.Count);
            }

            int classes = _shapes[^1].Count;
            IReadOnlyList<string> names = _options.ClassNames ?? [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
            try
            {
                return new BnnNetwork(inputShape, _options.InputSigned, layers, names);
            }
            catch (ArgumentException e)
            {
                throw new OnnxImportException($"'{_model.Source}' imports to an invalid network: {e.Message}", e);
            }
        }
    }
}
