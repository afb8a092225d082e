using Bnn.Nano.Runtime.Kernels;

namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// Reads a .bnn blob (docs/blob-format.md). Nothing in the blob is trusted before it is checked: magic, version,
    /// length, CRC-32, then every count, size and offset against the blob length; the arrays then go through
    /// <see cref="ModelBuilder"/>, which checks shapes, arena and constants. Any failure is a <see cref="BnnException"/>.
    /// </summary>
    public static class BlobReader
    {
        public static BnnModel Load(byte[] blob)
        {
            return Load(blob, 0);
        }

        /// <summary>Loads a blob and refuses it when the model would hold more than <paramref name="maxRamBytes"/> (0: no limit).</summary>
        public static BnnModel Load(byte[] blob, int maxRamBytes)
        {
            CheckEnvelope(blob);
            int layerCount = ReadU16(blob, BlobFormat.LayerCountAt);
            int signedFlag = blob[BlobFormat.InputSignedAt];
            if (signedFlag > 1)
            {
                throw new BnnException("input encoding byte " + signedFlag.ToString() + " is neither 0 (uint8) nor 1 (int8)");
            }

            CheckZero(blob, BlobFormat.InputSignedAt + 1, 1, "header");
            CheckZero(blob, BlobFormat.PropertyCountAt + 2, BlobFormat.HeaderSize - BlobFormat.PropertyCountAt - 2, "header");
            int propertyCount = ReadU16(blob, BlobFormat.PropertyCountAt);
            int classCount = ReadCount(blob, BlobFormat.ClassCountAt, "class count");
            if (layerCount < 1 || layerCount > ModelBuilder.MaxLayers)
            {
                throw new BnnException("layer count " + layerCount.ToString() + " is outside 1.." + ModelBuilder.MaxLayers.ToString());
            }

            int tableEnd = BlobFormat.HeaderSize + (layerCount * BlobFormat.RecordSize);
            int dataStart = tableEnd + (propertyCount * BlobFormat.PropertySize);
            if (dataStart > blob.Length)
            {
                throw new BnnException("layer table (" + layerCount.ToString() + " records) and " + propertyCount.ToString() + " properties run past the end of the blob");
            }

            RamBudget budget = new RamBudget(maxRamBytes);
            budget.Reserve((long)ReadCount(blob, BlobFormat.ArenaWordsAt, "arena words") * 8, "the activation arena");
            ModelBuilder builder = new ModelBuilder(
                ReadU16(blob, BlobFormat.InputHeightAt),
                ReadU16(blob, BlobFormat.InputWidthAt),
                ReadCount(blob, BlobFormat.InputChannelsAt, "input channels"),
                signedFlag == 1,
                ReadCount(blob, BlobFormat.ArenaWordsAt, "arena words"),
                layerCount);
            if (propertyCount > 0)
            {
                if (propertyCount > ModelProperty.MaxCount)
                {
                    throw new BnnException("model has " + propertyCount.ToString() + " properties, more than " + ModelProperty.MaxCount.ToString());
                }

                int[] keys = new int[propertyCount];
                int[] values = new int[propertyCount];
                for (int i = 0; i < propertyCount; i++)
                {
                    int at = tableEnd + (i * BlobFormat.PropertySize);
                    keys[i] = ReadU16(blob, at);
                    CheckZero(blob, at + 2, 2, "property " + i.ToString());
                    values[i] = (int)ReadU32(blob, at + 4);
                }

                builder.SetProperties(keys, values);
            }

            for (int i = 0; i < layerCount; i++)
            {
                ReadLayer(blob, BlobFormat.HeaderSize + (i * BlobFormat.RecordSize), i, dataStart, builder, budget);
            }

            BnnModel model = builder.Build();
            if (model.ClassCount != classCount)
            {
                throw new BnnException("header declares " + classCount.ToString() + " classes but the last layer has " + model.ClassCount.ToString() + " outputs");
            }

            budget.Check(model.RamBytes);
            return model;
        }

        private static void CheckEnvelope(byte[] blob)
        {
            if (blob == null)
            {
                throw new BnnException("blob is null");
            }

            if (blob.Length < BlobFormat.HeaderSize)
            {
                throw new BnnException("blob has " + blob.Length.ToString() + " bytes, fewer than the " + BlobFormat.HeaderSize.ToString() + "-byte header");
            }

            if (ReadU32(blob, BlobFormat.MagicAt) != BlobFormat.Magic)
            {
                throw new BnnException("not a Bnn.Nano blob: bad magic (expected \"BNNM\")");
            }

            int version = ReadU16(blob, BlobFormat.VersionAt);
            if (version != BlobFormat.Version)
            {
                throw new BnnException("blob format version " + version.ToString() + " is not supported (this runtime reads version " + BlobFormat.Version.ToString() + ")");
            }

            int headerSize = ReadU16(blob, BlobFormat.HeaderSizeAt);
            if (headerSize != BlobFormat.HeaderSize)
            {
                throw new BnnException("header size " + headerSize.ToString() + " is not " + BlobFormat.HeaderSize.ToString());
            }

            uint totalLength = ReadU32(blob, BlobFormat.TotalLengthAt);
            if (totalLength != (uint)blob.Length)
            {
                throw new BnnException("blob is " + blob.Length.ToString() + " bytes but its header says " + totalLength.ToString() + " (truncated or padded)");
            }

            uint storedCrc = ReadU32(blob, BlobFormat.CrcAt);
            uint actualCrc = Crc32.Compute(blob, BlobFormat.CrcStart, blob.Length - BlobFormat.CrcStart);
            if (storedCrc != actualCrc)
            {
                throw new BnnException("blob CRC-32 mismatch (stored 0x" + storedCrc.ToString("X8") + ", computed 0x" + actualCrc.ToString("X8") + "): the blob is corrupt");
            }
        }

        private static void ReadLayer(byte[] blob, int at, int index, int dataStart, ModelBuilder builder, RamBudget budget)
        {
            int kind = blob[at + BlobFormat.KindAt];
            string where = "layer " + index.ToString() + " (" + LayerKind.Name(kind) + "): ";
            if (!LayerKind.IsKnown(kind))
            {
                throw new BnnException(where + "unknown layer kind");
            }

            int recordSize = ReadU16(blob, at + BlobFormat.RecordSizeAt);
            if (recordSize != BlobFormat.RecordSize)
            {
                throw new BnnException(where + "record size " + recordSize.ToString() + " is not " + BlobFormat.RecordSize.ToString());
            }

            CheckZero(blob, at + BlobFormat.PadValueAt + 1, 3, where + "record");
            CheckZero(blob, at + BlobFormat.ParamsLengthAt + 4, BlobFormat.RecordSize - BlobFormat.ParamsLengthAt - 4, where + "record");
            int scoreShift = blob[at + BlobFormat.ScoreShiftAt];
            int outChannels = ReadCount(blob, at + BlobFormat.OutChannelsAt, where + "output channels");
            int inputOffset = ReadCount(blob, at + BlobFormat.InputOffsetAt, where + "input offset");
            int outputOffset = ReadCount(blob, at + BlobFormat.OutputOffsetAt, where + "output offset");
            int height = builder.NextInputHeight;
            int width = builder.NextInputWidth;
            int channels = builder.NextInputChannels;
            bool window = kind == LayerKind.Int8Conv2d || kind == LayerKind.Int8WeightConv2d || kind == LayerKind.BinaryConv2d || kind == LayerKind.MaxPool2d;
            ConvGeometry geometry = null;
            if (window)
            {
                int padCode = blob[at + BlobFormat.PadValueAt];
                int padValue = padCode == 0xFF ? -1 : padCode;
                geometry = new ConvGeometry(
                    height, width, channels, outChannels,
                    ReadU16(blob, at + BlobFormat.KernelHeightAt), ReadU16(blob, at + BlobFormat.KernelWidthAt),
                    ReadU16(blob, at + BlobFormat.StrideYAt), ReadU16(blob, at + BlobFormat.StrideXAt),
                    ReadU16(blob, at + BlobFormat.PadTopAt), ReadU16(blob, at + BlobFormat.PadLeftAt),
                    ReadU16(blob, at + BlobFormat.PadBottomAt), ReadU16(blob, at + BlobFormat.PadRightAt),
                    padValue);
            }
            else
            {
                CheckZero(blob, at + BlobFormat.KernelHeightAt, BlobFormat.PadValueAt + 1 - BlobFormat.KernelHeightAt, where + "window fields of a non-window layer");
            }

            if (scoreShift != 0 && !LayerKind.ProducesScores(kind))
            {
                throw new BnnException(where + "score shift must be 0 on a layer that does not produce scores");
            }

            long inputs = (long)height * width * channels;
            int weightsAt = ReadSection(blob, at + BlobFormat.WeightsAt, dataStart, where + "weights");
            int weightsLength = ReadSectionLength(blob, at, BlobFormat.WeightsLengthAt, weightsAt, where + "weights");
            int paramsAt = ReadSection(blob, at + BlobFormat.ParamsAt, dataStart, where + "parameters");
            int paramsLength = ReadSectionLength(blob, at, BlobFormat.ParamsLengthAt, paramsAt, where + "parameters");

            // Refuse before allocating: binary weights grow at most 2x (uint32 → ulong groups), head weights are laid
            // out at the input's bit positions, int8 conv weights are held as read (at most weightsLength bytes).
            long headSlots = (long)outChannels * height * width * (((long)channels + 63) >> 6) * 64;
            long weightBytes = kind == LayerKind.Int8DenseHead ? headSlots + weightsLength : (kind == LayerKind.Int8WeightConv2d ? weightsLength : 2L * weightsLength);
            budget.Reserve(weightBytes, where + "weights");
            budget.Reserve(paramsLength, where + "parameters");
            switch (kind)
            {
                case LayerKind.Int8Dense:
                    builder.AddInt8Dense(outChannels, ReadBitRows(blob, weightsAt, weightsLength, outChannels, 1, inputs, where), ReadInts(blob, paramsAt, paramsLength, outChannels, where), outputOffset);
                    break;
                case LayerKind.InputThreshold:
                    CheckLength(weightsLength, 0, where + "weights");
                    builder.AddInputThreshold(ReadInts(blob, paramsAt, paramsLength, channels, where), outputOffset);
                    break;
                case LayerKind.Int8Conv2d:
                    builder.AddInt8Conv2d(geometry, ReadBitRows(blob, weightsAt, weightsLength, outChannels, 1, (long)geometry.KernelHeight * geometry.KernelWidth * channels, where), ReadInts(blob, paramsAt, paramsLength, outChannels, where), outputOffset);
                    break;
                case LayerKind.Int8WeightConv2d:
                    builder.AddInt8WeightConv2d(geometry, ReadSbytes(blob, weightsAt, weightsLength, (long)outChannels * geometry.KernelHeight * geometry.KernelWidth * channels, where + "int8 weights"), ReadInts(blob, paramsAt, paramsLength, outChannels, where), outputOffset);
                    break;
                case LayerKind.BinaryConv2d:
                    builder.AddBinaryConv2d(geometry, ReadBitRows(blob, weightsAt, weightsLength, outChannels, geometry.KernelHeight * geometry.KernelWidth, channels, where), ReadInts(blob, paramsAt, paramsLength, outChannels, where), inputOffset, outputOffset);
                    break;
                case LayerKind.MaxPool2d:
                    CheckLength(weightsLength, 0, where + "weights");
                    CheckLength(paramsLength, 0, where + "parameters");
                    builder.AddMaxPool2d(geometry, inputOffset, outputOffset);
                    break;
                case LayerKind.BinaryDense:
                    builder.AddBinaryDense(outChannels, ReadBitRows(blob, weightsAt, weightsLength, outChannels, height * width, channels, where), ReadInts(blob, paramsAt, paramsLength, outChannels, where), inputOffset, outputOffset);
                    break;
                case LayerKind.BinaryDenseScores:
                    {
                        int[] both = ReadInts(blob, paramsAt, paramsLength, 2 * outChannels, where);
                        int[] scales = new int[outChannels];
                        int[] biases = new int[outChannels];
                        System.Array.Copy(both, 0, scales, 0, outChannels);
                        System.Array.Copy(both, outChannels, biases, 0, outChannels);
                        builder.AddBinaryDenseScores(outChannels, ReadBitRows(blob, weightsAt, weightsLength, outChannels, height * width, channels, where), scales, biases, scoreShift, inputOffset);
                        break;
                    }

                default:
                    builder.AddInt8DenseHead(outChannels, ReadSbytes(blob, weightsAt, weightsLength, (long)outChannels * inputs, where + "head weights"), ReadInts(blob, paramsAt, paramsLength, outChannels, where), scoreShift, inputOffset);
                    break;
            }
        }

        /// <summary>Running total of the bytes a load allocates, refused as soon as it passes the limit (0: none).</summary>
        private sealed class RamBudget
        {
            private readonly long _limit;
            private long _used;

            public RamBudget(int limit)
            {
                _limit = limit;
            }

            public void Reserve(long bytes, string what)
            {
                _used += bytes;
                if (_limit > 0 && _used > _limit)
                {
                    throw new BnnException("model needs more than the RAM limit of " + _limit.ToString() + " bytes (reached at " + what + ")");
                }
            }

            public void Check(int ramBytes)
            {
                if (_limit > 0 && ramBytes > _limit)
                {
                    throw new BnnException("model needs " + ramBytes.ToString() + " bytes of RAM, more than the limit of " + _limit.ToString());
                }
            }
        }

        /// <summary>
        /// Binary weight rows: each row holds <paramref name="groups"/> groups of <paramref name="channels"/> bits, each
        /// group stored as ceil(channels/32) uint32 words and held by the runtime as ceil(channels/64) ulongs, low word first.
        /// </summary>
        private static ulong[] ReadBitRows(byte[] blob, int at, int length, int rows, int groups, long channels, string where)
        {
            if (channels < 1 || channels > ModelBuilder.MaxUnits)
            {
                throw new BnnException(where + "weight rows of " + channels.ToString() + " bits are outside 1.." + ModelBuilder.MaxUnits.ToString());
            }

            int words32 = (int)((channels + 31) >> 5);
            int words64 = (int)((channels + 63) >> 6);
            CheckLength(length, (long)rows * groups * words32 * 4, where + "weights");

            // The length check bounds every count below by the blob size.
            int groupCount = rows * groups;
            ulong[] weights = new ulong[groupCount * words64];
            int p = at;
            int w = 0;
            for (int g = 0; g < groupCount; g++)
            {
                for (int k = 0; k < words32; k += 2)
                {
                    ulong low = ReadU32(blob, p);
                    bool hasHigh = k + 1 < words32;
                    ulong high = hasHigh ? ReadU32(blob, p + 4) : 0UL;
                    weights[w++] = low | (high << 32);
                    p += hasHigh ? 8 : 4;
                }
            }

            return weights;
        }

        /// <summary>count int8 values, stored zero-padded to a multiple of 4 bytes; <paramref name="what"/> names them in errors.</summary>
        private static sbyte[] ReadSbytes(byte[] blob, int at, int length, long count, string what)
        {
            CheckLength(length, (count + 3) & ~3L, what);
            int n = (int)count;
            sbyte[] values = new sbyte[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = (sbyte)blob[at + i];
            }

            CheckZero(blob, at + n, length - n, what + " padding");
            return values;
        }

        private static int[] ReadInts(byte[] blob, int at, int length, int count, string where)
        {
            CheckLength(length, (long)count * 4, where + "parameters");
            int[] values = new int[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = (int)ReadU32(blob, at + (i * 4));
            }

            return values;
        }

        private static void CheckLength(long actual, long expected, string what)
        {
            if (actual != expected)
            {
                throw new BnnException(what + " hold " + actual.ToString() + " bytes, expected " + expected.ToString());
            }
        }

        /// <summary>Reads a section offset: 4-aligned, inside the data area after the layer table.</summary>
        private static int ReadSection(byte[] blob, int fieldAt, int dataStart, string what)
        {
            uint offset = ReadU32(blob, fieldAt);
            if ((offset & 3) != 0 || offset < (uint)dataStart || offset > (uint)blob.Length)
            {
                throw new BnnException(what + " at byte " + offset.ToString() + " lie outside the data area " + dataStart.ToString() + ".." + blob.Length.ToString() + " or are not 4-aligned");
            }

            return (int)offset;
        }

        private static int ReadSectionLength(byte[] blob, int recordAt, int fieldAt, int sectionAt, string what)
        {
            uint length = ReadU32(blob, recordAt + fieldAt);
            if (length > (uint)(blob.Length - sectionAt))
            {
                throw new BnnException(what + " (" + length.ToString() + " bytes at " + sectionAt.ToString() + ") run past the end of the blob");
            }

            return (int)length;
        }

        private static void CheckZero(byte[] blob, int at, int count, string what)
        {
            for (int i = at; i < at + count; i++)
            {
                if (blob[i] != 0)
                {
                    throw new BnnException(what + " byte " + i.ToString() + " is reserved and must be 0");
                }
            }
        }

        private static int ReadCount(byte[] blob, int at, string what)
        {
            uint value = ReadU32(blob, at);
            if (value > ModelBuilder.MaxUnits)
            {
                throw new BnnException(what + " " + value.ToString() + " exceeds " + ModelBuilder.MaxUnits.ToString());
            }

            return (int)value;
        }

        private static int ReadU16(byte[] blob, int at)
        {
            return blob[at] | (blob[at + 1] << 8);
        }

        private static uint ReadU32(byte[] blob, int at)
        {
            return (uint)(blob[at] | (blob[at + 1] << 8) | (blob[at + 2] << 16) | (blob[at + 3] << 24));
        }
    }
}
