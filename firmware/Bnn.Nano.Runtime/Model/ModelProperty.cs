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

        /// <summary>First key of the audio front-end parameters (keyword spotting).</summary>
        public const int AudioFrontEndFirst = 16;

        /// <summary>Largest key accepted.</summary>
        public const int MaxKey = 65535;

        /// <summary>Most properties in one model.</summary>
        public const int MaxCount = 256;
    }
}
