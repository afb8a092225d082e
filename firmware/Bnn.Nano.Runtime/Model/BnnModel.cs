using Bnn.Nano.Runtime.Kernels;

namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// A loaded, validated model. Weights, thresholds, the activation arena and all scratch are allocated when it is
    /// built; <see cref="Run"/> allocates nothing. Not thread-safe: one inference at a time per instance.
    /// </summary>
    public sealed class BnnModel
    {
        private readonly Layer[] _layers;
        private readonly ulong[] _arena;
        private readonly int[] _dots;
        private readonly short[] _partialSums;
        private readonly int[] _scores;
        private readonly bool _int8UsesPartialSums;

        internal BnnModel(Layer[] layers, int inputLength, bool inputSigned, int arenaWords, int maxOutputs)
        {
            _layers = layers;
            InputLength = inputLength;
            InputSigned = inputSigned;
            _arena = new ulong[arenaWords];
            _dots = new int[maxOutputs];
            _scores = new int[layers[layers.Length - 1].Outputs];
            _int8UsesPartialSums = CostModel.PartialSumTablePays(layers[0].Outputs);
            _partialSums = _int8UsesPartialSums ? new short[Int8BinaryDotKernels.TableLength(inputLength)] : new short[0];
        }

        /// <summary>Number of 8-bit input features.</summary>
        public int InputLength { get; }

        /// <summary>True: input bytes are int8 (two's complement); false: uint8.</summary>
        public bool InputSigned { get; }

        public int ClassCount
        {
            get { return _scores.Length; }
        }

        public int LayerCount
        {
            get { return _layers.Length; }
        }

        public int ArenaWords
        {
            get { return _arena.Length; }
        }

        /// <summary>The integer class scores of the last <see cref="Run"/> (the runtime's own array: read, don't keep).</summary>
        public int[] Scores
        {
            get { return _scores; }
        }

        /// <summary>Bytes of RAM this model holds: constants plus working memory (array headers not counted).</summary>
        public int RamBytes
        {
            get { return ConstantBytes + WorkingBytes; }
        }

        /// <summary>Bytes of weights, thresholds and score coefficients.</summary>
        public int ConstantBytes
        {
            get
            {
                int bytes = 0;
                for (int i = 0; i < _layers.Length; i++)
                {
                    Layer layer = _layers[i];
                    bytes += layer.Weights.Length * 8;
                    bytes += layer.Kind == LayerKind.BinaryDenseScores ? layer.Outputs * 8 : layer.Outputs * 4;
                }

                return bytes;
            }
        }

        /// <summary>Bytes of the activation arena and the per-inference scratch (dots, partial sums, scores).</summary>
        public int WorkingBytes
        {
            get { return (_arena.Length * 8) + (_dots.Length * 4) + (_partialSums.Length * 2) + (_scores.Length * 4); }
        }

        public Layer GetLayer(int index)
        {
            if (index < 0 || index >= _layers.Length)
            {
                throw new BnnException("layer " + index.ToString() + " does not exist; the model has " + _layers.Length.ToString());
            }

            return _layers[index];
        }

        /// <summary>Runs the whole network on one input and returns the class (lowest index wins ties).</summary>
        public int Run(byte[] input)
        {
            return RunLayers(input, _layers.Length - 1);
        }

        /// <summary>
        /// Runs layers 0..<paramref name="lastLayer"/>. Returns the class when the last layer ran, else -1; the bits of
        /// <paramref name="lastLayer"/> can then be read with <see cref="CopyOutputBits"/> (later layers reuse the arena).
        /// </summary>
        public int RunLayers(byte[] input, int lastLayer)
        {
            if (input == null || input.Length != InputLength)
            {
                throw new BnnException("input must hold " + InputLength.ToString() + " bytes, got " + (input == null ? "null" : input.Length.ToString()));
            }

            if (lastLayer < 0 || lastLayer >= _layers.Length)
            {
                throw new BnnException("layer " + lastLayer.ToString() + " does not exist; the model has " + _layers.Length.ToString());
            }

            ulong[] arena = _arena;
            int[] dots = _dots;
            for (int i = 0; i <= lastLayer; i++)
            {
                Layer layer = _layers[i];
                switch (layer.Kind)
                {
                    case LayerKind.Int8Dense:
                        if (_int8UsesPartialSums)
                        {
                            Int8BinaryDotKernels.PartialSumTable(input, InputSigned, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.Outputs, _partialSums, dots);
                        }
                        else
                        {
                            Int8BinaryDotKernels.Reference(input, InputSigned, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.Outputs, dots);
                        }

                        OutputStages.ThresholdPack(dots, layer.Thresholds, layer.Outputs, arena, layer.OutputOffset);
                        break;
                    case LayerKind.BinaryDense:
                        BinaryDotKernels.HarleySealU64(arena, layer.InputOffset, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.Outputs, dots);
                        OutputStages.ThresholdPack(dots, layer.Thresholds, layer.Outputs, arena, layer.OutputOffset);
                        break;
                    default:
                        BinaryDotKernels.HarleySealU64(arena, layer.InputOffset, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.Outputs, dots);
                        OutputStages.AffineScores(dots, layer.Scales, layer.Biases, layer.Outputs, _scores);
                        return OutputStages.ArgMax(_scores, layer.Outputs);
                }
            }

            return -1;
        }

        /// <summary>Copies the packed output bits of a bit-output layer (valid right after RunLayers up to it).</summary>
        public void CopyOutputBits(int layerIndex, ulong[] destination)
        {
            Layer layer = GetLayer(layerIndex);
            if (layer.Kind == LayerKind.BinaryDenseScores)
            {
                throw new BnnException("layer " + layerIndex.ToString() + " outputs scores, not bits");
            }

            if (destination == null || destination.Length < layer.OutputWords)
            {
                throw new BnnException("destination must hold " + layer.OutputWords.ToString() + " words");
            }

            System.Array.Copy(_arena, layer.OutputOffset, destination, 0, layer.OutputWords);
        }
    }
}
