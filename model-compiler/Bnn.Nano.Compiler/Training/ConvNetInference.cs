using System;
using System.Numerics;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Reference;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// Fast class predictions of any <see cref="BnnNetwork"/> (conv, max-pool, dense, input threshold, int8 head), equal to
/// <see cref="FloatReference"/>'s by construction: every dot product is an exact integer (8-bit inputs summed in int,
/// ±1 inputs by XNOR-popcount with the reference's pad-value rule), and every activation, score and head is then
/// evaluated by the very expressions the reference uses (<see cref="DenseLayer.Activation"/>,
/// <see cref="Conv2dLayer.Activation"/>, Scale · (bias + Σ w·x) in double). Multithreaded over samples.
/// </summary>
public static class ConvNetInference
{
    /// <summary>The class of every sample (lowest index wins ties).</summary>
    public static int[] Predict(BnnNetwork network, Dataset data, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != network.InputLength || data.ClassCount != network.ClassCount || data.Signed != network.InputSigned)
        {
            throw new ArgumentException($"data set '{data.Name}' does not match the network's input and classes", nameof(data));
        }

        var plan = new Plan(network);
        var predictions = new int[data.Count];
        var workers = new ConvNetWorkers(threads);
        workers.For(data.Count, (w, s0, s1) =>
        {
            var state = new State(plan);
            for (int s = s0; s < s1; s++)
            {
                predictions[s] = plan.Supported ? plan.Run(data.Sample(s), state) : FloatReference.Forward(network, data.Sample(s)).Class;
            }
        });
        return predictions;
    }

    /// <summary>Fraction of samples whose predicted class equals the label.</summary>
    public static double Accuracy(BnnNetwork network, Dataset data, int threads = 0)
    {
        int[] predictions = Predict(network, data, threads);
        if (predictions.Length == 0)
        {
            return 0;
        }

        int correct = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            correct += predictions[i] == data.Labels[i] ? 1 : 0;
        }

        return correct / (double)predictions.Length;
    }

    private sealed class State
    {
        public State(Plan plan)
        {
            Current = new int[plan.Widest];
            Next = new int[plan.Widest];
            Bits = new ulong[plan.WidestBits];
            Scores = new double[plan.Classes];
            Taps = new int[plan.MostTaps];
        }

        public int[] Current { get; set; }

        public int[] Next { get; set; }

        public ulong[] Bits { get; }

        public double[] Scores { get; }

        public int[] Taps { get; }
    }

    /// <summary>Per layer: geometry and weights in the forms the integer kernels read.</summary>
    private sealed class Plan
    {
        private readonly BnnNetwork network;
        private readonly TensorShape[] shapes;
        private readonly ConvNetGeometry[] geometry;
        private readonly int[][] integerWeights;
        private readonly ulong[][] bits;
        private readonly int[][] sums;
        private readonly int[] wordsPerPixel;

        public Plan(BnnNetwork network)
        {
            this.network = network;
            shapes = network.Shapes();
            int count = network.Layers.Count;
            geometry = new ConvNetGeometry[count];
            integerWeights = new int[count][];
            bits = new ulong[count][];
            sums = new int[count][];
            wordsPerPixel = new int[count];
            Classes = network.ClassCount;
            MostTaps = 1;
            for (int l = 0; l < count; l++)
            {
                TensorShape input = shapes[l];
                Widest = Math.Max(Widest, Math.Max(input.Count, shapes[l + 1].Count));
                switch (network.Layers[l])
                {
                    case Conv2dLayer conv:
                        if (conv.StrideX != conv.StrideY)
                        {
                            geometry[l] = default;
                            break;
                        }

                        geometry[l] = new ConvNetGeometry(input.Height, input.Width, input.Channels, conv.KernelHeight, conv.KernelWidth, conv.StrideY, conv.PadTop, conv.PadLeft, conv.PadBottom, conv.PadRight, shapes[l + 1].Height, shapes[l + 1].Width);
                        Prepare(l, conv.OutChannels, conv.Weights.Length, conv.Weight);
                        break;
                    case DenseLayer dense:
                        geometry[l] = ConvNetGeometry.Vector(dense.Inputs);
                        Prepare(l, dense.Outputs, dense.Weights.Length, i => dense.Weights[i] >= 0f ? 1 : -1);
                        break;
                }
            }
        }

        public int Widest { get; }

        /// <summary>False when the first layer does not read the 8-bit input (later layers then need not see ±1 values): the reference is used instead.</summary>
        public bool Supported => network.Layers[0] is Conv2dLayer or DenseLayer or InputThresholdLayer;

        public int WidestBits { get; private set; } = 1;

        public int MostTaps { get; private set; }

        public int Classes { get; }

        /// <summary>The integer weights of layer l (signs, or an 8-bit first conv's int8 values) and, after the first layer, their bit form.</summary>
        private void Prepare(int l, int outputs, int count, Func<int, int> weight)
        {
            ConvNetGeometry g = geometry[l];
            MostTaps = Math.Max(MostTaps, g.Taps);
            integerWeights[l] = new int[count];
            for (int i = 0; i < count; i++)
            {
                integerWeights[l][i] = weight(i);
            }

            if (l == 0)
            {
                return;
            }

            int words = (g.InC + 63) >> 6;
            wordsPerPixel[l] = words;
            WidestBits = Math.Max(WidestBits, g.InH * g.InW * words);
            bits[l] = new ulong[outputs * g.Taps * words];
            sums[l] = new int[outputs * g.Taps];
            for (int group = 0; group < outputs * g.Taps; group++)
            {
                int sum = 0;
                for (int c = 0; c < g.InC; c++)
                {
                    int w = integerWeights[l][(group * g.InC) + c];
                    sum += w;
                    if (w > 0)
                    {
                        bits[l][(group * words) + (c >> 6)] |= 1UL << (c & 63);
                    }
                }

                sums[l][group] = sum;
            }
        }

        public int Run(ReadOnlySpan<byte> input, State state)
        {
            int[] current = state.Current;
            for (int i = 0; i < input.Length; i++)
            {
                current[i] = network.InputSigned ? (sbyte)input[i] : input[i];
            }

            int last = network.Layers.Count - 1;
            for (int l = 0; l <= last; l++)
            {
                int[] next = state.Next;
                switch (network.Layers[l])
                {
                    case DenseLayer dense:
                        Dense(l, dense, current, state, l == last ? null : next);
                        break;
                    case Conv2dLayer conv when conv.StrideX == conv.StrideY:
                        Conv(l, conv, current, next, state);
                        break;
                    case MaxPool2dLayer pool:
                        MaxPool(pool, shapes[l], shapes[l + 1], current, next);
                        break;
                    case InputThresholdLayer threshold:
                        for (int i = 0; i < shapes[l].Count; i++)
                        {
                            next[i] = current[i] >= threshold.Thresholds[i % threshold.Thresholds.Length] ? 1 : -1;
                        }

                        break;
                    case Int8HeadLayer head:
                        for (int o = 0; o < head.Outputs; o++)
                        {
                            long sum = head.Biases[o];
                            for (int i = 0; i < head.Inputs; i++)
                            {
                                sum += head.Weights[(o * head.Inputs) + i] * current[i];
                            }

                            state.Scores[o] = head.Scale * (double)sum;
                        }

                        break;
                    default:
                        return FloatReference.Forward(network, input).Class;
                }

                if (l == last)
                {
                    break;
                }

                state.Current = next;
                state.Next = current;
                current = next;
            }

            return FloatReference.ArgMax(state.Scores);
        }

        /// <summary>Dot products of a dense layer; hidden: integerWeights into <paramref name="next"/>, last: scores.</summary>
        private void Dense(int l, DenseLayer dense, int[] x, State state, int[]? next)
        {
            int n = dense.Inputs;
            for (int o = 0; o < dense.Outputs; o++)
            {
                int dot;
                if (l == 0)
                {
                    dot = 0;
                    int[] row = integerWeights[l];
                    for (int i = 0; i < n; i++)
                    {
                        dot += row[(o * n) + i] * x[i];
                    }
                }
                else
                {
                    if (o == 0)
                    {
                        Pack(x, 1, n, wordsPerPixel[l], state.Bits);
                    }

                    int popcount = 0, words = wordsPerPixel[l];
                    ulong[] w = bits[l], xb = state.Bits;
                    for (int k = 0; k < words; k++)
                    {
                        popcount += BitOperations.PopCount(xb[k] ^ w[(o * words) + k]);
                    }

                    dot = n - (2 * popcount);
                }

                double y = dense.Activation(o, dot);
                if (next == null)
                {
                    state.Scores[o] = y;
                }
                else
                {
                    next[o] = y >= 0 ? 1 : -1;
                }
            }
        }

        private void Conv(int l, Conv2dLayer conv, int[] x, int[] next, State state)
        {
            ConvNetGeometry g = geometry[l];
            int taps = g.Taps, channels = g.InC, outputs = conv.OutChannels;
            int words = wordsPerPixel[l];
            int[] tapAt = state.Taps;
            if (l > 0)
            {
                Pack(x, g.InH * g.InW, channels, words, state.Bits);
            }

            int at = 0;
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    int inside = 0;
                    for (int ky = 0; ky < g.Kh; ky++)
                    {
                        int iy = (oy * g.Stride) - g.PadTop + ky;
                        for (int kx = 0; kx < g.Kw; kx++)
                        {
                            int ix = (ox * g.Stride) - g.PadLeft + kx;
                            bool within = iy >= 0 && iy < g.InH && ix >= 0 && ix < g.InW;
                            tapAt[(ky * g.Kw) + kx] = within ? (iy * g.InW) + ix : -1;
                            inside += within ? 1 : 0;
                        }
                    }

                    for (int o = 0; o < outputs; o++)
                    {
                        int dot = 0;
                        if (l == 0)
                        {
                            int[] row = integerWeights[l];
                            for (int t = 0; t < taps; t++)
                            {
                                int wAt = ((o * taps) + t) * channels;
                                if (tapAt[t] < 0)
                                {
                                    for (int c = 0; c < channels; c++)
                                    {
                                        dot += row[wAt + c] * conv.PadValue;
                                    }

                                    continue;
                                }

                                int xAt = tapAt[t] * channels;
                                for (int c = 0; c < channels; c++)
                                {
                                    dot += row[wAt + c] * x[xAt + c];
                                }
                            }
                        }
                        else
                        {
                            ulong[] w = bits[l], xb = state.Bits;
                            int popcount = 0, pad = 0;
                            for (int t = 0; t < taps; t++)
                            {
                                if (tapAt[t] < 0)
                                {
                                    pad += sums[l][(o * taps) + t];
                                    continue;
                                }

                                int xAt = tapAt[t] * words, wAt = ((o * taps) + t) * words;
                                for (int k = 0; k < words; k++)
                                {
                                    popcount += BitOperations.PopCount(xb[xAt + k] ^ w[wAt + k]);
                                }
                            }

                            dot = (inside * channels) - (2 * popcount) + (conv.PadValue * pad);
                        }

                        next[at + o] = conv.Activation(o, dot) >= 0 ? 1 : -1;
                    }

                    at += outputs;
                }
            }
        }

        private static void MaxPool(MaxPool2dLayer pool, TensorShape input, TensorShape output, int[] x, int[] next)
        {
            int channels = input.Channels;
            for (int oy = 0; oy < output.Height; oy++)
            {
                for (int ox = 0; ox < output.Width; ox++)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        int best = int.MinValue;
                        for (int py = 0; py < pool.PoolHeight; py++)
                        {
                            for (int px = 0; px < pool.PoolWidth; px++)
                            {
                                int iy = (oy * pool.StrideY) + py, ix = (ox * pool.StrideX) + px;
                                best = Math.Max(best, x[(((iy * input.Width) + ix) * channels) + c]);
                            }
                        }

                        next[(((oy * output.Width) + ox) * channels) + c] = best;
                    }
                }
            }
        }

        /// <summary>Packs ±1 values (bit 1 = +1) of <paramref name="groups"/> groups of <paramref name="length"/>, padding 0.</summary>
        private static void Pack(int[] x, int groups, int length, int words, ulong[] destination)
        {
            Array.Clear(destination, 0, groups * words);
            for (int group = 0; group < groups; group++)
            {
                for (int c = 0; c < length; c++)
                {
                    if (x[(group * length) + c] > 0)
                    {
                        destination[(group * words) + (c >> 6)] |= 1UL << (c & 63);
                    }
                }
            }
        }
    }
}
