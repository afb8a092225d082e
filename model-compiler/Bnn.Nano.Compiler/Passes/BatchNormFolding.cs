using System;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Passes;

/// <summary>
/// Folds batch norm + sign into one integer threshold per channel: output bit = (dot' &gt;= T), where dot' is the dot
/// product with the row's weights, inverted when the BN scale is negative. Found by searching the integer dot range
/// with <see cref="BatchNorm.Apply"/> itself (monotone in the dot), so the fold agrees with the float reference on
/// every possible dot by construction, not just up to rounding.
/// </summary>
public static class BatchNormFolding
{
    public readonly record struct FoldedChannel(int Threshold, bool InvertRow);

    /// <param name="minDot">Smallest possible dot product of the layer.</param>
    /// <param name="maxDot">Largest possible dot product of the layer.</param>
    public static FoldedChannel FoldChannel(BatchNorm norm, int channel, int minDot, int maxDot)
    {
        return FoldChannel(d => norm.Apply(channel, d), norm.Scale(channel), minDot, maxDot, channel);
    }

    /// <summary>
    /// Folds any activation that is monotone in the dot product: non-decreasing when <paramref name="scale"/> &gt; 0,
    /// non-increasing when &lt; 0, constant when 0.
    /// </summary>
    public static FoldedChannel FoldChannel(Func<int, double> activation, double scale, int minDot, int maxDot, int channel)
    {
        if (double.IsNaN(scale) || double.IsNaN(activation(0)))
        {
            throw new ArgumentException($"channel {channel} has NaN batch norm parameters");
        }

        bool always = true;
        bool never = true;
        foreach (int d in new[] { minDot, maxDot })
        {
            bool fires = activation(d) >= 0;
            always &= fires;
            never &= !fires;
        }

        if (always && scale != 0)
        {
            // Monotone and on at both ends: on everywhere.
            return new FoldedChannel(minDot, false);
        }

        if (never && scale != 0)
        {
            return new FoldedChannel(maxDot + 1, false);
        }

        if (scale == 0)
        {
            // A zero scale makes the output constant: fold it to always or never.
            return activation(0) >= 0 ? new FoldedChannel(minDot, false) : new FoldedChannel(maxDot + 1, false);
        }

        if (scale > 0)
        {
            // Smallest d with Apply(d) >= 0.
            int lo = minDot, hi = maxDot;
            while (lo < hi)
            {
                int mid = lo + ((hi - lo) >> 1);
                if (activation(mid) >= 0)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            return new FoldedChannel(lo, false);
        }

        // Negative scale: bit = dot <= D for the largest D with Apply(D) >= 0; with inverted weights dot' = -dot,
        // so bit = dot' >= -D.
        int low = minDot, high = maxDot;
        while (low < high)
        {
            int mid = low + ((high - low + 1) >> 1);
            if (activation(mid) >= 0)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return new FoldedChannel(-low, true);
    }

    /// <summary>
    /// The range of dot products a layer can produce: ±255·n·m for uint8 input, ±128·n·m for int8, ±n for bits, where
    /// m is the largest weight magnitude (1 for binary weights, 127 for int8 weights).
    /// </summary>
    public static (int Min, int Max) DotRange(long inputs, bool int8Input, bool inputSigned, int weightMagnitude = 1)
    {
        long magnitude = (int8Input ? (inputSigned ? 128L : 255L) * inputs : inputs) * weightMagnitude;
        if (magnitude > int.MaxValue / 2)
        {
            throw new ArgumentException($"{inputs} inputs overflow the 32-bit dot product");
        }

        return (-(int)magnitude, (int)magnitude);
    }
}
