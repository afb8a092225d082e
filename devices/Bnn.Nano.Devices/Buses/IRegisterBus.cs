namespace Bnn.Nano.Devices.Buses
{
    /// <summary>
    /// A register-addressed device on a bus (I2C here): what a driver needs, nothing more. The board glue adapts
    /// System.Device.I2c.I2cDevice to it on the device; the emulator implements it on the PC, so drivers run the same
    /// code path in both. Failures throw <see cref="BusException"/>.
    /// </summary>
    public interface IRegisterBus
    {
        /// <summary>Writes one 8-bit register.</summary>
        void WriteRegister(byte register, byte value);

        /// <summary>Reads <paramref name="count"/> consecutive registers from <paramref name="register"/> into buffer[offset..].</summary>
        void ReadRegisters(byte register, byte[] buffer, int offset, int count);
    }
}
