namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// Max pooling of a ±1 feature map (bit tensor, see <see cref="ConvGeometry"/>): the max of ±1 values is +1 when
    /// any is +1, i.e. the bitwise OR of the window's pixel words. The geometry must have OutChannels == InChannels
    /// and no padding (every window lies inside the input; PadValue is then never used). Output pixels HWC from
    /// <c>outputOffset</c>, OutWordsPerPixel (= InWordsPerPixel) words each; padding bits stay 0 because OR keeps the
    /// input's 0 padding bits.
    /// </summary>
    public static class MaxPoolBitsKernels
    {
        /// <summary>The math, one channel at a time: max over the window of ±1 values.</summary>
        public static void Reference(ulong[] input, int inputOffset, ConvGeometry g, ulong[] output, int outputOffset)
        {
            Validate(g);
            int words = g.InWordsPerPixel;
            int outPixel = outputOffset;
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    for (int j = 0; j < words; j++)
                    {
                        output[outPixel + j] = 0UL;
                    }

                    for (int c = 0; c < g.InChannels; c++)
                    {
                        int max = -1;
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                        {
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                            {
                                int iy = (oy * g.StrideY) + ky;
                                int ix = (ox * g.StrideX) + kx;
                                int value = ((input[inputOffset + (((iy * g.InWidth) + ix) * words) + (c >> 6)] >> (c & 63)) & 1UL) != 0 ? 1 : -1;
                                if (value > max)
                                {
                                    max = value;
                                }
                            }
                        }

                        if (max == 1)
                        {
                            output[outPixel + (c >> 6)] |= 1UL << (c & 63);
                        }
                    }

                    outPixel += words;
                }
            }
        }

        /// <summary>
        /// Bitwise OR of the window's pixel words: per output word and tap 3 IL of work (load, or, store to a
        /// local) plus pointer step and loop test, 13 IL in all, 64 channels at a time. No variant is cheaper.
        /// </summary>
        public static void Run(ulong[] input, int inputOffset, ConvGeometry g, ulong[] output, int outputOffset)
        {
            Validate(g);
            int words = g.InWordsPerPixel;
            int kernelHeight = g.KernelHeight;
            int outHeight = g.OutHeight;
            int outWidth = g.OutWidth;
            int rowStride = g.InWidth * words;
            int tapRowWords = g.KernelWidth * words;
            int stepY = g.StrideY * rowStride;
            int stepX = g.StrideX * words;
            int outWord = outputOffset;
            int windowRow = inputOffset;
            for (int oy = 0; oy < outHeight; oy++)
            {
                int window = windowRow;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    for (int j = 0; j < words; j++)
                    {
                        ulong acc = 0UL;
                        int row = window + j;
                        for (int ky = 0; ky < kernelHeight; ky++)
                        {
                            int p = row;
                            int end = row + tapRowWords;
                            while (p < end)
                            {
                                acc |= input[p];
                                p += words;
                            }

                            row += rowStride;
                        }

                        output[outWord++] = acc;
                    }

                    window += stepX;
                }

                windowRow += stepY;
            }
        }

        /// <summary>Throws unless the geometry keeps the channels and has no padding (also checked by the fused conv + pool).</summary>
        internal static void Validate(ConvGeometry g)
        {
            if (g.OutChannels != g.InChannels)
            {
                throw new BnnException("max pool: outChannels " + g.OutChannels.ToString() + " must equal inChannels " + g.InChannels.ToString());
            }

            if (g.HasPadding)
            {
                throw new BnnException("max pool: pads (top " + g.PadTop.ToString() + ", left " + g.PadLeft.ToString() + ", bottom "
                    + g.PadBottom.ToString() + ", right " + g.PadRight.ToString() + ") must be 0");
            }
        }
    }
}
