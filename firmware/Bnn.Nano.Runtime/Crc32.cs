namespace Bnn.Nano.Runtime
{
    /// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib and System.IO.Hashing compute it.</summary>
    public static class Crc32
    {
        private static uint[] s_table;

        public static uint Compute(byte[] data, int offset, int count)
        {
            return Append(0, data, offset, count);
        }

        /// <summary>Continues a CRC over more bytes: Append(Compute(a), b) == Compute(a + b).</summary>
        public static uint Append(uint crc, byte[] data, int offset, int count)
        {
            uint[] table = s_table;
            if (table == null)
            {
                table = BuildTable();
                s_table = table;
            }

            uint c = ~crc;
            int end = offset + count;
            for (int i = offset; i < end; i++)
            {
                c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
            }

            return ~c;
        }

        private static uint[] BuildTable()
        {
            uint[] table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}
