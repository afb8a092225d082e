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
        private ulong[] _arena;
        private readonly int[] _dots;
        /// <summary>Scratch of the 8-bit first layer's optimised kernel (partial-sum table or window patch); empty when it runs the reference.</summary>
        private readonly short[] _firstLayerScratch;
        /// <summary>The int8-weight first layer's weights and thresholds packed three channels per long for Im2ColSwarMac9; empty when another kernel runs.</summary>
        private readonly long[] _firstLayerSwar;
        private readonly ulong[] _patch;
        private readonly int[] _scores;

        /// <summary>Per layer: a binary convolution that runs together with the max-pool after it (<see cref="RunsWithNextLayer"/>).</summary>
        private readonly bool[] _fusedWithNext;

        /// <summary>Per fused convolution: where the fused kernel writes the pooled bits (see the constructor).</summary>
        private readonly int[] _fusedOutputOffset;

        private readonly int[] _propertyKeys;
        private readonly int[] _propertyValues;

        /// <summary>The stages of <see cref="RunStreaming"/>; null until <see cref="EnableStreaming"/>.</summary>
        private StreamingStage[] _stages;

        /// <summary>The input of the last <see cref="RunStreaming"/>, to check that the next one slid.</summary>
        private byte[] _previousInput;

        /// <summary>The input rows a band of the first layer reads, copied to row 0 (its kernels index the input from 0).</summary>
        private byte[] _inputRows;

        /// <summary>True while the arena holds the stage outputs of the last <see cref="RunStreaming"/> (RunLayers reuses it).</summary>
        private bool _streamingOutputsValid;

        internal BnnModel(Layer[] layers, int inputHeight, int inputWidth, int inputChannels, bool inputSigned, int arenaWords, int[] propertyKeys, int[] propertyValues)
        {
            _propertyKeys = propertyKeys;
            _propertyValues = propertyValues;
            _layers = layers;
            InputHeight = inputHeight;
            InputWidth = inputWidth;
            InputChannels = inputChannels;
            InputSigned = inputSigned;
            _arena = new ulong[arenaWords];
            int maxChannels = 0;
            for (int i = 0; i < layers.Length; i++)
            {
                if (layers[i].OutChannels > maxChannels)
                {
                    maxChannels = layers[i].OutChannels;
                }
            }

            _dots = new int[maxChannels];
            int firstLayerScratch = 0;
            long[] swar = new long[0];
            int patch = 0;
            for (int i = 0; i < layers.Length; i++)
            {
                Layer layer = layers[i];
                if (layer.Kind == LayerKind.Int8Dense && CostModel.PartialSumTablePays(layer.OutChannels))
                {
                    firstLayerScratch = Int8BinaryDotKernels.TableLength(layer.Inputs);
                }
                else if (layer.Kind == LayerKind.Int8Conv2d && CostModel.Int8ConvPartialSumTablePays(layer.OutChannels))
                {
                    firstLayerScratch = Int8Conv2dKernels.ScratchLength(layer.Geometry);
                }
                else if (layer.Kind == LayerKind.Int8WeightConv2d && CostModel.Int8WeightConvIm2ColPays(Int8WeightConv2dKernels.ScratchLength(layer.Geometry), layer.OutChannels))
                {
                    firstLayerScratch = Int8WeightConv2dKernels.ScratchLength(layer.Geometry);
                    if (CostModel.Int8WeightConvSwarMacPays(firstLayerScratch))
                    {
                        swar = new long[Int8WeightConv2dKernels.SwarGroups(layer.OutChannels) * Int8WeightConv2dKernels.SwarLongsPerGroup];
                        Int8WeightConv2dKernels.PackSwar(layer.Int8Weights, layer.Thresholds, layer.OutChannels, swar);
                    }
                }
                else if (layer.Kind == LayerKind.BinaryConv2d && BinaryConv2dKernels.ScratchLength(layer.Geometry) > patch)
                {
                    patch = BinaryConv2dKernels.ScratchLength(layer.Geometry);
                }
            }

            // A binary convolution and the max-pool after it run as one kernel when CostModel.MaxPoolFusionPays. The
            // kernel still reads the convolution's input while it writes the pooled bits, so where the pool's output
            // overlaps that input (the arena plan reuses it once the convolution is done) it writes them into the
            // convolution's own output words, which it no longer needs and which never overlap its input, and they
            // are copied into place afterwards.
            _fusedWithNext = new bool[layers.Length];
            _fusedOutputOffset = new int[layers.Length];
            for (int i = 0; i + 1 < layers.Length; i++)
            {
                Layer conv = layers[i];
                Layer pool = layers[i + 1];
                if (conv.Kind == LayerKind.BinaryConv2d && pool.Kind == LayerKind.MaxPool2d && CostModel.MaxPoolFusionPays(pool.Geometry))
                {
                    _fusedWithNext[i] = true;
                    bool overlapsInput = pool.OutputOffset < conv.InputOffset + conv.InputWords && conv.InputOffset < pool.OutputOffset + pool.OutputWords;
                    _fusedOutputOffset[i] = overlapsInput ? conv.OutputOffset : pool.OutputOffset;
                }
            }

            _firstLayerScratch = new short[firstLayerScratch];
            _firstLayerSwar = swar;
            _patch = new ulong[patch];
            _scores = new int[layers[layers.Length - 1].OutChannels];
        }

        public int InputHeight { get; }

        public int InputWidth { get; }

        public int InputChannels { get; }

        /// <summary>Number of 8-bit input values (height·width·channels, HWC order).</summary>
        public int InputLength
        {
            get { return InputHeight * InputWidth * InputChannels; }
        }

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

        /// <summary>Bytes of weights and thresholds (with the first layer's lane-packed copies, when its kernel uses them) and score coefficients.</summary>
        public int ConstantBytes
        {
            get
            {
                int bytes = _firstLayerSwar.Length * 8;
                for (int i = 0; i < _layers.Length; i++)
                {
                    Layer layer = _layers[i];
                    bytes += (Length(layer.Weights) * 8) + Length(layer.HeadWeights) + Length(layer.Int8Weights);
                    bytes += (Length(layer.Thresholds) + Length(layer.Scales) + Length(layer.Biases) + Length(layer.HeadRowSums)) * 4;
                }

                return bytes;
            }
        }

        /// <summary>
        /// Bytes of the activation arena and the per-inference scratch (dots, partial sums, conv patches, scores; after
        /// <see cref="EnableStreaming"/> also its two input copies).
        /// </summary>
        public int WorkingBytes
        {
            get { return (_arena.Length * 8) + (_dots.Length * 4) + (_firstLayerScratch.Length * 2) + (_patch.Length * 8) + (_scores.Length * 4) + Length(_previousInput) + Length(_inputRows); }
        }

        public int PropertyCount
        {
            get { return _propertyKeys.Length; }
        }

        public int GetPropertyKey(int index)
        {
            return _propertyKeys[index];
        }

        public bool HasProperty(int key)
        {
            return IndexOfProperty(key) >= 0;
        }

        /// <summary>The value of a model property (see <see cref="ModelProperty"/>), or <paramref name="defaultValue"/>.</summary>
        public int GetProperty(int key, int defaultValue)
        {
            int i = IndexOfProperty(key);
            return i < 0 ? defaultValue : _propertyValues[i];
        }

        public Layer GetLayer(int index)
        {
            if (index < 0 || index >= _layers.Length)
            {
                throw new BnnException("layer " + index.ToString() + " does not exist; the model has " + _layers.Length.ToString());
            }

            return _layers[index];
        }

        /// <summary>
        /// True when layer <paramref name="index"/> (a binary convolution) and the max-pool after it run as one kernel
        /// (<see cref="BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64"/>) whenever both run: the convolution's own
        /// output bits are then not computed (<see cref="RunLayers"/> up to the convolution alone still computes them).
        /// </summary>
        public bool RunsWithNextLayer(int index)
        {
            GetLayer(index);
            return _fusedWithNext[index];
        }

        /// <summary>Input rows the input slides by between <see cref="RunStreaming"/> calls; 0 until <see cref="EnableStreaming"/>.</summary>
        public int StreamingSlideRows { get; private set; }

        /// <summary>Output rows the last <see cref="RunStreaming"/> copied instead of computing, over all layers.</summary>
        public int StreamingReusedRows { get; private set; }

        /// <summary>
        /// Prepares <see cref="RunStreaming"/> for an input that slides up by <paramref name="slideRows"/> rows between
        /// runs (the rows of the input are its first axis: for a keyword model, the feature frames). Every stage then
        /// keeps its output in the arena between runs, one after the other; the arena grows if that needs more than
        /// the blob's plan (<see cref="RamBytes"/> counts it). Allocates; call it once, at setup.
        /// </summary>
        public void EnableStreaming(int slideRows)
        {
            if (slideRows < 1 || slideRows >= InputHeight)
            {
                throw new BnnException("streaming: the input slides by 1.." + (InputHeight - 1).ToString() + " of its " + InputHeight.ToString() + " rows, not " + slideRows.ToString());
            }

            int words;
            StreamingStage[] stages = StreamingPlanner.Plan(_layers, _fusedWithNext, slideRows, out words);
            if (words > _arena.Length)
            {
                _arena = new ulong[words];
            }

            _stages = stages;
            _previousInput = new byte[InputLength];
            _inputRows = new byte[InputLength];
            _streamingOutputsValid = false;
            StreamingSlideRows = slideRows;
        }

        /// <summary>
        /// Runs the whole network on an input that usually slid by <see cref="StreamingSlideRows"/> rows since the last
        /// call, and returns the class, bit-exact with <see cref="Run"/> on the same input. When the input's rows
        /// 0 .. H − s − 1 equal the last call's rows s .. H − 1 (checked here, byte for byte), each window layer copies the
        /// output rows that only read unchanged rows and computes the others (<see cref="StreamingReusedRows"/>); on any
        /// other input (the first call, a call after <see cref="Run"/> or <see cref="RunLayers"/>, a jump) it computes
        /// every row. Allocates nothing.
        /// </summary>
        public int RunStreaming(byte[] input)
        {
            if (_stages == null)
            {
                throw new BnnException("streaming: call EnableStreaming(slideRows) before RunStreaming");
            }

            CheckInput(input);
            bool slid = _streamingOutputsValid && Slid(input);
            _streamingOutputsValid = false;
            int reused = 0;
            int result = -1;
            for (int s = 0; s < _stages.Length; s++)
            {
                StreamingStage stage = _stages[s];
                Layer layer = _layers[stage.Layer];
                if (slid && stage.KeepCount > 0)
                {
                    // Rows move up within the stage's own slot: Array.Copy of a primitive array onto itself is a
                    // memmove, on nanoCLR as on .NET.
                    System.Array.Copy(_arena, stage.OutputSlot + ((stage.KeepFirst + stage.SourceRowShift) * stage.OutputRowWords), _arena,
                        stage.OutputSlot + (stage.KeepFirst * stage.OutputRowWords), stage.KeepCount * stage.OutputRowWords);
                    reused += stage.KeepCount;
                    if (stage.Top != null)
                    {
                        RunRows(stage, layer, stage.Top, input);
                    }

                    if (stage.Bottom != null)
                    {
                        RunRows(stage, layer, stage.Bottom, input);
                    }
                }
                else if (stage.Fused)
                {
                    RunConvMaxPool(layer, layer.Geometry, _layers[stage.Layer + 1].Geometry, stage.InputSlot, stage.OutputSlot);
                }
                else
                {
                    result = RunLayer(layer, layer.Geometry, input, stage.InputSlot, stage.OutputSlot);
                }
            }

            System.Array.Copy(input, _previousInput, input.Length);
            _streamingOutputsValid = true;
            StreamingReusedRows = reused;
            return result;
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
            CheckInput(input);
            if (lastLayer < 0 || lastLayer >= _layers.Length)
            {
                throw new BnnException("layer " + lastLayer.ToString() + " does not exist; the model has " + _layers.Length.ToString());
            }

            _streamingOutputsValid = false;
            for (int i = 0; i <= lastLayer; i++)
            {
                Layer layer = _layers[i];
                if (_fusedWithNext[i] && i < lastLayer)
                {
                    Layer pool = _layers[i + 1];
                    int target = _fusedOutputOffset[i];
                    RunConvMaxPool(layer, layer.Geometry, pool.Geometry, layer.InputOffset, target);
                    if (target != pool.OutputOffset)
                    {
                        System.Array.Copy(_arena, target, _arena, pool.OutputOffset, pool.OutputWords);
                    }

                    i++;
                }
                else if (layer.ProducesScores)
                {
                    return RunLayer(layer, layer.Geometry, input, layer.InputOffset, layer.OutputOffset);
                }
                else
                {
                    RunLayer(layer, layer.Geometry, input, layer.InputOffset, layer.OutputOffset);
                }
            }

            return -1;
        }

        /// <summary>
        /// Runs one layer over window <paramref name="g"/> (its own geometry, or a band of its rows): bits from arena word
        /// <paramref name="inputOffset"/> (the first layer: the bytes of <paramref name="input"/>) to arena word
        /// <paramref name="outputOffset"/>. Returns the class for a score layer, else -1.
        /// </summary>
        private int RunLayer(Layer layer, ConvGeometry g, byte[] input, int inputOffset, int outputOffset)
        {
            ulong[] arena = _arena;
            int[] dots = _dots;
            switch (layer.Kind)
            {
                case LayerKind.Int8Dense:
                    if (_firstLayerScratch.Length > 0)
                    {
                        Int8BinaryDotKernels.PartialSumTable(input, InputSigned, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.OutChannels, _firstLayerScratch, dots);
                    }
                    else
                    {
                        Int8BinaryDotKernels.Reference(input, InputSigned, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.OutChannels, dots);
                    }

                    OutputStages.ThresholdPack(dots, layer.Thresholds, layer.OutChannels, arena, outputOffset);
                    return -1;
                case LayerKind.InputThreshold:
                    InputThresholdKernels.Run(input, InputSigned, layer.InHeight * layer.InWidth, layer.InChannels, layer.Thresholds, arena, outputOffset);
                    return -1;
                case LayerKind.Int8Conv2d:
                    if (_firstLayerScratch.Length > 0)
                    {
                        Int8Conv2dKernels.Im2ColPartialSumTable(input, InputSigned, g, layer.Weights, layer.Thresholds, dots, arena, outputOffset, _firstLayerScratch);
                    }
                    else
                    {
                        Int8Conv2dKernels.Reference(input, InputSigned, g, layer.Weights, layer.Thresholds, dots, arena, outputOffset);
                    }

                    return -1;
                case LayerKind.Int8WeightConv2d:
                    // CostModel.Int8WeightConvIm2ColPays: Im2ColMac unless 1 output channel over a window of ≤ 3 values;
                    // the scratch holds one window; a window of 9 values runs Im2ColSwarMac9 (its packed weights and
                    // thresholds are there).
                    if (_firstLayerSwar.Length > 0)
                    {
                        Int8WeightConv2dKernels.Im2ColSwarMac9(input, InputSigned, g, _firstLayerSwar, arena, outputOffset, _firstLayerScratch);
                    }
                    else if (_firstLayerScratch.Length > 0)
                    {
                        Int8WeightConv2dKernels.Im2ColMac(input, InputSigned, g, layer.Int8Weights, layer.Thresholds, dots, arena, outputOffset, _firstLayerScratch);
                    }
                    else
                    {
                        Int8WeightConv2dKernels.Reference(input, InputSigned, g, layer.Int8Weights, layer.Thresholds, dots, arena, outputOffset);
                    }

                    return -1;
                case LayerKind.BinaryConv2d:
                    BinaryConv2dKernels.Im2ColDenseDotU64(arena, inputOffset, g, layer.Weights, layer.Thresholds, dots, arena, outputOffset, _patch);
                    return -1;
                case LayerKind.MaxPool2d:
                    MaxPoolBitsKernels.Run(arena, inputOffset, g, arena, outputOffset);
                    return -1;
                case LayerKind.BinaryDense:
                    BinaryDotKernels.Cheapest(arena, inputOffset, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.OutChannels, dots);
                    OutputStages.ThresholdPack(dots, layer.Thresholds, layer.OutChannels, arena, outputOffset);
                    return -1;
                case LayerKind.BinaryDenseScores:
                    BinaryDotKernels.Cheapest(arena, inputOffset, layer.Inputs, layer.Weights, layer.WordsPerRow, layer.OutChannels, dots);
                    OutputStages.AffineScores(dots, layer.Scales, layer.Biases, layer.OutChannels, _scores);
                    return OutputStages.ArgMax(_scores, layer.OutChannels);
                default:
                    Int8HeadKernels.NibbleSwitch(arena, inputOffset, layer.InputWords, layer.HeadWeights, layer.HeadRowSums, layer.Biases, layer.OutChannels, _scores);
                    return OutputStages.ArgMax(_scores, layer.OutChannels);
            }
        }

        /// <summary>A binary convolution and the max-pool after it as one kernel (<see cref="RunsWithNextLayer"/>), over windows <paramref name="g"/> and <paramref name="pool"/>.</summary>
        private void RunConvMaxPool(Layer conv, ConvGeometry g, ConvGeometry pool, int inputOffset, int outputOffset)
        {
            BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64(_arena, inputOffset, g, pool, conv.Weights, conv.Thresholds, _dots, _arena, outputOffset, _patch);
        }

        /// <summary>
        /// Computes one band of a streaming stage's output rows. A band of the first layer reads its input rows from
        /// row 0 of a copy, since the 8-bit kernels index the input from its start.
        /// </summary>
        private void RunRows(StreamingStage stage, Layer layer, StreamingRows rows, byte[] input)
        {
            int outputOffset = stage.OutputSlot + (rows.OutputRow * stage.OutputRowWords);
            if (rows.Pool != null)
            {
                RunConvMaxPool(layer, rows.Geometry, rows.Pool, stage.InputSlot + (rows.InputRow * stage.InputRowSize), outputOffset);
            }
            else if (layer.ReadsBytes)
            {
                System.Array.Copy(input, rows.InputRow * stage.InputRowSize, _inputRows, 0, rows.Geometry.InHeight * stage.InputRowSize);
                RunLayer(layer, rows.Geometry, _inputRows, 0, outputOffset);
            }
            else
            {
                RunLayer(layer, rows.Geometry, input, stage.InputSlot + (rows.InputRow * stage.InputRowSize), outputOffset);
            }
        }

        /// <summary>True when the input's rows 0 .. H − s − 1 equal the previous input's rows s .. H − 1.</summary>
        private bool Slid(byte[] input)
        {
            byte[] previous = _previousInput;
            int shift = StreamingSlideRows * InputWidth * InputChannels;
            int count = input.Length - shift;
            for (int i = 0; i < count; i++)
            {
                if (input[i] != previous[i + shift])
                {
                    return false;
                }
            }

            return true;
        }

        private void CheckInput(byte[] input)
        {
            if (input == null || input.Length != InputLength)
            {
                throw new BnnException("input must hold " + InputLength.ToString() + " bytes, got " + (input == null ? "null" : input.Length.ToString()));
            }
        }

        /// <summary>Copies the packed output bits of a bit-output layer (valid right after RunLayers up to it).</summary>
        public void CopyOutputBits(int layerIndex, ulong[] destination)
        {
            Layer layer = GetLayer(layerIndex);
            if (layer.ProducesScores)
            {
                throw new BnnException("layer " + layerIndex.ToString() + " outputs scores, not bits");
            }

            if (destination == null || destination.Length < layer.OutputWords)
            {
                throw new BnnException("destination must hold " + layer.OutputWords.ToString() + " words");
            }

            System.Array.Copy(_arena, layer.OutputOffset, destination, 0, layer.OutputWords);
        }

        private int IndexOfProperty(int key)
        {
            for (int i = 0; i < _propertyKeys.Length; i++)
            {
                if (_propertyKeys[i] == key)
                {
                    return i;
                }
            }

            return -1;
        }

        private static int Length(System.Array array)
        {
            return array == null ? 0 : array.Length;
        }
    }
}
