namespace Bnn.Nano.Devices.Storage
{
    /// <summary>Named byte blobs in flash (model .bnn files). Board glue: internal flash or file system; emulator: memory.</summary>
    public interface IModelStore
    {
        /// <summary>Length of the stored blob, or -1 when there is none.</summary>
        int Length(string name);

        /// <summary>Reads the whole blob into <paramref name="buffer"/> (at least <see cref="Length"/> bytes).</summary>
        void Read(string name, byte[] buffer);

        /// <summary>Replaces the blob with data[offset .. offset + count).</summary>
        void Write(string name, byte[] data, int offset, int count);
    }
}
