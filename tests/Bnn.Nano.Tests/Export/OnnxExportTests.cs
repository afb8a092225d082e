using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Export;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Onnx;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Compiler.Reference;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.Runtime.Model;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Export;

/// <summary>
/// ONNX Runtime, running the exported standard graph, as an independent oracle of the IR → compiler → blob → runtime
/// path: equal classes and equal scores (up to the exported factor) on every sample.
/// </summary>
[Collection(Bnn.Nano.Tests.Cli.ConsoleCollection.Name)]
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    [Fact]
    public void onnx_runtime_agrees_with_the_runtime_on_every_held_out_sample_of_the_trained_gesture_model()
    {
        (Dataset train, Dataset test) = GestureDemo.Split();
        BnnNetwork network = BinaryMlpTrainer.Train(train, GestureDemo.TrainingOptions() with { Epochs = 8 });
        Agreement result = AssertOracleAgrees(network, test);
        Assert.Equal(test.Count, result.Samples);
        output.WriteLine($"gesture demo, held-out test set: {result.Samples} samples, class agreement {result.Samples}/{result.Samples} = 100.00%, scores equal {result.Samples}/{result.Samples}; float reference class agreement {result.ReferenceAgreement}/{result.Samples}");
    }

    [Theory]
    [InlineData(1, 16, true, new[] { 8 }, 3)]
    [InlineData(2, 33, false, new[] { 31, 65 }, 5)]
    [InlineData(3, 192, true, new[] { 128, 64 }, 6)]
    [InlineData(4, 784, false, new[] { 64, 64 }, 10)]
    [InlineData(5, 7, true, new[] { 1 }, 2)]
    [InlineData(7, 300, false, new[] { 600, 129 }, 7)]
    public void onnx_runtime_agrees_with_the_runtime_on_random_mlps(int seed, int inputs, bool signed, int[] hidden, int classes)
    {
        BnnNetwork network = RandomNetworks.Create(seed, inputs, signed, hidden, classes);
        Dataset data = RandomNetworks.Inputs(seed + 100, 300, inputs, signed, classes);
        Agreement result = AssertOracleAgrees(network, data);
        output.WriteLine($"mlp seed {seed}: {result.Samples} samples, 100% class and score agreement");
    }

    /// <summary>
    /// Conv nets from <see cref="RandomNetworks.CreateConv"/> over many seeds; the sweep must cover every layer kind
    /// and edge the exporter has to get right, else the seeds no longer test what they claim.
    /// </summary>
    [Fact]
    public void onnx_runtime_agrees_with_the_runtime_on_random_conv_nets_covering_every_layer_kind_and_pad_value()
    {
        HashSet<string> seen = [];
        int samples = 0;
        for (int seed = 1; seed <= 30; seed++)
        {
            Random random = new(seed * 7919);
            TensorShape shape = new(random.Next(1, 11), random.Next(3, 13), random.Next(1, 6) == 1 ? 33 : random.Next(1, 6));
            bool signed = seed % 2 == 0;
            BnnNetwork network = RandomNetworks.CreateConv(seed, shape, signed, 4, int8FirstLayer: seed > 24);
            Dataset data = RandomNetworks.Inputs(seed + 100, 60, shape.Count, signed, 4);
            samples += AssertOracleAgrees(network, data).Samples;
            Cover(network, seen);
        }

        string[] required =
        [
            "InputThreshold", "Int8Conv2d pad 0", "Int8WeightConv2d pad 0", "BinaryConv2d pad -1", "BinaryConv2d pad 0", "BinaryConv2d pad 1",
            "MaxPool2d", "Int8Head", "BinaryDenseScores", "negative BN scale", "zero BN scale", "alpha", "signed", "unsigned",
        ];
        Assert.Empty(required.Except(seen));
        output.WriteLine($"30 conv nets, {samples} samples, 100% class and score agreement; covered: {string.Join(", ", seen.Order(StringComparer.Ordinal))}");
    }

    /// <summary>
    /// Batch norm that lands exactly on 0 for reachable dots (integer means, unit scale, β = 0), where ONNX Sign(0) = 0
    /// or a float32 BN could go either way: sign(0) must be +1 in the graph as in the runtime.
    /// </summary>
    [Fact]
    public void batch_norm_exactly_at_zero_binarizes_to_plus_one_as_in_the_runtime()
    {
        const int inputs = 6, hidden = 9;
        Random random = new(3);
        float[] w1 = Enumerable.Range(0, inputs * hidden).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] mean = Enumerable.Range(0, hidden).Select(o => (float)((o - 4) * 20)).ToArray();
        float[] gamma = Enumerable.Range(0, hidden).Select(o => o % 3 == 0 ? -1f : 1f).ToArray();
        float[] ones = Enumerable.Repeat(1f, hidden).ToArray();
        BatchNorm norm = new(gamma, new float[hidden], mean, ones, 0f);
        float[] w2 = Enumerable.Range(0, hidden * 3).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        BnnNetwork network = new(inputs, true, [new DenseLayer(inputs, hidden, w1, norm), new DenseLayer(hidden, 3, w2, BatchNorm.Identity(3))], ["a", "b", "c"]);

        // Inputs built so that some dot of every row hits its mean exactly.
        byte[] features = new byte[inputs * 400];
        for (int s = 0; s < 400; s++)
        {
            for (int i = 0; i < inputs; i++)
            {
                features[(s * inputs) + i] = (byte)(sbyte)(random.Next(-8, 9) * 10);
            }
        }

        Dataset data = new("ties", inputs, true, features, new int[400], network.ClassNames);
        int zeros = 0;
        for (int s = 0; s < data.Count; s++)
        {
            for (int o = 0; o < hidden; o++)
            {
                double dot = 0;
                for (int i = 0; i < inputs; i++)
                {
                    dot += ((DenseLayer)network.Layers[0]).BinaryWeight(o, i) * (sbyte)data.Sample(s)[i];
                }

                zeros += norm.Apply(o, dot) == 0 ? 1 : 0;
            }
        }

        Assert.True(zeros > 20, $"only {zeros} exact zeros after batch norm");
        AssertOracleAgrees(network, data);
        output.WriteLine($"{zeros} hidden values exactly 0 after BN; 100% agreement on {data.Count} samples");
    }

    [Fact]
    public void exported_graph_uses_only_the_standard_domain_at_opset_13_and_loads_in_onnx_runtime()
    {
        BnnNetwork network = RandomNetworks.CreateConv(4, new TensorShape(6, 7, 2), false, 4);
        byte[] bytes = OnnxExporter.Export(network);
        OnnxModel parsed = OnnxModel.Parse(bytes);
        Assert.Equal([new OnnxOpsetImport(string.Empty, 13)], parsed.OpsetImports);
        Assert.All(parsed.Nodes, n => Assert.Equal(string.Empty, n.Domain));
        Assert.Equal([OnnxExporter.InputName], parsed.Inputs.Select(i => i.Name));
        Assert.Equal([OnnxExporter.ScoresName, OnnxExporter.ClassName], parsed.Outputs.Select(o => o.Name));

        using SessionOptions options = new() { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using InferenceSession session = new(bytes, options);
        NodeMetadata input = session.InputMetadata[OnnxExporter.InputName];
        Assert.Equal(typeof(float), input.ElementType);
        Assert.Equal([-1, network.InputLength], input.Dimensions);
        Assert.Equal(typeof(double), session.OutputMetadata[OnnxExporter.ScoresName].ElementType);
        Assert.Equal([-1, network.ClassCount], session.OutputMetadata[OnnxExporter.ScoresName].Dimensions);
        Assert.Equal(typeof(long), session.OutputMetadata[OnnxExporter.ClassName].ElementType);
    }

    [Fact]
    public void bnnc_export_onnx_writes_the_model_and_refuses_to_overwrite_without_force()
    {
        string folder = Directory.CreateTempSubdirectory("bnnc-onnx-").FullName;
        try
        {
            BnnNetwork network = RandomNetworks.Create(9, 20, false, [12], 3);
            string json = Path.Combine(folder, "network.json");
            NetworkFile.Save(network, json);
            string target = Path.Combine(folder, "model.onnx");
            byte[] expected = OnnxExporter.Export(NetworkFile.Load(json));

            Assert.Equal(0, Program.Main(["export-onnx", json, "--out", target]));
            Assert.Equal(expected, File.ReadAllBytes(target));

            byte[] old = [1, 2, 3];
            File.WriteAllBytes(target, old);
            Assert.Equal(1, Program.Main(["export-onnx", json, "--out", target]));
            Assert.Equal(old, File.ReadAllBytes(target));

            Assert.Equal(0, Program.Main(["export-onnx", json, "--out", target, "--force"]));
            Assert.Equal(expected, File.ReadAllBytes(target));
            Assert.Equal(["model.onnx", "network.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void a_convolution_whose_float32_sums_could_be_inexact_is_refused()
    {
        // 255 · 9 · 8000 > 2^24: a float32 Conv could round partial sums.
        int channels = 8000;
        Conv2dLayer conv = new(channels, 1, 3, 3, 1, 1, 0, 0, 0, 0, 0, new float[9 * channels], BatchNorm.Identity(1));
        BnnNetwork network = new(new TensorShape(3, 3, channels), false, [conv, new DenseLayer(1, 2, new float[2], BatchNorm.Identity(2))], ["a", "b"]);
        ArgumentException e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(network));
        Assert.Contains("2^24", e.Message, StringComparison.Ordinal);
    }

    private sealed record Agreement(int Samples, int ReferenceAgreement);

    /// <summary>
    /// Runs the exported graph on all samples in one batch (with ONNX Runtime's default graph optimizations and with
    /// none), and the compiled blob on each; asserts equal classes and scores = runtime score × factor, exactly.
    /// </summary>
    private static Agreement AssertOracleAgrees(BnnNetwork network, Dataset data)
    {
        byte[] onnx = OnnxExporter.Export(network);
        double factor = OnnxExporter.ScoreFactor(network);
        BnnModel model = BlobReader.Load(BlobWriter.Write(ModelCompiler.Compile(network)));
        int n = data.Count, length = data.FeatureCount, classes = network.ClassCount;
        float[] input = new float[n * length];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = network.InputSigned ? (sbyte)data.Features[i] : data.Features[i];
        }

        int[] runtimeClass = new int[n];
        int[] runtimeScores = new int[n * classes];
        int referenceAgreement = 0;
        byte[] sample = new byte[length];
        for (int s = 0; s < n; s++)
        {
            data.Sample(s).CopyTo(sample);
            runtimeClass[s] = model.Run(sample);
            Array.Copy(model.Scores, 0, runtimeScores, s * classes, classes);
            referenceAgreement += FloatReference.Forward(network, sample).Class == runtimeClass[s] ? 1 : 0;
        }

        foreach (GraphOptimizationLevel level in new[] { GraphOptimizationLevel.ORT_ENABLE_ALL, GraphOptimizationLevel.ORT_DISABLE_ALL })
        {
            using SessionOptions options = new() { GraphOptimizationLevel = level };
            using InferenceSession session = new(onnx, options);
            using OrtValue tensor = OrtValue.CreateTensorValueFromMemory(input, [n, length]);
            using RunOptions run = new();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(run, [OnnxExporter.InputName], [tensor], [OnnxExporter.ScoresName, OnnxExporter.ClassName]);
            ReadOnlySpan<double> scores = results[0].GetTensorDataAsSpan<double>();
            ReadOnlySpan<long> classOf = results[1].GetTensorDataAsSpan<long>();
            Assert.Equal(n * classes, scores.Length);
            Assert.Equal(n, classOf.Length);
            for (int s = 0; s < n; s++)
            {
                Assert.True(classOf[s] == runtimeClass[s], $"{level}, sample {s}: ONNX class {classOf[s]}, runtime class {runtimeClass[s]}");
                for (int c = 0; c < classes; c++)
                {
                    double expected = runtimeScores[(s * classes) + c] * factor;
                    double actual = scores[(s * classes) + c];
                    Assert.True(expected.Equals(actual), $"{level}, sample {s}, class {c}: ONNX score {actual:R}, runtime score {runtimeScores[(s * classes) + c]} x {factor:R} = {expected:R}");
                }
            }
        }

        return new Agreement(n, referenceAgreement);
    }

    private static void Cover(BnnNetwork network, HashSet<string> seen)
    {
        seen.Add(network.InputSigned ? "signed" : "unsigned");
        for (int l = 0; l < network.Layers.Count; l++)
        {
            NetworkLayer layer = network.Layers[l];
            BatchNorm? norm = null;
            float[]? alpha = null;
            switch (layer)
            {
                case InputThresholdLayer:
                    seen.Add("InputThreshold");
                    break;
                case Conv2dLayer conv:
                    bool padded = conv.PadTop + conv.PadLeft + conv.PadBottom + conv.PadRight > 0;
                    if (padded)
                    {
                        seen.Add($"{(l > 0 ? "BinaryConv2d" : conv.Int8Weights ? "Int8WeightConv2d" : "Int8Conv2d")} pad {conv.PadValue}");
                    }

                    (norm, alpha) = (conv.Norm, conv.Alpha);
                    break;
                case MaxPool2dLayer:
                    seen.Add("MaxPool2d");
                    break;
                case Int8HeadLayer:
                    seen.Add("Int8Head");
                    break;
                case DenseLayer dense:
                    seen.Add(l == network.Layers.Count - 1 ? "BinaryDenseScores" : "Dense");
                    (norm, alpha) = (dense.Norm, dense.Alpha);
                    break;
            }

            if (alpha != null)
            {
                seen.Add("alpha");
            }

            for (int c = 0; norm != null && c < norm.Count; c++)
            {
                double k = norm.Scale(c);
                seen.Add(k < 0 ? "negative BN scale" : k == 0 ? "zero BN scale" : "positive BN scale");
            }
        }
    }
}
