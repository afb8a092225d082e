using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// The trainer's numeric kernels. Every result is computed by one thread in a fixed order with fixed-width
/// (128-bit) vectors and separate multiply and add (no fused multiply-add), so the bits depend neither on thread
/// scheduling nor on the machine's vector width (SSE, AVX2, AVX-512, NEON all run the same operations).
/// </summary>
internal static class Kernels
{
    /// <summary>Σ a[i]·b[i]: four 4-lane accumulators over 16-float blocks, one over the 4-float rest, then a scalar tail.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        if (b.Length != n)
        {
            throw new ArgumentException("lengths differ");
        }

        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        Vector128<float> s0 = Vector128<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            s0 += Vector128.LoadUnsafe(ref ra, (nuint)i) * Vector128.LoadUnsafe(ref rb, (nuint)i);
            s1 += Vector128.LoadUnsafe(ref ra, (nuint)(i + 4)) * Vector128.LoadUnsafe(ref rb, (nuint)(i + 4));
            s2 += Vector128.LoadUnsafe(ref ra, (nuint)(i + 8)) * Vector128.LoadUnsafe(ref rb, (nuint)(i + 8));
            s3 += Vector128.LoadUnsafe(ref ra, (nuint)(i + 12)) * Vector128.LoadUnsafe(ref rb, (nuint)(i + 12));
        }

        for (; i <= n - 4; i += 4)
        {
            s0 += Vector128.LoadUnsafe(ref ra, (nuint)i) * Vector128.LoadUnsafe(ref rb, (nuint)i);
        }

        Vector128<float> s = (s0 + s1) + (s2 + s3);
        float sum = (s.GetElement(0) + s.GetElement(1)) + (s.GetElement(2) + s.GetElement(3));
        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        }

        return sum;
    }

    /// <summary>
    /// destination[j] = Σ_r coefficients[r·stride] · rows[r·length + j] for r = 0, 1, …, count - 1 in that order,
    /// starting from 0 (each product rounded, then each sum: the same bits as the scalar loop), with the destination
    /// held in registers 16 floats at a time.
    /// </summary>
    public static void WeightedRowSum(ReadOnlySpan<float> coefficients, int stride, ReadOnlySpan<float> rows, int count, Span<float> destination)
    {
        int length = destination.Length;
        if (count < 1 || coefficients.Length < ((count - 1) * stride) + 1 || rows.Length < count * length)
        {
            throw new ArgumentException("spans too short");
        }

        ref float rc = ref MemoryMarshal.GetReference(coefficients);
        ref float rr = ref MemoryMarshal.GetReference(rows);
        ref float rd = ref MemoryMarshal.GetReference(destination);
        int j = 0;
        for (; j <= length - 16; j += 16)
        {
            Vector128<float> a0 = Vector128<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (int r = 0; r < count; r++)
            {
                var c = Vector128.Create(Unsafe.Add(ref rc, r * stride));
                nuint at = (nuint)((r * length) + j);
                a0 += Vector128.LoadUnsafe(ref rr, at) * c;
                a1 += Vector128.LoadUnsafe(ref rr, at + 4) * c;
                a2 += Vector128.LoadUnsafe(ref rr, at + 8) * c;
                a3 += Vector128.LoadUnsafe(ref rr, at + 12) * c;
            }

            a0.StoreUnsafe(ref rd, (nuint)j);
            a1.StoreUnsafe(ref rd, (nuint)(j + 4));
            a2.StoreUnsafe(ref rd, (nuint)(j + 8));
            a3.StoreUnsafe(ref rd, (nuint)(j + 12));
        }

        for (; j <= length - 4; j += 4)
        {
            Vector128<float> a0 = Vector128<float>.Zero;
            for (int r = 0; r < count; r++)
            {
                a0 += Vector128.LoadUnsafe(ref rr, (nuint)((r * length) + j)) * Vector128.Create(Unsafe.Add(ref rc, r * stride));
            }

            a0.StoreUnsafe(ref rd, (nuint)j);
        }

        for (; j < length; j++)
        {
            float a = 0f;
            for (int r = 0; r < count; r++)
            {
                a += Unsafe.Add(ref rc, r * stride) * Unsafe.Add(ref rr, (r * length) + j);
            }

            Unsafe.Add(ref rd, j) = a;
        }
    }

    /// <summary>
    /// Softmax cross-entropy of <paramref name="rows"/> rows of <paramref name="classes"/> logits: writes
    /// d(mean loss)/d(logit) to <paramref name="gradients"/>, adds the rows whose arg-max (lowest index on ties) is the
    /// label to <paramref name="correct"/> and returns the summed loss. In double, with <see cref="Exp"/>, so the same
    /// bits everywhere. With <paramref name="labelSmoothing"/> ε &gt; 0 the target is 1 − ε + ε/K on the label and ε/K
    /// on every other class (K classes) instead of one-hot.
    /// </summary>
    public static double SoftmaxCrossEntropy(float[] logits, float[] gradients, int classes, int[] labels, int rows, ref int correct, float labelSmoothing = 0f)
    {
        double other = labelSmoothing / (double)classes;
        double onLabel = 1.0 - labelSmoothing + other;
        double loss = 0;
        for (int b = 0; b < rows; b++)
        {
            int offset = b * classes;
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (logits[offset + c] > logits[offset + best])
                {
                    best = c;
                }
            }

            correct += best == labels[b] ? 1 : 0;
            double max = logits[offset + best];
            double total = 0;
            for (int c = 0; c < classes; c++)
            {
                total += Exp(logits[offset + c] - max);
            }

            double logTotal = Math.Log(total);
            for (int c = 0; c < classes; c++)
            {
                // ε = 0: targets exactly 1 and 0, so gradients and loss are the one-hot cross-entropy's bits.
                double target = c == labels[b] ? onLabel : other;
                double p = Exp(logits[offset + c] - max) / total;
                gradients[offset + c] = (float)((p - target) / rows);
                if (target != 0)
                {
                    loss -= target * (logits[offset + c] - max - logTotal);
                }
            }
        }

        return loss;
    }

    /// <summary>
    /// exp(x) from basic operations only (range reduction by ln 2, degree-13 Taylor polynomial, exponent bits), so it
    /// gives the same bits on every platform, unlike <see cref="Math.Exp"/> (which calls the C runtime).
    /// Relative error below 1e-15 for x in [-700, 700]; 0 below -700.
    /// </summary>
    public static double Exp(double x)
    {
        if (x < -700.0)
        {
            return 0.0;
        }

        if (x > 700.0)
        {
            return double.PositiveInfinity;
        }

        const double Ln2Hi = 6.93147180369123816490e-01;
        const double Ln2Lo = 1.90821492927058770002e-10;
        double k = Math.Round(x * 1.4426950408889634);
        double r = (x - (k * Ln2Hi)) - (k * Ln2Lo);
        double p = 1.0 / 6227020800.0;
        p = (p * r) + (1.0 / 479001600.0);
        p = (p * r) + (1.0 / 39916800.0);
        p = (p * r) + (1.0 / 3628800.0);
        p = (p * r) + (1.0 / 362880.0);
        p = (p * r) + (1.0 / 40320.0);
        p = (p * r) + (1.0 / 5040.0);
        p = (p * r) + (1.0 / 720.0);
        p = (p * r) + (1.0 / 120.0);
        p = (p * r) + (1.0 / 24.0);
        p = (p * r) + (1.0 / 6.0);
        p = (p * r) + 0.5;
        p = (p * r) + 1.0;
        p = (p * r) + 1.0;
        return p * BitConverter.Int64BitsToDouble((long)((int)k + 1023) << 52);
    }
}

/// <summary>
/// Splits [0, count) into contiguous ranges, one per worker; each index is handled by exactly one worker, so as long as
/// the body writes only outputs owned by its indices, results do not depend on scheduling.
/// </summary>
internal sealed class RangeRunner
{
    private const double MinWorkPerWorker = 16384;
    private readonly ParallelOptions options;

    public RangeRunner(int threads)
    {
        Workers = threads > 0 ? threads : Environment.ProcessorCount;
        options = new ParallelOptions { MaxDegreeOfParallelism = Workers };
    }

    public int Workers { get; }

    /// <summary>Runs body(start, end) over ranges of [0, count); <paramref name="workPerIndex"/> decides whether threads pay off.</summary>
    public void Run(int count, double workPerIndex, Action<int, int> body)
    {
        int chunks = (int)Math.Min(Workers, Math.Min(count, Math.Max(1.0, count * workPerIndex / MinWorkPerWorker)));
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }

        Parallel.For(0, chunks, options, c => body((int)((long)count * c / chunks), (int)((long)count * (c + 1) / chunks)));
    }
}
