namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// Keys of the model properties a blob carries beside its layers (docs/blob-format.md): parameters that device and
    /// compiler must never disagree on, such as how raw sensor values are quantised to the 8-bit input. Values are
    /// int32; float values are stored as their IEEE-754 bits.
    /// </summary>
    public static class ModelProperty
    {
        /// <summary>Input quantisation: byte = clamp(round(x / scale) + zeroPoint); the scale as float32 bits.</summary>
        public const int InputScaleBits = 1;

        /// <summary>Input quantisation zero point (added after scaling).</summary>
        public const int InputZeroPoint = 2;

        /// <summary>Samples per classification window of a streaming sensor model.</summary>
        public const int WindowLength = 3;

        /// <summary>Samples between the starts of consecutive windows.</summary>
        public const int WindowHop = 4;

        /// <summary>Sample rate of the sensor stream in Hz.</summary>
        public const int SampleRateHz = 5;

        /// <summary>
        /// Logit per unit of score (float32 bits): the class scores times this are the float network's logits, so a
        /// node can turn scores into softmax posteriors. Written for models whose last layer is an int8 head.
        /// </summary>
        public const int ScoreScaleBits = 6;

        /// <summary>Keyword detector: inferences whose posteriors are averaged (1..32; the node's default when absent).</summary>
        public const int DetectorAverageCount = 7;

        /// <summary>Keyword detector: smallest averaged posterior that counts as a detection, Q15 (1..32768).</summary>
        public const int DetectorThresholdQ15 = 8;

        /// <summary>Keyword detector: quiet time after a detection, in milliseconds (0..60000).</summary>
        public const int DetectorSuppressionMs = 9;

        /// <summary>First key of the audio front-end parameters (keyword spotting).</summary>
        public const int AudioFrontEndFirst = 16;

        /// <summary>Largest key accepted.</summary>
        public const int MaxKey = 65535;

        /// <summary>Most properties in one model.</summary>
        public const int MaxCount = 256;

        /// <summary>
        /// The float32 whose IEEE-754 bits are <paramref name="bits"/>, for normal numbers (exact: the mantissa times a
        /// power of two, built by exact doublings/halvings); 0 for zero, subnormal, infinite or NaN bit patterns
        /// (mscorlib 1.x has no Int32BitsToSingle).
        /// </summary>
        public static float SingleFromBits(int bits)
        {
            int exponent = (bits >> 23) & 0xFF;
            if (exponent == 0 || exponent == 0xFF)
            {
                return 0f;
            }

            float value = (bits & 0x7FFFFF) | 0x800000;
            for (int e = exponent - 150; e > 0; e--)
            {
                value *= 2f;
            }

            for (int e = exponent - 150; e < 0; e++)
            {
                value *= 0.5f;
            }

            return bits < 0 ? -value : value;
        }
    }
}
