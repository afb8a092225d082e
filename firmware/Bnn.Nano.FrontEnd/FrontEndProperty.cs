namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// Model-property keys of the audio front end (docs/blob-format.md, "Model properties"): the range 16..63 that
    /// <c>ModelProperty.AudioFrontEndFirst</c> (firmware/Bnn.Nano.Runtime/Model/ModelProperty.cs) reserves for it.
    /// Every value is an int32. <see cref="FrontEndConfig.ToProperties"/> writes them in ascending key order and
    /// <see cref="FrontEndConfig.FromProperties"/> reads them back, so the compiler (which makes the training
    /// features) and the device (which makes the live ones) can never disagree on a parameter.
    /// </summary>
    public static class FrontEndProperty
    {
        /// <summary>First key of the front-end range (equals ModelProperty.AudioFrontEndFirst; a test checks it).</summary>
        public const int First = 16;

        /// <summary>Last key of the front-end range; keys 29..63 are reserved for later versions.</summary>
        public const int Last = 63;

        /// <summary>
        /// Algorithm version (<see cref="FrontEndConfig.CurrentVersion"/>): fixes everything that is not a parameter
        /// (periodic Hann window, HTK mel scale, the fixed-point formats, log2 in Q8). Any change to the arithmetic
        /// gets a new version, and a front end refuses a version it does not implement.
        /// </summary>
        public const int Version = 16;

        /// <summary>Sample rate of the 16-bit PCM stream in Hz.</summary>
        public const int SampleRateHz = 17;

        /// <summary>Samples per analysis frame (the Hann window length), at most the FFT size.</summary>
        public const int WindowLength = 18;

        /// <summary>Samples between the starts of consecutive frames, 1..window length.</summary>
        public const int HopLength = 19;

        /// <summary>FFT size: a power of two, 64..4096, at least the window length (the frame is zero-padded).</summary>
        public const int FftSize = 20;

        /// <summary>Number of mel bands (features per frame).</summary>
        public const int BandCount = 21;

        /// <summary>Lower edge of the first mel band in Hz.</summary>
        public const int MinFrequencyHz = 22;

        /// <summary>Upper edge of the last mel band in Hz (at most half the sample rate).</summary>
        public const int MaxFrequencyHz = 23;

        /// <summary>Pre-emphasis coefficient in Q15 (y[n] = x[n] - a·x[n-1]); 0 switches it off.</summary>
        public const int PreEmphasisQ15 = 24;

        /// <summary>Feature quantisation: multiplier applied to the log2 energy in Q8.</summary>
        public const int LogScale = 25;

        /// <summary>Feature quantisation: right shift (with rounding) after the multiplier.</summary>
        public const int LogShift = 26;

        /// <summary>Feature quantisation: offset added after the shift, before clamping to -128..127.</summary>
        public const int LogOffset = 27;

        /// <summary>Frames per model input (the time extent of the feature window).</summary>
        public const int FrameCount = 28;

        /// <summary>Number of keys a version-1 configuration writes (16..28).</summary>
        public const int Count = 13;
    }
}
