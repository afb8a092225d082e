namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// Every parameter of the fixed-point log-mel front end (<see cref="AudioFrontEnd"/>). It travels in the model blob
    /// as model properties (<see cref="FrontEndProperty"/>, keys 16..28): the compiler writes it with
    /// <see cref="ToProperties"/> next to the model it trained on these features, the device reads it back with
    /// <see cref="FromProperties"/>, so both run the same pipeline with the same numbers.
    /// <para>
    /// Defaults (a keyword-spotting setup): 16 kHz, 480-sample (30 ms) Hann window, 320-sample (20 ms) hop, 512-point
    /// FFT, 40 mel bands from 20 Hz to 8 kHz, no pre-emphasis, 49 frames per model input (about 1 s of audio), and
    /// features <c>clamp(round(6·log2(E)) - 164, -128, 127)</c>: one step is 1/6 of an octave of energy (0.50 dB),
    /// -128 is E ≤ 2^6 (and silence), 127 is E ≥ 2^48.5 (E: mel band energy in PCM units², see AudioFrontEnd).
    /// </para>
    /// </summary>
    public sealed class FrontEndConfig
    {
        /// <summary>The algorithm version this front end implements (property <see cref="FrontEndProperty.Version"/>).</summary>
        public const int CurrentVersion = 1;

        /// <summary>Smallest and largest FFT size accepted.</summary>
        public const int MinFftSize = 64;

        /// <summary>Largest FFT size accepted (the fixed-point headroom analysis holds for any power of two up to it).</summary>
        public const int MaxFftSize = 4096;

        /// <summary>Most frames·bands in one model input (the runtime's limit on input values).</summary>
        public const int MaxInputValues = 1 << 20;

        /// <summary>A configuration with the defaults of the class summary.</summary>
        public FrontEndConfig()
        {
            Version = CurrentVersion;
            SampleRateHz = 16000;
            WindowLength = 480;
            HopLength = 320;
            FftSize = 512;
            BandCount = 40;
            MinFrequencyHz = 20;
            MaxFrequencyHz = 8000;
            PreEmphasisQ15 = 0;
            LogScale = 6;
            LogShift = 8;
            LogOffset = -164;
            FrameCount = 49;
        }

        /// <summary>Algorithm version; must be <see cref="CurrentVersion"/>.</summary>
        public int Version { get; set; }

        /// <summary>Sample rate of the 16-bit PCM input in Hz (1000..192000).</summary>
        public int SampleRateHz { get; set; }

        /// <summary>Samples per frame, 2..FFT size (the periodic Hann window spans them; the FFT input is zero-padded).</summary>
        public int WindowLength { get; set; }

        /// <summary>Samples between frame starts, 1..window length.</summary>
        public int HopLength { get; set; }

        /// <summary>FFT size: a power of two in 64..4096, at least the window length.</summary>
        public int FftSize { get; set; }

        /// <summary>Mel bands per frame, 1..FFT size / 2; each band must cover at least one FFT bin.</summary>
        public int BandCount { get; set; }

        /// <summary>Lower edge of the first band in Hz, 0 ≤ min &lt; max.</summary>
        public int MinFrequencyHz { get; set; }

        /// <summary>Upper edge of the last band in Hz, at most half the sample rate.</summary>
        public int MaxFrequencyHz { get; set; }

        /// <summary>Pre-emphasis coefficient a in Q15, 0..32767 (0: off). y[n] = x[n] - round(a·x[n-1] / 2^15).</summary>
        public int PreEmphasisQ15 { get; set; }

        /// <summary>Quantisation multiplier on the Q8 log2 energy, 1..32767.</summary>
        public int LogScale { get; set; }

        /// <summary>Quantisation right shift (rounding half up), 0..30.</summary>
        public int LogShift { get; set; }

        /// <summary>Quantisation offset added after the shift, -2^24..2^24.</summary>
        public int LogOffset { get; set; }

        /// <summary>Frames per model input (the <see cref="FeatureWindow"/> length), 1..65535, frames·bands ≤ 2^20.</summary>
        public int FrameCount { get; set; }

        /// <summary>Feature values per model input: frames × bands.</summary>
        public int InputLength
        {
            get { return FrameCount * BandCount; }
        }

        /// <summary>Samples one model input spans: window + (frames − 1) · hop (15,840 for the defaults, 0.99 s).</summary>
        public int InputSpanSamples
        {
            get { return WindowLength + ((FrameCount - 1) * HopLength); }
        }

        /// <summary>
        /// Rows by which a model input laid out by <see cref="FeatureWindow.CopyTo(byte[], int)"/> slides between
        /// classifications every <paramref name="framesPerInference"/> frames: framesPerInference when the model's
        /// input rows are the frames (its input height is <see cref="FrameCount"/>) and consecutive inputs share
        /// frames, else 0. The keyword node streams its model by this many rows (BnnModel.EnableStreaming).
        /// </summary>
        public int ModelRowSlide(int modelInputHeight, int framesPerInference)
        {
            return modelInputHeight == FrameCount && framesPerInference > 0 && framesPerInference < FrameCount ? framesPerInference : 0;
        }

        /// <summary>A copy (front ends copy their configuration, so later edits of this object do not reach them).</summary>
        public FrontEndConfig Copy()
        {
            FrontEndConfig c = new FrontEndConfig();
            c.Version = Version;
            c.SampleRateHz = SampleRateHz;
            c.WindowLength = WindowLength;
            c.HopLength = HopLength;
            c.FftSize = FftSize;
            c.BandCount = BandCount;
            c.MinFrequencyHz = MinFrequencyHz;
            c.MaxFrequencyHz = MaxFrequencyHz;
            c.PreEmphasisQ15 = PreEmphasisQ15;
            c.LogScale = LogScale;
            c.LogShift = LogShift;
            c.LogOffset = LogOffset;
            c.FrameCount = FrameCount;
            return c;
        }

        /// <summary>True when every parameter equals the other configuration's.</summary>
        public bool SameAs(FrontEndConfig other)
        {
            return other != null
                && Version == other.Version
                && SampleRateHz == other.SampleRateHz
                && WindowLength == other.WindowLength
                && HopLength == other.HopLength
                && FftSize == other.FftSize
                && BandCount == other.BandCount
                && MinFrequencyHz == other.MinFrequencyHz
                && MaxFrequencyHz == other.MaxFrequencyHz
                && PreEmphasisQ15 == other.PreEmphasisQ15
                && LogScale == other.LogScale
                && LogShift == other.LogShift
                && LogOffset == other.LogOffset
                && FrameCount == other.FrameCount;
        }

        /// <summary>
        /// Checks every parameter and throws a <see cref="FrontEndException"/> naming the first one that is invalid.
        /// (Whether every mel band covers an FFT bin is checked when the filterbank is built, in the
        /// <see cref="AudioFrontEnd"/> constructor.)
        /// </summary>
        public void Validate()
        {
            if (Version != CurrentVersion)
            {
                throw new FrontEndException("front end: version " + Version.ToString() + " is not supported (this front end implements version " + CurrentVersion.ToString() + ")");
            }

            if (SampleRateHz < 1000 || SampleRateHz > 192000)
            {
                throw new FrontEndException("front end: sample rate " + SampleRateHz.ToString() + " Hz is outside 1000..192000");
            }

            if (FftSize < MinFftSize || FftSize > MaxFftSize || (FftSize & (FftSize - 1)) != 0)
            {
                throw new FrontEndException("front end: FFT size " + FftSize.ToString() + " is not a power of two in " + MinFftSize.ToString() + ".." + MaxFftSize.ToString());
            }

            if (WindowLength < 2 || WindowLength > FftSize)
            {
                throw new FrontEndException("front end: window length " + WindowLength.ToString() + " is outside 2..FFT size " + FftSize.ToString());
            }

            if (HopLength < 1 || HopLength > WindowLength)
            {
                throw new FrontEndException("front end: hop " + HopLength.ToString() + " is outside 1..window length " + WindowLength.ToString());
            }

            if (BandCount < 1 || BandCount > FftSize / 2)
            {
                throw new FrontEndException("front end: " + BandCount.ToString() + " mel bands is outside 1..FFT size / 2 = " + (FftSize / 2).ToString());
            }

            if (MinFrequencyHz < 0 || MinFrequencyHz >= MaxFrequencyHz)
            {
                throw new FrontEndException("front end: minimum frequency " + MinFrequencyHz.ToString() + " Hz must be at least 0 and below the maximum " + MaxFrequencyHz.ToString() + " Hz");
            }

            if (MaxFrequencyHz > SampleRateHz / 2)
            {
                throw new FrontEndException("front end: maximum frequency " + MaxFrequencyHz.ToString() + " Hz is above half the sample rate (" + (SampleRateHz / 2).ToString() + " Hz)");
            }

            if (PreEmphasisQ15 < 0 || PreEmphasisQ15 > 32767)
            {
                throw new FrontEndException("front end: pre-emphasis " + PreEmphasisQ15.ToString() + " is outside 0..32767 (Q15)");
            }

            if (LogScale < 1 || LogScale > 32767)
            {
                throw new FrontEndException("front end: log scale " + LogScale.ToString() + " is outside 1..32767");
            }

            if (LogShift < 0 || LogShift > 30)
            {
                throw new FrontEndException("front end: log shift " + LogShift.ToString() + " is outside 0..30");
            }

            if (LogOffset < -(1 << 24) || LogOffset > (1 << 24))
            {
                throw new FrontEndException("front end: log offset " + LogOffset.ToString() + " is outside -2^24..2^24");
            }

            if (FrameCount < 1 || FrameCount > 65535 || FrameCount > MaxInputValues / BandCount)
            {
                throw new FrontEndException("front end: " + FrameCount.ToString() + " frames of " + BandCount.ToString() + " bands: frames must be 1..65535 and frames·bands at most " + MaxInputValues.ToString());
            }
        }

        /// <summary>
        /// Writes the configuration as model properties: <see cref="FrontEndProperty.Count"/> keys in ascending order
        /// (16..28) into keys[start..] and values[start..]. Returns the number written. Validates first.
        /// </summary>
        public int ToProperties(int[] keys, int[] values, int start)
        {
            Validate();
            if (keys == null || values == null || start < 0 || start > keys.Length - FrontEndProperty.Count || start > values.Length - FrontEndProperty.Count)
            {
                throw new FrontEndException("front end: properties need " + FrontEndProperty.Count.ToString() + " free key and value slots from index " + start.ToString());
            }

            int i = start;
            keys[i] = FrontEndProperty.Version;
            values[i++] = Version;
            keys[i] = FrontEndProperty.SampleRateHz;
            values[i++] = SampleRateHz;
            keys[i] = FrontEndProperty.WindowLength;
            values[i++] = WindowLength;
            keys[i] = FrontEndProperty.HopLength;
            values[i++] = HopLength;
            keys[i] = FrontEndProperty.FftSize;
            values[i++] = FftSize;
            keys[i] = FrontEndProperty.BandCount;
            values[i++] = BandCount;
            keys[i] = FrontEndProperty.MinFrequencyHz;
            values[i++] = MinFrequencyHz;
            keys[i] = FrontEndProperty.MaxFrequencyHz;
            values[i++] = MaxFrequencyHz;
            keys[i] = FrontEndProperty.PreEmphasisQ15;
            values[i++] = PreEmphasisQ15;
            keys[i] = FrontEndProperty.LogScale;
            values[i++] = LogScale;
            keys[i] = FrontEndProperty.LogShift;
            values[i++] = LogShift;
            keys[i] = FrontEndProperty.LogOffset;
            values[i++] = LogOffset;
            keys[i] = FrontEndProperty.FrameCount;
            values[i++] = FrameCount;
            return i - start;
        }

        /// <summary>
        /// Reads a configuration from model properties (all of a model's keys and values, e.g. collected with
        /// <c>BnnModel.GetPropertyKey(i)</c> / <c>GetProperty(key, 0)</c>). Keys outside 16..63 are ignored; every
        /// version-1 key must be present exactly once, and any other key of 16..63 is refused (a newer front end
        /// wrote it). The result is validated.
        /// </summary>
        public static FrontEndConfig FromProperties(int[] keys, int[] values)
        {
            if (keys == null || values == null || keys.Length != values.Length)
            {
                throw new FrontEndException("front end: properties need as many values as keys");
            }

            FrontEndConfig c = new FrontEndConfig();
            int seen = 0;
            for (int i = 0; i < keys.Length; i++)
            {
                int key = keys[i];
                if (key < FrontEndProperty.First || key > FrontEndProperty.Last)
                {
                    continue;
                }

                if (key >= FrontEndProperty.First + FrontEndProperty.Count)
                {
                    throw new FrontEndException("front end: unknown property key " + key.ToString() + " (version " + CurrentVersion.ToString() + " knows keys "
                        + FrontEndProperty.First.ToString() + ".." + (FrontEndProperty.First + FrontEndProperty.Count - 1).ToString() + ")");
                }

                int bit = 1 << (key - FrontEndProperty.First);
                if ((seen & bit) != 0)
                {
                    throw new FrontEndException("front end: property key " + key.ToString() + " appears twice");
                }

                seen |= bit;
                int v = values[i];
                switch (key)
                {
                    case FrontEndProperty.Version: c.Version = v; break;
                    case FrontEndProperty.SampleRateHz: c.SampleRateHz = v; break;
                    case FrontEndProperty.WindowLength: c.WindowLength = v; break;
                    case FrontEndProperty.HopLength: c.HopLength = v; break;
                    case FrontEndProperty.FftSize: c.FftSize = v; break;
                    case FrontEndProperty.BandCount: c.BandCount = v; break;
                    case FrontEndProperty.MinFrequencyHz: c.MinFrequencyHz = v; break;
                    case FrontEndProperty.MaxFrequencyHz: c.MaxFrequencyHz = v; break;
                    case FrontEndProperty.PreEmphasisQ15: c.PreEmphasisQ15 = v; break;
                    case FrontEndProperty.LogScale: c.LogScale = v; break;
                    case FrontEndProperty.LogShift: c.LogShift = v; break;
                    case FrontEndProperty.LogOffset: c.LogOffset = v; break;
                    case FrontEndProperty.FrameCount: c.FrameCount = v; break;
                }
            }

            for (int k = 0; k < FrontEndProperty.Count; k++)
            {
                if ((seen & (1 << k)) == 0)
                {
                    throw new FrontEndException("front end: property key " + (FrontEndProperty.First + k).ToString() + " is missing (a version-" + CurrentVersion.ToString() + " front end needs keys "
                        + FrontEndProperty.First.ToString() + ".." + (FrontEndProperty.First + FrontEndProperty.Count - 1).ToString() + ")");
                }
            }

            c.Validate();
            return c;
        }
    }
}
