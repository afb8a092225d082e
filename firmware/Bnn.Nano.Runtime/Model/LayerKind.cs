namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// Layer kinds, as stored in the blob's layer records (docs/blob-format.md). The first layer reads the caller's
    /// 8-bit input; every later layer reads packed bits; the last layer produces integer class scores.
    /// </summary>
    public static class LayerKind
    {
        /// <summary>8-bit features × binary weights → thresholds → bits. First layer only.</summary>
        public const int Int8Dense = 1;

        /// <summary>Bits × binary weights (XNOR-popcount) → thresholds → bits. Flattens an HWC input.</summary>
        public const int BinaryDense = 2;

        /// <summary>Bits × binary weights → integer scores s = a·dot + b. Last layer only.</summary>
        public const int BinaryDenseScores = 3;

        /// <summary>8-bit input → one bit per value: value &gt;= per-channel threshold. First layer only.</summary>
        public const int InputThreshold = 4;

        /// <summary>8-bit HWC input, binary weights, zero padding → thresholds → bits. First layer only.</summary>
        public const int Int8Conv2d = 5;

        /// <summary>Bits × binary weights over a kernel window (conv1d: height 1) → thresholds → bits.</summary>
        public const int BinaryConv2d = 6;

        /// <summary>Max-pool of ±1 values: OR of the window's bits.</summary>
        public const int MaxPool2d = 7;

        /// <summary>Bits × int8 weights + int32 bias → integer scores (full-precision head). Last layer only.</summary>
        public const int Int8DenseHead = 8;

        /// <summary>8-bit HWC input × int8 weights, zero padding → thresholds → bits. First layer only.</summary>
        public const int Int8WeightConv2d = 9;

        public static string Name(int kind)
        {
            switch (kind)
            {
                case Int8Dense: return "Int8Dense";
                case BinaryDense: return "BinaryDense";
                case BinaryDenseScores: return "BinaryDenseScores";
                case InputThreshold: return "InputThreshold";
                case Int8Conv2d: return "Int8Conv2d";
                case BinaryConv2d: return "BinaryConv2d";
                case MaxPool2d: return "MaxPool2d";
                case Int8DenseHead: return "Int8DenseHead";
                case Int8WeightConv2d: return "Int8WeightConv2d";
                default: return "unknown(" + kind.ToString() + ")";
            }
        }

        /// <summary>True for kinds that read the caller's 8-bit input (allowed only as the first layer).</summary>
        public static bool ReadsBytes(int kind)
        {
            return kind == Int8Dense || kind == InputThreshold || kind == Int8Conv2d || kind == Int8WeightConv2d;
        }

        /// <summary>True for kinds that produce class scores (allowed only as the last layer).</summary>
        public static bool ProducesScores(int kind)
        {
            return kind == BinaryDenseScores || kind == Int8DenseHead;
        }

        public static bool IsKnown(int kind)
        {
            return kind >= Int8Dense && kind <= Int8WeightConv2d;
        }
    }
}
