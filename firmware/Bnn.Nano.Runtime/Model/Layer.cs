namespace Bnn.Nano.Runtime.Model
{
    /// <summary>One validated layer: its shape, constant data and where it reads and writes in the arena.</summary>
    public sealed class Layer
    {
        internal Layer(int kind, int inputs, int outputs, ulong[] weights, int[] thresholds, int[] scales, int[] biases, int scoreShift, int inputOffset, int outputOffset)
        {
            Kind = kind;
            Inputs = inputs;
            Outputs = outputs;
            WordsPerRow = (inputs + 63) >> 6;
            Weights = weights;
            Thresholds = thresholds;
            Scales = scales;
            Biases = biases;
            ScoreShift = scoreShift;
            InputOffset = inputOffset;
            OutputOffset = outputOffset;
        }

        public int Kind { get; }

        public int Inputs { get; }

        public int Outputs { get; }

        /// <summary>64-bit words per weight row (and per input vector of a binary layer).</summary>
        public int WordsPerRow { get; }

        /// <summary>Outputs × WordsPerRow words, bit convention of docs/bit-convention.md.</summary>
        public ulong[] Weights { get; }

        /// <summary>Per output: bit = dot &gt;= threshold (bit-output kinds), else null.</summary>
        public int[] Thresholds { get; }

        /// <summary>Per class: score = scale * dot + bias (score kind), else null.</summary>
        public int[] Scales { get; }

        public int[] Biases { get; }

        /// <summary>Real score ≈ integer score / 2^ScoreShift (score kind).</summary>
        public int ScoreShift { get; }

        /// <summary>Word offset of the packed input bits in the arena (binary-input kinds).</summary>
        public int InputOffset { get; }

        /// <summary>Word offset of the packed output bits in the arena (bit-output kinds).</summary>
        public int OutputOffset { get; }

        /// <summary>Words of packed output bits.</summary>
        public int OutputWords
        {
            get { return (Outputs + 63) >> 6; }
        }
    }
}
