namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// The im2col step of the 8-bit-input convolutions (<see cref="Int8Conv2dKernels"/>,
    /// <see cref="Int8WeightConv2dKernels"/>): one output pixel's window of the byte[] HWC input, as signed values.
    /// </summary>
    public static class WindowGather
    {
        /// <summary>
        /// Copies the window whose top-left input position is (<paramref name="iy0"/>, <paramref name="ix0"/>) (may lie
        /// outside the input) into <paramref name="patch"/>[start ..  start + KernelHeight·KernelWidth·InChannels), in
        /// window order <c>(ky·KernelWidth + kx)·InChannels + c</c>: int8 values when <paramref name="signedInput"/>,
        /// else uint8, and 0 for taps outside the input. One pass per kernel row: zeros, a straight copy, zeros.
        /// </summary>
        public static void Gather(byte[] input, bool signedInput, ConvGeometry g, int iy0, int ix0, short[] patch, int start)
        {
            int inHeight = g.InHeight;
            int inWidth = g.InWidth;
            int channels = g.InChannels;
            int kernelHeight = g.KernelHeight;
            int kernelWidth = g.KernelWidth;
            int tapRowValues = kernelWidth * channels;
            int rowStride = inWidth * channels;
            int kx0 = ix0 < 0 ? -ix0 : 0;
            int kx1 = inWidth - ix0 < kernelWidth ? inWidth - ix0 : kernelWidth;
            int to = start;
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                int iy = iy0 + ky;
                int rowEnd = to + tapRowValues;
                int validFrom = to + (kx0 * channels);
                int validTo = to + (kx1 * channels);
                if (iy < 0 || iy >= inHeight)
                {
                    validFrom = rowEnd;
                    validTo = rowEnd;
                }

                while (to < validFrom)
                {
                    patch[to++] = 0;
                }

                int from = (iy * rowStride) + ((ix0 + kx0) * channels);
                if (signedInput)
                {
                    while (to < validTo)
                    {
                        patch[to++] = (sbyte)input[from++];
                    }
                }
                else
                {
                    while (to < validTo)
                    {
                        patch[to++] = input[from++];
                    }
                }

                while (to < rowEnd)
                {
                    patch[to++] = 0;
                }
            }
        }
    }
}
