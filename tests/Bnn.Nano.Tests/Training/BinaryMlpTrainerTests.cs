using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Training;
using Xunit;

namespace Bnn.Nano.Tests.Training;

/// <summary>The demo configuration trained once (default options: hidden 128-128, 25 epochs, batch 64, seed 1).</summary>
public sealed class TrainedGestures
{
    public TrainedGestures()
    {
        (Train, Test) = SyntheticGestures.GenerateSplit(new SyntheticGesturesOptions(), HeldOutPersons);
        Reports = [];
        Network = BinaryMlpTrainer.Train(Train, Options, new ListProgress(Reports));
    }

    public const int HeldOutPersons = 8;

    public static TrainingOptions Options { get; } = new() { Threads = 2 };

    public Dataset Train { get; }

    public Dataset Test { get; }

    public BnnNetwork Network { get; }

    public List<TrainingProgress> Reports { get; }

    private sealed class ListProgress(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }
}

public class BinaryMlpTrainerTests(TrainedGestures trained) : IClassFixture<TrainedGestures>
{
    [Fact]
    public void same_seed_gives_bit_identical_networks_whatever_the_threads_and_another_seed_does_not()
    {
        // Short runs (the full schedule is covered by the fixture); one with validation reports, which must not
        // influence training, one single-threaded, one with another seed.
        var reports = new List<TrainingProgress>();
        TrainingOptions shortRun = TrainedGestures.Options with { Epochs = 3 };
        BnnNetwork a = BinaryMlpTrainer.Train(trained.Train, shortRun with { Validation = trained.Test }, new SyncProgress(reports.Add));
        BnnNetwork b = BinaryMlpTrainer.Train(trained.Train, shortRun with { Threads = 1 });
        BnnNetwork c = BinaryMlpTrainer.Train(trained.Train, shortRun with { Seed = 2 });

        AssertBitIdentical(a, b);
        float[] wa = Dense(a, 0).Weights, wc = Dense(c, 0).Weights;
        int differing = 0;
        for (int k = 0; k < wa.Length; k++)
        {
            differing += (wa[k] >= 0) != (wc[k] >= 0) ? 1 : 0;
        }

        Assert.True(differing > wa.Length / 4, $"only {differing} of {wa.Length} binary weights differ between seeds");

        // The validation accuracy reported after the last epoch is the returned network's reference accuracy.
        Assert.Equal(3, reports.Count);
        Assert.Equal(PlainAccuracy(a, trained.Test), reports[^1].ValidationAccuracy);
    }

    [Fact]
    public void trained_bnn_classifies_held_out_persons()
    {
        // Measured 89.8 % (960 windows of 8 held-out persons); the floor leaves room for harmless changes.
        double accuracy = PlainAccuracy(trained.Network, trained.Test);
        Assert.True(accuracy >= 0.85, $"held-out accuracy {accuracy:P2}");
        Assert.Equal(accuracy, BinaryMlpTrainer.Accuracy(trained.Network, trained.Test));
    }

    [Fact]
    public void network_shape_follows_options_and_data()
    {
        BnnNetwork net = trained.Network;
        Assert.Equal(trained.Train.FeatureCount, net.InputLength);
        Assert.True(net.InputSigned);
        Assert.Equal(trained.Train.ClassNames, net.ClassNames);
        Assert.Equal(3, net.Layers.Count);
        Assert.Equal(128, Dense(net, 0).Outputs);
        Assert.Equal(128, Dense(net, 1).Outputs);
        Assert.Equal(6, Dense(net, 2).Outputs);
        Assert.Equal(TrainedGestures.Options.Epsilon, Dense(net, 0).Norm.Epsilon);
    }

    [Fact]
    public void latent_weights_stay_within_minus_one_and_one_and_bn_is_finite()
    {
        foreach (NetworkLayer layer in trained.Network.Layers)
        {
            var dense = Assert.IsType<DenseLayer>(layer);
            Assert.All(dense.Weights, w => Assert.InRange(w, -1f, 1f));
            Assert.Null(dense.Alpha);
            BatchNorm bn = dense.Norm;
            foreach (float[] values in new[] { bn.Gamma, bn.Beta, bn.Mean, bn.Variance })
            {
                Assert.All(values, v => Assert.True(float.IsFinite(v)));
            }

            Assert.All(bn.Variance, v => Assert.True(v > 0));
        }
    }

    [Fact]
    public void progress_reports_every_epoch()
    {
        List<TrainingProgress> reports = trained.Reports;
        Assert.Equal(TrainedGestures.Options.Epochs, reports.Count);
        for (int e = 0; e < reports.Count; e++)
        {
            Assert.Equal(e + 1, reports[e].Epoch);
            Assert.Equal(TrainedGestures.Options.Epochs, reports[e].TotalEpochs);
            Assert.Null(reports[e].ValidationAccuracy);
        }

        Assert.True(reports[^1].TrainLoss < reports[0].TrainLoss);
        Assert.True(reports[^1].TrainAccuracy > 0.85);
        Assert.True(reports[^1].Elapsed >= reports[0].Elapsed);
    }

    [Fact]
    public void float_baseline_is_at_least_as_good_as_the_bnn()
    {
        // A shorter run keeps the test fast: measured 94.9 % after 8 epochs (96.0 % after the default 25), ReLU.
        FloatBaseline baseline = BinaryMlpTrainer.TrainFloatBaseline(trained.Train, trained.Test, TrainedGestures.Options with { Epochs = 8 });

        Assert.Equal(FloatActivation.Relu, baseline.Activation);
        Assert.True(baseline.TestAccuracy >= 0.9, $"float baseline {baseline.TestAccuracy:P2}");
        Assert.True(baseline.TrainAccuracy >= baseline.TestAccuracy - 0.02);
        double bnn = BinaryMlpTrainer.Accuracy(trained.Network, trained.Test);
        Assert.True(baseline.TestAccuracy >= bnn, $"float baseline {baseline.TestAccuracy:P2} below the BNN's {bnn:P2}");
    }

    [Fact]
    public void bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => BinaryMlpTrainer.Train(trained.Train, TrainedGestures.Options with { Binarized = false }));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryMlpTrainer.Train(trained.Train, TrainedGestures.Options with { BatchSize = 1 }));
        Assert.Throws<ArgumentException>(() => BinaryMlpTrainer.Train(trained.Train, TrainedGestures.Options with { HiddenSizes = [16, 0] }));
        Dataset other = SyntheticGestures.Generate(new SyntheticGesturesOptions { Persons = 1, RepetitionsPerPersonAndClass = 1, WindowLength = 32 });
        Assert.Throws<ArgumentException>(() => BinaryMlpTrainer.Train(trained.Train, TrainedGestures.Options with { Validation = other }));
    }

    [Fact]
    public void cancellation_stops_training()
    {
        using var cts = new System.Threading.CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => BinaryMlpTrainer.Train(trained.Train, TrainedGestures.Options, ct: cts.Token));
    }

    /// <summary>A plain float forward, written independently of the compiler: ±1 weights, BN.Apply, sign, argmax.</summary>
    private static double PlainAccuracy(BnnNetwork network, Dataset data)
    {
        int correct = 0;
        for (int s = 0; s < data.Count; s++)
        {
            double[] x = new double[data.FeatureCount];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = data.Value(s, i);
            }

            for (int l = 0; l < network.Layers.Count; l++)
            {
                DenseLayer layer = Dense(network, l);
                double[] y = new double[layer.Outputs];
                for (int o = 0; o < layer.Outputs; o++)
                {
                    double dot = 0;
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        dot += (layer.Weights[(o * layer.Inputs) + i] >= 0 ? 1 : -1) * x[i];
                    }

                    double z = layer.Norm.Apply(o, dot);
                    y[o] = l == network.Layers.Count - 1 ? z : (z >= 0 ? 1 : -1);
                }

                x = y;
            }

            int best = 0;
            for (int c = 1; c < x.Length; c++)
            {
                best = x[c] > x[best] ? c : best;
            }

            correct += best == data.Labels[s] ? 1 : 0;
        }

        return correct / (double)data.Count;
    }

    private static DenseLayer Dense(BnnNetwork network, int layer) => Assert.IsType<DenseLayer>(network.Layers[layer]);

    private static void AssertBitIdentical(BnnNetwork a, BnnNetwork b)
    {
        Assert.Equal(a.Layers.Count, b.Layers.Count);
        for (int l = 0; l < a.Layers.Count; l++)
        {
            DenseLayer x = Dense(a, l), y = Dense(b, l);
            Assert.Equal(BitConverter.SingleToInt32Bits(x.Norm.Epsilon), BitConverter.SingleToInt32Bits(y.Norm.Epsilon));
            float[][] left = [x.Weights, x.Norm.Gamma, x.Norm.Beta, x.Norm.Mean, x.Norm.Variance];
            float[][] right = [y.Weights, y.Norm.Gamma, y.Norm.Beta, y.Norm.Mean, y.Norm.Variance];
            for (int p = 0; p < left.Length; p++)
            {
                Assert.Equal(left[p].Length, right[p].Length);
                for (int k = 0; k < left[p].Length; k++)
                {
                    if (BitConverter.SingleToInt32Bits(left[p][k]) != BitConverter.SingleToInt32Bits(right[p][k]))
                    {
                        Assert.Fail($"layer {l} parameter array {p} element {k}: {left[p][k]:R} vs {right[p][k]:R}");
                    }
                }
            }
        }
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
