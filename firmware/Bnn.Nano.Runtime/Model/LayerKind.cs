namespace Bnn.Nano.Runtime.Model
{
    /// <summary>Layer kinds, as stored in the blob's layer records (docs/blob-format.md).</summary>
    public static class LayerKind
    {
        /// <summary>8-bit features × binary weights → thresholds → packed bits. Only as the first layer.</summary>
        public const int Int8Dense = 1;

        /// <summary>Packed bits × binary weights (XNOR-popcount) → thresholds → packed bits.</summary>
        public const int BinaryDense = 2;

        /// <summary>Packed bits × binary weights → integer class scores. Only as the last layer.</summary>
        public const int BinaryDenseScores = 3;

        public static string Name(int kind)
        {
            switch (kind)
            {
                case Int8Dense: return "Int8Dense";
                case BinaryDense: return "BinaryDense";
                case BinaryDenseScores: return "BinaryDenseScores";
                default: return "unknown(" + kind.ToString() + ")";
            }
        }
    }
}
