namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// The int8 quantisation of a gesture model's accelerometer input: one definition for the node's
    /// <c>GestureFrontEnd</c> and the compiler's <c>UWaveFrontEnd</c>, which computes the training features, so the two
    /// cannot drift apart. A model step is the sum of k consecutive sensor counts of one axis;
    /// <c>v = (float)sum / (k · scale · countsPerG)</c> in single precision, rounded half away from zero, plus the zero
    /// point, clamped to -128..127.
    /// </summary>
    public static class GestureQuantization
    {
        /// <summary>
        /// The divisor of <see cref="ToInt8"/>: k · scale · countsPerG in single precision, multiplied in that order
        /// (k samples per step, scale in g per int8 step, the sensor's counts per g).
        /// </summary>
        public static float Divisor(int samplesPerStep, float scale, int countsPerG)
        {
            return samplesPerStep * scale * countsPerG;
        }

        /// <summary>
        /// One int8 feature: v = sum / divisor (single precision), rounded half away from zero, plus the zero point,
        /// clamped to -128..127. Returned as an int in -128..127.
        /// </summary>
        public static int ToInt8(int sum, float divisor, int zeroPoint)
        {
            float v = sum / divisor;
            int q = (int)v; // truncates toward zero
            float fraction = v - q;
            if (fraction >= 0.5f)
            {
                q++;
            }
            else if (fraction <= -0.5f)
            {
                q--;
            }

            q += zeroPoint;
            if (q < -128)
            {
                return -128;
            }

            return q > 127 ? 127 : q;
        }
    }
}
