using Bnn.Nano.Runtime.Kernels;

namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// Assembles a model from its arrays and validates every count, size and offset before anything runs. Both
    /// loading paths go through it: <see cref="BlobReader"/> (a .bnn blob) and the generated C# tables (*.g.cs),
    /// which pass their arrays without copying.
    /// </summary>
    public sealed class ModelBuilder
    {
        /// <summary>Largest input or output count of one layer that the runtime accepts.</summary>
        public const int MaxUnits = 1 << 20;

        /// <summary>Most layers in one model.</summary>
        public const int MaxLayers = 64;

        private readonly int _inputLength;
        private readonly bool _inputSigned;
        private readonly int _arenaWords;
        private readonly Layer[] _layers;
        private int _count;

        public ModelBuilder(int inputLength, bool inputSigned, int arenaWords, int layerCount)
        {
            if (inputLength < 1 || inputLength > MaxUnits)
            {
                throw new BnnException("input length " + inputLength.ToString() + " is outside 1.." + MaxUnits.ToString());
            }

            if (layerCount < 1 || layerCount > MaxLayers)
            {
                throw new BnnException("layer count " + layerCount.ToString() + " is outside 1.." + MaxLayers.ToString());
            }

            if (arenaWords < 0 || arenaWords > MaxUnits)
            {
                throw new BnnException("arena of " + arenaWords.ToString() + " words is outside 0.." + MaxUnits.ToString());
            }

            _inputLength = inputLength;
            _inputSigned = inputSigned;
            _arenaWords = arenaWords;
            _layers = new Layer[layerCount];
        }

        public void AddInt8Dense(int inputs, int outputs, ulong[] weights, int[] thresholds, int outputOffset)
        {
            Add(new Layer(LayerKind.Int8Dense, inputs, outputs, weights, thresholds, null, null, 0, 0, outputOffset));
        }

        public void AddBinaryDense(int inputs, int outputs, ulong[] weights, int[] thresholds, int inputOffset, int outputOffset)
        {
            Add(new Layer(LayerKind.BinaryDense, inputs, outputs, weights, thresholds, null, null, 0, inputOffset, outputOffset));
        }

        public void AddBinaryDenseScores(int inputs, int outputs, ulong[] weights, int[] scales, int[] biases, int scoreShift, int inputOffset)
        {
            Add(new Layer(LayerKind.BinaryDenseScores, inputs, outputs, weights, null, scales, biases, scoreShift, inputOffset, 0));
        }

        /// <summary>Validates the whole model and allocates its arena and scratch; after this nothing allocates.</summary>
        public BnnModel Build()
        {
            if (_count != _layers.Length)
            {
                throw new BnnException("model declares " + _layers.Length.ToString() + " layers but " + _count.ToString() + " were given");
            }

            Layer last = _layers[_count - 1];
            if (last.Kind != LayerKind.BinaryDenseScores)
            {
                throw new BnnException("layer " + (_count - 1).ToString() + ": the last layer must be " + LayerKind.Name(LayerKind.BinaryDenseScores) + ", found " + LayerKind.Name(last.Kind));
            }

            int maxOutputs = 0;
            for (int i = 0; i < _count; i++)
            {
                if (_layers[i].Outputs > maxOutputs)
                {
                    maxOutputs = _layers[i].Outputs;
                }
            }

            return new BnnModel(_layers, _inputLength, _inputSigned, _arenaWords, maxOutputs);
        }

        private void Add(Layer layer)
        {
            int index = _count;
            string at = "layer " + index.ToString() + " (" + LayerKind.Name(layer.Kind) + "): ";
            if (index >= _layers.Length)
            {
                throw new BnnException(at + "more layers than the " + _layers.Length.ToString() + " declared");
            }

            CheckRange(at, "inputs", layer.Inputs, 1, MaxUnits);
            CheckRange(at, "outputs", layer.Outputs, 1, MaxUnits);
            if (index == 0)
            {
                if (layer.Kind != LayerKind.Int8Dense)
                {
                    throw new BnnException(at + "the first layer must be " + LayerKind.Name(LayerKind.Int8Dense));
                }

                if (layer.Inputs != _inputLength)
                {
                    throw new BnnException(at + "has " + layer.Inputs.ToString() + " inputs but the model input has " + _inputLength.ToString());
                }
            }
            else
            {
                Layer previous = _layers[index - 1];
                if (layer.Kind == LayerKind.Int8Dense)
                {
                    throw new BnnException(at + "8-bit input is only allowed in the first layer");
                }

                if (previous.Kind == LayerKind.BinaryDenseScores)
                {
                    throw new BnnException(at + "follows a score layer, which must be last");
                }

                if (layer.Inputs != previous.Outputs)
                {
                    throw new BnnException(at + "has " + layer.Inputs.ToString() + " inputs but layer " + (index - 1).ToString() + " has " + previous.Outputs.ToString() + " outputs");
                }

                if (layer.InputOffset != previous.OutputOffset)
                {
                    throw new BnnException(at + "reads arena word " + layer.InputOffset.ToString() + " but layer " + (index - 1).ToString() + " writes word " + previous.OutputOffset.ToString());
                }

                CheckArena(at, "input", layer.InputOffset, layer.WordsPerRow);
            }

            CheckWeights(at, layer);
            if (layer.Kind == LayerKind.BinaryDenseScores)
            {
                CheckLength(at, "scales", layer.Scales, layer.Outputs);
                CheckLength(at, "biases", layer.Biases, layer.Outputs);
                CheckRange(at, "score shift", layer.ScoreShift, 0, 31);
                for (int c = 0; c < layer.Outputs; c++)
                {
                    long scale = layer.Scales[c];
                    long bias = layer.Biases[c];
                    long worst = (scale < 0 ? -scale : scale) * layer.Inputs + (bias < 0 ? -bias : bias);
                    if (worst > int.MaxValue)
                    {
                        throw new BnnException(at + "class " + c.ToString() + " score can overflow 32 bits (|scale| * inputs + |bias| = " + worst.ToString() + ")");
                    }
                }
            }
            else
            {
                CheckLength(at, "thresholds", layer.Thresholds, layer.Outputs);
                CheckArena(at, "output", layer.OutputOffset, layer.OutputWords);
                if (layer.Kind != LayerKind.Int8Dense)
                {
                    bool disjoint = layer.OutputOffset + layer.OutputWords <= layer.InputOffset
                        || layer.InputOffset + layer.WordsPerRow <= layer.OutputOffset;
                    if (!disjoint)
                    {
                        throw new BnnException(at + "output words " + layer.OutputOffset.ToString() + ".." + (layer.OutputOffset + layer.OutputWords).ToString() + " overlap its input words " + layer.InputOffset.ToString() + ".." + (layer.InputOffset + layer.WordsPerRow).ToString());
                    }
                }
            }

            _layers[index] = layer;
            _count++;
        }

        private static void CheckWeights(string at, Layer layer)
        {
            ulong[] weights = layer.Weights;
            int words = layer.WordsPerRow;
            if (weights == null || weights.Length != layer.Outputs * words)
            {
                throw new BnnException(at + "weights must hold " + (layer.Outputs * words).ToString() + " words (" + layer.Outputs.ToString() + " rows of " + words.ToString() + ")");
            }

            int usedBits = layer.Inputs & 63;
            if (usedBits == 0)
            {
                return;
            }

            ulong padding = ~((1UL << usedBits) - 1);
            for (int o = 0; o < layer.Outputs; o++)
            {
                if ((weights[(o * words) + words - 1] & padding) != 0)
                {
                    throw new BnnException(at + "row " + o.ToString() + " has weight bits set past input " + layer.Inputs.ToString() + " (padding must be 0)");
                }
            }
        }

        private void CheckArena(string at, string what, int offset, int words)
        {
            if (offset < 0 || offset > _arenaWords - words)
            {
                throw new BnnException(at + what + " words " + offset.ToString() + "+" + words.ToString() + " lie outside the arena of " + _arenaWords.ToString() + " words");
            }
        }

        private static void CheckLength(string at, string what, int[] values, int expected)
        {
            if (values == null || values.Length != expected)
            {
                throw new BnnException(at + what + " must hold " + expected.ToString() + " values");
            }
        }

        private static void CheckRange(string at, string what, int value, int min, int max)
        {
            if (value < min || value > max)
            {
                throw new BnnException(at + what + " " + value.ToString() + " is outside " + min.ToString() + ".." + max.ToString());
            }
        }
    }
}
