using System;
using System.Numerics.Tensors;

namespace Bnn.Nano.Compiler.Training;

/// <summary>What a stage's output is.</summary>
internal enum ConvNetRole
{
    /// <summary>Batch norm, then (optional max-pool and) the activation: sign, or ReLU / hardtanh in the float baseline.</summary>
    Hidden,

    /// <summary>Batch norm output = the logits (a binary dense class layer).</summary>
    Scores,

    /// <summary>Real weights plus bias = the logits (full-precision head, no batch norm).</summary>
    Head,
}

/// <summary>How a forward pass treats batch norm.</summary>
internal enum ConvNetMode
{
    /// <summary>Batch statistics; running statistics updated; x̂ kept for the backward pass.</summary>
    Train,

    /// <summary>Running statistics.</summary>
    Infer,

    /// <summary>Only accumulates the exact sums of this stage's pre-norm values (for recalibration); no output.</summary>
    Calibrate,
}

/// <summary>
/// One layer of the network being trained: a convolution (a dense layer is a 1×1 convolution over a 1×1×n input)
/// with binary weights sign(latent) or real weights, optional α, batch norm, then max-pool and activation, or the
/// logits. Holds its parameters, Adam moments and batch buffers (capacity samples).
/// <para>
/// Forward: binary layers after the first compute their dot products by XNOR-popcount (exact integers); the first
/// layer and the float baseline use im2col + <see cref="ConvNetKernels.Gemm"/>. Max-pool follows the batch norm and
/// precedes the activation: sign is monotone, so max-pool(sign(y)) = sign(max-pool(y)) exactly, and the gradient goes
/// to the window's largest y (the first one on ties), the unit that decided the pooled sign.
/// Backward: straight-through estimator (gradient passed where |y| ≤ 1 for sign and hardtanh, y &gt; 0 for ReLU),
/// batch-norm backward with batch statistics, weight gradients dW = dZᵀ·im2col (split over output channels),
/// input gradients im2col-gradient = dZ·W then col2im (split over samples).
/// </para>
/// </summary>
internal sealed class ConvNetStage
{
    private const int ChunkRows = 256;
    private readonly double[] partialSum;
    private readonly double[] partialSquares;
    private readonly double[][] workerSum;
    private readonly double[][] workerSquares;
    private readonly ulong[][] workerBits;
    private readonly ulong[][] workerRow;
    private readonly int[][] workerTaps;
    private readonly float[][] workerY;
    private readonly float[] scale;
    private readonly float[] sumDy;
    private readonly float[] sumDyXhat;

    public ConvNetStage(ConvNetGeometry geometry, int outChannels, int pool, int padValue, bool first, ConvNetRole role, bool binary, bool int8Weights, bool scaling, FloatActivation activation, int capacity, int workers, Random random)
    {
        G = geometry;
        Out = outChannels;
        Pool = pool > 1 ? pool : 1;
        PoolH = G.OutH / Pool;
        PoolW = G.OutW / Pool;
        PadValue = padValue;
        First = first;
        Role = role;
        Binary = binary && role != ConvNetRole.Head;
        UseBits = Binary && !first;
        Int8Weights = int8Weights && Binary && first;
        Scaling = scaling && Binary && !Int8Weights;
        Activation = activation;
        Capacity = capacity;
        OutCount = PoolH * PoolW * Out;
        if (role != ConvNetRole.Hidden && (!G.IsVector || Pool != 1))
        {
            throw new ArgumentException("a class layer is dense");
        }

        int k = G.K, positions = G.Positions;
        Latent = new float[Out * k];
        float limit = (float)Math.Sqrt(6.0 / (k + (Out * G.Taps)));
        for (int i = 0; i < Latent.Length; i++)
        {
            Latent[i] = limit * (float)((2.0 * random.NextDouble()) - 1.0);
        }

        W = Binary ? new float[Latent.Length] : Latent;
        Wt = new float[Latent.Length];
        WordsPerPixel = (G.InC + 63) >> 6;
        if (UseBits)
        {
            WBits = new ulong[Out * G.Taps * WordsPerPixel];
            WSum = new int[Out * G.Taps];
        }

        Alpha = Scaling ? new float[Out] : null;
        Int8Scale = Int8Weights ? new float[Out] : null;
        GW = new float[Latent.Length];
        // Vectorise the weight gradient across whichever dimension fills 16-float panels (the same sums either way).
        GWt = (k % 16 != 0 && Out % 16 == 0) || (k < 16 && k < Out) ? new float[Latent.Length] : null;
        MW = new float[Latent.Length];
        VW = new float[Latent.Length];
        if (role == ConvNetRole.Head)
        {
            Bias = new float[Out];
            GBias = new float[Out];
            MBias = new float[Out];
            VBias = new float[Out];
        }
        else
        {
            Gamma = new float[Out];
            Array.Fill(Gamma, 1f);
            Beta = new float[Out];
            RunMean = new float[Out];
            RunVar = new float[Out];
            Array.Fill(RunVar, 1f);
            GGamma = new float[Out];
            GBeta = new float[Out];
            MGamma = new float[Out];
            VGamma = new float[Out];
            MBeta = new float[Out];
            VBeta = new float[Out];
            DZ = new float[capacity * positions * Out];
        }

        Mean = new float[Out];
        InvStd = new float[Out];
        scale = new float[Out];
        sumDy = new float[Out];
        sumDyXhat = new float[Out];
        CalibrationSum = new double[Out];
        CalibrationSquares = new double[Out];
        Z = new float[capacity * positions * Out];
        Col = G.IsVector ? null : new float[capacity * positions * k];
        Yp = new float[capacity * OutCount];
        Arg = Pool > 1 ? new int[capacity * OutCount] : null;
        A = role == ConvNetRole.Hidden ? new float[capacity * OutCount] : null;
        DA = new float[capacity * OutCount];
        partialSum = new double[capacity * Out];
        partialSquares = new double[capacity * Out];
        workerSum = new double[workers][];
        workerSquares = new double[workers][];
        workerBits = new ulong[workers][];
        workerRow = new ulong[workers][];
        workerTaps = new int[workers][];
        workerY = new float[workers][];
        for (int w = 0; w < workers; w++)
        {
            workerSum[w] = new double[Out];
            workerSquares[w] = new double[Out];
            workerBits[w] = UseBits ? new ulong[G.InH * G.InW * WordsPerPixel] : [];
            workerRow[w] = UseBits ? new ulong[G.Taps * WordsPerPixel] : [];
            workerTaps[w] = new int[G.Taps];
            workerY[w] = new float[Pool > 1 ? positions * Out : Out];
        }

        SyncWeights();
    }

    public ConvNetGeometry G { get; }

    public int Out { get; }

    public int Pool { get; }

    public int PoolH { get; }

    public int PoolW { get; }

    /// <summary>Value of taps outside the input (im2col and XNOR-popcount alike).</summary>
    public int PadValue { get; }

    public bool First { get; }

    public ConvNetRole Role { get; }

    /// <summary>Binary weights sign(latent) (and sign activation when hidden).</summary>
    public bool Binary { get; }

    /// <summary>Binary weights over ±1 inputs: forward by XNOR-popcount.</summary>
    public bool UseBits { get; }

    /// <summary>
    /// First layer of a binary net with int8 weights: per output channel, s = max |latent| / 127 and effective weights
    /// round(latent / s) · s (fake quantisation; the gradient passes straight through to the latent weights); the
    /// activation is still sign.
    /// </summary>
    public bool Int8Weights { get; }

    /// <summary>Per output channel, the step s of <see cref="Int8Weights"/> (weights are integers times s), else null.</summary>
    public float[]? Int8Scale { get; }

    public bool Scaling { get; }

    public FloatActivation Activation { get; }

    public int Capacity { get; }

    /// <summary>Values per sample of <see cref="A"/>, <see cref="Yp"/> and <see cref="DA"/>.</summary>
    public int OutCount { get; }

    public int WordsPerPixel { get; }

    /// <summary>The trained parameters: latent weights [o][ky][kx][c] (binary layers) or the real weights.</summary>
    public float[] Latent { get; }

    /// <summary>Effective weights: sign(latent) for binary layers (int8 steps for <see cref="Int8Weights"/>), else the latent weights themselves.</summary>
    public float[] W { get; }

    /// <summary>W transposed (K × Out), the B operand of the forward GEMM.</summary>
    public float[] Wt { get; }

    public ulong[]? WBits { get; }

    public int[]? WSum { get; }

    public float[]? Alpha { get; }

    public float[]? Gamma { get; }

    public float[]? Beta { get; }

    public float[]? RunMean { get; }

    public float[]? RunVar { get; }

    public float[]? Bias { get; }

    public float[] GW { get; }

    public float[]? GWt { get; }

    public float[] MW { get; }

    public float[] VW { get; }

    public float[]? GGamma { get; }

    public float[]? GBeta { get; }

    public float[]? MGamma { get; }

    public float[]? VGamma { get; }

    public float[]? MBeta { get; }

    public float[]? VBeta { get; }

    public float[]? GBias { get; }

    public float[]? MBias { get; }

    public float[]? VBias { get; }

    /// <summary>Batch mean and 1/sqrt(var + ε) used by the last forward pass.</summary>
    public float[] Mean { get; }

    public float[] InvStd { get; }

    public double[] CalibrationSum { get; }

    public double[] CalibrationSquares { get; }

    public long CalibrationCount { get; set; }

    /// <summary>Pre-norm values α·dot per sample [p][o]; after a forward pass, x̂ (hidden and score layers) or the logits (head).</summary>
    public float[] Z { get; }

    /// <summary>Im2col of the batch (float path, and ±1 values for the weight gradient of binary layers); reused for the im2col gradient.</summary>
    public float[]? Col { get; }

    /// <summary>Batch-normed (and pooled) values before the activation; the logits of a score layer.</summary>
    public float[] Yp { get; }

    /// <summary>Index within the sample's Z of each pooled value's source.</summary>
    public int[]? Arg { get; }

    /// <summary>Activations (hidden layers).</summary>
    public float[]? A { get; }

    /// <summary>The int8 value −127..127 of latent weight <paramref name="index"/> for a row whose step is <paramref name="step"/>.</summary>
    public float Int8Value(int index, float step) => Math.Clamp(MathF.Round(Latent[index] / step), -127f, 127f);

    /// <summary>max |latent| / 127 of output channel o (1 for an all-zero row, whose weights are then all 0).</summary>
    private float Int8Step(int o)
    {
        int k = G.K;
        float largest = 0f;
        for (int i = o * k; i < (o + 1) * k; i++)
        {
            largest = Math.Max(largest, Math.Abs(Latent[i]));
        }

        return largest > 0f ? largest / 127f : 1f;
    }

    /// <summary>Gradient of the loss with respect to <see cref="A"/> (or to the logits).</summary>
    public float[] DA { get; }

    /// <summary>Gradient with respect to Z.</summary>
    public float[]? DZ { get; }

    /// <summary>The logits of a class layer after a forward pass.</summary>
    public float[] Logits => Role == ConvNetRole.Head ? Z : Yp;

    /// <summary>Recomputes the effective weights (and their transposed, packed, α forms) from the latent weights.</summary>
    public void SyncWeights()
    {
        int k = G.K;
        if (Int8Weights)
        {
            for (int o = 0; o < Out; o++)
            {
                float step = Int8Step(o);
                Int8Scale![o] = step;
                for (int i = o * k; i < (o + 1) * k; i++)
                {
                    W[i] = Int8Value(i, step) * step;
                }
            }
        }
        else if (Binary)
        {
            for (int i = 0; i < Latent.Length; i++)
            {
                W[i] = Latent[i] >= 0f ? 1f : -1f;
            }
        }

        for (int o = 0; o < Out; o++)
        {
            for (int i = 0; i < k; i++)
            {
                Wt[(i * Out) + o] = W[(o * k) + i];
            }
        }

        if (UseBits)
        {
            int taps = G.Taps;
            ConvNetKernels.PackSigns(W, 0, Out * taps, G.InC, WBits!, 0, WordsPerPixel);
            for (int group = 0; group < Out * taps; group++)
            {
                float sum = 0f;
                for (int c = 0; c < G.InC; c++)
                {
                    sum += W[(group * G.InC) + c];
                }

                WSum![group] = (int)sum;
            }
        }

        if (Alpha != null)
        {
            for (int o = 0; o < Out; o++)
            {
                double sum = 0;
                for (int i = 0; i < k; i++)
                {
                    sum += Math.Abs(Latent[(o * k) + i]);
                }

                Alpha[o] = Math.Max((float)(sum / k), 1e-6f);
            }
        }
    }

    /// <summary>Forward pass of <paramref name="rows"/> samples of <paramref name="input"/> (G.InCount values each).</summary>
    public void Forward(float[] input, int rows, ConvNetMode mode, float momentum, float epsilon, ConvNetWorkers workers)
    {
        ConvForward(input, rows, workers);
        if (Role == ConvNetRole.Head)
        {
            return;
        }

        int outChannels = Out;
        if (mode == ConvNetMode.Infer)
        {
            for (int o = 0; o < outChannels; o++)
            {
                Mean[o] = RunMean![o];
                InvStd[o] = (float)(1.0 / Math.Sqrt((double)RunVar![o] + epsilon));
            }
        }
        else
        {
            BatchStatistics(rows, mode, momentum, epsilon, workers);
            if (mode == ConvNetMode.Calibrate)
            {
                return;
            }
        }

        workers.For(rows, (w, s0, s1) =>
        {
            for (int s = s0; s < s1; s++)
            {
                NormalizeSample(s, workerY[w]);
            }
        });
    }

    /// <summary>The linear part of the forward pass: Z = α·(input ⊛ W) (+ bias for the head), per sample [p][o].</summary>
    internal void ConvForward(float[] input, int rows, ConvNetWorkers workers)
    {
        int positions = G.Positions, k = G.K, outChannels = Out, inCount = G.InCount;
        ConvNetGeometry g = G;
        if (UseBits)
        {
            workers.For(rows, (w, s0, s1) =>
            {
                ulong[] bits = workerBits[w], row = workerRow[w];
                int[] taps = workerTaps[w];
                for (int s = s0; s < s1; s++)
                {
                    ConvNetKernels.PackSigns(input, s * inCount, g.InH * g.InW, g.InC, bits, 0, WordsPerPixel);
                    ConvNetKernels.BinaryConv(bits, g, WordsPerPixel, WBits!, WSum!, PadValue, outChannels, Z, s * positions * outChannels, row, taps);
                }
            });
        }
        else
        {
            float[] a = input;
            if (!g.IsVector)
            {
                float[] col = Col!;
                float pad = PadValue;
                workers.For(rows, (w, s0, s1) =>
                {
                    for (int s = s0; s < s1; s++)
                    {
                        ConvNetKernels.Im2Col(input, s * inCount, g, pad, col, s * positions * k);
                    }
                });
                a = col;
            }

            workers.For(rows * positions, (w, m0, m1) => ConvNetKernels.Gemm(a, 0, k, 1, Wt, 0, outChannels, Z, 0, outChannels, m0, m1, outChannels, 0, k, false));
        }

        if (Role == ConvNetRole.Head)
        {
            for (int s = 0; s < rows; s++)
            {
                for (int o = 0; o < outChannels; o++)
                {
                    Z[(s * outChannels) + o] += Bias![o];
                }
            }

            return;
        }

        if (Alpha != null)
        {
            float[] alpha = Alpha;
            workers.For(rows, (w, s0, s1) =>
            {
                for (int r = s0 * positions; r < s1 * positions; r++)
                {
                    Span<float> z = Z.AsSpan(r * outChannels, outChannels);
                    TensorPrimitives.Multiply(z, alpha, z);
                }
            });
        }
    }

    private void BatchStatistics(int rows, ConvNetMode mode, float momentum, float epsilon, ConvNetWorkers workers)
    {
        int positions = G.Positions, outChannels = Out;
        workers.For(rows, (w, s0, s1) =>
        {
            double[] sum = workerSum[w], squares = workerSquares[w];
            for (int s = s0; s < s1; s++)
            {
                Array.Clear(sum);
                Array.Clear(squares);
                for (int p = 0; p < positions; p++)
                {
                    ConvNetKernels.AccumulateSquares(Z.AsSpan(((s * positions) + p) * outChannels, outChannels), sum, squares);
                }

                Array.Copy(sum, 0, partialSum, s * outChannels, outChannels);
                Array.Copy(squares, 0, partialSquares, s * outChannels, outChannels);
            }
        });

        double count = (double)rows * positions;
        for (int o = 0; o < outChannels; o++)
        {
            double s = 0, q = 0;
            for (int b = 0; b < rows; b++)
            {
                s += partialSum[(b * outChannels) + o];
                q += partialSquares[(b * outChannels) + o];
            }

            if (mode == ConvNetMode.Calibrate)
            {
                CalibrationSum[o] += s;
                CalibrationSquares[o] += q;
                continue;
            }

            double mean = s / count;
            double variance = Math.Max((q / count) - (mean * mean), 0.0);
            Mean[o] = (float)mean;
            InvStd[o] = (float)(1.0 / Math.Sqrt(variance + epsilon));
            RunMean![o] = ((1f - momentum) * RunMean[o]) + (momentum * (float)mean);
            RunVar![o] = ((1f - momentum) * RunVar[o]) + (momentum * (float)(variance * count / Math.Max(count - 1, 1)));
        }

        if (mode == ConvNetMode.Calibrate)
        {
            CalibrationCount += (long)count;
        }
    }

    /// <summary>x̂ = (z − mean)·invStd (kept in Z), y = γ·x̂ + β, then max-pool (into Yp, sources into Arg) and the activation.</summary>
    private void NormalizeSample(int s, float[] scratch)
    {
        int positions = G.Positions, outChannels = Out;
        float[] gamma = Gamma!, beta = Beta!;
        int zb = s * positions * outChannels, ob = s * OutCount;
        for (int p = 0; p < positions; p++)
        {
            Span<float> z = Z.AsSpan(zb + (p * outChannels), outChannels);
            TensorPrimitives.Subtract(z, Mean, z);
            TensorPrimitives.Multiply(z, InvStd, z);
            Span<float> y = Pool == 1 ? Yp.AsSpan(ob + (p * outChannels), outChannels) : scratch.AsSpan(p * outChannels, outChannels);
            TensorPrimitives.Multiply(z, gamma, y);
            TensorPrimitives.Add(y, beta, y);
        }

        if (Pool > 1)
        {
            ConvNetKernels.MaxPool(scratch, G.OutH, G.OutW, outChannels, Pool, Yp, ob, Arg!, ob);
        }

        if (A != null)
        {
            ActivateRange(Yp.AsSpan(ob, OutCount), A.AsSpan(ob, OutCount));
        }
    }

    private void ActivateRange(ReadOnlySpan<float> y, Span<float> a)
    {
        if (Binary)
        {
            ConvNetKernels.Sign(y, a);
        }
        else if (Activation == FloatActivation.Relu)
        {
            TensorPrimitives.Max(y, 0f, a);
        }
        else
        {
            TensorPrimitives.Clamp(y, -1f, 1f, a);
        }
    }

    private bool Passes(float y) => Binary || Activation == FloatActivation.HardTanh ? Math.Abs(y) <= 1f : y > 0f;

    /// <summary>
    /// Backward pass: reads <see cref="DA"/> (gradient w.r.t. the activations or logits), writes the parameter
    /// gradients, and, when <paramref name="dInput"/> is given, the gradient w.r.t. the input (G.InCount per sample).
    /// </summary>
    public void Backward(float[] input, int rows, float[]? dInput, ConvNetWorkers workers)
    {
        int outChannels = Out;
        float[] dz;
        if (Role == ConvNetRole.Head)
        {
            dz = DA;
            for (int o = 0; o < outChannels; o++)
            {
                float sum = 0f;
                for (int s = 0; s < rows; s++)
                {
                    sum += DA[(s * outChannels) + o];
                }

                GBias![o] = sum;
            }
        }
        else
        {
            dz = DZ!;
            NormBackward(rows, workers);
        }

        ConvBackward(input, rows, dz, dInput, workers);
    }

    /// <summary>
    /// The linear part of the backward pass, from the gradient w.r.t. Z before α (<paramref name="dz"/>, α already
    /// applied): GW = dzᵀ·im2col(input), and the gradient w.r.t. the input when <paramref name="dInput"/> is given.
    /// </summary>
    internal void ConvBackward(float[] input, int rows, float[] dz, float[]? dInput, ConvNetWorkers workers)
    {
        int positions = G.Positions, k = G.K, outChannels = Out, inCount = G.InCount;
        ConvNetGeometry g = G;
        float[] a = input;
        if (!g.IsVector)
        {
            float[] col = Col!;
            if (UseBits)
            {
                float pad = PadValue;
                workers.For(rows, (w, s0, s1) =>
                {
                    for (int s = s0; s < s1; s++)
                    {
                        ConvNetKernels.Im2Col(input, s * inCount, g, pad, col, s * positions * k);
                    }
                });
            }

            a = col;
        }

        int m = rows * positions;
        if (GWt == null)
        {
            // GW (Out × K) = dZᵀ · im2col, each element summed over positions in order.
            int blocks = (outChannels + ConvNetKernels.BlockRows - 1) / ConvNetKernels.BlockRows;
            workers.For(blocks, (w, b0, b1) =>
            {
                int o0 = b0 * ConvNetKernels.BlockRows, o1 = Math.Min(b1 * ConvNetKernels.BlockRows, outChannels);
                for (int r = 0; r < m; r += ChunkRows)
                {
                    ConvNetKernels.Gemm(dz, 0, 1, outChannels, a, 0, k, GW, 0, k, o0, o1, k, r, Math.Min(r + ChunkRows, m), r > 0, columnsOuter: true);
                }
            });
        }
        else
        {
            // Few columns: the same sums as (im2colᵀ · dZ), vectorised across output channels, then transposed.
            float[] gwt = GWt;
            workers.For(k, (w, k0, k1) =>
            {
                for (int r = 0; r < m; r += ChunkRows)
                {
                    ConvNetKernels.Gemm(a, 0, 1, k, dz, 0, outChannels, gwt, 0, outChannels, k0, k1, outChannels, r, Math.Min(r + ChunkRows, m), r > 0, columnsOuter: true);
                }
            });
            for (int o = 0; o < outChannels; o++)
            {
                for (int i = 0; i < k; i++)
                {
                    GW[(o * k) + i] = gwt[(i * outChannels) + o];
                }
            }
        }

        if (dInput == null)
        {
            return;
        }

        if (g.IsVector)
        {
            workers.For(rows, (w, m0, m1) => ConvNetKernels.Gemm(dz, 0, outChannels, 1, W, 0, k, dInput, 0, k, m0, m1, k, 0, outChannels, false));
            return;
        }

        float[] dcol = Col!;
        workers.For(m, (w, m0, m1) => ConvNetKernels.Gemm(dz, 0, outChannels, 1, W, 0, k, dcol, 0, k, m0, m1, k, 0, outChannels, false));
        workers.For(rows, (w, s0, s1) =>
        {
            for (int s = s0; s < s1; s++)
            {
                ConvNetKernels.Col2Im(dcol, s * positions * k, g, dInput, s * inCount);
            }
        });
    }

    /// <summary>DZ = gradient w.r.t. the pre-norm values, through activation (STE), pooling and batch norm (batch statistics).</summary>
    private void NormBackward(int rows, ConvNetWorkers workers)
    {
        int positions = G.Positions, outChannels = Out, outCount = OutCount;
        float[] dz = DZ!;
        workers.For(rows, (w, s0, s1) =>
        {
            double[] sum = workerSum[w], sumXhat = workerSquares[w];
            for (int s = s0; s < s1; s++)
            {
                int zb = s * positions * outChannels, ob = s * outCount;
                if (Role == ConvNetRole.Scores)
                {
                    Array.Copy(DA, ob, dz, zb, outChannels);
                }
                else if (Pool == 1)
                {
                    for (int i = 0; i < outCount; i++)
                    {
                        dz[zb + i] = Passes(Yp[ob + i]) ? DA[ob + i] : 0f;
                    }
                }
                else
                {
                    Array.Clear(dz, zb, positions * outChannels);
                    int[] arg = Arg!;
                    for (int j = 0; j < outCount; j++)
                    {
                        if (Passes(Yp[ob + j]))
                        {
                            dz[zb + arg[ob + j]] = DA[ob + j];
                        }
                    }
                }

                Array.Clear(sum);
                Array.Clear(sumXhat);
                for (int p = 0; p < positions; p++)
                {
                    int at = zb + (p * outChannels);
                    ConvNetKernels.AccumulateProducts(dz.AsSpan(at, outChannels), Z.AsSpan(at, outChannels), sum, sumXhat);
                }

                Array.Copy(sum, 0, partialSum, s * outChannels, outChannels);
                Array.Copy(sumXhat, 0, partialSquares, s * outChannels, outChannels);
            }
        });

        float count = rows * positions;
        for (int o = 0; o < outChannels; o++)
        {
            double s = 0, q = 0;
            for (int b = 0; b < rows; b++)
            {
                s += partialSum[(b * outChannels) + o];
                q += partialSquares[(b * outChannels) + o];
            }

            GBeta![o] = (float)s;
            GGamma![o] = (float)q;
            sumDy[o] = (float)s;
            sumDyXhat[o] = (float)q;
            scale[o] = Gamma![o] * InvStd[o] / count;
        }

        float[]? alpha = Alpha;
        workers.For(rows, (w, s0, s1) =>
        {
            Span<float> t = workerY[w].AsSpan(0, outChannels);
            for (int r = s0 * positions; r < s1 * positions; r++)
            {
                // dz = scale · ((count·dy − Σdy) − x̂·Σdy·x̂) [· α], element by element in this order.
                Span<float> d = dz.AsSpan(r * outChannels, outChannels);
                TensorPrimitives.Multiply(d, count, d);
                TensorPrimitives.Subtract(d, sumDy, d);
                TensorPrimitives.Multiply(Z.AsSpan(r * outChannels, outChannels), sumDyXhat, t);
                TensorPrimitives.Subtract(d, t, d);
                TensorPrimitives.Multiply(d, scale, d);
                if (alpha != null)
                {
                    TensorPrimitives.Multiply(d, alpha, d);
                }
            }
        });
    }
}
