using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Compiler.Reference;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.Tests.Compiler;
using Xunit;

namespace Bnn.Nano.Tests.Training;

/// <summary>
/// The convolutional trainer: determinism, latent-weight clipping, gradients against finite differences, and short
/// Fashion-MNIST trainings whose compiled blobs agree with the float reference. Needs Fashion-MNIST
/// (<c>apt-get install dataset-fashion-mnist</c>); without it the data tests fail with that message.
/// </summary>
public class ConvNetTrainerTests
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_fashion = new(() =>
    {
        Dataset train = MnistDatasets.LoadFashionMnist("train");
        Dataset test = MnistDatasets.LoadFashionMnist("test");
        return (train.Subset("fashion-train-2000", Enumerable.Range(0, 2000).ToArray()), test.Subset("fashion-test-500", Enumerable.Range(0, 500).ToArray()));
    });

    [Fact]
    public void same_seed_gives_bit_identical_networks_for_any_thread_count_and_another_seed_differs()
    {
        Dataset train = s_fashion.Value.Train.Subset("fashion-train-384", Enumerable.Range(0, 384).ToArray());
        ConvNetOptions options = Tiny(seed: 5) with { Epochs = 1, FullPrecisionHead = true, UseScalingFactors = true, ShiftPixels = 1, HorizontalFlip = true };
        float[] first = Parameters(ConvNetTrainer.Train(train, options with { Threads = 1 }));
        float[] again = Parameters(ConvNetTrainer.Train(train, options with { Threads = 2 }));
        float[] other = Parameters(ConvNetTrainer.Train(train, options with { Seed = 6 }));
        Assert.Equal(first.Length, again.Length);
        for (int i = 0; i < first.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(first[i]) == BitConverter.SingleToInt32Bits(again[i]), $"parameter {i}: {first[i]:R} vs {again[i]:R}");
        }

        Assert.Equal(first.Length, other.Length);
        Assert.Contains(Enumerable.Range(0, first.Length), i => first[i] != other[i]);
    }

    [Fact]
    public void latent_weights_stay_in_minus_one_to_one_and_clipping_engages()
    {
        Dataset train = s_fashion.Value.Train.Subset("fashion-train-384", Enumerable.Range(0, 384).ToArray());
        BnnNetwork network = ConvNetTrainer.Train(train, Tiny(seed: 3) with { Epochs = 2, BatchSize = 16, LearningRate = 0.1f });
        float[] latent = network.Layers.SelectMany(l => l switch
        {
            Conv2dLayer conv => conv.Weights,
            DenseLayer dense => dense.Weights,
            _ => [],
        }).ToArray();
        Assert.NotEmpty(latent);
        Assert.All(latent, w => Assert.InRange(w, -1f, 1f));
        Assert.Contains(latent, w => Math.Abs(w) == 1f);
    }

    [Theory]
    [InlineData(3, 1, ConvPadding.Same, 1)]
    [InlineData(3, 2, ConvPadding.Same, -1)]
    [InlineData(2, 1, ConvPadding.Valid, 0)]
    public void conv_backward_matches_finite_differences_of_the_float_path(int kernel, int stride, ConvPadding padding, int padValue)
    {
        // L = Σ r·z with z the linear convolution output: dL/dW and dL/dx from ConvBackward against central differences.
        var random = new Random(kernel + (10 * stride));
        var geometry = ConvNetGeometry.Create(5, 6, 3, kernel, stride, padding);
        var workers = new ConvNetWorkers(2);
        const int Rows = 2;
        var stage = new ConvNetStage(geometry, 4, 0, padValue, false, ConvNetRole.Hidden, false, false, false, FloatActivation.HardTanh, Rows, workers.Count, random);
        float[] x = Random(random, Rows * geometry.InCount, 1.0);
        float[] r = Random(random, Rows * geometry.Positions * stage.Out, 1.0);
        float[] dx = new float[x.Length];
        stage.ConvForward(x, Rows, workers);
        stage.ConvBackward(x, Rows, r, dx, workers);
        float[] gw = (float[])stage.GW.Clone();

        double Loss()
        {
            stage.SyncWeights();
            stage.ConvForward(x, Rows, workers);
            double sum = 0;
            for (int i = 0; i < r.Length; i++)
            {
                sum += (double)r[i] * stage.Z[i];
            }

            return sum;
        }

        const float Step = 0.05f;
        double worst = 0;
        for (int i = 0; i < gw.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(gw[i] - CentralDifference(stage.Latent, i, Step, Loss)));
        }

        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(dx[i] - CentralDifference(x, i, Step, Loss)));
        }

        Assert.True(worst < 1e-3, $"largest gradient error {worst:G3}");
    }

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(true, 0f)]
    [InlineData(true, 0.1f)]
    [InlineData(false, 0.3f)]
    public void whole_float_network_gradients_match_finite_differences(bool head, float labelSmoothing)
    {
        // Conv (raw integer input) → BN → hardtanh → max-pool → conv → BN → hardtanh → dense → BN/head logits →
        // softmax cross-entropy, training mode. γ = 0.3 keeps hardtanh off its clipping edges; the small step keeps max-pool
        // from switching its source (larger steps do on some weights of the raw-input layer), so the loss is smooth.
        var random = new Random(head ? 11 : 12);
        var options = new ConvNetOptions
        {
            InputShape = new TensorShape(6, 6, 1),
            Blocks = [new ConvBlock(3, Pool: 2), new ConvBlock(4, Stride: 2)],
            DenseSizes = [5],
            FullPrecisionHead = head,
            FloatActivation = FloatActivation.HardTanh,
            LabelSmoothing = labelSmoothing,
            Threads = 2,
        };
        const int Rows = 4;
        var model = new ConvNetModel(options, 3, Rows, false, random);
        foreach (ConvNetStage stage in model.Stages.Where(s => s.Gamma != null))
        {
            Array.Fill(stage.Gamma!, 0.3f);
            Array.Fill(stage.Beta!, 0.05f);
        }

        float[] x = Enumerable.Range(0, Rows * 36).Select(_ => (float)random.Next(256)).ToArray();
        int[] labels = [0, 2, 1, 2];
        model.ComputeGradients(x, labels, Rows);
        var analytic = model.Stages.Select(s => (W: (float[])s.GW.Clone(), Gamma: (float[]?)s.GGamma?.Clone(), Beta: (float[]?)s.GBeta?.Clone(), Bias: (float[]?)s.GBias?.Clone())).ToArray();

        double Loss()
        {
            foreach (ConvNetStage stage in model.Stages)
            {
                stage.SyncWeights();
            }

            return model.Loss(x, labels, Rows) / Rows;
        }

        const float Step = 5e-4f;
        int compared = 0;
        for (int l = 0; l < model.Stages.Length; l++)
        {
            ConvNetStage stage = model.Stages[l];
            var pairs = new List<(float[] Parameters, float[] Gradient)> { (stage.Latent, analytic[l].W) };
            if (stage.Gamma != null)
            {
                pairs.Add((stage.Gamma, analytic[l].Gamma!));
                pairs.Add((stage.Beta!, analytic[l].Beta!));
            }

            if (stage.Bias != null)
            {
                pairs.Add((stage.Bias, analytic[l].Bias!));
            }

            foreach ((float[] parameters, float[] gradient) in pairs)
            {
                for (int i = 0; i < parameters.Length; i++)
                {
                    double numeric = CentralDifference(parameters, i, Step, Loss);
                    double error = Math.Abs(gradient[i] - numeric);
                    Assert.True(error < 2e-3 + (0.03 * Math.Abs(numeric)), $"stage {l} parameter {i}: analytic {gradient[i]:G5}, numeric {numeric:G5}");
                    compared++;
                }
            }
        }

        Assert.True(compared > 100, $"{compared} parameters compared");
    }

    [Fact]
    public void label_smoothing_takes_epsilon_over_k_from_the_label_for_every_class_and_zero_is_the_one_hot_loss()
    {
        float[] logits = [2f, 0f, -1f, 0.5f, 0.5f, 0.5f];
        int[] labels = [0, 2];
        float[] plain = new float[6], none = new float[6], smooth = new float[6];
        int correct = 0;
        double plainLoss = Kernels.SoftmaxCrossEntropy(logits, plain, 3, labels, 2, ref correct);
        double noneLoss = Kernels.SoftmaxCrossEntropy(logits, none, 3, labels, 2, ref correct, 0f);
        double smoothLoss = Kernels.SoftmaxCrossEntropy(logits, smooth, 3, labels, 2, ref correct, 0.3f);
        Assert.Equal(plainLoss, noneLoss);
        Assert.Equal(plain, none);

        // By hand: p = softmax(row); target 1 − 0.3 + 0.1 on the label, 0.1 elsewhere; loss −Σ t·log p; gradient (p − t) / rows.
        double expected = 0;
        for (int b = 0; b < 2; b++)
        {
            double[] e = [.. logits.Skip(3 * b).Take(3).Select(v => Math.Exp(v))];
            for (int c = 0; c < 3; c++)
            {
                double p = e[c] / e.Sum(), t = c == labels[b] ? 0.8 : 0.1;
                expected -= t * Math.Log(p);
                Assert.Equal((p - t) / 2, smooth[(3 * b) + c], 6);
            }
        }

        Assert.Equal(expected, smoothLoss, 6);
        Assert.Equal(3, correct); // per call, the first row's arg-max is its label; the tied second row's is class 0, not 2
        ConvNetOptions invalid = Tiny(seed: 1) with { LabelSmoothing = 1f };
        Assert.Throws<ArgumentOutOfRangeException>(() => ConvNetTrainer.Train(s_fashion.Value.Train, invalid));
    }

    [Theory]
    [InlineData(false, false, 1, ConvPadding.Same, false, 0.62)]
    [InlineData(true, true, -1, ConvPadding.Same, false, 0.62)]
    [InlineData(false, false, 0, ConvPadding.Valid, false, 0.62)]
    [InlineData(true, true, 1, ConvPadding.Same, true, 0.62)]
    [InlineData(false, false, 0, ConvPadding.Valid, true, 0.62)]
    public void short_fashion_training_compiles_to_a_blob_that_agrees_with_the_float_reference(bool head, bool scaling, int padValue, ConvPadding padding, bool int8FirstLayer, double floor)
    {
        (Dataset train, Dataset test) = s_fashion.Value;
        ConvNetOptions options = Tiny(seed: 1) with
        {
            Blocks = [new ConvBlock(8, Padding: padding, Pool: 2), new ConvBlock(16, Padding: padding, PadValue: padValue, Pool: 2)],
            FullPrecisionHead = head,
            UseScalingFactors = scaling,
            Int8FirstLayerWeights = int8FirstLayer,
        };
        BnnNetwork network = ConvNetTrainer.Train(train, options);
        var first = (Conv2dLayer)network.Layers[0];
        Assert.Equal(int8FirstLayer, first.Int8Weights);
        if (int8FirstLayer)
        {
            // Integers −127..127 with the per-channel step as α; every row uses the full range (its largest |w| is 127).
            Assert.All(first.Weights, w => Assert.True(w == MathF.Round(w) && Math.Abs(w) <= 127f, $"weight {w}"));
            Assert.All(Enumerable.Range(0, first.OutChannels), o => Assert.Equal(127f, first.Weights.Skip(o * first.TapCount).Take(first.TapCount).Max(Math.Abs)));
            Assert.NotNull(first.Alpha);
        }

        int[] fast = ConvNetTrainer.Predict(network, test);
        for (int s = 0; s < test.Count; s++)
        {
            Assert.Equal(FloatReference.Forward(network, test.Sample(s)).Class, fast[s]);
        }

        Assert.Equal(test.Count, CompiledModelParityTests.AssertAgreement(network, test));
        double accuracy = fast.Where((c, s) => c == test.Labels[s]).Count() / (double)test.Count;
        Assert.True(accuracy >= floor, $"accuracy {accuracy:P1} on 500 test images after 2 epochs on 2,000 (floor {floor:P0}, chance 10%)");
    }

    [Fact]
    public void float_baseline_trains_the_same_architecture_well_above_chance()
    {
        (Dataset train, Dataset test) = s_fashion.Value;
        double accuracy = ConvNetTrainer.TrainFloatBaseline(train, test, Tiny(seed: 1) with { Epochs = 1 });
        Assert.True(accuracy >= 0.65, $"float baseline accuracy {accuracy:P1}");
    }

    [Fact]
    public void fashion_mnist_configuration_compiles_within_32_kb_of_flash()
    {
        ConvNetOptions options = ConvNetOptions.FashionMnist();
        var model = new ConvNetModel(options, 10, 2, true, new Random(1));
        BnnNetwork network = model.ToNetwork(options.InputShape, false, MnistDatasets.FashionClassNames);
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(network));
        Assert.True(blob.Length <= 32768, $"blob of {blob.Length} bytes");
    }

    [Fact]
    public void options_that_do_not_fit_the_data_are_refused()
    {
        Dataset train = s_fashion.Value.Train.Subset("fashion-train-64", Enumerable.Range(0, 64).ToArray());
        Assert.Throws<ArgumentException>(() => ConvNetTrainer.Train(train, Tiny(1) with { InputShape = new TensorShape(28, 27, 1) }));
        Assert.Throws<ArgumentException>(() => ConvNetTrainer.Train(train, Tiny(1) with { Blocks = [new ConvBlock(4, Kernel: 29, Padding: ConvPadding.Valid)] }));
        Assert.Throws<ArgumentException>(() => ConvNetTrainer.Train(train, Tiny(1) with { Blocks = [new ConvBlock(4, PadValue: 2)] }));
    }

    private static ConvNetOptions Tiny(int seed) => new()
    {
        InputShape = new TensorShape(28, 28, 1),
        Blocks = [new ConvBlock(8, Pool: 2), new ConvBlock(16, PadValue: 1, Pool: 2)],
        DenseSizes = [32],
        Epochs = 2,
        BatchSize = 32,
        LearningRate = 0.005f,
        Seed = seed,
    };

    /// <summary>Every float of every layer (weights, α, batch norm, head scale), in layer order.</summary>
    private static float[] Parameters(BnnNetwork network)
    {
        var values = new List<float>();
        foreach (NetworkLayer layer in network.Layers)
        {
            switch (layer)
            {
                case Conv2dLayer conv:
                    values.AddRange(conv.Weights);
                    values.AddRange(conv.Alpha ?? []);
                    AddNorm(values, conv.Norm);
                    break;
                case DenseLayer dense:
                    values.AddRange(dense.Weights);
                    values.AddRange(dense.Alpha ?? []);
                    AddNorm(values, dense.Norm);
                    break;
                case Int8HeadLayer head:
                    values.AddRange(head.Weights.Select(w => (float)w));
                    values.AddRange(head.Biases.Select(b => (float)b));
                    values.Add(head.Scale);
                    break;
            }
        }

        return [.. values];
    }

    private static void AddNorm(List<float> values, BatchNorm norm)
    {
        values.AddRange(norm.Gamma);
        values.AddRange(norm.Beta);
        values.AddRange(norm.Mean);
        values.AddRange(norm.Variance);
        values.Add(norm.Epsilon);
    }

    private static float[] Random(Random random, int count, double scale) => Enumerable.Range(0, count).Select(_ => (float)(scale * ((2 * random.NextDouble()) - 1))).ToArray();

    /// <summary>(L(p + h) − L(p − h)) / 2h for one parameter, restoring it afterwards.</summary>
    private static double CentralDifference(float[] parameters, int index, float step, Func<double> loss)
    {
        float saved = parameters[index];
        parameters[index] = saved + step;
        double plus = loss();
        parameters[index] = saved - step;
        double minus = loss();
        parameters[index] = saved;
        return (plus - minus) / ((double)(saved + step) - (saved - step));
    }
}
