using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Onnx;

/// <summary>
/// The ONNX reader on the two real TFC-w1a1 exports in ../shared/data (facts checked against the files), its error
/// messages, and the builder: round trip through the reader and through ONNX Runtime.
/// </summary>
public class OnnxReaderTests
{
    private readonly ITestOutputHelper _output;

    public OnnxReaderTests(ITestOutputHelper output)
    {
        _output = output;
    }

    internal static string FinnPath => SharedFile("finn-tfc-w1a1", "tfc_w1a1_brevitas_export.onnx");

    internal static string QonnxPath => SharedFile("qonnx-tfc-1w1a", "TFC_1W1A.onnx");

    /// <summary>A file under ../shared/data; the test fails (never skips) with a clear message when it is absent.</summary>
    internal static string SharedFile(params string[] parts)
    {
        string path = Path.Combine([RepoPaths.Shared, "data", .. parts]);
        if (!File.Exists(path))
        {
            Assert.Fail($"reference data file '{path}' is missing: this test needs the project's ../shared/data folder beside the repository (see ../shared/data/README.md)");
        }

        return path;
    }

    [Fact]
    public void finn_export_is_the_tfc_w1a1_graph()
    {
        OnnxModel model = OnnxModel.Load(FinnPath);
        _output.WriteLine(model.Describe());

        Assert.Equal(7, model.IrVersion);
        Assert.Equal([new OnnxOpsetImport(string.Empty, 12)], model.OpsetImports);
        Assert.Equal(12, model.OpsetVersion("ai.onnx"));
        Assert.Null(model.OpsetVersion("finn.custom_op.general"));

        string[] layer = ["MultiThreshold", "MatMul", "Mul", "Unsqueeze", "BatchNormalization", "Squeeze"];
        string[] expected =
        [
            "Div", "Reshape", "Mul", "Sub",
            .. layer, .. layer, .. layer,
            "MultiThreshold", "MatMul", "Mul", "Sub", "Div", "Mul", "Add", "TopK",
        ];
        Assert.Equal(expected, model.Nodes.Select(n => n.OpType));

        OnnxValueInfo input = Assert.Single(model.Inputs);
        Assert.Equal("global_in", input.Name);
        Assert.Equal(OnnxDataType.Float, input.ElementType);
        Assert.Equal("[1, 1, 28, 28]", input.ShapeText);
        OnnxValueInfo output = Assert.Single(model.Outputs);
        Assert.Equal("global_out", output.Name);
        Assert.Equal(OnnxDataType.Int64, output.ElementType);
        Assert.Equal("[1, 1]", output.ShapeText);

        // Input scaling: x / 255 -> flatten -> * 2 - 1, then the first MultiThreshold binarizes it.
        Assert.Equal(255f, Scalar(model, "Div", 0));
        Assert.Equal([1L, -1L], model.GetConstant(model.Nodes[1].Input(1)).ToInt64());
        Assert.Equal(2f, Scalar(model, "Mul", 0));
        Assert.Equal(1f, Scalar(model, "Sub", 0));

        OnnxNode[] thresholds = [.. model.Nodes.Where(n => n.OpType == "MultiThreshold")];
        Assert.Equal(4, thresholds.Length);
        foreach (OnnxNode t in thresholds)
        {
            Assert.Equal("finn.custom_op.general", t.Domain);
            Assert.Equal(["out_bias", "out_dtype", "out_scale"], t.Attributes.Select(a => a.Name).Order(StringComparer.Ordinal));
            Assert.Equal("BIPOLAR", t.GetString("out_dtype"));
            Assert.Equal(2f, t.GetFloat("out_scale"));
            Assert.Equal(-1f, t.GetFloat("out_bias"));
            OnnxTensor thr = model.GetConstant(t.Input(1), t);
            Assert.Equal([1L, 1L], thr.Dims);
            Assert.Equal([0f], thr.Data);
        }

        OnnxNode[] matMuls = [.. model.Nodes.Where(n => n.OpType == "MatMul")];
        Assert.Equal(["[784, 64]", "[64, 64]", "[64, 64]", "[64, 10]"], matMuls.Select(m => model.GetConstant(m.Input(1), m).ShapeText));
        foreach (OnnxNode m in matMuls)
        {
            OnnxTensor w = model.GetConstant(m.Input(1), m);
            Assert.Equal(OnnxDataType.Float, w.DataType);
            Assert.All(w.Data, v => Assert.True(v is 1f or -1f, $"{w.Name} holds {v}"));
            Assert.Contains(-1f, w.Data);
            Assert.Contains(1f, w.Data);
            Assert.Equal(1f, model.GetConstant(model.FindConsumers(m.Output(0)).Single().Input(1)).Data.Single());
        }

        foreach (OnnxNode bn in model.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            Assert.Equal(1e-5f, bn.GetFloat("epsilon"));
            Assert.All(bn.Inputs.Skip(1), name => Assert.Equal([64L], model.GetConstant(name, bn).Dims));
            Assert.All(model.GetConstant(bn.Input(4)).Data, v => Assert.True(v > 0));
        }

        OnnxNode topK = model.Nodes[^1];
        Assert.Equal(-1, topK.GetInt("axis"));
        Assert.Equal(1, topK.GetInt("largest"));
        Assert.Equal([1L], model.GetConstant(topK.Input(1)).ToInt64());
        Assert.Equal("global_out", topK.Output(1));
        Assert.Equal(33, model.Initializers.Count);
    }

    [Fact]
    public void qonnx_export_is_the_tfc_1w1a_graph()
    {
        OnnxModel model = OnnxModel.Load(QonnxPath);
        _output.WriteLine(model.Describe());

        Assert.Equal(6, model.IrVersion);
        Assert.Equal([new OnnxOpsetImport(string.Empty, 9)], model.OpsetImports);
        string[] layer = ["BipolarQuant", "BipolarQuant", "Transpose", "MatMul", "BatchNormalization"];
        string[] expected =
        [
            "Shape", "Gather", "Unsqueeze", "Concat", "Reshape", "Mul", "Sub",
            .. layer, .. layer, .. layer,
            "BipolarQuant", "BipolarQuant", "Transpose", "MatMul", "Sub", "Pow", "Div", "Mul", "Add",
        ];
        Assert.Equal(expected, model.Nodes.Select(n => n.OpType));

        OnnxValueInfo input = Assert.Single(model.Inputs);
        Assert.Equal("[1, 1, 28, 28]", input.ShapeText);
        Assert.Equal("[1, 10]", Assert.Single(model.Outputs).ShapeText);
        Assert.Equal(OnnxDataType.Float, model.Outputs[0].ElementType);

        // Input in 0..1: x * 2 - 1, then BipolarQuant.
        Assert.Equal(2f, Scalar(model, "Mul", 0));
        Assert.Equal(1f, Scalar(model, "Sub", 0));

        OnnxNode[] quants = [.. model.Nodes.Where(n => n.OpType == "BipolarQuant")];
        Assert.Equal(8, quants.Length);
        Assert.DoesNotContain(model.Nodes, n => n.OpType == "Quant");
        foreach (OnnxNode q in quants)
        {
            Assert.Equal("onnx.brevitas", q.Domain);
            Assert.Empty(q.Attributes);
            Assert.Equal([1f], model.GetConstant(q.Input(1), q).Data);
        }

        string[] weightShapes = [.. quants.Where(q => model.IsConstant(q.Input(0))).Select(q => model.GetConstant(q.Input(0)).ShapeText)];
        Assert.Equal(["[64, 784]", "[64, 64]", "[64, 64]", "[10, 64]"], weightShapes);
        foreach (OnnxNode q in quants.Where(q => model.IsConstant(q.Input(0))))
        {
            Assert.All(model.GetConstant(q.Input(0)).Data, v => Assert.True(v is 1f or -1f));
        }

        Assert.All(model.Nodes.Where(n => n.OpType == "Transpose"), t => Assert.Equal([1L, 0L], t.GetInts("perm")));
    }

    [Fact]
    public void both_exports_hold_the_same_weights_and_batch_norms()
    {
        OnnxModel finn = OnnxModel.Load(FinnPath);
        OnnxModel qonnx = OnnxModel.Load(QonnxPath);

        OnnxTensor[] finnWeights = [.. finn.Nodes.Where(n => n.OpType == "MatMul").Select(n => finn.GetConstant(n.Input(1)))];
        OnnxTensor[] qonnxWeights = [.. qonnx.Nodes.Where(n => n.OpType == "BipolarQuant" && qonnx.IsConstant(n.Input(0))).Select(n => qonnx.GetConstant(n.Input(0)))];
        Assert.Equal(4, qonnxWeights.Length);
        for (int l = 0; l < 4; l++)
        {
            int rows = (int)finnWeights[l].Dims[0];
            int cols = (int)finnWeights[l].Dims[1];
            Assert.Equal([cols, rows], qonnxWeights[l].Dims.Select(d => (int)d));
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    Assert.Equal(finnWeights[l].Data[(r * cols) + c], qonnxWeights[l].Data[(c * rows) + r]);
                }
            }
        }

        OnnxNode[] finnBn = [.. finn.Nodes.Where(n => n.OpType == "BatchNormalization")];
        OnnxNode[] qonnxBn = [.. qonnx.Nodes.Where(n => n.OpType == "BatchNormalization")];
        Assert.Equal(3, qonnxBn.Length);
        for (int l = 0; l < 3; l++)
        {
            for (int k = 1; k <= 4; k++)
            {
                Assert.Equal(finn.GetConstant(finnBn[l].Input(k)).Data, qonnx.GetConstant(qonnxBn[l].Input(k)).Data);
            }
        }
    }

    [Fact]
    public void describe_lists_nodes_domains_attributes_and_initializer_shapes()
    {
        string text = OnnxModel.Load(FinnPath).Describe();
        Assert.Contains("opsets: ai.onnx 12", text, StringComparison.Ordinal);
        Assert.Contains("input:  global_in FLOAT [1, 1, 28, 28]", text, StringComparison.Ordinal);
        Assert.Contains("MatMul_0_param0 FLOAT [784, 64]", text, StringComparison.Ordinal);
        Assert.Contains("[4] MultiThreshold (finn.custom_op.general) 'MultiThreshold_0': Sub_0_out0, MultiThreshold_0_param0[1, 1] -> MultiThreshold_0_out0; out_bias=-1, out_dtype=\"BIPOLAR\", out_scale=2", text, StringComparison.Ordinal);
        Assert.Contains("axes=[2]", text, StringComparison.Ordinal);
        Assert.Equal(1 + 1 + 1 + 1 + 1 + 33 + 1 + 30, text.TrimEnd().Split('\n').Length);
    }

    [Fact]
    public void attribute_and_constant_errors_name_the_node_and_file()
    {
        OnnxModel model = OnnxModel.Load(FinnPath);
        OnnxNode threshold = model.Nodes[4];

        OnnxImportException missing = Assert.Throws<OnnxImportException>(() => threshold.GetInt("axis"));
        Assert.Contains("node 'MultiThreshold_0' (MultiThreshold)", missing.Message, StringComparison.Ordinal);
        Assert.Contains("tfc_w1a1_brevitas_export.onnx", missing.Message, StringComparison.Ordinal);
        Assert.Contains("no attribute 'axis'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("out_dtype", missing.Message, StringComparison.Ordinal);

        OnnxImportException wrongKind = Assert.Throws<OnnxImportException>(() => threshold.GetFloat("out_dtype"));
        Assert.Contains("'out_dtype'", wrongKind.Message, StringComparison.Ordinal);
        Assert.Contains("is STRING, expected FLOAT", wrongKind.Message, StringComparison.Ordinal);

        Assert.Equal(7L, threshold.GetInt("axis", 7));
        Assert.Equal("BIPOLAR", threshold.GetString("out_dtype", "x"));

        OnnxImportException notConstant = Assert.Throws<OnnxImportException>(() => model.GetConstant(threshold.Input(0), threshold));
        Assert.Contains("'Sub_0_out0'", notConstant.Message, StringComparison.Ordinal);
        Assert.Contains("not a constant", notConstant.Message, StringComparison.Ordinal);
        Assert.Contains("node 'Sub_0' (Sub)", notConstant.Message, StringComparison.Ordinal);

        Assert.Throws<OnnxImportException>(() => threshold.Input(2));
        Assert.Same(model.Nodes[3], model.FindProducer("Sub_0_out0"));
    }

    [Fact]
    public void files_that_are_missing_or_not_onnx_are_refused_with_the_file_name()
    {
        string dir = Directory.CreateTempSubdirectory("bnn-onnx-").FullName;
        try
        {
            string absent = Path.Combine(dir, "absent.onnx");
            OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxModel.Load(absent));
            Assert.Contains(absent, e.Message, StringComparison.Ordinal);
            Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);

            string empty = Path.Combine(dir, "empty.onnx");
            File.WriteAllBytes(empty, []);
            Assert.Contains("empty.onnx", Assert.Throws<OnnxImportException>(() => OnnxModel.Load(empty)).Message, StringComparison.Ordinal);

            string text = Path.Combine(dir, "text.onnx");
            File.WriteAllText(text, "this is a plain text file, not a protobuf\n");
            e = Assert.Throws<OnnxImportException>(() => OnnxModel.Load(text));
            Assert.Contains("text.onnx", e.Message, StringComparison.Ordinal);
            Assert.Contains("not an ONNX model", e.Message, StringComparison.Ordinal);

            byte[] finn = File.ReadAllBytes(FinnPath);
            string truncated = Path.Combine(dir, "truncated.onnx");
            File.WriteAllBytes(truncated, finn.AsSpan(0, finn.Length / 2).ToArray());
            e = Assert.Throws<OnnxImportException>(() => OnnxModel.Load(truncated));
            Assert.Contains("truncated.onnx", e.Message, StringComparison.Ordinal);

            e = Assert.Throws<OnnxImportException>(() => OnnxModel.Load(new MemoryStream(finn.AsSpan(0, 1000).ToArray()), "first-kilobyte"));
            Assert.Contains("first-kilobyte", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void unsupported_or_inconsistent_tensors_are_named()
    {
        // A STRING initializer loads (the model may not need it) but reading its values says why it cannot.
        OnnxModel model = OnnxModel.Parse(ModelWithInitializer(t =>
        {
            t.WriteTag(1, WireFormat.WireType.Varint);
            t.WriteInt64(2);
            t.WriteTag(2, WireFormat.WireType.Varint);
            t.WriteInt32((int)OnnxDataType.String);
            t.WriteTag(6, WireFormat.WireType.LengthDelimited);
            t.WriteBytes(ByteString.CopyFromUtf8("a"));
            t.WriteTag(6, WireFormat.WireType.LengthDelimited);
            t.WriteBytes(ByteString.CopyFromUtf8("b"));
            t.WriteTag(8, WireFormat.WireType.LengthDelimited);
            t.WriteString("class_names");
        }), "strings.onnx");
        OnnxTensor names = model.GetConstant("class_names");
        Assert.False(names.HasData);
        Assert.Equal([2L], names.Dims);
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => names.Data);
        Assert.Contains("'class_names'", e.Message, StringComparison.Ordinal);
        Assert.Contains("strings.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("STRING", e.Message, StringComparison.Ordinal);

        // raw_data shorter than the dims need: refused at load, naming the tensor.
        e = Assert.Throws<OnnxImportException>(() => OnnxModel.Parse(ModelWithInitializer(t =>
        {
            t.WriteTag(1, WireFormat.WireType.Varint);
            t.WriteInt64(3);
            t.WriteTag(2, WireFormat.WireType.Varint);
            t.WriteInt32((int)OnnxDataType.Float);
            t.WriteTag(8, WireFormat.WireType.LengthDelimited);
            t.WriteString("short_weights");
            t.WriteTag(9, WireFormat.WireType.LengthDelimited);
            t.WriteBytes(ByteString.CopyFrom(new byte[8]));
        }), "short.onnx"));
        Assert.Contains("'short_weights'", e.Message, StringComparison.Ordinal);
        Assert.Contains("12 bytes of raw_data, found 8", e.Message, StringComparison.Ordinal);

        // int8 and uint8 from the typed int32_data field, double from double_data.
        model = OnnxModel.Parse(ModelWithInitializer(t =>
        {
            t.WriteTag(1, WireFormat.WireType.Varint);
            t.WriteInt64(3);
            t.WriteTag(2, WireFormat.WireType.Varint);
            t.WriteInt32((int)OnnxDataType.Int8);
            t.WriteTag(8, WireFormat.WireType.LengthDelimited);
            t.WriteString("q");
            foreach (int v in new[] { -128, 0, 127 })
            {
                t.WriteTag(5, WireFormat.WireType.Varint);
                t.WriteInt32(v);
            }
        }));
        Assert.Equal([-128f, 0f, 127f], model.GetConstant("q").Data);
        Assert.Equal(OnnxDataType.Int8, model.GetConstant("q").DataType);
    }

    [Fact]
    public void builder_round_trips_through_the_reader()
    {
        OnnxModelBuilder builder = BuildMatMulAdd();
        OnnxModel model = OnnxModel.Parse(builder.ToBytes(), "built");

        Assert.Equal(8, model.IrVersion);
        Assert.Equal("Bnn.Nano", model.ProducerName);
        Assert.Equal([new OnnxOpsetImport(string.Empty, 13), new OnnxOpsetImport("bnn.nano.test", 1)], model.OpsetImports);
        OnnxValueInfo x = Assert.Single(model.Inputs);
        Assert.Equal("x", x.Name);
        Assert.Equal([new OnnxDimension(null, "batch"), new OnnxDimension(3, null)], x.Shape!);
        Assert.Equal("[batch, 2]", model.Outputs[0].ShapeText);
        Assert.Equal(["MatMul", "Add", "Gemm", "Reshape"], model.Nodes.Select(n => n.OpType));
        Assert.Equal(["x", "W"], model.Nodes[0].Inputs);
        Assert.Equal(["y"], model.Nodes[1].Outputs);
        Assert.Equal("Gemm_2", model.Nodes[2].Name);

        OnnxNode gemm = model.Nodes[2];
        Assert.Equal(1L, gemm.GetInt("transB"));
        Assert.Equal(0.5f, gemm.GetFloat("alpha"));
        Assert.Equal(2f, gemm.GetFloat("beta"));
        Assert.Equal("for the test", gemm.GetString("note"));
        Assert.Equal([1L, 2L], gemm.GetInts("tags"));
        Assert.Equal([0.25f, -1f], gemm.GetFloats("weights"));

        Assert.Equal(["W", "b", "Wt", "shape"], model.Initializers.Select(t => t.Name));
        Assert.Equal(s_w, model.GetConstant("W").Data);
        Assert.Equal([3L, 2L], model.GetConstant("W").Dims);
        Assert.Equal(s_b, model.GetConstant("b").Data);
        Assert.Equal([-1L, 2L], model.GetConstant("shape").ToInt64());

        string dir = Directory.CreateTempSubdirectory("bnn-onnx-").FullName;
        try
        {
            string path = Path.Combine(dir, "built.onnx");
            builder.Save(path);
            OnnxModel loaded = OnnxModel.Load(path);
            Assert.Equal(model.Describe().Replace("'built'", $"'{path}'", StringComparison.Ordinal), loaded.Describe());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void onnx_runtime_runs_a_built_model_with_the_expected_numbers()
    {
        byte[] bytes = BuildMatMulAdd(customOpset: false).ToBytes();
        float[] x = [1, 2, 3, -1, 0.5f, 4];
        using InferenceSession session = new(bytes);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, [2, 3]);
        using RunOptions options = new();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, ["x"], [input], ["y", "z"]);

        float[] y = results[0].GetTensorDataAsSpan<float>().ToArray();
        float[] z = results[1].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([2L, 2L], results[0].GetTensorTypeAndShape().Shape);
        float[] expectedY = new float[4];
        float[] expectedZ = new float[4];
        for (int r = 0; r < 2; r++)
        {
            for (int c = 0; c < 2; c++)
            {
                float dot = 0;
                for (int k = 0; k < 3; k++)
                {
                    dot += x[(r * 3) + k] * s_w[(k * 2) + c];
                }

                expectedY[(r * 2) + c] = dot + s_b[c];
                expectedZ[(r * 2) + c] = (0.5f * dot) + (2f * s_b[c]);
            }
        }

        _output.WriteLine($"y = [{string.Join(", ", y)}], z = [{string.Join(", ", z)}]");
        Assert.Equal(expectedY, y);
        Assert.Equal(expectedZ, z);
    }

    private static readonly float[] s_w = [1, -1, 0.5f, 2, -3, 0.25f];
    private static readonly float[] s_b = [10, -20];

    /// <summary>y = x·W + b (MatMul, Add); z = Gemm(x, Wᵀ, b, alpha 0.5, beta 2, transB) reshaped to [-1, 2].</summary>
    private static OnnxModelBuilder BuildMatMulAdd(bool customOpset = true)
    {
        float[] wt = new float[6];
        for (int k = 0; k < 3; k++)
        {
            for (int c = 0; c < 2; c++)
            {
                wt[(c * 3) + k] = s_w[(k * 2) + c];
            }
        }

        OnnxModelBuilder b = new("matmul_add");
        if (customOpset)
        {
            b.AddOpset("bnn.nano.test", 1);
        }

        b.AddInput("x", OnnxDataType.Float, "batch", 3)
            .AddOutput("y", OnnxDataType.Float, "batch", 2)
            .AddOutput("z", OnnxDataType.Float, "batch", 2)
            .AddInitializer("W", s_w, 3, 2)
            .AddInitializer("b", s_b, 2)
            .AddInitializer("Wt", wt, 2, 3)
            .AddInt64Initializer("shape", [-1, 2], 2);
        b.AddNode("MatMul", ["x", "W"], ["xw"], "matmul");
        b.AddNode("Add", ["xw", "b"], ["y"], "add");
        OnnxNodeBuilder gemm = b.AddNode("Gemm", ["x", "Wt", "b"], ["g"]).SetInt("transB", 1).SetFloat("alpha", 0.5f).SetFloat("beta", 2f);
        if (customOpset)
        {
            gemm.SetString("note", "for the test").SetInts("tags", 1, 2).SetFloats("weights", 0.25f, -1f);
        }

        b.AddNode("Reshape", ["g", "shape"], ["z"]);
        return b;
    }

    private static float Scalar(OnnxModel model, string opType, int occurrence)
    {
        OnnxNode node = model.Nodes.Where(n => n.OpType == opType).ElementAt(occurrence);
        return model.GetConstant(node.Input(1), node).Data.Single();
    }

    /// <summary>A hand-encoded ModelProto (IR 8) whose graph holds one initializer written by <paramref name="tensor"/>.</summary>
    private static byte[] ModelWithInitializer(Action<CodedOutputStream> tensor)
    {
        byte[] tensorBytes = Encode(tensor);
        byte[] graphBytes = Encode(g =>
        {
            g.WriteTag(5, WireFormat.WireType.LengthDelimited);
            g.WriteBytes(ByteString.CopyFrom(tensorBytes));
        });
        return Encode(m =>
        {
            m.WriteTag(1, WireFormat.WireType.Varint);
            m.WriteInt64(8);
            m.WriteTag(7, WireFormat.WireType.LengthDelimited);
            m.WriteBytes(ByteString.CopyFrom(graphBytes));
        });
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using MemoryStream memory = new();
        using (CodedOutputStream output = new(memory, leaveOpen: true))
        {
            write(output);
        }

        return memory.ToArray();
    }
}
