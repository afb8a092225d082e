namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// Fixed-point log-mel front end: one frame of 16-bit PCM in, one int8 feature per mel band out. Integer-only
    /// and allocation-free after construction; the same code runs on nanoFramework and on the desktop (where the
    /// compiler makes the training features with it), so features are bit-identical on both.
    /// <para>Pipeline and number formats, for a frame x[0..W) (W = window length, N = FFT size, H = N/2):</para>
    /// <list type="number">
    /// <item>Pre-emphasis (optional, a in Q15): y[n] = x[n] − a·x[n−1], with x[−1] = x[0] (each frame depends on its
    /// own W samples only), kept exact as y·2^15 = (x[n] &lt;&lt; 15) − a·x[n−1] (int32, |·| &lt; 2^31): rounding it to
    /// whole PCM units would add white noise at the level of the input's own quantisation, which the ~30 dB of
    /// low-frequency attenuation of pre-emphasis makes visible in the low bands. Without pre-emphasis y = x.</item>
    /// <item>Window: v[n] = y[n]·h[n]·2^F, h = periodic Hann (1 − cos(2πn/W))/2 in Q30 (int32 table from
    /// <see cref="FixedMath"/>), F = 30 (45 with pre-emphasis); v in int64, |v| &lt; 2^46 (2^61). Zero-padded to N
    /// samples.</item>
    /// <item>Block floating point: s = max(0, bits(max m) − (30 − log2 N)) with m[n] = v[n], or −v[n] − 1 (the one's
    /// complement) for negative v[n]; u[n] = round(v[n] / 2^s), so |u| ≤ 2^(30 − log2 N) (2^21 for N = 512): about
    /// 21 significant bits relative to the frame's peak, whatever its level. One exponent s per frame.</item>
    /// <item>Real FFT of N points as a complex FFT of H points (z[j] = u[2j] + i·u[2j+1]; radix-2 decimation in time,
    /// input in bit-reversed order from a table, no scaling between stages; two stages are done per pass over the
    /// data, with the products and rounding of one stage at a time) followed by the split
    /// 2X[k] = (Z[k] + conj Z[H−k]) − i·W_N^k·(Z[k] − conj Z[H−k]). Twiddles cos/sin(2πk/N) in Q30 (int32 tables);
    /// data int64 with products rounded back by 2^30. Headroom: |Z| ≤ 2^29.5, |2X| ≤ 2·Σ|u| ≤ 2^31, so every
    /// product and sum stays below 2^62.</item>
    /// <item>Power: P[k] = (|2X[k]|² + 2^15) &gt;&gt; 16 ≤ 2^46 (int64), for k = 0..H.</item>
    /// <item>Mel: E[b] = Σ_k P[k]·w_b[k], w in Q15 (<see cref="MelFilterbank"/>), int64 (Parseval bounds the sum
    /// at 2^61). In true units E_true = E·2^(2s − 2F − 1) (2s − 61 without pre-emphasis), where
    /// E_true = Σ_k w_b(k)·|X_k|² with X the DFT of the float windowed frame y[n]·h[n] (PCM units).</item>
    /// <item>Log: L[b] = log2(E_true) in Q8 = msb(E)·256 + T[mantissa] + 256·(2s − 2F − 1), T = 257-entry table of
    /// round(256·log2(1 + i/256)) indexed by the 8 bits after the leading one (rounded). |L| &lt; 2^15 (bounded by
    /// E ≤ 2^61 and s ≤ 43), so L·LogScale (≤ 32767) fits int32.</item>
    /// <item>Features: f = clamp(((L·LogScale + 2^(LogShift−1)) &gt;&gt; LogShift) + LogOffset, −128, 127), int8;
    /// a band with E = 0 (e.g. digital silence) gives −128. Defaults: f = round(6·log2 E_true) − 164.</item>
    /// </list>
    /// Operation counts per frame: <see cref="GetStageMultiplies"/> and <see cref="GetStageAdds"/>.
    /// </summary>
    public sealed class AudioFrontEnd
    {
        /// <summary>Stage index of the cost counters: pre-emphasis and window.</summary>
        public const int StageWindow = 0;

        /// <summary>Block-exponent scaling and the complex FFT of N/2 points.</summary>
        public const int StageFft = 1;

        /// <summary>Split of the half-size complex FFT into the real spectrum, and the power.</summary>
        public const int StageSplitPower = 2;

        /// <summary>Mel filterbank.</summary>
        public const int StageMel = 3;

        /// <summary>Log and quantisation.</summary>
        public const int StageLog = 4;

        /// <summary>Number of stages.</summary>
        public const int StageCount = 5;

        /// <summary>Log value (Q8) reported for a band of zero energy.</summary>
        public const int LogOfZero = -(1 << 30);

        /// <summary>Lowest feature value (int8), the floor: silence.</summary>
        public const int FeatureMin = -128;

        /// <summary>Highest feature value (int8).</summary>
        public const int FeatureMax = 127;

        private const long RoundQ30 = 1L << 29;
        private const long RoundPower = 1L << 15;

        /// <summary>log2 of the factor between E (fixed point) and E_true at block exponent 0, in Q8: E_true = E·2^(2s − 61).</summary>
        private const int EnergyExponentQ8 = 61 * 256;

        /// <summary>The same with pre-emphasis, whose output carries 15 more fraction bits: E_true = E·2^(2s − 91).</summary>
        private const int EnergyExponentPreEmphasisQ8 = 91 * 256;

        private readonly FrontEndConfig _config;
        private readonly MelFilterbank _mel;
        private readonly int _windowLength;
        private readonly int _half;
        private readonly int _normBits;
        private readonly bool _oddStageCount;
        private readonly int _preEmphasis;
        private readonly int _logScale;
        private readonly int _logShift;
        private readonly int _logRound;
        private readonly int _logOffset;

        private readonly int[] _windowQ30;
        private readonly int[] _bitReverse;
        private readonly int[] _cosQ30;
        private readonly int[] _sinQ30;
        private readonly int[] _log2FractionQ8;

        private readonly long[] _re;
        private readonly long[] _im;
        private readonly long[] _power;
        private readonly long[] _energy;
        private readonly int[] _logQ8;
        private readonly short[] _pcmScratch;
        private int _blockExponent;
        private int _energyExponentQ8;

        /// <summary>Validates the configuration (a copy is kept) and builds every table and buffer.</summary>
        public AudioFrontEnd(FrontEndConfig config)
        {
            if (config == null)
            {
                throw new FrontEndException("front end: no configuration");
            }

            config.Validate();
            _config = config.Copy();
            _mel = new MelFilterbank(_config);

            int n = _config.FftSize;
            _windowLength = _config.WindowLength;
            _half = n / 2;
            _normBits = 30 - (FixedMath.BitLength(n) - 1);

            // Stages of the complex FFT after the first two: log2(H) − 2. The fused passes take them two at a time.
            _oddStageCount = ((FixedMath.BitLength(_half) - 3) & 1) != 0;
            _preEmphasis = _config.PreEmphasisQ15;
            _logScale = _config.LogScale;
            _logShift = _config.LogShift;
            _logRound = (1 << _logShift) >> 1;
            _logOffset = _config.LogOffset;

            // Periodic Hann window in Q30: h[n] = (1 − cos(2πn/W)) / 2.
            _windowQ30 = new int[_windowLength];
            for (int i = 0; i < _windowLength; i++)
            {
                // In 64 bits: 1 − cos reaches 2^31 at the window's middle.
                _windowQ30[i] = (int)(((long)FixedMath.OneQ30 - FixedMath.CosQ30(FixedMath.PhaseQ32(i, _windowLength)) + 1) >> 1);
            }

            // Twiddles cos/sin(2πk/N), k = 0..H (the complex FFT uses the even ones, the split all).
            _cosQ30 = new int[_half + 1];
            _sinQ30 = new int[_half + 1];
            for (int k = 0; k <= _half; k++)
            {
                uint phase = FixedMath.PhaseQ32(k, n);
                _cosQ30[k] = FixedMath.CosQ30(phase);
                _sinQ30[k] = FixedMath.SinQ30(phase);
            }

            // Bit reversal of log2(H) bits.
            int bits = FixedMath.BitLength(_half) - 1;
            _bitReverse = new int[_half];
            for (int j = 0; j < _half; j++)
            {
                int r = 0;
                for (int b = 0; b < bits; b++)
                {
                    r |= ((j >> b) & 1) << (bits - 1 - b);
                }

                _bitReverse[j] = r;
            }

            // log2(1 + i/256) in Q8, i = 0..256.
            _log2FractionQ8 = new int[257];
            long log256 = FixedMath.Log2Q30(256);
            for (int i = 0; i <= 256; i++)
            {
                _log2FractionQ8[i] = (int)((FixedMath.Log2Q30(256 + i) - log256 + (1L << 21)) >> 22);
            }

            _re = new long[_half];
            _im = new long[_half];
            _power = new long[_half + 1];
            _energy = new long[_config.BandCount];
            _logQ8 = new int[_config.BandCount];
            _pcmScratch = new short[_windowLength];
        }

        /// <summary>Samples per frame.</summary>
        public int WindowLength
        {
            get { return _windowLength; }
        }

        /// <summary>Samples between frame starts.</summary>
        public int HopLength
        {
            get { return _config.HopLength; }
        }

        /// <summary>Features per frame (mel bands).</summary>
        public int BandCount
        {
            get { return _config.BandCount; }
        }

        /// <summary>FFT size.</summary>
        public int FftSize
        {
            get { return _config.FftSize; }
        }

        /// <summary>Frames per model input (the configuration's frame count).</summary>
        public int FrameCount
        {
            get { return _config.FrameCount; }
        }

        /// <summary>Samples one model input spans (the configuration's <see cref="FrontEndConfig.InputSpanSamples"/>).</summary>
        public int InputSpanSamples
        {
            get { return _config.InputSpanSamples; }
        }

        /// <summary>The filterbank in use.</summary>
        public MelFilterbank Filterbank
        {
            get { return _mel; }
        }

        /// <summary>
        /// Bytes of every array the front end holds (tables, buffers, filterbank), without object headers: about
        /// 16 KB for the defaults (16,404 bytes), all allocated at construction.
        /// </summary>
        public int RamBytes
        {
            get
            {
                return (4 * _windowQ30.Length) + (4 * _bitReverse.Length) + (4 * (_cosQ30.Length + _sinQ30.Length)) + (4 * _log2FractionQ8.Length)
                    + (8 * (_re.Length + _im.Length + _power.Length + _energy.Length)) + (4 * _logQ8.Length) + (2 * _pcmScratch.Length) + _mel.RamBytes;
            }
        }

        /// <summary>Block exponent s of the last frame (see the class summary).</summary>
        public int LastBlockExponent
        {
            get { return _blockExponent; }
        }

        /// <summary>A copy of the configuration.</summary>
        public FrontEndConfig CopyConfig()
        {
            return _config.Copy();
        }

        /// <summary>
        /// One frame: pcm[offset .. offset + WindowLength) → BandCount int8 features at features[featureOffset..].
        /// Returns the number of features written.
        /// </summary>
        public int ProcessFrame(short[] pcm, int offset, sbyte[] features, int featureOffset)
        {
            CheckPcm(pcm, offset);
            if (features == null || featureOffset < 0 || featureOffset > features.Length - _logQ8.Length)
            {
                throw new FrontEndException("front end: feature buffer must hold " + _logQ8.Length.ToString() + " values from index " + featureOffset.ToString());
            }

            Compute(pcm, offset);
            int bands = _logQ8.Length;
            for (int b = 0; b < bands; b++)
            {
                features[featureOffset + b] = (sbyte)Quantize(_logQ8[b]);
            }

            return bands;
        }

        /// <summary>
        /// One frame from 16-bit little-endian PCM bytes (2·WindowLength bytes from byteOffset), as the I2S driver
        /// delivers them. Same result as the short[] overload on the same samples.
        /// </summary>
        public int ProcessFrame(byte[] pcm16le, int byteOffset, sbyte[] features, int featureOffset)
        {
            if (pcm16le == null || byteOffset < 0 || byteOffset > pcm16le.Length - (2 * _windowLength))
            {
                throw new FrontEndException("front end: a frame needs " + (2 * _windowLength).ToString() + " PCM bytes from index " + byteOffset.ToString());
            }

            DecodePcm16(pcm16le, byteOffset, _pcmScratch, 0, _windowLength);
            return ProcessFrame(_pcmScratch, 0, features, featureOffset);
        }

        /// <summary>
        /// The log2 mel energies of the last frame in Q8 (log2 of E_true, see the class summary; <see cref="LogOfZero"/>
        /// for zero energy) into destination[offset..]: the values before quantisation.
        /// </summary>
        public void CopyLogMelQ8(int[] destination, int offset)
        {
            if (destination == null || offset < 0 || offset > destination.Length - _logQ8.Length)
            {
                throw new FrontEndException("front end: destination must hold " + _logQ8.Length.ToString() + " values from index " + offset.ToString());
            }

            for (int b = 0; b < _logQ8.Length; b++)
            {
                destination[offset + b] = _logQ8[b];
            }
        }

        /// <summary>
        /// Diagnostics (tests, tools): window + FFT + power of one frame into power[0..FftSize/2]. Returns the exponent
        /// e with |X_k|² ≈ power[k]·2^e, X the DFT of the float windowed frame (e = 2s − 46, with pre-emphasis 2s − 76).
        /// </summary>
        public int PowerSpectrum(short[] pcm, int offset, long[] power)
        {
            CheckPcm(pcm, offset);
            if (power == null || power.Length < _half + 1)
            {
                throw new FrontEndException("front end: the power spectrum needs " + (_half + 1).ToString() + " values");
            }

            Transform(pcm, offset);
            for (int k = 0; k <= _half; k++)
            {
                power[k] = _power[k];
            }

            return (2 * _blockExponent) - (_preEmphasis == 0 ? 46 : 76);
        }

        /// <summary>The int8 feature of a Q8 log energy (see the class summary).</summary>
        public int Quantize(int logQ8)
        {
            if (logQ8 <= LogOfZero)
            {
                return FeatureMin;
            }

            int q = (((logQ8 * _logScale) + _logRound) >> _logShift) + _logOffset;
            return q < FeatureMin ? FeatureMin : (q > FeatureMax ? FeatureMax : q);
        }

        /// <summary>Multiplications of one frame in a stage (StageWindow..StageLog), counted from the loops.</summary>
        public int GetStageMultiplies(int stage)
        {
            int h = _half;
            int stages = FixedMath.BitLength(h) - 1;
            switch (stage)
            {
                case StageWindow:
                    // Window product per sample, plus the pre-emphasis product when it is on.
                    return _windowLength * (_preEmphasis != 0 ? 2 : 1);
                case StageFft:
                    // Stages 1 and 2 have trivial twiddles; stages 3..log2(H): H/2 butterflies of 4 multiplies.
                    return stages > 2 ? (stages - 2) * (h / 2) * 4 : 0;
                case StageSplitPower:
                    // Pairs k = 1..H/2: 4 twiddle products and 2 squares per output bin (4 for the pair); bins 0 and
                    // H: 2 squares (the doublings are shifts).
                    return ((h / 2) * 8) + 2;
                case StageMel:
                    return _mel.WeightCount;
                case StageLog:
                    // One multiply per band (log scale).
                    return _logQ8.Length;
                default:
                    return 0;
            }
        }

        /// <summary>Additions and subtractions (rounding constants included) of one frame in a stage.</summary>
        public int GetStageAdds(int stage)
        {
            int h = _half;
            int stages = FixedMath.BitLength(h) - 1;
            switch (stage)
            {
                case StageWindow:
                    // Pre-emphasis: one subtraction per sample ((x << 15) − a·x[n−1]).
                    return _preEmphasis != 0 ? _windowLength : 0;
                case StageFft:
                    // Block-exponent rounding on the 2H inputs; stage 1 and 2: 4 per butterfly; later stages: 4 plus
                    // 2 for the complex product and 2 rounding adds.
                    return (2 * h) + ((stages >= 2 ? 2 : stages) * (h / 2) * 4) + (stages > 2 ? (stages - 2) * (h / 2) * 8 : 0);
                case StageSplitPower:
                    // Per pair: 4 sums/differences, 2 products combined + 2 rounding adds, 4 outputs, 2 powers (+1 and
                    // a rounding add each); bins 0 and H: a sum, a difference and 2 rounding adds.
                    return ((h / 2) * 16) + 4;
                case StageMel:
                    return _mel.WeightCount;
                case StageLog:
                    // Per band: at most 6 in the bit length, mantissa rounding and index, table, exponent, the
                    // quantisation rounding and offset (an upper bound: the bit length's adds are conditional).
                    return 12 * _logQ8.Length;
                default:
                    return 0;
            }
        }

        /// <summary>Name of a stage for reports.</summary>
        public static string StageName(int stage)
        {
            switch (stage)
            {
                case StageWindow: return "pre-emphasis + window";
                case StageFft: return "complex FFT (N/2 points)";
                case StageSplitPower: return "real split + power";
                case StageMel: return "mel filterbank";
                case StageLog: return "log2 + quantise";
                default: return "?";
            }
        }

        /// <summary>Decodes 16-bit little-endian PCM: count samples from bytes[byteOffset..] into samples[offset..].</summary>
        public static void DecodePcm16(byte[] bytes, int byteOffset, short[] samples, int offset, int count)
        {
            int p = byteOffset;
            for (int i = 0; i < count; i++)
            {
                samples[offset + i] = (short)(bytes[p] | (bytes[p + 1] << 8));
                p += 2;
            }
        }

        /// <summary>Frame → features written as two's-complement bytes (the model input encoding int8).</summary>
        internal void ProcessFrameToBytes(short[] pcm, int offset, byte[] destination, int destinationOffset)
        {
            Compute(pcm, offset);
            int bands = _logQ8.Length;
            for (int b = 0; b < bands; b++)
            {
                destination[destinationOffset + b] = (byte)Quantize(_logQ8[b]);
            }
        }

        private void CheckPcm(short[] pcm, int offset)
        {
            if (pcm == null || offset < 0 || offset > pcm.Length - _windowLength)
            {
                throw new FrontEndException("front end: a frame needs " + _windowLength.ToString() + " samples from index " + offset.ToString());
            }
        }

        /// <summary>Window, FFT, power, mel and log of one frame into _logQ8.</summary>
        private void Compute(short[] pcm, int offset)
        {
            Transform(pcm, offset);
            _mel.Apply(_power, _energy);

            long[] energy = _energy;
            int[] logQ8 = _logQ8;
            int[] table = _log2FractionQ8;
            int exponentQ8 = _energyExponentQ8;
            for (int b = 0; b < energy.Length; b++)
            {
                long e = energy[b];
                if (e <= 0)
                {
                    logQ8[b] = LogOfZero;
                    continue;
                }

                int msb = FixedMath.BitLength(e) - 1;
                long top = msb >= 9 ? e >> (msb - 9) : e << (9 - msb); // 10 bits: 1xxxxxxxxx
                int index = (int)((top + 1) >> 1) - 256;              // 8 fraction bits, rounded: 0..256
                logQ8[b] = (msb << 8) + table[index] + exponentQ8;
            }
        }

        /// <summary>Pre-emphasis, window, block exponent, FFT, split and power of one frame into _power.</summary>
        private void Transform(short[] pcm, int offset)
        {
            long[] re = _re;
            long[] im = _im;
            int[] window = _windowQ30;
            int[] rev = _bitReverse;
            int h = _half;
            int w = _windowLength;
            int pairs = w >> 1;
            long bits = 0;

            // 1. Pre-emphasis and window, written straight to the bit-reversed complex input (even samples real,
            //    odd samples imaginary); the OR of the one's-complement magnitudes bounds the peak's bit length.
            int j = 0;
            int p = offset;
            int a = _preEmphasis;
            if (a == 0)
            {
                for (; j < pairs; j++)
                {
                    long v0 = (long)pcm[p] * window[2 * j];
                    long v1 = (long)pcm[p + 1] * window[(2 * j) + 1];
                    bits |= (v0 ^ (v0 >> 63)) | (v1 ^ (v1 >> 63));
                    int t = rev[j];
                    re[t] = v0;
                    im[t] = v1;
                    p += 2;
                }
            }
            else
            {
                int prev = pcm[p];
                for (; j < pairs; j++)
                {
                    int x0 = pcm[p];
                    int x1 = pcm[p + 1];
                    long v0 = (long)((x0 << 15) - (a * prev)) * window[2 * j];
                    long v1 = (long)((x1 << 15) - (a * x0)) * window[(2 * j) + 1];
                    prev = x1;
                    bits |= (v0 ^ (v0 >> 63)) | (v1 ^ (v1 >> 63));
                    int t = rev[j];
                    re[t] = v0;
                    im[t] = v1;
                    p += 2;
                }
            }

            if ((w & 1) != 0)
            {
                // Odd window: the last sample is real, its odd partner is zero padding.
                int x = pcm[p];
                int y = a == 0 ? x : (x << 15) - (a * pcm[p - 1]);
                long v = (long)y * window[w - 1];
                bits |= v ^ (v >> 63);
                int t = rev[j];
                re[t] = v;
                im[t] = 0;
                j++;
            }

            for (; j < h; j++)
            {
                int t = rev[j];
                re[t] = 0;
                im[t] = 0;
            }

            // 2. Block exponent: |u| ≤ 2^(30 − log2 N) after the rounding shift.
            int s = FixedMath.BitLength(bits) - _normBits;
            if (s < 0)
            {
                s = 0;
            }

            _blockExponent = s;
            long round = (1L << s) >> 1;
            _energyExponentQ8 = (512 * s) - (a == 0 ? EnergyExponentQ8 : EnergyExponentPreEmphasisQ8);

            // 3. Complex FFT of H points, radix-2 decimation in time, two stages per pass over the data: each element
            //    is read and written once per pass, and the products and their rounding are those of the one-stage
            //    form, so the result is the same bit for bit (FrontEndTests check it against a one-stage oracle).
            //    Stages 1 and 2 (twiddles 1 and −i, no products) in one pass that also applies the block exponent.
            for (int k = 0; k < h; k += 4)
            {
                long a0r = (re[k] + round) >> s;
                long a0i = (im[k] + round) >> s;
                long a1r = (re[k + 1] + round) >> s;
                long a1i = (im[k + 1] + round) >> s;
                long a2r = (re[k + 2] + round) >> s;
                long a2i = (im[k + 2] + round) >> s;
                long a3r = (re[k + 3] + round) >> s;
                long a3i = (im[k + 3] + round) >> s;
                long s0r = a0r + a1r;
                long s0i = a0i + a1i;
                long d0r = a0r - a1r;
                long d0i = a0i - a1i;
                long s2r = a2r + a3r;
                long s2i = a2i + a3i;
                long d2r = a2r - a3r;
                long d2i = a2i - a3i;
                re[k] = s0r + s2r;
                im[k] = s0i + s2i;
                re[k + 2] = s0r - s2r;
                im[k + 2] = s0i - s2i;
                re[k + 1] = d0r + d2i;
                im[k + 1] = d0i - d2r;
                re[k + 3] = d0r - d2i;
                im[k + 3] = d0i + d2r;
            }

            // Stages 3..log2(H), size = 8, 16, ..: t = b·W_size^j = b·(c − i·s), W_size^j = W_N^(j·N/size), so the
            // twiddle index is j·step with step = N/size. An odd count of them starts with one single stage.
            int[] cos = _cosQ30;
            int[] sin = _sinQ30;
            int size = 8;
            int step = h / 4;
            if (_oddStageCount)
            {
                for (int q = 0; q < 4; q++)
                {
                    long c = cos[q * step];
                    long sn = sin[q * step];
                    for (int k = q; k < h; k += 8)
                    {
                        int m = k + 4;
                        long br = re[m];
                        long bi = im[m];
                        long tr = ((br * c) + (bi * sn) + RoundQ30) >> 30;
                        long ti = ((bi * c) - (br * sn) + RoundQ30) >> 30;
                        long ar = re[k];
                        long ai = im[k];
                        re[k] = ar + tr;
                        im[k] = ai + ti;
                        re[m] = ar - tr;
                        im[m] = ai - ti;
                    }
                }

                size = 16;
                step = h / 8;
            }

            // The stages of size and 2·size together: for j < size/2, the first pairs (k0, k1) and (k2, k3) with
            // W_size^j (k1 = k0 + size/2, k2 = k0 + size, k3 = k2 + size/2), the second (k0, k2) with W_2size^j and (k1, k3)
            // with W_2size^(j + size/2).
            for (; size < h; size <<= 2)
            {
                int gap = size >> 1;
                int span = size << 1;
                int half = step >> 1;
                for (int q = 0; q < gap; q++)
                {
                    long c1 = cos[q * step];
                    long s1 = sin[q * step];
                    long c2 = cos[q * half];
                    long s2 = sin[q * half];
                    long c3 = cos[(q + gap) * half];
                    long s3 = sin[(q + gap) * half];
                    for (int k0 = q; k0 < h; k0 += span)
                    {
                        int k1 = k0 + gap;
                        int k2 = k0 + size;
                        int k3 = k2 + gap;
                        long br = re[k1];
                        long bi = im[k1];
                        long tr = ((br * c1) + (bi * s1) + RoundQ30) >> 30;
                        long ti = ((bi * c1) - (br * s1) + RoundQ30) >> 30;
                        long ar = re[k0];
                        long ai = im[k0];
                        long p0r = ar + tr;
                        long p0i = ai + ti;
                        long p1r = ar - tr;
                        long p1i = ai - ti;
                        br = re[k3];
                        bi = im[k3];
                        tr = ((br * c1) + (bi * s1) + RoundQ30) >> 30;
                        ti = ((bi * c1) - (br * s1) + RoundQ30) >> 30;
                        ar = re[k2];
                        ai = im[k2];
                        br = ar - tr;
                        bi = ai - ti;
                        ar += tr;
                        ai += ti;
                        tr = ((ar * c2) + (ai * s2) + RoundQ30) >> 30;
                        ti = ((ai * c2) - (ar * s2) + RoundQ30) >> 30;
                        re[k0] = p0r + tr;
                        im[k0] = p0i + ti;
                        re[k2] = p0r - tr;
                        im[k2] = p0i - ti;
                        tr = ((br * c3) + (bi * s3) + RoundQ30) >> 30;
                        ti = ((bi * c3) - (br * s3) + RoundQ30) >> 30;
                        re[k1] = p1r + tr;
                        im[k1] = p1i + ti;
                        re[k3] = p1r - tr;
                        im[k3] = p1i - ti;
                    }
                }

                step >>= 2;
            }

            // 4. Split into the real spectrum (as Y = 2X) and the power P[k] = (|Y|² + 2^15) >> 16, k = 0..H.
            long[] power = _power;
            long z0r = re[0];
            long z0i = im[0];
            long y0 = 2 * (z0r + z0i);
            long yh = 2 * (z0r - z0i);
            power[0] = ((y0 * y0) + RoundPower) >> 16;
            power[h] = ((yh * yh) + RoundPower) >> 16;
            int quarter = h >> 1;
            for (int k = 1; k <= quarter; k++)
            {
                long ar = re[k];
                long ai = im[k];
                long br = re[h - k];
                long bi = im[h - k];
                long sr = ar + br;
                long di = ai - bi;
                long si = ai + bi;
                long dr = br - ar;
                long c = cos[k];
                long sn = sin[k];
                long t1 = ((c * si) + (sn * dr) + RoundQ30) >> 30;
                long t2 = ((c * dr) - (sn * si) + RoundQ30) >> 30;
                long yr = sr + t1;
                long yi = di + t2;
                power[k] = ((yr * yr) + (yi * yi) + RoundPower) >> 16;
                yr = sr - t1;
                yi = t2 - di;
                power[h - k] = ((yr * yr) + (yi * yi) + RoundPower) >> 16;
            }
        }
    }
}
