namespace Bnn.Nano.Runtime.Model
{
    /// <summary>Constants of the .bnn blob, format version 1 (docs/blob-format.md). All integers little-endian.</summary>
    public static class BlobFormat
    {
        /// <summary>"BNNM" read as a little-endian uint32.</summary>
        public const uint Magic = 0x4D4E4E42;

        public const int Version = 1;

        public const int HeaderSize = 32;

        /// <summary>Bytes of a dense layer record.</summary>
        public const int DenseRecordSize = 32;

        /// <summary>The CRC-32 covers every byte from here to the end of the blob.</summary>
        public const int CrcStart = 16;

        // Header field offsets.
        public const int MagicAt = 0;
        public const int VersionAt = 4;
        public const int HeaderSizeAt = 6;
        public const int TotalLengthAt = 8;
        public const int CrcAt = 12;
        public const int LayerCountAt = 16;
        public const int InputSignedAt = 18;
        public const int InputLengthAt = 20;
        public const int ClassCountAt = 24;
        public const int ArenaWordsAt = 28;

        // Dense layer record field offsets (relative to the record).
        public const int RecordKindAt = 0;
        public const int RecordScoreShiftAt = 1;
        public const int RecordSizeAt = 2;
        public const int RecordInputsAt = 4;
        public const int RecordOutputsAt = 8;
        public const int RecordInputOffsetAt = 12;
        public const int RecordOutputOffsetAt = 16;
        public const int RecordWeightsAt = 20;
        public const int RecordParamsAt = 24;
    }
}
