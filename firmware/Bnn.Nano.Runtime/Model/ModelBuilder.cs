using Bnn.Nano.Runtime.Kernels;

namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// Assembles a model layer by layer and validates every shape, count, size and offset before anything runs.
    /// Both loading paths go through it: <see cref="BlobReader"/> (a .bnn blob) and the generated C# tables (*.g.cs),
    /// which pass their arrays without copying. Each layer's input shape is the previous layer's output shape (the
    /// model input for the first layer), so shapes cannot disagree.
    /// </summary>
    public sealed class ModelBuilder
    {
        /// <summary>Largest value count of one tensor, and largest arena in words, that the runtime accepts.</summary>
        public const int MaxUnits = 1 << 20;

        /// <summary>Most layers in one model.</summary>
        public const int MaxLayers = 64;

        private readonly int _inputHeight;
        private readonly int _inputWidth;
        private readonly int _inputChannels;
        private readonly bool _inputSigned;
        private readonly int _arenaWords;
        private readonly Layer[] _layers;
        private int _count;
        private int[] _propertyKeys = new int[0];
        private int[] _propertyValues = new int[0];
        private int _height;
        private int _width;
        private int _channels;

        public ModelBuilder(int inputHeight, int inputWidth, int inputChannels, bool inputSigned, int arenaWords, int layerCount)
        {
            CheckRange("model: ", "input height", inputHeight, 1, 65535);
            CheckRange("model: ", "input width", inputWidth, 1, 65535);
            CheckRange("model: ", "input channels", inputChannels, 1, MaxUnits);
            if ((long)inputHeight * inputWidth * inputChannels > MaxUnits)
            {
                throw new BnnException("model: input of " + inputHeight.ToString() + "x" + inputWidth.ToString() + "x" + inputChannels.ToString() + " values exceeds " + MaxUnits.ToString());
            }

            CheckRange("model: ", "layer count", layerCount, 1, MaxLayers);
            CheckRange("model: ", "arena words", arenaWords, 0, MaxUnits);
            _inputHeight = inputHeight;
            _inputWidth = inputWidth;
            _inputChannels = inputChannels;
            _inputSigned = inputSigned;
            _arenaWords = arenaWords;
            _layers = new Layer[layerCount];
            _height = inputHeight;
            _width = inputWidth;
            _channels = inputChannels;
        }

        /// <summary>Height of the tensor the next layer will read (the model input before the first layer).</summary>
        public int NextInputHeight
        {
            get { return _height; }
        }

        public int NextInputWidth
        {
            get { return _width; }
        }

        public int NextInputChannels
        {
            get { return _channels; }
        }

        /// <summary>8-bit input (flattened) × binary weights: rows of ceil(inputs/64) words.</summary>
        public void AddInt8Dense(int outputs, ulong[] weights, int[] thresholds, int outputOffset)
        {
            Layer layer = Begin(LayerKind.Int8Dense, 1, 1, outputs, null);
            layer.Weights = weights;
            layer.Thresholds = thresholds;
            layer.OutputOffset = outputOffset;
            Commit(layer);
        }

        /// <summary>8-bit input → bits: bit = value &gt;= thresholds[channel]; output shape = input shape.</summary>
        public void AddInputThreshold(int[] thresholds, int outputOffset)
        {
            Layer layer = Begin(LayerKind.InputThreshold, _height, _width, _channels, null);
            layer.Thresholds = thresholds;
            layer.OutputOffset = outputOffset;
            Commit(layer);
        }

        /// <summary>8-bit HWC input convolution with zero padding; rows of ceil(kh·kw·C/64) words.</summary>
        public void AddInt8Conv2d(ConvGeometry geometry, ulong[] weights, int[] thresholds, int outputOffset)
        {
            Layer layer = BeginWindow(LayerKind.Int8Conv2d, geometry);
            layer.Weights = weights;
            layer.Thresholds = thresholds;
            layer.OutputOffset = outputOffset;
            Commit(layer);
        }

        /// <summary>
        /// 8-bit HWC input convolution with int8 weights and zero padding: <paramref name="weights"/> holds outC rows of
        /// kh·kw·C values (index <c>(ky·kw + kx)·C + c</c>), no padding. First layer only.
        /// </summary>
        public void AddInt8WeightConv2d(ConvGeometry geometry, sbyte[] weights, int[] thresholds, int outputOffset)
        {
            Layer layer = BeginWindow(LayerKind.Int8WeightConv2d, geometry);
            layer.Int8Weights = weights;
            layer.Thresholds = thresholds;
            layer.OutputOffset = outputOffset;
            Commit(layer);
        }

        /// <summary>Binary convolution; rows of kh·kw taps of ceil(C/64) words.</summary>
        public void AddBinaryConv2d(ConvGeometry geometry, ulong[] weights, int[] thresholds, int inputOffset, int outputOffset)
        {
            Layer layer = BeginWindow(LayerKind.BinaryConv2d, geometry);
            layer.Weights = weights;
            layer.Thresholds = thresholds;
            layer.InputOffset = inputOffset;
            layer.OutputOffset = outputOffset;
            Commit(layer);
        }

        public void AddMaxPool2d(ConvGeometry geometry, int inputOffset, int outputOffset)
        {
            Layer layer = BeginWindow(LayerKind.MaxPool2d, geometry);
            layer.InputOffset = inputOffset;
            layer.OutputOffset = outputOffset;
            Commit(layer);
        }

        /// <summary>Binary dense over the (flattened) input bit tensor; rows in the input's packed HWC layout.</summary>
        public void AddBinaryDense(int outputs, ulong[] weights, int[] thresholds, int inputOffset, int outputOffset)
        {
            Layer layer = Begin(LayerKind.BinaryDense, 1, 1, outputs, null);
            layer.Weights = weights;
            layer.Thresholds = thresholds;
            layer.InputOffset = inputOffset;
            layer.OutputOffset = outputOffset;
            Commit(layer);
        }

        public void AddBinaryDenseScores(int outputs, ulong[] weights, int[] scales, int[] biases, int scoreShift, int inputOffset)
        {
            Layer layer = Begin(LayerKind.BinaryDenseScores, 1, 1, outputs, null);
            layer.Weights = weights;
            layer.Scales = scales;
            layer.Biases = biases;
            layer.ScoreShift = scoreShift;
            layer.InputOffset = inputOffset;
            Commit(layer);
        }

        /// <summary>
        /// Full-precision head: <paramref name="weights"/> holds outputs rows of Inputs int8 values in HWC order; they
        /// are laid out here, once, at the input's packed bit positions.
        /// </summary>
        public void AddInt8DenseHead(int outputs, sbyte[] weights, int[] biases, int scoreShift, int inputOffset)
        {
            Layer layer = Begin(LayerKind.Int8DenseHead, 1, 1, outputs, null);
            string at = Where(layer);
            if (weights == null || weights.Length != (long)outputs * layer.Inputs)
            {
                throw new BnnException(at + "head weights must hold " + (outputs * layer.Inputs).ToString() + " values (" + outputs.ToString() + " rows of " + layer.Inputs.ToString() + ")");
            }

            int pixels = layer.InHeight * layer.InWidth;
            int channels = layer.InChannels;
            int pixelSlots = ((channels + 63) >> 6) * 64;
            int rowSlots = layer.InputWords * 64;
            sbyte[] laidOut = new sbyte[outputs * rowSlots];
            int source = 0;
            for (int o = 0; o < outputs; o++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    System.Array.Copy(weights, source, laidOut, (o * rowSlots) + (p * pixelSlots), channels);
                    source += channels;
                }
            }

            layer.HeadWeights = laidOut;
            layer.HeadRowSums = new int[outputs];
            Int8HeadKernels.RowSums(laidOut, layer.InputWords, outputs, layer.HeadRowSums);
            layer.Biases = biases;
            layer.ScoreShift = scoreShift;
            layer.InputOffset = inputOffset;
            Commit(layer);
        }

        /// <summary>Model properties (see <see cref="ModelProperty"/>): keys strictly ascending in 1..65535, at most 256.</summary>
        public void SetProperties(int[] keys, int[] values)
        {
            if (keys == null || values == null || keys.Length != values.Length)
            {
                throw new BnnException("model properties need as many values as keys");
            }

            if (keys.Length > ModelProperty.MaxCount)
            {
                throw new BnnException("model has " + keys.Length.ToString() + " properties, more than " + ModelProperty.MaxCount.ToString());
            }

            int previous = 0;
            for (int i = 0; i < keys.Length; i++)
            {
                if (keys[i] <= previous || keys[i] > ModelProperty.MaxKey)
                {
                    throw new BnnException("model property " + i.ToString() + ": key " + keys[i].ToString() + " is not ascending within 1.." + ModelProperty.MaxKey.ToString());
                }

                previous = keys[i];
            }

            _propertyKeys = keys;
            _propertyValues = values;
        }

        /// <summary>Validates the whole model and allocates its arena and scratch; after this nothing allocates.</summary>
        public BnnModel Build()
        {
            if (_count != _layers.Length)
            {
                throw new BnnException("model declares " + _layers.Length.ToString() + " layers but " + _count.ToString() + " were given");
            }

            Layer last = _layers[_count - 1];
            if (!last.ProducesScores)
            {
                throw new BnnException("layer " + (_count - 1).ToString() + " (" + LayerKind.Name(last.Kind) + "): the last layer must produce class scores (BinaryDenseScores or Int8DenseHead)");
            }

            return new BnnModel(_layers, _inputHeight, _inputWidth, _inputChannels, _inputSigned, _arenaWords, _propertyKeys, _propertyValues);
        }

        private Layer Begin(int kind, int outHeight, int outWidth, int outChannels, ConvGeometry geometry)
        {
            CheckRange("layer " + _count.ToString() + " (" + LayerKind.Name(kind) + "): ", "outputs", outChannels, 1, MaxUnits);
            return new Layer(kind, _height, _width, _channels, outHeight, outWidth, outChannels, geometry);
        }

        private Layer BeginWindow(int kind, ConvGeometry geometry)
        {
            string at = "layer " + _count.ToString() + " (" + LayerKind.Name(kind) + "): ";
            if (geometry == null)
            {
                throw new BnnException(at + "geometry is missing");
            }

            if (geometry.InHeight != _height || geometry.InWidth != _width || geometry.InChannels != _channels)
            {
                throw new BnnException(at + "geometry expects a " + Shape(geometry.InHeight, geometry.InWidth, geometry.InChannels) + " input but receives " + Shape(_height, _width, _channels));
            }

            if (kind == LayerKind.MaxPool2d && (geometry.OutChannels != geometry.InChannels || geometry.PadTop + geometry.PadLeft + geometry.PadBottom + geometry.PadRight != 0))
            {
                throw new BnnException(at + "max-pool must keep the channel count and use no padding");
            }

            if ((kind == LayerKind.Int8Conv2d || kind == LayerKind.Int8WeightConv2d) && geometry.PadValue != 0)
            {
                throw new BnnException(at + "an 8-bit convolution pads with 0 only");
            }

            return Begin(kind, geometry.OutHeight, geometry.OutWidth, geometry.OutChannels, geometry);
        }

        private void Commit(Layer layer)
        {
            int index = _count;
            string at = Where(layer);
            if (index >= _layers.Length)
            {
                throw new BnnException(at + "more layers than the " + _layers.Length.ToString() + " declared");
            }

            if ((long)layer.OutHeight * layer.OutWidth * layer.OutChannels > MaxUnits)
            {
                throw new BnnException(at + "output of " + Shape(layer.OutHeight, layer.OutWidth, layer.OutChannels) + " values exceeds " + MaxUnits.ToString());
            }

            if (index == 0 && !layer.ReadsBytes)
            {
                throw new BnnException(at + "the first layer must read the 8-bit input (Int8Dense, InputThreshold, Int8Conv2d or Int8WeightConv2d)");
            }

            if (index > 0 && layer.ReadsBytes)
            {
                throw new BnnException(at + "only the first layer may read the 8-bit input");
            }

            if (index > 0 && _layers[index - 1].ProducesScores)
            {
                throw new BnnException(at + "follows a score layer, which must be last");
            }

            if (!layer.ReadsBytes)
            {
                int previousOutput = _layers[index - 1].OutputOffset;
                if (layer.InputOffset != previousOutput)
                {
                    throw new BnnException(at + "reads arena word " + layer.InputOffset.ToString() + " but layer " + (index - 1).ToString() + " writes word " + previousOutput.ToString());
                }

                CheckArena(at, "input", layer.InputOffset, layer.InputWords);
            }

            if (!layer.ProducesScores)
            {
                CheckArena(at, "output", layer.OutputOffset, layer.OutputWords);
                bool disjoint = layer.ReadsBytes
                    || layer.OutputOffset + layer.OutputWords <= layer.InputOffset
                    || layer.InputOffset + layer.InputWords <= layer.OutputOffset;
                if (!disjoint)
                {
                    throw new BnnException(at + "output words " + layer.OutputOffset.ToString() + "+" + layer.OutputWords.ToString() + " overlap its input words " + layer.InputOffset.ToString() + "+" + layer.InputWords.ToString());
                }
            }

            CheckConstants(at, layer, _inputSigned);
            _layers[index] = layer;
            _count++;
            _height = layer.OutHeight;
            _width = layer.OutWidth;
            _channels = layer.OutChannels;
        }

        private static void CheckConstants(string at, Layer layer, bool inputSigned)
        {
            int kind = layer.Kind;
            if (kind == LayerKind.MaxPool2d)
            {
                return;
            }

            if (kind == LayerKind.Int8WeightConv2d)
            {
                long window = (long)layer.Geometry.KernelHeight * layer.Geometry.KernelWidth * layer.InChannels;
                long expected = layer.OutChannels * window;
                if (layer.Int8Weights == null || layer.Int8Weights.Length != expected)
                {
                    throw new BnnException(at + "int8 weights must hold " + expected.ToString() + " values (" + layer.OutChannels.ToString() + " rows of " + window.ToString() + ")");
                }

                CheckLength(at, "thresholds", layer.Thresholds, layer.OutChannels);

                // Worst case |dot|: every weight -128 against the largest input magnitude (128 for int8, 255 for uint8).
                long worst = window * 128 * (inputSigned ? 128 : 255);
                if (worst > int.MaxValue)
                {
                    throw new BnnException(at + "a window of " + window.ToString() + " values can overflow 32 bits (|dot| up to " + worst.ToString() + ")");
                }

                return;
            }

            if (kind == LayerKind.InputThreshold)
            {
                CheckLength(at, "thresholds", layer.Thresholds, layer.InChannels);
                return;
            }

            if (kind == LayerKind.Int8DenseHead)
            {
                CheckLength(at, "biases", layer.Biases, layer.OutChannels);
                CheckRange(at, "score shift", layer.ScoreShift, 0, 31);
                int slots = layer.InputWords * 64;
                for (int c = 0; c < layer.OutChannels; c++)
                {
                    long worst = layer.Biases[c] < 0 ? -(long)layer.Biases[c] : layer.Biases[c];
                    for (int i = 0; i < slots; i++)
                    {
                        int w = layer.HeadWeights[(c * slots) + i];
                        worst += w < 0 ? -w : w;
                    }

                    if (worst > int.MaxValue)
                    {
                        throw new BnnException(at + "class " + c.ToString() + " score can overflow 32 bits");
                    }
                }

                return;
            }

            // Binary weight rows: groups of channel bits, each group padded to whole words with zero bits.
            int groups;
            int channels;
            if (kind == LayerKind.Int8Dense)
            {
                groups = 1;
                channels = layer.Inputs;
            }
            else if (kind == LayerKind.Int8Conv2d)
            {
                groups = 1;
                channels = layer.Geometry.KernelHeight * layer.Geometry.KernelWidth * layer.InChannels;
            }
            else if (kind == LayerKind.BinaryConv2d)
            {
                groups = layer.Geometry.KernelHeight * layer.Geometry.KernelWidth;
                channels = layer.InChannels;
            }
            else
            {
                groups = layer.InHeight * layer.InWidth;
                channels = layer.InChannels;
            }

            CheckWeightRows(at, layer.Weights, layer.OutChannels, groups, channels);
            if (kind == LayerKind.BinaryDenseScores)
            {
                CheckLength(at, "scales", layer.Scales, layer.OutChannels);
                CheckLength(at, "biases", layer.Biases, layer.OutChannels);
                CheckRange(at, "score shift", layer.ScoreShift, 0, 31);
                for (int c = 0; c < layer.OutChannels; c++)
                {
                    long scale = layer.Scales[c];
                    long bias = layer.Biases[c];
                    long worst = ((scale < 0 ? -scale : scale) * layer.Inputs) + (bias < 0 ? -bias : bias);
                    if (worst > int.MaxValue)
                    {
                        throw new BnnException(at + "class " + c.ToString() + " score can overflow 32 bits (|scale| * inputs + |bias| = " + worst.ToString() + ")");
                    }
                }
            }
            else
            {
                CheckLength(at, "thresholds", layer.Thresholds, layer.OutChannels);
            }
        }

        private static void CheckWeightRows(string at, ulong[] weights, int rows, int groups, int channels)
        {
            int groupWords = (channels + 63) >> 6;
            long expected = (long)rows * groups * groupWords;
            if (weights == null || weights.Length != expected)
            {
                throw new BnnException(at + "weights must hold " + expected.ToString() + " words (" + rows.ToString() + " rows of " + groups.ToString() + " x " + groupWords.ToString() + ")");
            }

            int used = channels & 63;
            if (used == 0)
            {
                return;
            }

            ulong padding = ~((1UL << used) - 1);
            int groupCount = rows * groups;
            for (int g = 0; g < groupCount; g++)
            {
                if ((weights[(g * groupWords) + groupWords - 1] & padding) != 0)
                {
                    throw new BnnException(at + "row " + (g / groups).ToString() + " has weight bits set past channel " + channels.ToString() + " (padding must be 0)");
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

        private string Where(Layer layer)
        {
            return "layer " + _count.ToString() + " (" + LayerKind.Name(layer.Kind) + "): ";
        }

        private static string Shape(int height, int width, int channels)
        {
            return height.ToString() + "x" + width.ToString() + "x" + channels.ToString();
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
