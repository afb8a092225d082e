namespace Bnn.Nano.Devices.Buses
{
    /// <summary>
    /// The receive side of an I2S bus as a microphone driver needs it: blocking reads of the raw bytes the I2S
    /// peripheral's DMA delivers. The board glue adapts System.Device.I2s.I2sDevice to it on the device; the emulator
    /// implements it on the PC (delivering samples at the sample rate of its virtual clock), so drivers run the same
    /// code path in both. Failures throw <see cref="BusException"/>.
    /// </summary>
    public interface II2sReceiver
    {
        /// <summary>
        /// Returns when <paramref name="count"/> bytes have been received into buffer[offset..]: on a real bus this
        /// takes count / (bytes per second) of wall time.
        /// </summary>
        void Read(byte[] buffer, int offset, int count);
    }
}
