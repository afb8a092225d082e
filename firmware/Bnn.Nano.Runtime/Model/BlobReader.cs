namespace Bnn.Nano.Runtime.Model
{
    /// <summary>
    /// Reads a .bnn blob (docs/blob-format.md). Nothing in the blob is trusted before it is checked: magic, version,
    /// length, CRC-32, then every count, size and offset against the blob length; the arrays then go through
    /// <see cref="ModelBuilder"/>, which checks the model's structure. Any failure is a <see cref="BnnException"/>.
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

            if (ReadU16(blob, BlobFormat.HeaderSizeAt) != BlobFormat.HeaderSize)
            {
                throw new BnnException("header size " + ReadU16(blob, BlobFormat.HeaderSizeAt).ToString() + " is not " + BlobFormat.HeaderSize.ToString());
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

            int layerCount = ReadU16(blob, BlobFormat.LayerCountAt);
            int signedFlag = blob[BlobFormat.InputSignedAt];
            if (signedFlag > 1 || blob[BlobFormat.InputSignedAt + 1] != 0)
            {
                throw new BnnException("input encoding byte " + signedFlag.ToString() + " is neither 0 (uint8) nor 1 (int8)");
            }

            int inputLength = ReadCount(blob, BlobFormat.InputLengthAt, "input length");
            int classCount = ReadCount(blob, BlobFormat.ClassCountAt, "class count");
            int arenaWords = ReadCount(blob, BlobFormat.ArenaWordsAt, "arena words");
            if (layerCount < 1 || layerCount > ModelBuilder.MaxLayers)
            {
                throw new BnnException("layer count " + layerCount.ToString() + " is outside 1.." + ModelBuilder.MaxLayers.ToString());
            }

            int tableEnd = BlobFormat.HeaderSize + (layerCount * BlobFormat.DenseRecordSize);
            if (tableEnd > blob.Length)
            {
                throw new BnnException("layer table (" + layerCount.ToString() + " records) runs past the end of the blob");
            }

            ModelBuilder builder = new ModelBuilder(inputLength, signedFlag == 1, arenaWords, layerCount);
            long ramBytes = (long)arenaWords * 8;
            for (int i = 0; i < layerCount; i++)
            {
                ramBytes += ReadLayer(blob, BlobFormat.HeaderSize + (i * BlobFormat.DenseRecordSize), i, tableEnd, builder);
            }

            if (maxRamBytes > 0 && ramBytes > maxRamBytes)
            {
                throw new BnnException("model needs about " + ramBytes.ToString() + " bytes of RAM, more than the limit of " + maxRamBytes.ToString());
            }

            BnnModel model = builder.Build();
            if (model.ClassCount != classCount)
            {
                throw new BnnException("header declares " + classCount.ToString() + " classes but the last layer has " + model.ClassCount.ToString() + " outputs");
            }

            return model;
        }

        private static long ReadLayer(byte[] blob, int at, int index, int dataStart, ModelBuilder builder)
        {
            string where = "layer " + index.ToString() + ": ";
            int kind = blob[at + BlobFormat.RecordKindAt];
            int scoreShift = blob[at + BlobFormat.RecordScoreShiftAt];
            int recordSize = ReadU16(blob, at + BlobFormat.RecordSizeAt);
            if (recordSize != BlobFormat.DenseRecordSize)
            {
                throw new BnnException(where + "record size " + recordSize.ToString() + " is not " + BlobFormat.DenseRecordSize.ToString());
            }

            if (kind != LayerKind.Int8Dense && kind != LayerKind.BinaryDense && kind != LayerKind.BinaryDenseScores)
            {
                throw new BnnException(where + "unknown layer kind " + kind.ToString());
            }

            int inputs = ReadCount(blob, at + BlobFormat.RecordInputsAt, where + "inputs");
            int outputs = ReadCount(blob, at + BlobFormat.RecordOutputsAt, where + "outputs");
            int inputOffset = ReadCount(blob, at + BlobFormat.RecordInputOffsetAt, where + "input offset");
            int outputOffset = ReadCount(blob, at + BlobFormat.RecordOutputOffsetAt, where + "output offset");
            if (inputs < 1 || inputs > ModelBuilder.MaxUnits || outputs < 1 || outputs > ModelBuilder.MaxUnits)
            {
                throw new BnnException(where + "shape " + inputs.ToString() + "x" + outputs.ToString() + " is outside 1.." + ModelBuilder.MaxUnits.ToString());
            }

            int words32 = (inputs + 31) >> 5;
            long weightBytes = (long)outputs * words32 * 4;
            int weightsAt = ReadSection(blob, at + BlobFormat.RecordWeightsAt, weightBytes, dataStart, where + "weights");
            int paramCount = kind == LayerKind.BinaryDenseScores ? 2 * outputs : outputs;
            int paramsAt = ReadSection(blob, at + BlobFormat.RecordParamsAt, (long)paramCount * 4, dataStart, where + "parameters");

            ulong[] weights = ReadWeights(blob, weightsAt, inputs, outputs);
            if (kind == LayerKind.BinaryDenseScores)
            {
                builder.AddBinaryDenseScores(inputs, outputs, weights, ReadInts(blob, paramsAt, outputs), ReadInts(blob, paramsAt + (outputs * 4), outputs), scoreShift, inputOffset);
            }
            else if (scoreShift != 0)
            {
                throw new BnnException(where + "score shift must be 0 on a bit-output layer");
            }
            else if (kind == LayerKind.Int8Dense)
            {
                builder.AddInt8Dense(inputs, outputs, weights, ReadInts(blob, paramsAt, outputs), outputOffset);
            }
            else
            {
                builder.AddBinaryDense(inputs, outputs, weights, ReadInts(blob, paramsAt, outputs), inputOffset, outputOffset);
            }

            return ((long)weights.Length * 8) + ((long)paramCount * 4);
        }

        /// <summary>Reads a section offset and checks that [offset, offset + length) lies in the data area, 4-aligned.</summary>
        private static int ReadSection(byte[] blob, int fieldAt, long length, int dataStart, string what)
        {
            uint offset = ReadU32(blob, fieldAt);
            if ((offset & 3) != 0 || offset < (uint)dataStart || offset > (uint)blob.Length || length > blob.Length - offset)
            {
                throw new BnnException(what + " at byte " + offset.ToString() + " (" + length.ToString() + " bytes) lie outside the data area " + dataStart.ToString() + ".." + blob.Length.ToString() + " or are not 4-aligned");
            }

            return (int)offset;
        }

        /// <summary>Rows of ceil(inputs/32) little-endian uint32 words become rows of ceil(inputs/64) ulongs, low word first.</summary>
        private static ulong[] ReadWeights(byte[] blob, int at, int inputs, int outputs)
        {
            int words32 = (inputs + 31) >> 5;
            int words64 = (inputs + 63) >> 6;
            ulong[] weights = new ulong[outputs * words64];
            int p = at;
            int w = 0;
            for (int o = 0; o < outputs; o++)
            {
                for (int k = 0; k < words32; k += 2)
                {
                    ulong low = ReadU32(blob, p);
                    ulong high = k + 1 < words32 ? ReadU32(blob, p + 4) : 0UL;
                    weights[w++] = low | (high << 32);
                    p += k + 1 < words32 ? 8 : 4;
                }
            }

            return weights;
        }

        private static int[] ReadInts(byte[] blob, int at, int count)
        {
            int[] values = new int[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = (int)ReadU32(blob, at + (i * 4));
            }

            return values;
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
