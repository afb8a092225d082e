using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Import;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Onnx;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime.Model;
using Bnn.Nano.Tests.Compiler;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Import;

/// <summary>
/// The ONNX importer on the two real TFC-w1a1 exports (FINN and QONNX) and on small graphs built here, checked
/// against FINN's reference vectors and against <see cref="OnnxFloatEvaluator"/> running the original graph.
/// </summary>
public class OnnxImportTests
{
    /// <summary>MNIST test accuracy of these TFC-w1a1 weights (the data README; FINN publishes 93.17% for its own test pipeline).</summary>
    private const int ExpectedMnistCorrect = 9296;

    private static readonly Lazy<Imported> s_finn = new(() => Imported.Load(SharedFile("finn-tfc-w1a1", "tfc_w1a1_brevitas_export.onnx"), new ImportOptions()));
    private static readonly Lazy<Imported> s_qonnx = new(() => Imported.Load(SharedFile("qonnx-tfc-1w1a", "TFC_1W1A.onnx"), new ImportOptions { InputScale = 1.0 / 255 }));
    private static readonly Lazy<Dataset> s_mnist = new(() =>
    {
        SharedFile("mnist", "t10k-images-idx3-ubyte.gz");
        SharedFile("mnist", "t10k-labels-idx1-ubyte.gz");
        return MnistDatasets.LoadMnistTest(RepoPaths.Shared);
    });

    private readonly ITestOutputHelper _output;

    public OnnxImportTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>A file under ../shared/data; the test fails (never skips) naming the path when it is absent.</summary>
    private static string SharedFile(params string[] parts)
    {
        string path = Path.Combine([RepoPaths.Shared, "data", .. parts]);
        if (!File.Exists(path))
        {
            Assert.Fail($"reference data file '{path}' is missing: this test needs the project's ../shared/data folder beside the repository (see ../shared/data/README.md)");
        }

        return path;
    }

    [Fact]
    public void finn_reference_vectors_give_the_expected_classes_in_the_blob_and_the_float_graph()
    {
        Imported finn = s_finn.Value;
        BnnModel model = BlobReader.Load(finn.Blob);
        List<(string Inputs, string Outputs)> sets =
        [
            (SharedFile("finn-tfc-w1a1", "input_4x1x28x28_f32.npy"), SharedFile("finn-tfc-w1a1", "expected_output_4_i64.npy")),
            (SharedFile("finn-tfc-w1a1", "fpga_flow_input_1x1x28x28_f32.npy"), SharedFile("finn-tfc-w1a1", "fpga_flow_expected_output_1_i64.npy")),
        ];
        int checkedVectors = 0;
        foreach ((string inputs, string outputs) in sets)
        {
            NpyArray x = NpyReader.Read(inputs);
            NpyArray expected = NpyReader.Read(outputs);
            Assert.Equal("<f4", x.Dtype);
            Assert.Equal("<i8", expected.Dtype);
            int samples = x.Shape[0];
            Assert.Equal(samples, expected.Count);
            for (int s = 0; s < samples; s++)
            {
                float[] pixels = x.Floats!.AsSpan(s * 784, 784).ToArray();
                byte[] bytes = new byte[784];
                for (int i = 0; i < 784; i++)
                {
                    Assert.True(pixels[i] is >= 0 and <= 255 && pixels[i] == MathF.Round(pixels[i]), $"{inputs}: pixel {i} of sample {s} is {pixels[i]}, not a byte value");
                    bytes[i] = (byte)pixels[i];
                }

                int want = (int)expected.Int64s![s];
                Assert.Equal(want, model.Run(bytes));
                Assert.Equal(want, finn.Evaluator.Classify(pixels));
                _output.WriteLine($"{Path.GetFileName(inputs)}[{s}]: class {want} (blob and float graph)");
                checkedVectors++;
            }
        }

        Assert.Equal(5, checkedVectors);
    }

    [Fact]
    public void finn_blob_matches_the_float_graph_on_every_mnist_test_digit_and_the_float_reference_bit_for_bit()
    {
        Imported finn = s_finn.Value;
        Dataset mnist = s_mnist.Value;
        (int blobCorrect, int floatCorrect) = CompareOnMnist(finn, mnist, "FINN");
        Assert.Equal(floatCorrect, blobCorrect);
        Assert.Equal(ExpectedMnistCorrect, blobCorrect);

        // Every hidden bit and class of the runtime against the float reference of the imported network.
        Dataset first = mnist.Subset("mnist-test-first-200", [.. Enumerable.Range(0, 200)]);
        Assert.Equal(200, CompiledModelParityTests.AssertAgreement(finn.Result.Network, first));
    }

    [Fact]
    public void qonnx_export_compiles_to_the_same_weights_and_thresholds_as_finn_and_matches_its_own_float_graph()
    {
        Imported finn = s_finn.Value, qonnx = s_qonnx.Value;
        Assert.Equal(finn.Compiled.Layers.Count, qonnx.Compiled.Layers.Count);
        for (int l = 0; l < finn.Compiled.Layers.Count; l++)
        {
            CompiledLayer a = finn.Compiled.Layers[l], b = qonnx.Compiled.Layers[l];
            Assert.Equal(a.Kind, b.Kind);
            Assert.Equal(a.Weights, b.Weights);
            Assert.Equal(a.Thresholds, b.Thresholds);
            Assert.Equal(a.Scales, b.Scales);
            Assert.Equal(a.Biases, b.Biases);
            Assert.Equal(a.ScoreShift, b.ScoreShift);
        }

        // The heads differ in the graph (FINN divides by 17.838068, QONNX by Pow(318.19666, 0.5)) but not in float32.
        DenseLayer finnHead = (DenseLayer)finn.Result.Network.Layers[^1], qonnxHead = (DenseLayer)qonnx.Result.Network.Layers[^1];
        _output.WriteLine($"head: FINN gamma {finnHead.Norm.Gamma[0]:R} beta {finnHead.Norm.Beta[0]:R}; QONNX gamma {qonnxHead.Norm.Gamma[0]:R} beta {qonnxHead.Norm.Beta[0]:R}");
        Assert.Equal(finn.Blob, qonnx.Blob);

        (int blobCorrect, int floatCorrect) = CompareOnMnist(qonnx, s_mnist.Value, "QONNX");
        Assert.Equal(floatCorrect, blobCorrect);
        Assert.Equal(ExpectedMnistCorrect, blobCorrect);
    }

    [Fact]
    public void importer_notes_say_where_each_layer_comes_from()
    {
        ImportResult result = s_finn.Value.Result;
        foreach (string note in result.Notes)
        {
            _output.WriteLine(note);
        }

        Assert.Equal(["InputThreshold 784 channels", "Dense 784→64", "Dense 64→64", "Dense 64→64", "Dense 64→10"], result.Network.Layers.Select(l => l.Describe()));
        Assert.Contains(result.Notes, n => n.Contains("T = 128", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("batch norm of node 'BatchNormalization_0'", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("equals the graph's on every input", StringComparison.Ordinal));
        Assert.Equal(1e-5f, ((DenseLayer)result.Network.Layers[1]).Norm.Epsilon);
    }

    [Fact]
    public void unsupported_operator_is_refused_naming_node_and_op_type()
    {
        OnnxModelBuilder b = new("relu");
        b.AddInput("x", OnnxDataType.Float, 1, 4).AddOutput("y", OnnxDataType.Float, 1, 3);
        b.AddInitializer("W", [1, -1, 1, -1, 1, -1, 1, -1, 1, 1, 1, -1], 4, 3);
        b.AddNode("MatMul", ["x", "W"], ["m"], "MatMul_0");
        b.AddNode("Relu", ["m"], ["y"], "Relu_3");
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(b.ToBytes(), "relu.onnx"), new ImportOptions()));
        _output.WriteLine(e.Message);
        Assert.Contains("node 'Relu_3' (Relu)", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a binarized-network operation", e.Message, StringComparison.Ordinal);
        Assert.Contains("supported:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void multi_level_thresholds_and_real_valued_weights_are_refused_with_the_reason()
    {
        OnnxModelBuilder b = new("multi");
        b.AddInput("x", OnnxDataType.Float, 1, 4).AddOutput("y", OnnxDataType.Float, 1, 2);
        b.AddInitializer("T", [-1f, 0f, 1f], 1, 3);
        b.AddInitializer("W", [1, -1, 1, 1, -1, -1, 1, 1], 4, 2);
        b.AddNode("MultiThreshold", ["x", "T"], ["t"], "MultiThreshold_0", "finn.custom_op.general").SetString("out_dtype", "UINT2");
        b.AddNode("MatMul", ["t", "W"], ["y"], "MatMul_1");
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(b.ToBytes(), "multi.onnx"), new ImportOptions()));
        Assert.Contains("node 'MultiThreshold_0' (MultiThreshold)", e.Message, StringComparison.Ordinal);
        Assert.Contains("multi-level", e.Message, StringComparison.Ordinal);

        OnnxModelBuilder r = new("real");
        r.AddInput("x", OnnxDataType.Float, 1, 4).AddOutput("y", OnnxDataType.Float, 1, 2);
        r.AddInitializer("W", [0.3f, -1, 1, 1, -1, -1, 1, 1], 4, 2);
        r.AddNode("Sign", ["x"], ["s"], "Sign_0");
        r.AddNode("MatMul", ["s", "W"], ["y"], "MatMul_1");
        e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(OnnxModel.Parse(r.ToBytes(), "real.onnx"), new ImportOptions()));
        _output.WriteLine(e.Message);
        Assert.Contains("node 'MatMul_1' (MatMul)", e.Message, StringComparison.Ordinal);
        Assert.Contains("not binary", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void conv_graph_with_binary_weights_batch_norm_sign_and_max_pool_imports_to_conv_layers_and_agrees_with_the_float_graph()
    {
        Random random = new(7);
        float[] Signs(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(2) == 0 ? -1f : 1f)];
        float[] Uniform(int n, double lo, double hi) => [.. Enumerable.Range(0, n).Select(_ => (float)(lo + ((hi - lo) * random.NextDouble())))];

        OnnxModelBuilder b = new("conv");
        b.AddInput("x", OnnxDataType.Float, 1, 2, 8, 8).AddOutput("scores", OnnxDataType.Float, 1, 5);
        b.AddInitializer("W1", Signs(4 * 2 * 9), 4, 2, 3, 3);
        b.AddInitializer("g1", [1.2f, -0.7f, 0.9f, 1.5f], 4).AddInitializer("b1", Uniform(4, -1, 1), 4);
        b.AddInitializer("m1", Uniform(4, -300, 300), 4).AddInitializer("v1", Uniform(4, 100, 40000), 4);
        b.AddInitializer("W2", Signs(6 * 4 * 9), 6, 4, 3, 3);
        b.AddInitializer("g2", [0.8f, -1.1f, 1f, 0.6f, -0.9f, 1.3f], 6).AddInitializer("b2", Uniform(6, -1, 1), 6);
        b.AddInitializer("m2", Uniform(6, -4, 4), 6).AddInitializer("v2", Uniform(6, 1, 30), 6);
        b.AddInitializer("W3", Signs(96 * 5), 96, 5).AddInitializer("k", [0.25f]).AddInitializer("c", Uniform(5, -2, 2), 5);
        b.AddNode("Conv", ["x", "W1"], ["c1"], "Conv_0").SetInts("kernel_shape", 3, 3).SetInts("pads", 1, 1, 1, 1);
        b.AddNode("BatchNormalization", ["c1", "g1", "b1", "m1", "v1"], ["n1"], "BatchNormalization_1").SetFloat("epsilon", 1e-5f);
        b.AddNode("Sign", ["n1"], ["s1"], "Sign_2");
        b.AddNode("MaxPool", ["s1"], ["p1"], "MaxPool_3").SetInts("kernel_shape", 2, 2).SetInts("strides", 2, 2);
        b.AddNode("Conv", ["p1", "W2"], ["c2"], "Conv_4").SetInts("kernel_shape", 3, 3).SetInts("pads", 1, 1, 1, 1);
        b.AddNode("BatchNormalization", ["c2", "g2", "b2", "m2", "v2"], ["n2"], "BatchNormalization_5").SetFloat("epsilon", 1e-5f);
        b.AddNode("Sign", ["n2"], ["s2"], "Sign_6");
        b.AddNode("Flatten", ["s2"], ["f"], "Flatten_7").SetInt("axis", 1);
        b.AddNode("MatMul", ["f", "W3"], ["m3"], "MatMul_8");
        b.AddNode("Mul", ["m3", "k"], ["m4"], "Mul_9");
        b.AddNode("Add", ["m4", "c"], ["scores"], "Add_10");
        byte[] onnx = b.ToBytes();
        OnnxModel graph = OnnxModel.Parse(onnx, "conv.onnx");

        ImportResult result = OnnxImporter.Import(graph, new ImportOptions());
        foreach (string note in result.Notes)
        {
            _output.WriteLine(note);
        }

        BnnNetwork network = result.Network;
        Assert.Equal(new TensorShape(8, 8, 2), network.InputShape);
        Assert.Collection(
            network.Layers,
            l => Assert.Equal("Conv2d 3x3/1x1 2→4 pad 1,1,1,1 value 0", Assert.IsType<Conv2dLayer>(l).Describe()),
            l => Assert.IsType<MaxPool2dLayer>(l),
            l => Assert.Equal("Conv2d 3x3/1x1 4→6 pad 1,1,1,1 value 0", Assert.IsType<Conv2dLayer>(l).Describe()),
            l => Assert.Equal("Dense 96→5", Assert.IsType<DenseLayer>(l).Describe()));

        // Random 8-bit images: the runtime, the float reference and the original graph must all agree.
        Dataset data = RandomBytes(11, 400, 2 * 8 * 8, 5);
        Assert.Equal(400, CompiledModelParityTests.AssertAgreement(network, data));
        AssertGraphAgreement(graph, network, new ImportOptions(), data);

        // The float evaluator itself against ONNX Runtime on this standard-operator graph.
        OnnxFloatEvaluator evaluator = new(graph);
        int[] layout = OnnxImporter.InputLayout(graph);
        Assert.Equal(2, layout[1]); // graph element (c 0, y 0, x 1) is HWC byte (0·8 + 1)·2 + 0
        using Microsoft.ML.OnnxRuntime.InferenceSession session = new(onnx);
        for (int s = 0; s < 100; s++)
        {
            float[] x = new ImportOptions().ToGraphInput(data.Sample(s), layout);
            using Microsoft.ML.OnnxRuntime.OrtValue input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(x, [1, 2, 8, 8]);
            using Microsoft.ML.OnnxRuntime.IDisposableReadOnlyCollection<Microsoft.ML.OnnxRuntime.OrtValue> outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["x"], [input], ["scores"]);
            float[] ort = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            float[] ours = evaluator.Run(x).Data;
            for (int c = 0; c < 5; c++)
            {
                Assert.True(MathF.Abs(ort[c] - ours[c]) <= 1e-4f, $"sample {s} class {c}: ONNX Runtime {ort[c]}, evaluator {ours[c]}");
            }

            Assert.Equal(OnnxFloatEvaluator.ArgMax(ort), OnnxFloatEvaluator.ArgMax(ours));
        }
    }

    [Fact]
    public void gemm_mlp_with_qonnx_quant_weights_and_activations_imports_an_8_bit_dense_first_layer_and_agrees_with_the_float_graph()
    {
        Random random = new(3);
        float[] Uniform(int n, double lo, double hi) => [.. Enumerable.Range(0, n).Select(_ => (float)(lo + ((hi - lo) * random.NextDouble())))];

        const string qonnx = "qonnx.custom_op.general";
        OnnxModelBuilder b = new("mlp");
        b.AddInput("x", OnnxDataType.Float, "batch", 20).AddOutput("class", OnnxDataType.Int64, "batch", 1);
        b.AddInitializer("Wf", Uniform(16 * 20, -1, 1), 16, 20).AddInitializer("one", [1f]).AddInitializer("zero", [0f]).AddInitializer("bits", [1f]);
        b.AddInitializer("C", Uniform(16, -50, 50), 16);
        b.AddInitializer("g", [.. Uniform(16, 0.5, 1.5).Select((v, i) => i % 3 == 0 ? -v : v)], 16).AddInitializer("bb", Uniform(16, -1, 1), 16);
        b.AddInitializer("m", Uniform(16, -600, 600), 16).AddInitializer("v", Uniform(16, 1000, 90000), 16);
        b.AddInitializer("W2", [.. Uniform(16 * 4, -1, 1).Select(w => w >= 0 ? 0.5f : -0.5f)], 16, 4).AddInitializer("c2", Uniform(4, -1, 1), 4);
        b.AddNode("Quant", ["Wf", "one", "zero", "bits"], ["W"], "Quant_0", qonnx).SetInt("signed", 1).SetInt("narrow", 0);
        b.AddNode("Gemm", ["x", "W", "C"], ["h"], "Gemm_1").SetInt("transB", 1);
        b.AddNode("BatchNormalization", ["h", "g", "bb", "m", "v"], ["n"], "BatchNormalization_2");
        b.AddNode("Quant", ["n", "one", "zero", "bits"], ["a"], "Quant_3", qonnx).SetInt("signed", 1).SetInt("narrow", 0);
        b.AddNode("MatMul", ["a", "W2"], ["s"], "MatMul_4");
        b.AddNode("Add", ["s", "c2"], ["scores"], "Add_5");
        b.AddNode("ArgMax", ["scores"], ["class"], "ArgMax_6").SetInt("axis", 1);
        OnnxModel graph = OnnxModel.Parse(b.ToBytes(), "mlp.onnx");

        ImportResult result = OnnxImporter.Import(graph, new ImportOptions());
        foreach (string note in result.Notes)
        {
            _output.WriteLine(note);
        }

        Assert.Equal(["Dense 20→16", "Dense 16→4"], result.Network.Layers.Select(l => l.Describe()));
        Assert.Equal(LayerKind.Int8Dense, ModelCompiler.Compile(result.Network).Layers[0].Kind);
        Dataset data = RandomBytes(5, 2000, 20, 4);
        Assert.Equal(2000, CompiledModelParityTests.AssertAgreement(result.Network, data));
        AssertGraphAgreement(graph, result.Network, new ImportOptions(), data);
    }

    [Fact]
    public void batch_norm_that_rounds_differently_in_double_gets_an_exact_threshold_and_still_agrees_with_the_float_graph()
    {
        // float32: 0.1f · 3 rounds up to 0.3f, so BN(3) = 0.3f − 0.3f = 0 fires; in double 0.1f · 3 − 0.3f < 0 would not.
        const string brevitas = "onnx.brevitas";
        OnnxModelBuilder b = new("rounding");
        b.AddInput("x", OnnxDataType.Float, 1, 3).AddOutput("y", OnnxDataType.Float, 1, 2);
        b.AddInitializer("half", [128f]).AddInitializer("one", [1f]).AddInitializer("W", [1, -1, 1, 1, 1, -1], 3, 2);
        b.AddInitializer("g", [0.1f, 0.1f], 2).AddInitializer("bb", [-0.3f, -0.25f], 2).AddInitializer("m", [0f, 0f], 2).AddInitializer("v", [1f, 1f], 2);
        b.AddInitializer("W2", [1, -1, -1, 1], 2, 2).AddInitializer("c", [0.5f, 0f], 2);
        b.AddNode("Sub", ["x", "half"], ["xc"], "Sub_0");
        b.AddNode("BipolarQuant", ["xc", "one"], ["s0"], "BipolarQuant_1", brevitas);
        b.AddNode("MatMul", ["s0", "W"], ["d"], "MatMul_2");
        b.AddNode("BatchNormalization", ["d", "g", "bb", "m", "v"], ["n"], "BatchNormalization_3").SetFloat("epsilon", 0f);
        b.AddNode("BipolarQuant", ["n", "one"], ["s1"], "BipolarQuant_4", brevitas);
        b.AddNode("MatMul", ["s1", "W2"], ["t"], "MatMul_5");
        b.AddNode("Add", ["t", "c"], ["y"], "Add_6");
        OnnxModel graph = OnnxModel.Parse(b.ToBytes(), "rounding.onnx");
        Assert.Equal(0.3f, (0.1f * 3f) - 0f);
        Assert.True((0.1 * 3) - 0.3f < 0);

        ImportResult result = OnnxImporter.Import(graph, new ImportOptions());
        foreach (string note in result.Notes)
        {
            _output.WriteLine(note);
        }

        Assert.Contains(result.Notes, n => n.Contains("1 channel(s) where double and float32 rounding", StringComparison.Ordinal));
        DenseLayer hidden = (DenseLayer)result.Network.Layers[1];
        Assert.True(hidden.Activation(0, 3) >= 0, "the dot product 3 must fire on channel 0, as it does in the float graph");
        Assert.Equal(1f, hidden.Norm.Gamma[0]);
        Assert.Equal(2.5f, hidden.Norm.Mean[0]);
        Assert.Equal(0.1f, hidden.Norm.Gamma[1]);
        Assert.Equal(-0.25f, hidden.Norm.Beta[1]);

        byte[] bytes = [.. Enumerable.Range(0, 8).SelectMany(p => new[] { (p & 1) != 0 ? (byte)255 : (byte)0, (p & 2) != 0 ? (byte)255 : (byte)0, (p & 4) != 0 ? (byte)255 : (byte)0 })];
        Dataset all = new("all-patterns", 3, false, bytes, new int[8], ["0", "1"]);
        Assert.Equal(8, CompiledModelParityTests.AssertAgreement(result.Network, all));
        AssertGraphAgreement(graph, result.Network, new ImportOptions(), all);
    }

    [Fact]
    public void transposed_input_with_per_element_offsets_imports_per_feature_thresholds_in_the_right_order()
    {
        OnnxModelBuilder b = new("transpose");
        b.AddInput("x", OnnxDataType.Float, 1, 2, 3).AddOutput("y", OnnxDataType.Float, 1, 3);
        b.AddInitializer("offset", [10f, 60f, 110f, 160f, 210f, 250f], 1, 3, 2).AddInitializer("shape", [1f], 1);
        b.AddInt64Initializer("flat", [1, -1], 2);
        b.AddInitializer("W", [1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1, -1, -1], 6, 3);
        b.AddNode("Transpose", ["x"], ["xt"], "Transpose_0").SetInts("perm", 0, 2, 1);
        b.AddNode("Sub", ["xt", "offset"], ["xc"], "Sub_1");
        b.AddNode("Reshape", ["xc", "flat"], ["xf"], "Reshape_2");
        b.AddNode("Sign", ["xf"], ["s"], "Sign_3");
        b.AddNode("MatMul", ["s", "W"], ["y"], "MatMul_4");
        OnnxModel graph = OnnxModel.Parse(b.ToBytes(), "transpose.onnx");
        ImportResult result = OnnxImporter.Import(graph, new ImportOptions());
        foreach (string note in result.Notes)
        {
            _output.WriteLine(note);
        }

        // Graph element (c, l) is HWC byte l·2 + c; after the transpose it meets offset[l, c], so feature l·2 + c fires at byte >= offset[l·2 + c].
        InputThresholdLayer thresholds = Assert.IsType<InputThresholdLayer>(result.Network.Layers[0]);
        Assert.Equal([10, 60, 110, 160, 210, 250], thresholds.Thresholds);
        Assert.Contains(result.Notes, n => n.Contains("Sign(0) = 0", StringComparison.Ordinal));
        Dataset data = RandomBytes(9, 500, 6, 3);
        Assert.Equal(500, CompiledModelParityTests.AssertAgreement(result.Network, data));
        byte[] notOnAThreshold = [.. data.Features.Select(v => v is 10 or 60 or 110 or 160 or 210 or 250 ? (byte)(v + 1) : v)];
        AssertGraphAgreement(graph, result.Network, new ImportOptions(), new Dataset("random", 6, false, notOnAThreshold, new int[500], ["0", "1", "2"]));
    }

    [Fact]
    public void npy_reader_refuses_unsupported_dtypes_and_truncated_files()
    {
        byte[] Npy(string header, int dataBytes)
        {
            string h = header.PadRight(118) + "\n";
            byte[] bytes = new byte[10 + h.Length + dataBytes];
            new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)h.Length, 0 }.CopyTo(bytes, 0);
            System.Text.Encoding.ASCII.GetBytes(h).CopyTo(bytes, 10);
            return bytes;
        }

        NpyArray ok = NpyReader.Parse(Npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6), "ok.npy");
        Assert.Equal([2, 3], ok.Shape);
        Assert.Equal(6, ok.Count);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => NpyReader.Parse(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), "f8.npy"));
        Assert.Contains("'<f8'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidDataException>(() => NpyReader.Parse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 12), "short.npy"));
        Assert.Contains("short.npy", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidDataException>(() => NpyReader.Parse(Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", 4), "fortran.npy"));
        Assert.Contains("Fortran", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void bnnc_import_writes_the_network_and_compiles_refuses_to_overwrite_and_reports_unsupported_graphs()
    {
        string folder = Path.Combine(Path.GetTempPath(), "bnnc-import-" + Guid.NewGuid().ToString("N"));
        try
        {
            string finn = SharedFile("finn-tfc-w1a1", "tfc_w1a1_brevitas_export.onnx");
            string network = Path.Combine(folder, "network.json");
            (int code, string output) = Bnnc("import", finn, "--out", network, "--compile", Path.Combine(folder, "compiled"));
            Assert.True(code == 0, output);
            Assert.Contains("InputThreshold", output, StringComparison.Ordinal);
            Assert.True(File.Exists(network));
            Assert.Equal(s_finn.Value.Blob, File.ReadAllBytes(Path.Combine(folder, "compiled", "model.bnn")));
            Assert.Equal(NetworkFile.Serialize(s_finn.Value.Result.Network), File.ReadAllText(network));

            (code, output) = Bnnc("import", finn, "--out", network);
            Assert.Equal(1, code);
            Assert.Contains("--force", output, StringComparison.Ordinal);

            (code, output) = Bnnc("import", finn, "--describe");
            Assert.True(code == 0, output);
            Assert.Contains("MultiThreshold (finn.custom_op.general)", output, StringComparison.Ordinal);

            OnnxModelBuilder b = new("relu");
            b.AddInput("x", OnnxDataType.Float, 1, 4).AddOutput("y", OnnxDataType.Float, 1, 4);
            b.AddNode("Relu", ["x"], ["y"], "Relu_0");
            string relu = Path.Combine(folder, "relu.onnx");
            b.Save(relu);
            (code, output) = Bnnc("import", relu, "--out", Path.Combine(folder, "relu.json"));
            Assert.Equal(1, code);
            Assert.Contains("error:", output, StringComparison.Ordinal);
            Assert.Contains("(Relu)", output, StringComparison.Ordinal);

            (code, output) = Bnnc("import", finn, "--out", Path.Combine(folder, "x.json"), "--input-scale", "one/255");
            Assert.Equal(1, code);
            Assert.Contains("not a number", output, StringComparison.Ordinal);

            // Scale 0 would map every byte to the same graph input: refused, nothing written.
            (code, output) = Bnnc("import", finn, "--out", Path.Combine(folder, "zero.json"), "--input-scale", "0");
            Assert.Equal(1, code);
            Assert.Contains("input scale 0", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "zero.json")));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("1/255", 1.0 / 255)]
    [InlineData("0.5", 0.5)]
    [InlineData(" 2e-3 ", 0.002)]
    [InlineData("-1", -1.0)]
    public void input_scale_parses_decimals_and_fractions(string text, double expected)
    {
        Assert.Equal(expected, ImportOptions.ParseNumber(text));
    }

    /// <summary>Classes of the blob and of the float graph on MNIST; the counts of correct answers of both.</summary>
    private (int BlobCorrect, int FloatCorrect) CompareOnMnist(Imported imported, Dataset mnist, string name)
    {
        Stopwatch watch = Stopwatch.StartNew();
        int[] graphClass = new int[mnist.Count];
        Parallel.For(0, mnist.Count, i => graphClass[i] = imported.Evaluator.Classify(imported.Options.ToGraphInput(mnist.Sample(i))));
        TimeSpan graphTime = watch.Elapsed;
        watch.Restart();
        BnnModel model = BlobReader.Load(imported.Blob);
        byte[] input = new byte[mnist.FeatureCount];
        int blobCorrect = 0, floatCorrect = 0;
        List<int> disagreements = [];
        for (int i = 0; i < mnist.Count; i++)
        {
            mnist.Sample(i).CopyTo(input);
            int c = model.Run(input);
            blobCorrect += c == mnist.Labels[i] ? 1 : 0;
            floatCorrect += graphClass[i] == mnist.Labels[i] ? 1 : 0;
            if (c != graphClass[i])
            {
                disagreements.Add(i);
            }
        }

        _output.WriteLine($"{name}: blob {blobCorrect}/{mnist.Count} = {blobCorrect / (double)mnist.Count:P2}, float graph {floatCorrect}/{mnist.Count}, disagreements {disagreements.Count}; float graph {graphTime.TotalMilliseconds:F0} ms, blob {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(disagreements.Count == 0, $"{name}: blob and float graph disagree on {disagreements.Count} digits, first {string.Join(", ", disagreements.Take(10))}");
        return (blobCorrect, floatCorrect);
    }

    /// <summary>The compiled blob's class equals the original graph's (OnnxFloatEvaluator) on every sample.</summary>
    private static void AssertGraphAgreement(OnnxModel graph, BnnNetwork network, ImportOptions options, Dataset data)
    {
        OnnxFloatEvaluator evaluator = new(graph);
        int[] layout = OnnxImporter.InputLayout(graph);
        BnnModel model = BlobReader.Load(BlobWriter.Write(ModelCompiler.Compile(network)));
        byte[] input = new byte[data.FeatureCount];
        for (int s = 0; s < data.Count; s++)
        {
            data.Sample(s).CopyTo(input);
            int expected = evaluator.Classify(options.ToGraphInput(input, layout));
            Assert.True(expected == model.Run(input), $"sample {s}: float graph class {expected}, blob class {model.Run(input)}");
        }
    }

    private static Dataset RandomBytes(int seed, int count, int features, int classes)
    {
        Random random = new(seed);
        byte[] bytes = new byte[count * features];
        random.NextBytes(bytes);
        return new Dataset("random", features, false, bytes, new int[count], [.. Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
    }

    /// <summary>Runs the built bnnc in its own process (the console is global, so in-process capture would race other tests).</summary>
    private static (int Code, string Output) Bnnc(params string[] args)
    {
        ProcessStartInfo start = new("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bnnc.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    /// <summary>An imported, compiled model with its float-graph oracle.</summary>
    private sealed record Imported(ImportOptions Options, ImportResult Result, CompiledModel Compiled, byte[] Blob, OnnxFloatEvaluator Evaluator)
    {
        public static Imported Load(string path, ImportOptions options)
        {
            OnnxModel model = OnnxModel.Load(path);
            ImportResult result = OnnxImporter.Import(model, options);
            CompiledModel compiled = ModelCompiler.Compile(result.Network);
            return new Imported(options, result, compiled, BlobWriter.Write(compiled), new OnnxFloatEvaluator(model));
        }
    }
}
