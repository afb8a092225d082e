using System;

namespace Bnn.Nano.Emulator;

/// <summary>
/// A device model on an <see cref="EmulatedI2cBus"/>, at the level of I2C transactions: the bus calls it only for
/// transfers whose address was acknowledged (faults are the bus's business).
/// </summary>
public interface IEmulatedI2cDevice
{
    /// <summary>A write transaction: the bytes after the address byte (for a register device: register, then data).</summary>
    void Write(ReadOnlySpan<byte> data);

    /// <summary>A read transaction: fills <paramref name="buffer"/> with the bytes the device sends.</summary>
    void Read(Span<byte> buffer);

    /// <summary>Power came back after an outage: every register to its power-on value.</summary>
    void PowerOnReset();
}
