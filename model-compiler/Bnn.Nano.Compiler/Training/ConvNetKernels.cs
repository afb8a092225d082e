using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// Geometry of one convolution over an HWC input (square stride; a dense layer is a 1×1 convolution over a 1×1×n
/// input). Im2col rows follow the IR's weight order: column k = (ky·Kw + kx)·InC + c.
/// </summary>
internal readonly record struct ConvNetGeometry(int InH, int InW, int InC, int Kh, int Kw, int Stride, int PadTop, int PadLeft, int PadBottom, int PadRight, int OutH, int OutW)
{
    public int Taps => Kh * Kw;

    /// <summary>Length of an im2col row (values per output position and output channel).</summary>
    public int K => Taps * InC;

    public int Positions => OutH * OutW;

    public int InCount => InH * InW * InC;

    /// <summary>True for a dense layer: the im2col matrix is the input itself.</summary>
    public bool IsVector => InH == 1 && InW == 1 && Kh == 1 && Kw == 1 && OutH == 1 && OutW == 1;

    public static ConvNetGeometry Vector(int inputs) => new(1, 1, inputs, 1, 1, 1, 0, 0, 0, 0, 1, 1);

    public static ConvNetGeometry Create(int inH, int inW, int inC, int kernel, int stride, ConvPadding padding)
    {
        if (padding == ConvPadding.Valid)
        {
            return new ConvNetGeometry(inH, inW, inC, kernel, kernel, stride, 0, 0, 0, 0, ((inH - kernel) / stride) + 1, ((inW - kernel) / stride) + 1);
        }

        (int top, int bottom) = ConvNetOptions.SamePadding(inH, kernel, stride);
        (int left, int right) = ConvNetOptions.SamePadding(inW, kernel, stride);
        return new ConvNetGeometry(inH, inW, inC, kernel, kernel, stride, top, left, bottom, right, (inH + stride - 1) / stride, (inW + stride - 1) / stride);
    }
}

/// <summary>
/// The convolutional trainer's numeric kernels. Determinism: every output element is a sum computed by one thread, term
/// by term in a fixed order (product rounded, then sum rounded: no fused multiply-add, no horizontal reductions), with
/// vectors only across independent output elements. The bits therefore depend neither on thread scheduling nor on the
/// vector width of the machine.
/// </summary>
internal static class ConvNetKernels
{
    /// <summary>Rows of the GEMM register block.</summary>
    public const int BlockRows = 6;

    /// <summary>
    /// C[m, j] = (accumulate ? C[m, j] : 0) + Σ_{k = kStart}^{kEnd - 1} A(m, k) · B[k, j], k ascending, for m in
    /// [mStart, mEnd) and j in [0, n). A(m, k) = a[aOffset + m·aRow + k·aCol] (any layout, e.g. transposed), B and C
    /// row-major with leading dimensions ldb and ldc. Vectorised across j, register-blocked 6 (or 4, or 1) rows × 16
    /// columns. <paramref name="columnsOuter"/> visits all row blocks of one 16-column panel before the next panel
    /// (the panel of B then stays in L1: best when B is the large streamed operand); otherwise row blocks are outer.
    /// The order of the loops changes no result: each element is always the same sequential sum.
    /// </summary>
    public static void Gemm(float[] a, int aOffset, int aRow, int aCol, float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, int mStart, int mEnd, int n, int kStart, int kEnd, bool accumulate, bool columnsOuter = false)
    {
        if (mEnd <= mStart || n <= 0)
        {
            return;
        }

        if (aRow < 0 || aCol < 0 || ldb < 0 || ldc < n || mStart < 0 || kStart < 0 || kEnd < kStart || aOffset < 0 || bOffset < 0 || cOffset < 0
            || cOffset + ((long)(mEnd - 1) * ldc) + n > c.Length
            || (kEnd > kStart && (aOffset + ((long)(mEnd - 1) * aRow) + ((long)(kEnd - 1) * aCol) >= a.Length || bOffset + ((long)(kEnd - 1) * ldb) + n > b.Length)))
        {
            throw new ArgumentException("GEMM operands out of range");
        }

        ref float ra = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), aOffset + (kStart * aCol));
        ref float rb = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(b), bOffset + (kStart * ldb));
        ref float rc = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(c), cOffset);
        var operands = new GemmOperands(aRow, aCol, ldb, ldc, kEnd - kStart, accumulate);
        int panels = n / 16;
        if (columnsOuter)
        {
            for (int panel = 0; panel < panels; panel++)
            {
                RowBlocks(ref ra, ref rb, ref rc, operands, mStart, mEnd, panel * 16);
            }
        }
        else
        {
            for (int m = mStart; m < mEnd;)
            {
                int rowsHere = mEnd - m >= BlockRows ? BlockRows : mEnd - m >= 4 ? 4 : 1;
                for (int panel = 0; panel < panels; panel++)
                {
                    RowBlocks(ref ra, ref rb, ref rc, operands, m, m + rowsHere, panel * 16);
                }

                m += rowsHere;
            }
        }

        for (int j = panels * 16; j < n; j++)
        {
            for (int m = mStart; m < mEnd; m++)
            {
                ref float cmj = ref Unsafe.Add(ref rc, (m * ldc) + j);
                float acc = accumulate ? cmj : 0f;
                ref float am = ref Unsafe.Add(ref ra, m * aRow);
                for (int k = 0; k < operands.KCount; k++)
                {
                    acc += Unsafe.Add(ref am, k * aCol) * Unsafe.Add(ref rb, (k * ldb) + j);
                }

                cmj = acc;
            }
        }
    }

    /// <summary>Rows [m0, m1) of the 16-column panel at column j.</summary>
    private static void RowBlocks(ref float ra, ref float rb, ref float rc, in GemmOperands op, int m0, int m1, int j)
    {
        ref float bj = ref Unsafe.Add(ref rb, j);
        int m = m0;
        for (; m + BlockRows <= m1; m += BlockRows)
        {
            Block6x16(ref Unsafe.Add(ref ra, m * op.ARow), op.ARow, op.ACol, ref bj, op.Ldb, ref Unsafe.Add(ref rc, (m * op.Ldc) + j), op.Ldc, op.KCount, op.Accumulate);
        }

        for (; m + 4 <= m1; m += 4)
        {
            Block4x16(ref Unsafe.Add(ref ra, m * op.ARow), op.ARow, op.ACol, ref bj, op.Ldb, ref Unsafe.Add(ref rc, (m * op.Ldc) + j), op.Ldc, op.KCount, op.Accumulate);
        }

        for (; m < m1; m++)
        {
            Block1x16(ref Unsafe.Add(ref ra, m * op.ARow), op.ACol, ref bj, op.Ldb, ref Unsafe.Add(ref rc, (m * op.Ldc) + j), op.KCount, op.Accumulate);
        }
    }

    private readonly record struct GemmOperands(int ARow, int ACol, int Ldb, int Ldc, int KCount, bool Accumulate);

    private static void Block6x16(ref float a, int aRow, int aCol, ref float b, int ldb, ref float c, int ldc, int kCount, bool accumulate)
    {
        ref float c1 = ref Unsafe.Add(ref c, ldc);
        ref float c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref float c3 = ref Unsafe.Add(ref c, 3 * ldc);
        ref float c4 = ref Unsafe.Add(ref c, 4 * ldc);
        ref float c5 = ref Unsafe.Add(ref c, 5 * ldc);
        Vector256<float> s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51;
        if (accumulate)
        {
            s00 = Vector256.LoadUnsafe(ref c);
            s01 = Vector256.LoadUnsafe(ref c, 8);
            s10 = Vector256.LoadUnsafe(ref c1);
            s11 = Vector256.LoadUnsafe(ref c1, 8);
            s20 = Vector256.LoadUnsafe(ref c2);
            s21 = Vector256.LoadUnsafe(ref c2, 8);
            s30 = Vector256.LoadUnsafe(ref c3);
            s31 = Vector256.LoadUnsafe(ref c3, 8);
            s40 = Vector256.LoadUnsafe(ref c4);
            s41 = Vector256.LoadUnsafe(ref c4, 8);
            s50 = Vector256.LoadUnsafe(ref c5);
            s51 = Vector256.LoadUnsafe(ref c5, 8);
        }
        else
        {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = s40 = s41 = s50 = s51 = Vector256<float>.Zero;
        }

        nint row = aRow;
        for (int k = 0; k < kCount; k++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref b, 8);
            Vector256<float> av = Vector256.Create(a);
            s00 += av * b0;
            s01 += av * b1;
            av = Vector256.Create(Unsafe.Add(ref a, row));
            s10 += av * b0;
            s11 += av * b1;
            av = Vector256.Create(Unsafe.Add(ref a, 2 * row));
            s20 += av * b0;
            s21 += av * b1;
            av = Vector256.Create(Unsafe.Add(ref a, 3 * row));
            s30 += av * b0;
            s31 += av * b1;
            av = Vector256.Create(Unsafe.Add(ref a, 4 * row));
            s40 += av * b0;
            s41 += av * b1;
            av = Vector256.Create(Unsafe.Add(ref a, 5 * row));
            s50 += av * b0;
            s51 += av * b1;
            a = ref Unsafe.Add(ref a, aCol);
            b = ref Unsafe.Add(ref b, ldb);
        }

        s00.StoreUnsafe(ref c);
        s01.StoreUnsafe(ref c, 8);
        s10.StoreUnsafe(ref c1);
        s11.StoreUnsafe(ref c1, 8);
        s20.StoreUnsafe(ref c2);
        s21.StoreUnsafe(ref c2, 8);
        s30.StoreUnsafe(ref c3);
        s31.StoreUnsafe(ref c3, 8);
        s40.StoreUnsafe(ref c4);
        s41.StoreUnsafe(ref c4, 8);
        s50.StoreUnsafe(ref c5);
        s51.StoreUnsafe(ref c5, 8);
    }

    private static void Block4x16(ref float a, int aRow, int aCol, ref float b, int ldb, ref float c, int ldc, int kCount, bool accumulate)
    {
        ref float c1 = ref Unsafe.Add(ref c, ldc);
        ref float c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref float c3 = ref Unsafe.Add(ref c, 3 * ldc);
        Vector256<float> s00, s01, s10, s11, s20, s21, s30, s31;
        if (accumulate)
        {
            s00 = Vector256.LoadUnsafe(ref c);
            s01 = Vector256.LoadUnsafe(ref c, 8);
            s10 = Vector256.LoadUnsafe(ref c1);
            s11 = Vector256.LoadUnsafe(ref c1, 8);
            s20 = Vector256.LoadUnsafe(ref c2);
            s21 = Vector256.LoadUnsafe(ref c2, 8);
            s30 = Vector256.LoadUnsafe(ref c3);
            s31 = Vector256.LoadUnsafe(ref c3, 8);
        }
        else
        {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = Vector256<float>.Zero;
        }

        nint row = aRow;
        for (int k = 0; k < kCount; k++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref b, 8);
            Vector256<float> a0 = Vector256.Create(a);
            Vector256<float> a1 = Vector256.Create(Unsafe.Add(ref a, row));
            Vector256<float> a2 = Vector256.Create(Unsafe.Add(ref a, 2 * row));
            Vector256<float> a3 = Vector256.Create(Unsafe.Add(ref a, 3 * row));
            s00 += a0 * b0;
            s01 += a0 * b1;
            s10 += a1 * b0;
            s11 += a1 * b1;
            s20 += a2 * b0;
            s21 += a2 * b1;
            s30 += a3 * b0;
            s31 += a3 * b1;
            a = ref Unsafe.Add(ref a, aCol);
            b = ref Unsafe.Add(ref b, ldb);
        }

        s00.StoreUnsafe(ref c);
        s01.StoreUnsafe(ref c, 8);
        s10.StoreUnsafe(ref c1);
        s11.StoreUnsafe(ref c1, 8);
        s20.StoreUnsafe(ref c2);
        s21.StoreUnsafe(ref c2, 8);
        s30.StoreUnsafe(ref c3);
        s31.StoreUnsafe(ref c3, 8);
    }

    private static void Block1x16(ref float a, int aCol, ref float b, int ldb, ref float c, int kCount, bool accumulate)
    {
        Vector256<float> s0 = accumulate ? Vector256.LoadUnsafe(ref c) : Vector256<float>.Zero;
        Vector256<float> s1 = accumulate ? Vector256.LoadUnsafe(ref c, 8) : Vector256<float>.Zero;
        for (int k = 0; k < kCount; k++)
        {
            var av = Vector256.Create(a);
            s0 += av * Vector256.LoadUnsafe(ref b);
            s1 += av * Vector256.LoadUnsafe(ref b, 8);
            a = ref Unsafe.Add(ref a, aCol);
            b = ref Unsafe.Add(ref b, ldb);
        }

        s0.StoreUnsafe(ref c);
        s1.StoreUnsafe(ref c, 8);
    }

    /// <summary>Im2col of one sample: row p = output position, column (ky·Kw + kx)·InC + c; taps outside the input take <paramref name="padValue"/>.</summary>
    public static void Im2Col(float[] x, int xOffset, in ConvNetGeometry g, float padValue, float[] col, int colOffset)
    {
        int channels = g.InC, k = g.K;
        int row = colOffset;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int at = row;
                for (int ky = 0; ky < g.Kh; ky++)
                {
                    int iy = (oy * g.Stride) - g.PadTop + ky;
                    for (int kx = 0; kx < g.Kw; kx++)
                    {
                        int ix = (ox * g.Stride) - g.PadLeft + kx;
                        bool inside = iy >= 0 && iy < g.InH && ix >= 0 && ix < g.InW;
                        if (channels < 8)
                        {
                            int from = xOffset + (((iy * g.InW) + ix) * channels);
                            for (int c = 0; c < channels; c++)
                            {
                                col[at + c] = inside ? x[from + c] : padValue;
                            }
                        }
                        else if (inside)
                        {
                            Array.Copy(x, xOffset + (((iy * g.InW) + ix) * channels), col, at, channels);
                        }
                        else
                        {
                            col.AsSpan(at, channels).Fill(padValue);
                        }

                        at += channels;
                    }
                }

                row += k;
            }
        }
    }

    /// <summary>dx = the sum over positions and taps of the im2col gradient rows that read each input value (positions, then taps, ascending).</summary>
    public static void Col2Im(float[] dcol, int colOffset, in ConvNetGeometry g, float[] dx, int dxOffset)
    {
        int channels = g.InC, k = g.K;
        dx.AsSpan(dxOffset, g.InCount).Clear();
        int row = colOffset;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int at = row;
                for (int ky = 0; ky < g.Kh; ky++)
                {
                    int iy = (oy * g.Stride) - g.PadTop + ky;
                    for (int kx = 0; kx < g.Kw; kx++)
                    {
                        int ix = (ox * g.Stride) - g.PadLeft + kx;
                        if (iy >= 0 && iy < g.InH && ix >= 0 && ix < g.InW)
                        {
                            Span<float> target = dx.AsSpan(dxOffset + (((iy * g.InW) + ix) * channels), channels);
                            TensorPrimitives.Add(target, dcol.AsSpan(at, channels), target);
                        }

                        at += channels;
                    }
                }

                row += k;
            }
        }
    }

    /// <summary>Packs the signs (bit 1 = value ≥ 0) of <paramref name="groups"/> groups of <paramref name="length"/> values into <paramref name="wordsPerGroup"/> words each, LSB first, padding bits 0.</summary>
    public static void PackSigns(float[] values, int offset, int groups, int length, ulong[] destination, int destinationOffset, int wordsPerGroup)
    {
        ref float rv = ref MemoryMarshal.GetArrayDataReference(values);
        for (int group = 0; group < groups; group++)
        {
            Span<ulong> words = destination.AsSpan(destinationOffset + (group * wordsPerGroup), wordsPerGroup);
            words.Clear();
            int start = offset + (group * length);
            int i = 0;
            if (start + length > values.Length)
            {
                throw new ArgumentException("values too short");
            }

            for (; i + 8 <= length; i += 8)
            {
                uint bits = Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref rv, (nuint)(start + i)), Vector256<float>.Zero).ExtractMostSignificantBits();
                words[i >> 6] |= (ulong)bits << (i & 63);
            }

            for (; i < length; i++)
            {
                if (values[start + i] >= 0f)
                {
                    words[i >> 6] |= 1UL << (i & 63);
                }
            }
        }
    }

    /// <summary>
    /// Binary convolution of one sample by XNOR-popcount, exact integers: for each output position the taps' words are
    /// gathered into one row (a tap outside the input contributes the pad value on every channel: all-ones bits for +1,
    /// zero bits for -1, zero bits corrected by +Σ_c w[o, tap, c] for 0), then z[p·O + o] = Taps·InC − 2·popcount(row ^ w_o).
    /// </summary>
    /// <param name="xBits">The sample's packed input: wordsPerPixel words per pixel, HWC.</param>
    /// <param name="wBits">Packed weights [o][tap][word].</param>
    /// <param name="wSum">Σ_c w[o, tap, c] per [o][tap].</param>
    /// <param name="row">Scratch of Taps·wordsPerPixel words.</param>
    /// <param name="outside">Scratch of Taps ints.</param>
    public static void BinaryConv(ulong[] xBits, in ConvNetGeometry g, int wordsPerPixel, ulong[] wBits, int[] wSum, int padValue, int outChannels, float[] z, int zOffset, ulong[] row, int[] outside)
    {
        int taps = g.Taps, length = taps * wordsPerPixel, full = taps * g.InC;
        if (wBits.Length < outChannels * length || wSum.Length < outChannels * taps || row.Length < length || zOffset + (g.Positions * outChannels) > z.Length)
        {
            throw new ArgumentException("binary convolution operands out of range");
        }

        ref ulong rw = ref MemoryMarshal.GetArrayDataReference(wBits);
        ref ulong rr = ref MemoryMarshal.GetArrayDataReference(row);
        int at = zOffset;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int outsideCount = 0;
                for (int ky = 0; ky < g.Kh; ky++)
                {
                    int iy = (oy * g.Stride) - g.PadTop + ky;
                    for (int kx = 0; kx < g.Kw; kx++)
                    {
                        int ix = (ox * g.Stride) - g.PadLeft + kx;
                        int t = (ky * g.Kw) + kx;
                        if (iy >= 0 && iy < g.InH && ix >= 0 && ix < g.InW)
                        {
                            int from = ((iy * g.InW) + ix) * wordsPerPixel, to = t * wordsPerPixel;
                            for (int word = 0; word < wordsPerPixel; word++)
                            {
                                row[to + word] = xBits[from + word];
                            }

                            continue;
                        }

                        outside[outsideCount++] = t;
                        for (int word = 0; word < wordsPerPixel; word++)
                        {
                            int bits = Math.Min(64, g.InC - (word * 64));
                            row[(t * wordsPerPixel) + word] = padValue > 0 ? (bits == 64 ? ulong.MaxValue : (1UL << bits) - 1) : 0UL;
                        }
                    }
                }

                int o = 0;
                for (; o + 4 <= outChannels; o += 4)
                {
                    ref ulong w0 = ref Unsafe.Add(ref rw, o * length);
                    ref ulong w1 = ref Unsafe.Add(ref w0, length);
                    ref ulong w2 = ref Unsafe.Add(ref w1, length);
                    ref ulong w3 = ref Unsafe.Add(ref w2, length);
                    int p0 = 0, p1 = 0, p2 = 0, p3 = 0;
                    for (int i = 0; i < length; i++)
                    {
                        ulong x = Unsafe.Add(ref rr, i);
                        p0 += BitOperations.PopCount(x ^ Unsafe.Add(ref w0, i));
                        p1 += BitOperations.PopCount(x ^ Unsafe.Add(ref w1, i));
                        p2 += BitOperations.PopCount(x ^ Unsafe.Add(ref w2, i));
                        p3 += BitOperations.PopCount(x ^ Unsafe.Add(ref w3, i));
                    }

                    z[at + o] = full - (2 * p0) + PadCorrection(wSum, o, taps, padValue, outside, outsideCount);
                    z[at + o + 1] = full - (2 * p1) + PadCorrection(wSum, o + 1, taps, padValue, outside, outsideCount);
                    z[at + o + 2] = full - (2 * p2) + PadCorrection(wSum, o + 2, taps, padValue, outside, outsideCount);
                    z[at + o + 3] = full - (2 * p3) + PadCorrection(wSum, o + 3, taps, padValue, outside, outsideCount);
                }

                for (; o < outChannels; o++)
                {
                    ref ulong w = ref Unsafe.Add(ref rw, o * length);
                    int popcount = 0;
                    for (int i = 0; i < length; i++)
                    {
                        popcount += BitOperations.PopCount(Unsafe.Add(ref rr, i) ^ Unsafe.Add(ref w, i));
                    }

                    z[at + o] = full - (2 * popcount) + PadCorrection(wSum, o, taps, padValue, outside, outsideCount);
                }

                at += outChannels;
            }
        }
    }

    /// <summary>With pad value 0, the outside taps' zero words counted −Σ_c w: add it back.</summary>
    private static int PadCorrection(int[] wSum, int o, int taps, int padValue, int[] outside, int outsideCount)
    {
        int correction = 0;
        if (padValue == 0)
        {
            for (int i = 0; i < outsideCount; i++)
            {
                correction += wSum[(o * taps) + outside[i]];
            }
        }

        return correction;
    }

    /// <summary>sum[o] += v[o], squares[o] += v[o]² in double (exact products), o ascending within the row.</summary>
    public static void AccumulateSquares(ReadOnlySpan<float> v, Span<double> sum, Span<double> squares) => AccumulateProducts(v, v, sum, squares);

    /// <summary>sum[o] += d[o], products[o] += d[o]·x[o] in double (the product of two floats is exact in double).</summary>
    public static void AccumulateProducts(ReadOnlySpan<float> d, ReadOnlySpan<float> x, Span<double> sum, Span<double> products)
    {
        int n = d.Length;
        if (x.Length < n || sum.Length < n || products.Length < n)
        {
            throw new ArgumentException("spans too short");
        }

        ref float rd = ref MemoryMarshal.GetReference(d);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref double rs = ref MemoryMarshal.GetReference(sum);
        ref double rp = ref MemoryMarshal.GetReference(products);
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            (Vector256<double> dLow, Vector256<double> dHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref rd, (nuint)i));
            (Vector256<double> xLow, Vector256<double> xHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref rx, (nuint)i));
            (Vector256.LoadUnsafe(ref rs, (nuint)i) + dLow).StoreUnsafe(ref rs, (nuint)i);
            (Vector256.LoadUnsafe(ref rs, (nuint)(i + 4)) + dHigh).StoreUnsafe(ref rs, (nuint)(i + 4));
            (Vector256.LoadUnsafe(ref rp, (nuint)i) + (dLow * xLow)).StoreUnsafe(ref rp, (nuint)i);
            (Vector256.LoadUnsafe(ref rp, (nuint)(i + 4)) + (dHigh * xHigh)).StoreUnsafe(ref rp, (nuint)(i + 4));
        }

        for (; i < n; i++)
        {
            double dv = Unsafe.Add(ref rd, i);
            Unsafe.Add(ref rs, i) += dv;
            Unsafe.Add(ref rp, i) += dv * Unsafe.Add(ref rx, i);
        }
    }

    /// <summary>
    /// Max-pool of one sample's rows y[position][channel] over non-overlapping pool × pool windows: best value per
    /// window and channel (the first in row-major window order on ties) and the index of its source within y.
    /// </summary>
    public static void MaxPool(float[] y, int outH, int outW, int channels, int pool, float[] best, int bestOffset, int[] arg, int argOffset)
    {
        int poolH = outH / pool, poolW = outW / pool;
        ref float ry = ref MemoryMarshal.GetArrayDataReference(y);
        if (y.Length < outH * outW * channels || best.Length < bestOffset + (poolH * poolW * channels) || arg.Length < argOffset + (poolH * poolW * channels))
        {
            throw new ArgumentException("pool operands out of range");
        }

        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (int py = 0; py < poolH; py++)
        {
            for (int px = 0; px < poolW; px++)
            {
                int j = ((py * poolW) + px) * channels;
                int first = (((py * pool) * outW) + (px * pool)) * channels;
                int c = 0;
                for (; c + 8 <= channels; c += 8)
                {
                    Vector256<float> top = Vector256.LoadUnsafe(ref ry, (nuint)(first + c));
                    Vector256<int> where = Vector256.Create(first + c) + lanes;
                    for (int dy = 0; dy < pool; dy++)
                    {
                        for (int dx = dy == 0 ? 1 : 0; dx < pool; dx++)
                        {
                            int i = (((((py * pool) + dy) * outW) + (px * pool) + dx) * channels) + c;
                            Vector256<float> v = Vector256.LoadUnsafe(ref ry, (nuint)i);
                            Vector256<float> greater = Vector256.GreaterThan(v, top);
                            top = Vector256.ConditionalSelect(greater, v, top);
                            where = Vector256.ConditionalSelect(greater.AsInt32(), Vector256.Create(i) + lanes, where);
                        }
                    }

                    top.CopyTo(best, bestOffset + j + c);
                    where.CopyTo(arg, argOffset + j + c);
                }

                for (; c < channels; c++)
                {
                    float top = y[first + c];
                    int where = first + c;
                    for (int dy = 0; dy < pool; dy++)
                    {
                        for (int dx = dy == 0 ? 1 : 0; dx < pool; dx++)
                        {
                            int i = (((((py * pool) + dy) * outW) + (px * pool) + dx) * channels) + c;
                            if (y[i] > top)
                            {
                                top = y[i];
                                where = i;
                            }
                        }
                    }

                    best[bestOffset + j + c] = top;
                    arg[argOffset + j + c] = where;
                }
            }
        }
    }

    /// <summary>a = sign(y) (+1 where y ≥ 0, else -1).</summary>
    public static void Sign(ReadOnlySpan<float> y, Span<float> a)
    {
        int n = y.Length, i = 0;
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float ra = ref MemoryMarshal.GetReference(a);
        if (a.Length < n)
        {
            throw new ArgumentException("span too short");
        }

        Vector256<float> one = Vector256.Create(1f), minusOne = Vector256.Create(-1f);
        for (; i + 8 <= n; i += 8)
        {
            Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref ry, (nuint)i), Vector256<float>.Zero), one, minusOne).StoreUnsafe(ref ra, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ra, i) = Unsafe.Add(ref ry, i) >= 0f ? 1f : -1f;
        }
    }
}

/// <summary>
/// Static partitioning of [0, count) into one contiguous range per worker. Bodies write only outputs owned by their
/// indices, so results do not depend on scheduling or on the number of workers.
/// </summary>
internal sealed class ConvNetWorkers
{
    private readonly ParallelOptions parallel;

    public ConvNetWorkers(int threads)
    {
        Count = threads > 0 ? threads : Environment.ProcessorCount;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = Count };
    }

    public int Count { get; }

    /// <summary>Runs body(worker, start, end) over the ranges; worker is in [0, Count).</summary>
    public void For(int count, Action<int, int, int> body)
    {
        int chunks = Math.Min(Count, count);
        if (chunks <= 1)
        {
            if (count > 0)
            {
                body(0, 0, count);
            }

            return;
        }

        Parallel.For(0, chunks, parallel, c => body(c, (int)((long)count * c / chunks), (int)((long)count * (c + 1) / chunks)));
    }
}
