using System;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Passes;

/// <summary>
/// Turns the last layer's batch norm into integer scores s_c = a_c · dot_c + b_c with real score ≈ s_c / 2^shift
/// (a_c = round(k_c · α_c · 2^shift), b_c = round((β_c - k_c · μ_c) · 2^shift), k_c = γ_c / sqrt(σ²_c + ε)). The shift is
/// the largest (≤ 30) for which no score can overflow 32 bits, which keeps the rounding far below any real margin
/// between classes; tests check class agreement with the float reference on every sample.
/// </summary>
public static class ScoreQuantization
{
    public sealed record QuantizedScores(int[] Scales, int[] Biases, int Shift);

    public static QuantizedScores Quantize(BatchNorm norm, float[]? alpha, int inputs)
    {
        for (int shift = 30; shift >= 0; shift--)
        {
            double unit = Math.Pow(2, shift);
            int[] scales = new int[norm.Count];
            int[] biases = new int[norm.Count];
            bool fits = true;
            for (int c = 0; c < norm.Count && fits; c++)
            {
                double k = norm.Scale(c);
                double a = Math.Round(k * (alpha == null ? 1 : alpha[c]) * unit, MidpointRounding.ToEven);
                double b = Math.Round((norm.Beta[c] - (k * norm.Mean[c])) * unit, MidpointRounding.ToEven);
                fits = !double.IsNaN(a) && !double.IsNaN(b) && (Math.Abs(a) * inputs) + Math.Abs(b) <= int.MaxValue;
                if (fits)
                {
                    scales[c] = (int)a;
                    biases[c] = (int)b;
                }
            }

            if (fits)
            {
                return new QuantizedScores(scales, biases, shift);
            }
        }

        throw new ArgumentException("the output layer's batch norm cannot be represented in 32-bit scores (parameters too large or NaN)");
    }
}
