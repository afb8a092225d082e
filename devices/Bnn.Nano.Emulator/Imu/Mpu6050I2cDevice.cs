using System;
using System.Device.I2c;
using System.IO;

namespace Bnn.Nano.Emulator;

/// <summary>
/// A System.Device.I2c.I2cDevice (the .NET IoT abstraction) whose transfers go to an <see cref="EmulatedI2cBus"/>
/// address, by default 0x68 where an <see cref="EmulatedMpu6050"/> sits: the upstream .NET IoT driver
/// (Iot.Device.Imu.Mpu6050 in Iot.Device.Bindings) runs unchanged against the emulated register model, which checks
/// the model against an independent reading of the datasheet. Bus faults apply; they surface as IOException, as
/// they do from the Linux I2C driver.
/// </summary>
public sealed class Mpu6050I2cDevice : I2cDevice
{
    private readonly EmulatedI2cBus _bus;
    private readonly I2cConnectionSettings _settings;
    private readonly byte[] _one = new byte[1];

    public Mpu6050I2cDevice(EmulatedI2cBus bus, int address = 0x68, int busId = 1)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _bus = bus;
        _settings = new I2cConnectionSettings(busId, address);
    }

    public override I2cConnectionSettings ConnectionSettings => _settings;

    /// <summary>Transfers made through this device (each Read, Write, WriteByte, ReadByte or WriteRead is one).</summary>
    public int TransferCount { get; private set; }

    public override void Read(Span<byte> buffer) => Check(_bus.Read(_settings.DeviceAddress, buffer), "read");

    public override byte ReadByte()
    {
        Check(_bus.Read(_settings.DeviceAddress, _one), "read");
        return _one[0];
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Check(_bus.Write(_settings.DeviceAddress, buffer), "write");

    public override void WriteByte(byte value)
    {
        _one[0] = value;
        Check(_bus.Write(_settings.DeviceAddress, _one), "write");
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) =>
        Check(_bus.WriteRead(_settings.DeviceAddress, writeBuffer, readBuffer), "write-read");

    private void Check(EmulatedI2cStatus status, string what)
    {
        TransferCount++;
        if (status != EmulatedI2cStatus.Ok)
        {
            throw new IOException("I2C " + what + " at 0x" + _settings.DeviceAddress.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)
                + " failed: " + (status == EmulatedI2cStatus.Nack ? "no acknowledge" : "timeout"));
        }
    }
}
