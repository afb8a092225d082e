using Bnn.Nano.Runtime.Kernels;

namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// One step of <see cref="BnnModel.RunStreaming"/>: a layer, or a binary convolution with the max-pool it runs with
    /// (<see cref="BnnModel.RunsWithNextLayer"/>), and which of its output rows a slide of the input leaves unchanged.
    /// <para>
    /// Rows are the first (height) axis of the HWC maps. When the input slides up by s rows (the new rows 0 .. H − s − 1
    /// are the old rows s .. H − 1), an output row of a window layer is the old output row <see cref="SourceRowShift"/>
    /// rows further down whenever every input row its window reads is such an unchanged row and none is padding: the
    /// rows <see cref="KeepFirst"/> .. KeepFirst + <see cref="KeepCount"/> − 1. Only the rows above them (<see cref="Top"/>)
    /// and below them (<see cref="Bottom"/>) are computed, by the same kernels on the same constants over a window
    /// geometry cut to those rows (<see cref="StreamingRows"/>), so the result is the same bits.
    /// A stride that does not divide the slide, or a layer without rows (dense, score, input threshold), ends the
    /// reuse: that stage and every later one compute everything.
    /// </para>
    /// </summary>
    internal sealed class StreamingStage
    {
        /// <summary>The stage's (first) layer.</summary>
        public int Layer;

        /// <summary>True when the layer runs with the max-pool after it; the stage's output is then the pool's.</summary>
        public bool Fused;

        /// <summary>Arena word of the stage's input bits (the previous stage's output); unused for the first layer.</summary>
        public int InputSlot;

        /// <summary>Arena word of the stage's output bits; every stage keeps its output between runs.</summary>
        public int OutputSlot;

        /// <summary>Words (bit inputs) or bytes (the 8-bit input) of one input row.</summary>
        public int InputRowSize;

        /// <summary>Words of one output row.</summary>
        public int OutputRowWords;

        /// <summary>First output row that a slide leaves unchanged.</summary>
        public int KeepFirst;

        /// <summary>Output rows a slide leaves unchanged; 0: the stage computes every row on every run.</summary>
        public int KeepCount;

        /// <summary>After a slide, unchanged output row r is the old row r + SourceRowShift.</summary>
        public int SourceRowShift;

        /// <summary>The rows above the kept ones (null: none).</summary>
        public StreamingRows Top;

        /// <summary>The rows below the kept ones (null: none).</summary>
        public StreamingRows Bottom;
    }

    /// <summary>
    /// A band of output rows of a <see cref="StreamingStage"/>: the window geometry of exactly those rows (the input
    /// rows they read, with the padding that the full geometry puts around them) and where they start.
    /// </summary>
    internal sealed class StreamingRows
    {
        /// <summary>The (convolution's) geometry over input rows InputRow ..; output row 0 of it is the stage's row OutputRow.</summary>
        public ConvGeometry Geometry;

        /// <summary>For a fused stage, the pool's geometry over the convolution rows that Geometry produces; else null.</summary>
        public ConvGeometry Pool;

        /// <summary>First input row the band reads.</summary>
        public int InputRow;

        /// <summary>First output row of the band.</summary>
        public int OutputRow;
    }

    /// <summary>Plans <see cref="BnnModel.RunStreaming"/>: the stages, where each keeps its output, and what a slide reuses.</summary>
    internal static class StreamingPlanner
    {
        /// <summary>
        /// The stages of <paramref name="layers"/> for an input that slides by <paramref name="slideRows"/> rows between
        /// runs, with their outputs laid out one after the other from arena word 0; <paramref name="arenaWords"/> is the
        /// end of the last one.
        /// </summary>
        public static StreamingStage[] Plan(Layer[] layers, bool[] fusedWithNext, int slideRows, out int arenaWords)
        {
            int count = 0;
            for (int i = 0; i < layers.Length; i++)
            {
                count++;
                if (fusedWithNext[i])
                {
                    i++;
                }
            }

            StreamingStage[] stages = new StreamingStage[count];

            // Unchanged input rows of the next stage (first .. last) and how far they moved; first > last: none.
            int first = 0;
            int last = layers[0].InHeight - slideRows - 1;
            int shift = slideRows;
            int slot = 0;
            int previousSlot = 0;
            int s = 0;
            for (int i = 0; i < layers.Length; i++)
            {
                Layer layer = layers[i];
                StreamingStage stage = new StreamingStage();
                stage.Layer = i;
                stage.Fused = fusedWithNext[i];
                Layer output = stage.Fused ? layers[i + 1] : layer;
                stage.InputSlot = previousSlot;
                stage.InputRowSize = layer.ReadsBytes ? layer.InWidth * layer.InChannels : layer.InWidth * ((layer.InChannels + 63) >> 6);
                stage.OutputRowWords = output.OutWidth * ((output.OutChannels + 63) >> 6);
                if (!output.ProducesScores)
                {
                    stage.OutputSlot = slot;
                    previousSlot = slot;
                    slot += output.OutputWords;
                }

                ConvGeometry conv = layer.Geometry;
                ConvGeometry pool = stage.Fused ? output.Geometry : null;
                if (conv == null || first > last || !Narrow(conv, ref first, ref last, ref shift) || (pool != null && !Narrow(pool, ref first, ref last, ref shift)))
                {
                    first = 1;
                    last = 0;
                }
                else
                {
                    stage.KeepFirst = first;
                    stage.KeepCount = last - first + 1;
                    stage.SourceRowShift = shift;
                    stage.Top = first > 0 ? Rows(conv, pool, 0, first) : null;
                    stage.Bottom = last < output.OutHeight - 1 ? Rows(conv, pool, last + 1, output.OutHeight) : null;
                }

                stages[s++] = stage;
                if (stage.Fused)
                {
                    i++;
                }
            }

            arenaWords = slot;
            return stages;
        }

        /// <summary>
        /// From the unchanged input rows (first .. last, moved by shift) to the unchanged output rows of window
        /// <paramref name="g"/>: the rows whose every tap row lies in first .. last (so none is padding); false when
        /// there are none or the stride does not divide the shift.
        /// </summary>
        private static bool Narrow(ConvGeometry g, ref int first, ref int last, ref int shift)
        {
            if (shift % g.StrideY != 0)
            {
                return false;
            }

            // Output row r reads input rows r·StrideY − PadTop .. r·StrideY − PadTop + KernelHeight − 1.
            int outFirst = CeilDiv(first + g.PadTop, g.StrideY);
            int outLast = FloorDiv(last + g.PadTop - g.KernelHeight + 1, g.StrideY);
            if (outFirst < 0)
            {
                outFirst = 0;
            }

            if (outLast > g.OutHeight - 1)
            {
                outLast = g.OutHeight - 1;
            }

            first = outFirst;
            last = outLast;
            shift /= g.StrideY;
            return first <= last;
        }

        /// <summary>The band of output rows <paramref name="from"/> .. <paramref name="to"/> − 1 of a stage.</summary>
        private static StreamingRows Rows(ConvGeometry conv, ConvGeometry pool, int from, int to)
        {
            StreamingRows rows = new StreamingRows();
            rows.OutputRow = from;
            int convFrom = from;
            int convTo = to;
            if (pool != null)
            {
                // Pools have no padding: the band's pooled rows read convolution rows convFrom .. convTo − 1.
                rows.Pool = CutRows(pool, from, to, out convFrom);
                convTo = convFrom + rows.Pool.InHeight;
            }

            int inputFrom;
            rows.Geometry = CutRows(conv, convFrom, convTo, out inputFrom);
            rows.InputRow = inputFrom;
            return rows;
        }

        /// <summary>
        /// The geometry of output rows from .. to − 1 of <paramref name="g"/>: the input rows they read, with the padding
        /// rows of the full geometry that they read as top and bottom padding.
        /// </summary>
        private static ConvGeometry CutRows(ConvGeometry g, int from, int to, out int inputFrom)
        {
            int start = (from * g.StrideY) - g.PadTop;
            int end = ((to - 1) * g.StrideY) - g.PadTop + g.KernelHeight;
            inputFrom = start < 0 ? 0 : start;
            int inputTo = end > g.InHeight ? g.InHeight : end;
            return new ConvGeometry(inputTo - inputFrom, g.InWidth, g.InChannels, g.OutChannels, g.KernelHeight, g.KernelWidth, g.StrideY, g.StrideX,
                inputFrom - start, g.PadLeft, end - inputTo, g.PadRight, g.PadValue);
        }

        private static int FloorDiv(int a, int b)
        {
            int q = a / b;
            return (a % b != 0 && a < 0) ? q - 1 : q;
        }

        private static int CeilDiv(int a, int b)
        {
            return -FloorDiv(-a, b);
        }
    }
}
