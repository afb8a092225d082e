namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// Triangular mel filters over the power spectrum, built with integer math only.
    /// <para>
    /// Mel scale: HTK, mel(f) = 2595·log10(1 + f/700). Since mel is an affine function of u(f) = log2(1 + f/700),
    /// equal mel steps are equal u steps: the B + 2 edges are u_j = u(fmin) + (u(fmax) − u(fmin))·j/(B + 1)
    /// (j = 0..B+1, Q30, truncated), f_j = 700·(2^u_j − 1) in Hz Q16 (<see cref="FixedMath.Log2Q30"/> and
    /// <see cref="FixedMath.Exp2Q30"/>), with f_0 = fmin and f_{B+1} = fmax exactly. Band b rises from f_b to its
    /// centre f_{b+1} and falls to f_{b+2}; its weight for FFT bin k (frequency f = k·rate/N, Hz Q16) is
    /// (f − f_b)/(f_{b+1} − f_b) on the rising side and (f_{b+2} − f)/(f_{b+2} − f_{b+1}) on the falling side, in
    /// Q15 rounded (1.0 = 32768 at the centre), not area-normalised (peak 1, as librosa's htk=True, norm=None).
    /// </para>
    /// Weights are stored sparsely: band b covers the bins FirstBin(b) .. FirstBin(b) + BinCount(b) − 1, all with
    /// weight &gt; 0. A band without any bin is refused (fewer bands, a larger FFT or a wider range is needed).
    /// </summary>
    public sealed class MelFilterbank
    {
        private readonly int[] _firstBin;
        private readonly int[] _binCount;
        private readonly int[] _weightStart;
        private readonly int[] _weights;
        private readonly long[] _edgesHzQ16;

        /// <summary>Builds the filters of a validated configuration.</summary>
        public MelFilterbank(FrontEndConfig config)
        {
            if (config == null)
            {
                throw new FrontEndException("front end: no configuration");
            }

            config.Validate();
            int bands = config.BandCount;
            int fftSize = config.FftSize;
            int rate = config.SampleRateHz;
            int lastBin = fftSize / 2;

            _edgesHzQ16 = new long[bands + 2];
            long log700 = FixedMath.Log2Q30(700);
            long uLo = FixedMath.Log2Q30(700 + config.MinFrequencyHz) - log700;
            long uHi = FixedMath.Log2Q30(700 + config.MaxFrequencyHz) - log700;
            for (int j = 0; j <= bands + 1; j++)
            {
                long u = uLo + ((uHi - uLo) * j / (bands + 1));
                _edgesHzQ16[j] = ((700 * (FixedMath.Exp2Q30(u) - FixedMath.OneQ30)) + (1L << 13)) >> 14;
            }

            _edgesHzQ16[0] = (long)config.MinFrequencyHz << 16;
            _edgesHzQ16[bands + 1] = (long)config.MaxFrequencyHz << 16;

            // First pass: the bin range of each band (bins strictly inside its edges); second pass: the weights.
            _firstBin = new int[bands];
            _binCount = new int[bands];
            _weightStart = new int[bands];
            int total = 0;
            for (int b = 0; b < bands; b++)
            {
                int first = -1;
                int count = 0;
                for (int k = 0; k <= lastBin; k++)
                {
                    if (Weight(k, b, rate, fftSize) > 0)
                    {
                        if (first < 0)
                        {
                            first = k;
                        }

                        count = k - first + 1;
                    }
                }

                if (first < 0)
                {
                    throw new FrontEndException("front end: mel band " + b.ToString() + " (" + (_edgesHzQ16[b] >> 16).ToString() + ".." + (_edgesHzQ16[b + 2] >> 16).ToString()
                        + " Hz) covers no FFT bin (bins are " + (rate / fftSize).ToString() + " Hz apart): use fewer bands, a larger FFT or a higher minimum frequency");
                }

                _firstBin[b] = first;
                _binCount[b] = count;
                _weightStart[b] = total;
                total += count;
            }

            _weights = new int[total];
            for (int b = 0; b < bands; b++)
            {
                for (int i = 0; i < _binCount[b]; i++)
                {
                    _weights[_weightStart[b] + i] = Weight(_firstBin[b] + i, b, rate, fftSize);
                }
            }
        }

        /// <summary>Number of bands.</summary>
        public int BandCount
        {
            get { return _firstBin.Length; }
        }

        /// <summary>Number of (bin, band) weights: the multiply-adds of one frame's filterbank.</summary>
        public int WeightCount
        {
            get { return _weights.Length; }
        }

        /// <summary>Bytes of the filterbank's arrays (weights, bin ranges, edges), without object headers.</summary>
        public int RamBytes
        {
            get { return (4 * _weights.Length) + (12 * _firstBin.Length) + (8 * _edgesHzQ16.Length); }
        }

        /// <summary>First FFT bin of band b.</summary>
        public int FirstBin(int band)
        {
            return _firstBin[band];
        }

        /// <summary>Number of consecutive bins of band b.</summary>
        public int BinCount(int band)
        {
            return _binCount[band];
        }

        /// <summary>Weight (Q15, 1..32768) of the i-th bin of band b.</summary>
        public int WeightQ15(int band, int i)
        {
            return _weights[_weightStart[band] + i];
        }

        /// <summary>Edge j (0..bands+1) in Hz, Q16: band b spans edges b..b+2 with its centre at edge b+1.</summary>
        public long EdgeHzQ16(int j)
        {
            return _edgesHzQ16[j];
        }

        /// <summary>
        /// Applies the filters: energy[b] = Σ power[k]·w (Q15 weights, 64-bit sums). The caller keeps the power at
        /// most 2^46 in total over the bins (see AudioFrontEnd), so no sum passes 2^61.
        /// </summary>
        public void Apply(long[] power, long[] energy)
        {
            int[] first = _firstBin;
            int[] count = _binCount;
            int[] weights = _weights;
            int w = 0;
            for (int b = 0; b < first.Length; b++)
            {
                long acc = 0;
                int k = first[b];
                int end = k + count[b];
                for (; k < end; k++)
                {
                    acc += power[k] * weights[w];
                    w++;
                }

                energy[b] = acc;
            }
        }

        /// <summary>Q15 weight of bin k in band b (0 outside the triangle).</summary>
        private int Weight(int k, int band, int rate, int fftSize)
        {
            long f = ((long)k * rate << 16) / fftSize;
            long lo = _edgesHzQ16[band];
            long centre = _edgesHzQ16[band + 1];
            long hi = _edgesHzQ16[band + 2];
            if (f <= lo || f >= hi)
            {
                return 0;
            }

            if (f <= centre)
            {
                long span = centre - lo;
                return (int)((((f - lo) << 15) + (span >> 1)) / span);
            }

            long down = hi - centre;
            return (int)((((hi - f) << 15) + (down >> 1)) / down);
        }
    }
}
