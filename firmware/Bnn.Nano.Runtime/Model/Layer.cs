using Bnn.Nano.Runtime.Kernels;

namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// One validated layer: kind, input and output shapes (HWC), constants, and where it reads and writes in the
    /// arena. Bit tensors follow the convention of <see cref="ConvGeometry"/>: HWC, each pixel
    /// ceil(C/64) words. Dense kinds flatten their input; their output is 1×1×Outputs.
    /// </summary>
    public sealed class Layer
    {
        internal Layer(int kind, int inHeight, int inWidth, int inChannels, int outHeight, int outWidth, int outChannels, ConvGeometry geometry)
        {
            Kind = kind;
            InHeight = inHeight;
            InWidth = inWidth;
            InChannels = inChannels;
            OutHeight = outHeight;
            OutWidth = outWidth;
            OutChannels = outChannels;
            Geometry = geometry;
        }

        public int Kind { get; }

        public int InHeight { get; }

        public int InWidth { get; }

        public int InChannels { get; }

        public int OutHeight { get; }

        public int OutWidth { get; }

        public int OutChannels { get; }

        /// <summary>Window geometry of conv and pool kinds, else null.</summary>
        public ConvGeometry Geometry { get; }

        /// <summary>Binary weights: OutChannels rows of <see cref="WordsPerRow"/> words (bit convention), else null.</summary>
        public ulong[] Weights { get; internal set; }

        /// <summary>
        /// Int8WeightConv2d weights: OutChannels rows of KernelHeight·KernelWidth·InChannels int8 values, row-major, value
        /// index within a row <c>(ky·KernelWidth + kx)·InChannels + c</c>, no padding; else null.
        /// </summary>
        public sbyte[] Int8Weights { get; internal set; }

        /// <summary>Int8 head weights: OutChannels rows of InputWords·64 values, one per bit position (0 at padding).</summary>
        public sbyte[] HeadWeights { get; internal set; }

        /// <summary>Int8 head: Σ of each row's weights, for the set-bits-only kernel (computed at load).</summary>
        public int[] HeadRowSums { get; internal set; }

        /// <summary>Per output channel (per input channel for InputThreshold): bit = value &gt;= threshold.</summary>
        public int[] Thresholds { get; internal set; }

        /// <summary>Score kinds: score = Scales[c]·dot + Biases[c] (BinaryDenseScores) or Σ w·x + Biases[c] (Int8DenseHead).</summary>
        public int[] Scales { get; internal set; }

        public int[] Biases { get; internal set; }

        /// <summary>Real score ≈ integer score / 2^ScoreShift.</summary>
        public int ScoreShift { get; internal set; }

        /// <summary>Arena word where the packed input bits start (bit-input kinds).</summary>
        public int InputOffset { get; internal set; }

        /// <summary>Arena word where the packed output bits start (bit-output kinds).</summary>
        public int OutputOffset { get; internal set; }

        /// <summary>Number of input values: InHeight·InWidth·InChannels.</summary>
        public int Inputs
        {
            get { return InHeight * InWidth * InChannels; }
        }

        /// <summary>Number of output values.</summary>
        public int Outputs
        {
            get { return OutHeight * OutWidth * OutChannels; }
        }

        /// <summary>Words of the packed input bit tensor (bit-input kinds).</summary>
        public int InputWords
        {
            get { return InHeight * InWidth * ((InChannels + 63) >> 6); }
        }

        /// <summary>Words of the packed output bit tensor (bit-output kinds).</summary>
        public int OutputWords
        {
            get { return OutHeight * OutWidth * ((OutChannels + 63) >> 6); }
        }

        /// <summary>Words of one binary weight row.</summary>
        public int WordsPerRow
        {
            get
            {
                switch (Kind)
                {
                    case LayerKind.Int8Dense:
                        return (Inputs + 63) >> 6;
                    case LayerKind.Int8Conv2d:
                        return ((Geometry.KernelHeight * Geometry.KernelWidth * InChannels) + 63) >> 6;
                    case LayerKind.BinaryConv2d:
                        return Geometry.KernelHeight * Geometry.KernelWidth * ((InChannels + 63) >> 6);
                    default:
                        return InputWords;
                }
            }
        }

        public bool ReadsBytes
        {
            get { return LayerKind.ReadsBytes(Kind); }
        }

        public bool ProducesScores
        {
            get { return LayerKind.ProducesScores(Kind); }
        }
    }
}
