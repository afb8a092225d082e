using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// The network being trained: dense layers (binary or real weights) each followed by batch norm; hidden layers end in
/// an activation, the last layer's BN output is the logit vector. Holds parameters, Adam moments and batch buffers.
/// Threading: matrix products are split by output rows (forward, input gradients) or by output neurons (weight
/// gradients); per-channel reductions run on one thread in sample order. See <see cref="Kernels"/> for the bits.
/// </summary>
internal sealed class Mlp : IMiniBatchModel
{
    private readonly TrainingOptions options;
    private readonly RangeRunner runner;
    private readonly AdamOptimizer adam;
    private readonly Layer[] layers;
    private readonly int inputs;
    private readonly int capacity;

    public Mlp(int inputs, int classes, int batchCapacity, TrainingOptions options, Random random)
    {
        this.options = options;
        this.inputs = inputs;
        capacity = batchCapacity;
        runner = new RangeRunner(options.Threads);
        adam = new AdamOptimizer(options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon);
        var widths = new List<int> { inputs };
        widths.AddRange(options.HiddenSizes);
        widths.Add(classes);
        layers = new Layer[widths.Count - 1];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new Layer(widths[l], widths[l + 1], batchCapacity, options.Binarized, random);
        }
    }

    public int Classes => layers[^1].Out;

    /// <inheritdoc/>
    public double Step(float[] x, int[] labels, int rows, float learningRate, ref int correct)
    {
        if (rows > capacity || rows < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(rows));
        }

        ForwardTraining(x, rows);
        Layer last = layers[^1];
        double loss = Kernels.SoftmaxCrossEntropy(last.Y, last.DY, last.Out, labels, rows, ref correct, options.LabelSmoothing);
        Backward(x, rows);
        Update(learningRate);
        return loss;
    }

    private void ForwardTraining(float[] x, int rows)
    {
        float[] input = x;
        for (int l = 0; l < layers.Length; l++)
        {
            Layer layer = layers[l];
            int nIn = layer.In, nOut = layer.Out;
            float[] w = layer.W, z = layer.Z;
            float[] source = input;
            runner.Run(rows, (double)nIn * nOut, (start, end) =>
            {
                for (int b = start; b < end; b++)
                {
                    ReadOnlySpan<float> row = source.AsSpan(b * nIn, nIn);
                    int zb = b * nOut;
                    for (int o = 0; o < nOut; o++)
                    {
                        z[zb + o] = Kernels.Dot(row, w.AsSpan(o * nIn, nIn));
                    }
                }
            });

            // Batch norm with batch statistics: each channel on one thread, samples in order.
            runner.Run(nOut, rows * 8.0, (start, end) => NormalizeTraining(layer, rows, start, end));

            if (l < layers.Length - 1)
            {
                Activate(layer.Y, layer.A, rows * nOut);
                input = layer.A;
            }
        }
    }

    private void NormalizeTraining(Layer layer, int rows, int start, int end)
    {
        int nOut = layer.Out;
        float[] z = layer.Z;
        float momentum = options.BnMomentum;
        for (int o = start; o < end; o++)
        {
            double sum = 0;
            for (int b = 0; b < rows; b++)
            {
                sum += z[(b * nOut) + o];
            }

            double mean = sum / rows;
            double squares = 0;
            for (int b = 0; b < rows; b++)
            {
                double d = z[(b * nOut) + o] - mean;
                squares += d * d;
            }

            double variance = squares / rows;
            float invStd = (float)(1.0 / Math.Sqrt(variance + options.Epsilon));
            float meanF = (float)mean;
            layer.InvStd[o] = invStd;
            layer.RunMean[o] = ((1f - momentum) * layer.RunMean[o]) + (momentum * meanF);
            layer.RunVar[o] = ((1f - momentum) * layer.RunVar[o]) + (momentum * (float)(squares / (rows - 1)));
            float gamma = layer.Gamma[o], beta = layer.Beta[o];
            for (int b = 0; b < rows; b++)
            {
                int k = (b * nOut) + o;
                float xhat = (z[k] - meanF) * invStd;
                layer.Xhat[k] = xhat;
                layer.Y[k] = (gamma * xhat) + beta;
            }
        }
    }

    private void Activate(float[] y, float[] a, int count)
    {
        if (options.Binarized)
        {
            for (int k = 0; k < count; k++)
            {
                a[k] = y[k] >= 0f ? 1f : -1f;
            }
        }
        else if (options.FloatActivation == FloatActivation.Relu)
        {
            for (int k = 0; k < count; k++)
            {
                a[k] = y[k] > 0f ? y[k] : 0f;
            }
        }
        else
        {
            for (int k = 0; k < count; k++)
            {
                a[k] = Math.Clamp(y[k], -1f, 1f);
            }
        }
    }

    private void Backward(float[] x, int rows)
    {
        for (int l = layers.Length - 1; l >= 0; l--)
        {
            Layer layer = layers[l];
            int nIn = layer.In, nOut = layer.Out;
            float[] dy = layer.DY, y = layer.Y;
            if (l < layers.Length - 1)
            {
                // Straight-through estimator: pass the gradient where the activation is not saturated.
                bool relu = !options.Binarized && options.FloatActivation == FloatActivation.Relu;
                for (int k = 0; k < rows * nOut; k++)
                {
                    bool pass = relu ? y[k] > 0f : Math.Abs(y[k]) <= 1f;
                    dy[k] = pass ? layer.DA[k] : 0f;
                }
            }

            // Batch-norm backward (batch statistics): each channel on one thread, samples in order.
            runner.Run(nOut, rows * 8.0, (start, end) => NormalizeBackward(layer, rows, start, end));

            float[] input = l == 0 ? x : layers[l - 1].A;
            float[] gw = layer.GW, dz = layer.DZ;
            runner.Run(nOut, (double)rows * nIn, (start, end) =>
            {
                for (int o = start; o < end; o++)
                {
                    // dW[o, :] = Σ_b dZ[b, o] · input[b, :], samples in order.
                    Kernels.WeightedRowSum(dz.AsSpan(o), nOut, input.AsSpan(0, rows * nIn), rows, gw.AsSpan(o * nIn, nIn));
                }
            });

            if (l > 0)
            {
                float[] dIn = layers[l - 1].DA, w = layer.W;
                runner.Run(rows, (double)nOut * nIn, (start, end) =>
                {
                    for (int b = start; b < end; b++)
                    {
                        // dIn[b, :] = Σ_o dZ[b, o] · W[o, :], outputs in order.
                        Kernels.WeightedRowSum(dz.AsSpan(b * nOut, nOut), 1, w, nOut, dIn.AsSpan(b * nIn, nIn));
                    }
                });
            }
        }
    }

    private static void NormalizeBackward(Layer layer, int rows, int start, int end)
    {
        int nOut = layer.Out;
        float[] dy = layer.DY, dz = layer.DZ, xhat = layer.Xhat;
        for (int o = start; o < end; o++)
        {
            double dBeta = 0, dGamma = 0;
            for (int b = 0; b < rows; b++)
            {
                int k = (b * nOut) + o;
                dBeta += dy[k];
                dGamma += (double)dy[k] * xhat[k];
            }

            layer.GBeta[o] = (float)dBeta;
            layer.GGamma[o] = (float)dGamma;
            float scale = layer.Gamma[o] * layer.InvStd[o] / rows;
            float sumDy = (float)dBeta, sumDyXhat = (float)dGamma;
            for (int b = 0; b < rows; b++)
            {
                int k = (b * nOut) + o;
                dz[k] = scale * ((rows * dy[k]) - sumDy - (xhat[k] * sumDyXhat));
            }
        }
    }

    private void Update(float learningRate)
    {
        AdamStep step = adam.NextStep(learningRate);
        float keep = 1f - (learningRate * options.WeightDecay);
        bool decay = options.WeightDecay > 0f, binarized = options.Binarized;
        foreach (Layer layer in layers)
        {
            // Element-wise: each weight is updated by one thread.
            runner.Run(layer.Latent.Length, 16.0, (start, end) =>
            {
                float[] latent = layer.Latent, w = layer.W;
                if (decay)
                {
                    for (int k = start; k < end; k++)
                    {
                        latent[k] *= keep; // decoupled weight decay (AdamW)
                    }
                }

                step.Apply(latent, layer.GW, layer.MW, layer.VW, start, end);
                if (binarized)
                {
                    for (int k = start; k < end; k++)
                    {
                        float v = Math.Clamp(latent[k], -1f, 1f);
                        latent[k] = v;
                        w[k] = v >= 0f ? 1f : -1f;
                    }
                }
            });
            step.Apply(layer.Gamma, layer.GGamma, layer.MGamma, layer.VGamma);
            step.Apply(layer.Beta, layer.GBeta, layer.MBeta, layer.VBeta);
        }
    }

    /// <summary>
    /// Inference-mode class predictions (running statistics). Batch norm is evaluated in double exactly as
    /// <see cref="BatchNorm.Apply"/> does, and binary dot products of integer inputs are exact in float, so for a binarized
    /// model this equals the float reference's classes.
    /// </summary>
    public int[] Predict(float[] x, int count)
    {
        var predictions = new int[count];
        var scales = new double[layers.Length][];
        for (int l = 0; l < layers.Length; l++)
        {
            Layer layer = layers[l];
            scales[l] = new double[layer.Out];
            for (int o = 0; o < layer.Out; o++)
            {
                scales[l][o] = layer.Gamma[o] / Math.Sqrt((double)layer.RunVar[o] + options.Epsilon);
            }
        }

        int widest = inputs;
        foreach (Layer layer in layers)
        {
            widest = Math.Max(widest, layer.Out);
        }

        runner.Run(count, layers[0].W.Length * 2.0, (start, end) =>
        {
            var current = new float[widest];
            var next = new float[widest];
            var scores = new double[Classes];
            for (int s = start; s < end; s++)
            {
                ReadOnlySpan<float> input = x.AsSpan(s * inputs, inputs);
                for (int l = 0; l < layers.Length; l++)
                {
                    Layer layer = layers[l];
                    bool last = l == layers.Length - 1;
                    for (int o = 0; o < layer.Out; o++)
                    {
                        float dot = Kernels.Dot(input, layer.W.AsSpan(o * layer.In, layer.In));
                        double y = (((double)dot - layer.RunMean[o]) * scales[l][o]) + layer.Beta[o];
                        if (last)
                        {
                            scores[o] = y;
                        }
                        else if (options.Binarized)
                        {
                            next[o] = y >= 0 ? 1f : -1f;
                        }
                        else
                        {
                            float yf = (float)y;
                            next[o] = options.FloatActivation == FloatActivation.Relu ? Math.Max(yf, 0f) : Math.Clamp(yf, -1f, 1f);
                        }
                    }

                    (current, next) = (next, current);
                    input = current.AsSpan(0, layer.Out);
                }

                int best = 0;
                for (int c = 1; c < scores.Length; c++)
                {
                    if (scores[c] > scores[best])
                    {
                        best = c;
                    }
                }

                predictions[s] = best;
            }
        });

        return predictions;
    }

    /// <summary>The trained binarized network: copies of the latent weights, learned gamma/beta, running statistics.</summary>
    public BnnNetwork ToNetwork(Dataset train)
    {
        var result = new DenseLayer[layers.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            Layer layer = layers[l];
            var norm = new BatchNorm((float[])layer.Gamma.Clone(), (float[])layer.Beta.Clone(), (float[])layer.RunMean.Clone(), (float[])layer.RunVar.Clone(), options.Epsilon);
            result[l] = new DenseLayer(layer.In, layer.Out, (float[])layer.Latent.Clone(), norm);
        }

        return new BnnNetwork(train.FeatureCount, train.Signed, result, train.ClassNames);
    }

    private sealed class Layer
    {
        public Layer(int inputs, int outputs, int rows, bool binarized, Random random)
        {
            In = inputs;
            Out = outputs;
            Latent = new float[inputs * outputs];
            float limit = (float)Math.Sqrt(6.0 / (inputs + outputs));
            for (int k = 0; k < Latent.Length; k++)
            {
                Latent[k] = limit * (float)((2.0 * random.NextDouble()) - 1.0);
            }

            if (binarized)
            {
                W = new float[Latent.Length];
                for (int k = 0; k < Latent.Length; k++)
                {
                    W[k] = Latent[k] >= 0f ? 1f : -1f;
                }
            }
            else
            {
                W = Latent; // real weights: the effective weights are the parameters themselves
            }

            Gamma = new float[outputs];
            Array.Fill(Gamma, 1f);
            Beta = new float[outputs];
            RunMean = new float[outputs];
            RunVar = new float[outputs];
            Array.Fill(RunVar, 1f);
            InvStd = new float[outputs];
            GW = new float[Latent.Length];
            MW = new float[Latent.Length];
            VW = new float[Latent.Length];
            GGamma = new float[outputs];
            MGamma = new float[outputs];
            VGamma = new float[outputs];
            GBeta = new float[outputs];
            MBeta = new float[outputs];
            VBeta = new float[outputs];
            Z = new float[rows * outputs];
            Xhat = new float[rows * outputs];
            Y = new float[rows * outputs];
            A = new float[rows * outputs];
            DA = new float[rows * outputs];
            DY = new float[rows * outputs];
            DZ = new float[rows * outputs];
        }

        public int In { get; }

        public int Out { get; }

        public float[] Latent { get; }

        public float[] W { get; }

        public float[] Gamma { get; }

        public float[] Beta { get; }

        public float[] RunMean { get; }

        public float[] RunVar { get; }

        public float[] InvStd { get; }

        public float[] GW { get; }

        public float[] MW { get; }

        public float[] VW { get; }

        public float[] GGamma { get; }

        public float[] MGamma { get; }

        public float[] VGamma { get; }

        public float[] GBeta { get; }

        public float[] MBeta { get; }

        public float[] VBeta { get; }

        public float[] Z { get; }

        public float[] Xhat { get; }

        public float[] Y { get; }

        public float[] A { get; }

        public float[] DA { get; }

        public float[] DY { get; }

        public float[] DZ { get; }
    }
}
