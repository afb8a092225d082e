namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// The shape of a 2-D convolution or pooling window over a feature map, validated once (at load) so that the
    /// kernels need no checks of their own. A conv1d is a geometry with height 1 and kernelHeight 1.
    /// <para>
    /// Bit tensors (binary feature maps): a map of H×W pixels with C channels is stored HWC. Pixel (y, x) occupies
    /// <c>wordsPerPixel = (C + 63) &gt;&gt; 6</c> consecutive ulongs starting at
    /// <c>offset + (y * W + x) * wordsPerPixel</c>; channel c is bit (c &amp; 63) of word (c &gt;&gt; 6); bit 1 = +1,
    /// bit 0 = -1; bits for channels ≥ C are 0 (in inputs, weights and outputs alike).
    /// </para>
    /// <para>
    /// 8-bit inputs: byte[] HWC with C bytes per pixel, byte index <c>(y * W + x) * C + c</c> (int8 two's complement
    /// when the input is signed, else uint8).
    /// </para>
    /// <para>
    /// Output pixel (oy, ox) reads the input pixels (oy * StrideY - PadTop + ky, ox * StrideX - PadLeft + kx) for
    /// 0 ≤ ky &lt; KernelHeight, 0 ≤ kx &lt; KernelWidth. Taps outside the input contribute nothing when PadValue is 0
    /// (zero padding), or the constant PadValue (+1 or -1, binary layers only) on every channel.
    /// </para>
    /// </summary>
    public sealed class ConvGeometry
    {
        /// <summary>Largest height, width, channel count, kernel size or stride.</summary>
        public const int MaxSize = 65535;

        /// <summary>
        /// Largest window (KernelHeight * KernelWidth * InChannels values): 255 * 8421504 &lt; 2^31, so no 8-bit
        /// window sum overflows an int.
        /// </summary>
        public const int MaxWindowValues = 8421504;

        public readonly int InHeight;
        public readonly int InWidth;
        public readonly int InChannels;
        public readonly int OutChannels;
        public readonly int KernelHeight;
        public readonly int KernelWidth;
        public readonly int StrideY;
        public readonly int StrideX;
        public readonly int PadTop;
        public readonly int PadLeft;
        public readonly int PadBottom;
        public readonly int PadRight;

        /// <summary>0 = zero padding; +1 or -1 = taps outside the input contribute that constant (binary layers).</summary>
        public readonly int PadValue;

        /// <summary>(InHeight + PadTop + PadBottom - KernelHeight) / StrideY + 1.</summary>
        public readonly int OutHeight;

        /// <summary>(InWidth + PadLeft + PadRight - KernelWidth) / StrideX + 1.</summary>
        public readonly int OutWidth;

        /// <summary>(InChannels + 63) &gt;&gt; 6: 64-bit words per input pixel of a bit tensor.</summary>
        public readonly int InWordsPerPixel;

        /// <summary>(OutChannels + 63) &gt;&gt; 6: 64-bit words per output pixel of a bit tensor.</summary>
        public readonly int OutWordsPerPixel;

        /// <summary>Validates every value and throws <see cref="BnnException"/> naming the first invalid one.</summary>
        public ConvGeometry(
            int inHeight,
            int inWidth,
            int inChannels,
            int outChannels,
            int kernelHeight,
            int kernelWidth,
            int strideY,
            int strideX,
            int padTop,
            int padLeft,
            int padBottom,
            int padRight,
            int padValue)
        {
            CheckSize("inHeight", inHeight);
            CheckSize("inWidth", inWidth);
            CheckSize("inChannels", inChannels);
            CheckSize("outChannels", outChannels);
            CheckSize("kernelHeight", kernelHeight);
            CheckSize("kernelWidth", kernelWidth);
            CheckSize("strideY", strideY);
            CheckSize("strideX", strideX);
            CheckPad("padTop", padTop, "kernelHeight", kernelHeight);
            CheckPad("padLeft", padLeft, "kernelWidth", kernelWidth);
            CheckPad("padBottom", padBottom, "kernelHeight", kernelHeight);
            CheckPad("padRight", padRight, "kernelWidth", kernelWidth);
            if (padValue < -1 || padValue > 1)
            {
                throw new BnnException("conv geometry: padValue " + padValue.ToString() + " must be -1, 0 or +1");
            }

            int paddedHeight = inHeight + padTop + padBottom;
            if (kernelHeight > paddedHeight)
            {
                throw new BnnException("conv geometry: kernelHeight " + kernelHeight.ToString() + " is larger than the padded input height "
                    + paddedHeight.ToString() + " (inHeight + padTop + padBottom)");
            }

            int paddedWidth = inWidth + padLeft + padRight;
            if (kernelWidth > paddedWidth)
            {
                throw new BnnException("conv geometry: kernelWidth " + kernelWidth.ToString() + " is larger than the padded input width "
                    + paddedWidth.ToString() + " (inWidth + padLeft + padRight)");
            }

            int outHeight = ((paddedHeight - kernelHeight) / strideY) + 1;
            int outWidth = ((paddedWidth - kernelWidth) / strideX) + 1;
            int inWords = (inChannels + 63) >> 6;
            int outWords = (outChannels + 63) >> 6;

            long window = (long)kernelHeight * kernelWidth * inChannels;
            if (window > MaxWindowValues)
            {
                throw new BnnException("conv geometry: window of kernelHeight * kernelWidth * inChannels = " + window.ToString()
                    + " values exceeds " + MaxWindowValues.ToString());
            }

            // Every array a kernel indexes must be addressable with an int.
            CheckLength("input of inHeight * inWidth * inChannels bytes", (long)inHeight * inWidth * inChannels);
            CheckLength("input of inHeight * inWidth * inWordsPerPixel words", (long)inHeight * inWidth * inWords);
            CheckLength("output of outHeight * outWidth * outWordsPerPixel words", (long)outHeight * outWidth * outWords);
            CheckLength("weights of outChannels * kernelHeight * kernelWidth * inWordsPerPixel words", (long)outChannels * kernelHeight * kernelWidth * inWords);
            CheckLength("weights of outChannels * ((kernelHeight * kernelWidth * inChannels + 63) >> 6) words", (long)outChannels * ((window + 63) >> 6));

            InHeight = inHeight;
            InWidth = inWidth;
            InChannels = inChannels;
            OutChannels = outChannels;
            KernelHeight = kernelHeight;
            KernelWidth = kernelWidth;
            StrideY = strideY;
            StrideX = strideX;
            PadTop = padTop;
            PadLeft = padLeft;
            PadBottom = padBottom;
            PadRight = padRight;
            PadValue = padValue;
            OutHeight = outHeight;
            OutWidth = outWidth;
            InWordsPerPixel = inWords;
            OutWordsPerPixel = outWords;
        }

        /// <summary>True when any pad is non-zero (some output pixels have taps outside the input).</summary>
        public bool HasPadding
        {
            get { return (PadTop | PadLeft | PadBottom | PadRight) != 0; }
        }

        private static void CheckSize(string name, int value)
        {
            if (value < 1 || value > MaxSize)
            {
                throw new BnnException("conv geometry: " + name + " " + value.ToString() + " is outside 1.." + MaxSize.ToString());
            }
        }

        private static void CheckPad(string name, int value, string kernelName, int kernel)
        {
            if (value < 0)
            {
                throw new BnnException("conv geometry: " + name + " " + value.ToString() + " is negative");
            }

            if (value >= kernel)
            {
                throw new BnnException("conv geometry: " + name + " " + value.ToString() + " must be less than " + kernelName + " " + kernel.ToString());
            }
        }

        private static void CheckLength(string what, long length)
        {
            if (length > int.MaxValue)
            {
                throw new BnnException("conv geometry: " + what + " = " + length.ToString() + " exceeds " + int.MaxValue.ToString());
            }
        }
    }
}
