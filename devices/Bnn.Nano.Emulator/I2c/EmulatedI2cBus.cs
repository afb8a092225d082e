using System;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Time;

namespace Bnn.Nano.Emulator;

/// <summary>Outcome of one emulated I2C transfer.</summary>
public enum EmulatedI2cStatus
{
    /// <summary>The device acknowledged and the transfer completed.</summary>
    Ok,

    /// <summary>No acknowledge: nothing at the address, the device is gone (outage), or an injected NACK.</summary>
    Nack,

    /// <summary>An injected timeout (a device holding SCL low too long); the device saw nothing.</summary>
    Timeout,
}

/// <summary>
/// An I2C bus with devices attached by 7-bit address, and fault injection per address. A transfer is one I2C
/// transaction: <see cref="Write"/>, <see cref="Read"/>, or <see cref="WriteRead"/> (write, repeated start, read).
/// <see cref="ForAddress"/> gives the <see cref="IRegisterBus"/> a driver uses: one transfer per register write
/// ([register, value]) and per register read (WriteRead), BusException(Nack / Timeout) on failure, no allocation.
/// <para>
/// Faults, checked in this order on every transfer to the address: (1) an outage window from
/// <see cref="Disappear"/>: inside it every transfer is NACKed; the first transfer at or after its end finds the
/// device in its power-on reset state (<see cref="IEmulatedI2cDevice.PowerOnReset"/>), as after a real power loss,
/// whether or not a transfer happened during the window; (2) <see cref="InjectNack"/>: the next N transfers are
/// NACKed (N = <see cref="UntilCleared"/>: all, until <see cref="ClearFaults"/>); (3) <see cref="InjectTimeout"/>:
/// the same with timeouts. A failed transfer never reaches the device. An address with nothing attached NACKs.
/// </para>
/// </summary>
public sealed class EmulatedI2cBus
{
    /// <summary>Fault count meaning "every transfer until <see cref="ClearFaults"/>".</summary>
    public const int UntilCleared = -1;

    private readonly IClock _clock;
    private readonly Slot?[] _slots = new Slot?[128];

    public EmulatedI2cBus(IClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>Transfers attempted on the bus (all addresses).</summary>
    public long TransferCount { get; private set; }

    /// <summary>Transfers that failed (NACK or timeout).</summary>
    public long FailedTransferCount { get; private set; }

    /// <summary>Attaches <paramref name="device"/> at 7-bit <paramref name="address"/> (replacing any device there).</summary>
    public void Attach(int address, IEmulatedI2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        SlotAt(address).Device = device;
    }

    /// <summary>The register-bus view of one address, for drivers. Cheap; create once and keep it.</summary>
    public IRegisterBus ForAddress(int address)
    {
        CheckAddress(address);
        return new EmulatedRegisterBus(this, address);
    }

    /// <summary>NACKs the next <paramref name="transfers"/> transfers to the address (<see cref="UntilCleared"/>: all of them).</summary>
    public void InjectNack(int address, int transfers) => SlotAt(address).NackRemaining = CheckCount(transfers);

    /// <summary>Times out the next <paramref name="transfers"/> transfers to the address (<see cref="UntilCleared"/>: all of them).</summary>
    public void InjectTimeout(int address, int transfers) => SlotAt(address).TimeoutRemaining = CheckCount(transfers);

    /// <summary>
    /// The device at the address loses power from <paramref name="fromMicroseconds"/> until
    /// <paramref name="untilMicroseconds"/> (clock time; long.MaxValue: for good): NACKs inside the window, power-on
    /// reset state afterwards.
    /// </summary>
    public void Disappear(int address, long fromMicroseconds, long untilMicroseconds)
    {
        if (untilMicroseconds < fromMicroseconds)
        {
            throw new ArgumentException("the outage ends before it starts", nameof(untilMicroseconds));
        }

        Slot slot = SlotAt(address);
        slot.OutageFrom = fromMicroseconds;
        slot.OutageUntil = untilMicroseconds;
        slot.OutagePending = true;
    }

    /// <summary>
    /// Removes injected NACKs and timeouts and cancels an outage: one not yet begun leaves the device as it is; one
    /// that has begun ends now, so the device powers up in its reset state.
    /// </summary>
    public void ClearFaults(int address)
    {
        Slot slot = SlotAt(address);
        slot.NackRemaining = 0;
        slot.TimeoutRemaining = 0;
        if (slot.OutagePending && _clock.NowMicroseconds >= slot.OutageFrom)
        {
            slot.Device?.PowerOnReset();
        }

        slot.OutagePending = false;
    }

    public EmulatedI2cStatus Write(int address, ReadOnlySpan<byte> data)
    {
        IEmulatedI2cDevice? device = Begin(address, out EmulatedI2cStatus status);
        device?.Write(data);
        return status;
    }

    public EmulatedI2cStatus Read(int address, Span<byte> buffer)
    {
        IEmulatedI2cDevice? device = Begin(address, out EmulatedI2cStatus status);
        device?.Read(buffer);
        return status;
    }

    public EmulatedI2cStatus WriteRead(int address, ReadOnlySpan<byte> write, Span<byte> read)
    {
        IEmulatedI2cDevice? device = Begin(address, out EmulatedI2cStatus status);
        if (device != null)
        {
            device.Write(write);
            device.Read(read);
        }

        return status;
    }

    /// <summary>Counts the transfer and applies the faults; returns the device to talk to, or null when the transfer fails.</summary>
    private IEmulatedI2cDevice? Begin(int address, out EmulatedI2cStatus status)
    {
        CheckAddress(address);
        TransferCount++;
        status = Decide(_slots[address]);
        if (status != EmulatedI2cStatus.Ok)
        {
            FailedTransferCount++;
            return null;
        }

        return _slots[address]!.Device;
    }

    private EmulatedI2cStatus Decide(Slot? slot)
    {
        if (slot == null)
        {
            return EmulatedI2cStatus.Nack;
        }

        if (slot.OutagePending)
        {
            long now = _clock.NowMicroseconds;
            if (now >= slot.OutageFrom)
            {
                if (now < slot.OutageUntil)
                {
                    return EmulatedI2cStatus.Nack;
                }

                slot.OutagePending = false;
                slot.Device?.PowerOnReset();
            }
        }

        if (slot.Device == null)
        {
            return EmulatedI2cStatus.Nack;
        }

        if (slot.NackRemaining != 0)
        {
            if (slot.NackRemaining > 0)
            {
                slot.NackRemaining--;
            }

            return EmulatedI2cStatus.Nack;
        }

        if (slot.TimeoutRemaining != 0)
        {
            if (slot.TimeoutRemaining > 0)
            {
                slot.TimeoutRemaining--;
            }

            return EmulatedI2cStatus.Timeout;
        }

        return EmulatedI2cStatus.Ok;
    }

    private Slot SlotAt(int address)
    {
        CheckAddress(address);
        return _slots[address] ??= new Slot();
    }

    private static void CheckAddress(int address)
    {
        if (address < 0 || address > 127)
        {
            throw new ArgumentOutOfRangeException(nameof(address), address, "a 7-bit I2C address is 0..127");
        }
    }

    private static int CheckCount(int transfers)
    {
        if (transfers < UntilCleared)
        {
            throw new ArgumentOutOfRangeException(nameof(transfers), transfers, "a transfer count, or UntilCleared (-1)");
        }

        return transfers;
    }

    private sealed class Slot
    {
        public IEmulatedI2cDevice? Device;
        public int NackRemaining;
        public int TimeoutRemaining;
        public bool OutagePending;
        public long OutageFrom;
        public long OutageUntil;
    }

    /// <summary>The <see cref="IRegisterBus"/> of one address; its buffers are allocated once.</summary>
    private sealed class EmulatedRegisterBus : IRegisterBus
    {
        private readonly EmulatedI2cBus _bus;
        private readonly int _address;
        private readonly byte[] _pair = new byte[2];
        private readonly byte[] _register = new byte[1];

        public EmulatedRegisterBus(EmulatedI2cBus bus, int address)
        {
            _bus = bus;
            _address = address;
        }

        public void WriteRegister(byte register, byte value)
        {
            _pair[0] = register;
            _pair[1] = value;
            Check(_bus.Write(_address, _pair), " writing register 0x", register);
        }

        public void ReadRegisters(byte register, byte[] buffer, int offset, int count)
        {
            _register[0] = register;
            Check(_bus.WriteRead(_address, _register, buffer.AsSpan(offset, count)), " reading register 0x", register);
        }

        private void Check(EmulatedI2cStatus status, string what, byte register)
        {
            switch (status)
            {
                case EmulatedI2cStatus.Ok:
                    return;
                case EmulatedI2cStatus.Nack:
                    throw new BusException(BusError.Nack, Describe("no acknowledge (NACK)", what, register));
                default:
                    throw new BusException(BusError.Timeout, Describe("timeout (clock stretching)", what, register));
            }
        }

        private string Describe(string why, string what, byte register) =>
            "I2C device 0x" + _address.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + ": " + why + what
            + register.ToString("X2", System.Globalization.CultureInfo.InvariantCulture);
    }
}
