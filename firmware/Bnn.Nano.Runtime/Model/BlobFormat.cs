namespace Bnn.Nano.Runtime.Model
{
    /// <summary>Constants of the .bnn blob, format version 1 (docs/blob-format.md). All integers little-endian.</summary>
    public static class BlobFormat
    {
        /// <summary>"BNNM" read as a little-endian uint32.</summary>
        public const uint Magic = 0x4D4E4E42;

        public const int Version = 1;

        public const int HeaderSize = 40;

        public const int RecordSize = 64;

        /// <summary>The CRC-32 covers every byte from here to the end of the blob.</summary>
        public const int CrcStart = 16;

        // Header fields.
        public const int MagicAt = 0;
        public const int VersionAt = 4;
        public const int HeaderSizeAt = 6;
        public const int TotalLengthAt = 8;
        public const int CrcAt = 12;
        public const int LayerCountAt = 16;
        public const int InputSignedAt = 18;
        public const int InputHeightAt = 20;
        public const int InputWidthAt = 22;
        public const int InputChannelsAt = 24;
        public const int ClassCountAt = 28;
        public const int ArenaWordsAt = 32;
        public const int PropertyCountAt = 36;

        /// <summary>Bytes of one model property (u16 key, u16 reserved, i32 value), stored after the layer table.</summary>
        public const int PropertySize = 8;

        // Layer record fields (relative to the record).
        public const int KindAt = 0;
        public const int ScoreShiftAt = 1;
        public const int RecordSizeAt = 2;
        public const int OutChannelsAt = 4;
        public const int KernelHeightAt = 8;
        public const int KernelWidthAt = 10;
        public const int StrideYAt = 12;
        public const int StrideXAt = 14;
        public const int PadTopAt = 16;
        public const int PadLeftAt = 18;
        public const int PadBottomAt = 20;
        public const int PadRightAt = 22;
        public const int PadValueAt = 24;
        public const int InputOffsetAt = 28;
        public const int OutputOffsetAt = 32;
        public const int WeightsAt = 36;
        public const int WeightsLengthAt = 40;
        public const int ParamsAt = 44;
        public const int ParamsLengthAt = 48;
    }
}
