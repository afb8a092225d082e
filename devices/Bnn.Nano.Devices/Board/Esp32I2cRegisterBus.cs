using System;
using System.Device.I2c;
using Bnn.Nano.Devices.Buses;

namespace Bnn.Nano.Devices.Board
{
    /// <summary>
    /// <see cref="IRegisterBus"/> over nanoFramework's System.Device.I2c.I2cDevice (board glue, ESP32 and any other
    /// nanoFramework target). A register write is one I2C write of [register, value]; a read is one WriteRead
    /// (register, then a repeated start and the bytes). Transfer buffers are allocated once; SpanByte is a ref struct,
    /// so a transfer allocates nothing. Status mapping: SlaveAddressNotAcknowledged → <see cref="BusError.Nack"/>,
    /// ClockStretchTimeout → <see cref="BusError.Timeout"/>, PartialTransfer and UnknownError →
    /// <see cref="BusError.Other"/>, each thrown as <see cref="BusException"/> naming address and register.
    /// Pins: call <see cref="Esp32Pins.ConfigureI2c1()"/> before creating the bus on an ESP32.
    /// </summary>
    public sealed class Esp32I2cRegisterBus : IRegisterBus
    {
        private readonly I2cDevice _device;
        private readonly int _address;
        private readonly byte[] _pair = new byte[2];
        private readonly byte[] _register = new byte[1];

        /// <summary>Opens <paramref name="deviceAddress"/> (7-bit) on I2C bus <paramref name="busId"/> (1 = I2C1) at 400 kHz.</summary>
        public Esp32I2cRegisterBus(int busId, int deviceAddress)
        {
            _address = deviceAddress;
            _device = I2cDevice.Create(new I2cConnectionSettings(busId, deviceAddress, I2cBusSpeed.FastMode));
        }

        public void WriteRegister(byte register, byte value)
        {
            _pair[0] = register;
            _pair[1] = value;
            I2cTransferResult result = _device.Write(new SpanByte(_pair));
            I2cTransferStatus status = result.Status;
            if (status != I2cTransferStatus.FullTransfer)
            {
                throw Failure(status, " writing register 0x", register);
            }
        }

        public void ReadRegisters(byte register, byte[] buffer, int offset, int count)
        {
            _register[0] = register;
            I2cTransferResult result = _device.WriteRead(new SpanByte(_register), new SpanByte(buffer, offset, count));
            I2cTransferStatus status = result.Status;
            if (status != I2cTransferStatus.FullTransfer)
            {
                throw Failure(status, " reading register 0x", register);
            }
        }

        private BusException Failure(I2cTransferStatus status, string what, byte register)
        {
            int error = BusError.Other;
            string why = "transfer failed";
            if (status == I2cTransferStatus.SlaveAddressNotAcknowledged)
            {
                error = BusError.Nack;
                why = "no acknowledge (NACK)";
            }
            else if (status == I2cTransferStatus.ClockStretchTimeout)
            {
                error = BusError.Timeout;
                why = "timeout (clock stretching)";
            }
            else if (status == I2cTransferStatus.PartialTransfer)
            {
                why = "partial transfer";
            }

            int reg = register;
            return new BusException(error, "I2C device 0x" + _address.ToString("X2") + ": " + why + what + reg.ToString("X2"));
        }
    }
}
