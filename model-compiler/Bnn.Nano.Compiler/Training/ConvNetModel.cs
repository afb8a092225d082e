using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Training;

/// <summary>The convolutional network being trained: its stages, the loss, the optimiser, inference and export.</summary>
internal sealed class ConvNetModel : IMiniBatchModel
{
    private readonly ConvNetOptions options;
    private readonly ConvNetWorkers workers;
    private readonly AdamOptimizer adam;

    public ConvNetModel(ConvNetOptions options, int classes, int capacity, bool binarized, Random random)
    {
        this.options = options;
        Binarized = binarized;
        Capacity = capacity;
        workers = new ConvNetWorkers(options.Threads);
        adam = new AdamOptimizer(options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon);
        var stages = new List<ConvNetStage>();
        TensorShape shape = options.InputShape;
        for (int b = 0; b < options.Blocks.Count; b++)
        {
            ConvBlock block = options.Blocks[b];
            var geometry = ConvNetGeometry.Create(shape.Height, shape.Width, shape.Channels, block.Kernel, block.Stride, block.Padding);
            int padValue = b == 0 || !binarized ? 0 : block.PadValue;
            var stage = new ConvNetStage(geometry, block.Channels, block.Pool, padValue, b == 0, ConvNetRole.Hidden, binarized, options.Int8FirstLayerWeights, options.UseScalingFactors, options.FloatActivation, capacity, workers.Count, random);
            stages.Add(stage);
            shape = new TensorShape(stage.PoolH, stage.PoolW, stage.Out);
        }

        foreach (int width in options.DenseSizes)
        {
            stages.Add(new ConvNetStage(ConvNetGeometry.Vector(shape.Count), width, 1, 0, false, ConvNetRole.Hidden, binarized, false, options.UseScalingFactors, options.FloatActivation, capacity, workers.Count, random));
            shape = TensorShape.Vector(width);
        }

        ConvNetRole role = options.FullPrecisionHead ? ConvNetRole.Head : ConvNetRole.Scores;
        stages.Add(new ConvNetStage(ConvNetGeometry.Vector(shape.Count), classes, 1, 0, false, role, binarized, false, options.UseScalingFactors, options.FloatActivation, capacity, workers.Count, random));
        Stages = [.. stages];
    }

    public bool Binarized { get; }

    public int Capacity { get; }

    public ConvNetStage[] Stages { get; }

    public int Classes => Stages[^1].Out;

    public int InputCount => Stages[0].G.InCount;

    /// <summary>One optimiser step on <paramref name="rows"/> samples; returns the summed cross-entropy and counts correct training-mode predictions.</summary>
    public double Step(float[] x, int[] labels, int rows, float learningRate, ref int correct)
    {
        if (rows > Capacity || rows < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(rows));
        }

        Forward(x, rows, ConvNetMode.Train, Stages.Length);
        double loss = SoftmaxCrossEntropy(labels, rows, ref correct);
        Backward(x, rows);
        Update(learningRate);
        return loss;
    }

    /// <summary>Training-mode forward pass and loss, then the gradients of every parameter (no update). Returns the summed cross-entropy.</summary>
    internal double ComputeGradients(float[] x, int[] labels, int rows)
    {
        int correct = 0;
        Forward(x, rows, ConvNetMode.Train, Stages.Length);
        double loss = SoftmaxCrossEntropy(labels, rows, ref correct);
        Backward(x, rows);
        return loss;
    }

    /// <summary>Training-mode (batch statistics) summed cross-entropy, without gradients.</summary>
    internal double Loss(float[] x, int[] labels, int rows)
    {
        int correct = 0;
        Forward(x, rows, ConvNetMode.Train, Stages.Length);
        return SoftmaxCrossEntropy(labels, rows, ref correct);
    }

    /// <summary>Forward through the first <paramref name="stageCount"/> stages (the last of them in <paramref name="lastMode"/>, earlier ones in <paramref name="mode"/>).</summary>
    internal void Forward(float[] x, int rows, ConvNetMode mode, int stageCount, ConvNetMode? lastMode = null)
    {
        float[] input = x;
        for (int l = 0; l < stageCount; l++)
        {
            ConvNetStage stage = Stages[l];
            stage.Forward(input, rows, l == stageCount - 1 && lastMode.HasValue ? lastMode.Value : mode, options.BnMomentum, options.Epsilon, workers);
            input = stage.A ?? stage.Logits;
        }
    }

    internal void Backward(float[] x, int rows)
    {
        for (int l = Stages.Length - 1; l >= 0; l--)
        {
            ConvNetStage stage = Stages[l];
            float[] input = l == 0 ? x : Stages[l - 1].A!;
            stage.Backward(input, rows, l == 0 ? null : Stages[l - 1].DA, workers);
        }
    }

    private double SoftmaxCrossEntropy(int[] labels, int rows, ref int correct)
    {
        ConvNetStage last = Stages[^1];
        return Kernels.SoftmaxCrossEntropy(last.Logits, last.DA, last.Out, labels, rows, ref correct, options.LabelSmoothing);
    }

    private void Update(float learningRate)
    {
        AdamStep step = adam.NextStep(learningRate);
        float decay = learningRate * options.WeightDecay;
        foreach (ConvNetStage stage in Stages)
        {
            if (!stage.Binary && decay > 0f)
            {
                float keep = 1f - decay;
                float[] p = stage.Latent;
                for (int i = 0; i < p.Length; i++)
                {
                    p[i] *= keep;
                }
            }

            step.Apply(stage.Latent, stage.GW, stage.MW, stage.VW);
            if (stage.Role == ConvNetRole.Head)
            {
                step.Apply(stage.Bias!, stage.GBias!, stage.MBias!, stage.VBias!);
            }
            else
            {
                step.Apply(stage.Gamma!, stage.GGamma!, stage.MGamma!, stage.VGamma!);
                step.Apply(stage.Beta!, stage.GBeta!, stage.MBeta!, stage.VBeta!);
            }

            if (stage.Binary)
            {
                float[] latent = stage.Latent;
                for (int i = 0; i < latent.Length; i++)
                {
                    latent[i] = Math.Clamp(latent[i], -1f, 1f);
                }
            }

            stage.SyncWeights();
        }
    }

    /// <summary>Inference-mode (running statistics) class predictions of this float model.</summary>
    public int[] Predict(float[] x, int count)
    {
        var predictions = new int[count];
        int inputs = InputCount, classes = Classes;
        float[] batch = new float[Capacity * inputs];
        for (int start = 0; start < count; start += Capacity)
        {
            int rows = Math.Min(Capacity, count - start);
            Array.Copy(x, start * inputs, batch, 0, rows * inputs);
            Forward(batch, rows, ConvNetMode.Infer, Stages.Length);
            float[] logits = Stages[^1].Logits;
            for (int r = 0; r < rows; r++)
            {
                int best = 0;
                for (int c = 1; c < classes; c++)
                {
                    if (logits[(r * classes) + c] > logits[(r * classes) + best])
                    {
                        best = c;
                    }
                }

                predictions[start + r] = best;
            }
        }

        return predictions;
    }

    /// <summary>
    /// Replaces each batch norm's running statistics by the exact mean and (unbiased) variance of its input over all
    /// <paramref name="count"/> samples, layer by layer (each with the recalibrated layers before it in inference mode).
    /// </summary>
    public void Recalibrate(float[] x, int count)
    {
        int inputs = InputCount;
        float[] batch = new float[Capacity * inputs];
        for (int l = 0; l < Stages.Length; l++)
        {
            ConvNetStage stage = Stages[l];
            if (stage.Role == ConvNetRole.Head)
            {
                continue;
            }

            Array.Clear(stage.CalibrationSum);
            Array.Clear(stage.CalibrationSquares);
            stage.CalibrationCount = 0;
            for (int start = 0; start < count; start += Capacity)
            {
                int rows = Math.Min(Capacity, count - start);
                Array.Copy(x, start * inputs, batch, 0, rows * inputs);
                Forward(batch, rows, ConvNetMode.Infer, l + 1, ConvNetMode.Calibrate);
            }

            double n = stage.CalibrationCount;
            for (int o = 0; o < stage.Out; o++)
            {
                double mean = stage.CalibrationSum[o] / n;
                double variance = Math.Max((stage.CalibrationSquares[o] / n) - (mean * mean), 0.0) * n / Math.Max(n - 1, 1);
                stage.RunMean![o] = (float)mean;
                stage.RunVar![o] = (float)variance;
            }
        }
    }

    /// <summary>The trained binarized network: latent weights, learned γ/β, running statistics; the head quantised to int8.</summary>
    public BnnNetwork ToNetwork(TensorShape inputShape, bool inputSigned, IReadOnlyList<string> classNames)
    {
        if (!Binarized)
        {
            throw new InvalidOperationException("only a binarized model converts to a BnnNetwork");
        }

        var layers = new List<NetworkLayer>();
        foreach (ConvNetStage stage in Stages)
        {
            ConvNetGeometry g = stage.G;
            if (stage.Role == ConvNetRole.Head)
            {
                layers.Add(QuantizeHead(stage));
                continue;
            }

            var norm = new BatchNorm((float[])stage.Gamma!.Clone(), (float[])stage.Beta!.Clone(), (float[])stage.RunMean!.Clone(), (float[])stage.RunVar!.Clone(), options.Epsilon);
            float[] weights = (float[])stage.Latent.Clone();
            float[]? alpha = (float[]?)stage.Alpha?.Clone();
            if (stage.Int8Weights)
            {
                // The integers the training forward used (W = value · step), with the step as α.
                int k = g.K;
                for (int i = 0; i < weights.Length; i++)
                {
                    weights[i] = stage.Int8Value(i, stage.Int8Scale![i / k]);
                }

                alpha = (float[])stage.Int8Scale!.Clone();
            }

            if (g.IsVector)
            {
                layers.Add(new DenseLayer(g.InC, stage.Out, weights, norm, alpha));
            }
            else
            {
                layers.Add(new Conv2dLayer(g.InC, stage.Out, g.Kh, g.Kw, g.Stride, g.Stride, g.PadTop, g.PadLeft, g.PadBottom, g.PadRight, stage.PadValue, weights, norm, alpha, stage.Int8Weights));
            }

            if (stage.Pool > 1)
            {
                layers.Add(new MaxPool2dLayer(stage.Pool, stage.Pool, stage.Pool, stage.Pool));
            }
        }

        return new BnnNetwork(inputShape, inputSigned, layers, classNames);
    }

    /// <summary>
    /// Post-training quantisation of the head: one scale s = max|w| / 127, weights round(w / s) in [-127, 127],
    /// biases round(b / s) (round half to even); score = s · (Σ w_q·x + b_q).
    /// </summary>
    internal static Int8HeadLayer QuantizeHead(ConvNetStage stage)
    {
        int inputs = stage.G.K, outputs = stage.Out;
        float max = 0f;
        foreach (float w in stage.Latent)
        {
            max = Math.Max(max, Math.Abs(w));
        }

        double scale = max > 0f ? max / 127.0 : 1.0;
        var weights = new sbyte[inputs * outputs];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (sbyte)Math.Clamp(Math.Round(stage.Latent[i] / scale, MidpointRounding.ToEven), -127, 127);
        }

        var biases = new int[outputs];
        for (int o = 0; o < outputs; o++)
        {
            biases[o] = (int)Math.Clamp(Math.Round(stage.Bias![o] / scale, MidpointRounding.ToEven), -(1 << 24), 1 << 24);
        }

        float storedScale = (float)scale;
        return new Int8HeadLayer(inputs, outputs, weights, biases, storedScale > 0f ? storedScale : float.Epsilon);
    }
}
