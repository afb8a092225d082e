using System;
using System.Collections.Generic;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Devices.Time;

namespace Bnn.Nano.Emulator;

/// <summary>One register write the device received: when, which register, which value.</summary>
public readonly record struct RegisterWrite(long Microseconds, byte Register, byte Value);

/// <summary>
/// A register-level model of the InvenSense MPU-6050 (register map RM-MPU-6000A-00 rev 4.2) on an
/// <see cref="EmulatedI2cBus"/>, sampling an <see cref="IMotionSource"/> on an <see cref="IClock"/>.
/// <para>
/// I2C protocol: a write transaction sets the register pointer with its first byte and writes the following bytes
/// at the pointer, which auto-increments; a read transaction returns bytes from the pointer on, auto-incrementing.
/// Power-on state: every register 0x00 except PWR_MGMT_1 = 0x40 (asleep); WHO_AM_I reads <see cref="WhoAmIValue"/>
/// (0x68) and, like INT_STATUS, the data registers (0x3B..0x48) and FIFO_COUNT, ignores writes. Other registers,
/// documented or not, keep what is written (the upstream .NET IoT driver writes and reads back 0x1D, an MPU-6500
/// register). PWR_MGMT_1 bit 7 resets every register to its power-on value (the device is asleep afterwards).
/// </para>
/// <para>
/// Sampling: while awake (SLEEP clear, CLKSEL not 7) the data registers latch a new sample every
/// (1 + SMPLRT_DIV) × 1 ms (DLPF_CFG 1..6) or × 125 µs (DLPF_CFG 0 or 7: 8 kHz gyroscope rate; the real
/// accelerometer would repeat values at 1 kHz there, not modelled), the first one period after waking; a change of
/// SMPLRT_DIV or CONFIG takes effect from the last sample on. The sample at time t is the motion at t, scaled by the
/// configured range: accelerometer 16384/8192/4096/2048 LSB/g (AFS_SEL 0..3), gyroscope 131/65.5/32.8/16.4 LSB per
/// °/s (FS_SEL 0..3), rounded half away from zero, saturated to int16, stored big-endian; temperature
/// (<see cref="TemperatureCelsius"/> − 36.53) × 340 unless TEMP_DIS. A burst read sees one consistent sample (the
/// device latches at the start of the transfer). Each sample sets INT_STATUS DATA_RDY_INT when INT_ENABLE
/// DATA_RDY_EN is set; reading INT_STATUS clears it (any read does, with INT_PIN_CFG INT_RD_CLEAR). While asleep the
/// data registers keep their values (zeros after a reset) and no data-ready flag is raised. Not modelled: FIFO,
/// self-test, cycle mode (CYCLE behaves as awake), standby axes (PWR_MGMT_2), motion interrupts, I2C master.
/// </para>
/// <para>
/// Faults of the device itself: <see cref="Stuck"/> (data registers frozen while samples and data-ready go on, as
/// with a failed sensing element), <see cref="WhoAmIValue"/> (another chip), deterministic noise
/// (<see cref="SetNoise"/>) so a healthy sensor at rest does not look stuck. Bus faults and power loss are injected
/// on the <see cref="EmulatedI2cBus"/>, which calls <see cref="PowerOnReset"/> when power returns.
/// </para>
/// </summary>
public sealed class EmulatedMpu6050 : IEmulatedI2cDevice
{
    private static readonly double[] s_gyroLsbPerDps = { 131.0, 65.5, 32.8, 16.4 };

    private readonly IClock _clock;
    private readonly byte[] _registers = new byte[128];
    private readonly double[] _accelG = new double[3];
    private readonly double[] _gyroDps = new double[3];
    private readonly List<RegisterWrite> _writes = new();
    private IMotionSource _motion;
    private int _pointer;
    private bool _sampling;
    private long _lastSampleAt;
    private long _nextSampleAt;
    private int _noiseLsb;
    private uint _noiseState = 1;

    public EmulatedMpu6050(IClock clock, IMotionSource? motion = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _motion = motion ?? RecordedMotion.Still();
        ResetRegisters();
    }

    /// <summary>What the sensor feels (default: at rest, gravity on +Z).</summary>
    public IMotionSource Motion
    {
        get => _motion;
        set => _motion = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>What WHO_AM_I (0x75) reads: 0x68 for an MPU-6050; set e.g. 0x70 to play an MPU-6500.</summary>
    public byte WhoAmIValue { get; set; } = Mpu6050Registers.WhoAmIValue;

    /// <summary>Die temperature the temperature register reports.</summary>
    public double TemperatureCelsius { get; set; } = 25.0;

    /// <summary>Stuck-sensor fault: the data registers stop changing (sampling, counters and data-ready go on).</summary>
    public bool Stuck { get; set; }

    /// <summary>Samples latched since construction (samples skipped between two transfers are counted too).</summary>
    public long SamplesTaken { get; private set; }

    /// <summary>Clock time of the last sample latched, or of waking when none since.</summary>
    public long LastSampleMicroseconds => _lastSampleAt;

    /// <summary>Power-on resets (returns from an outage) since construction.</summary>
    public int PowerOnCount { get; private set; }

    /// <summary>Device resets through PWR_MGMT_1 bit 7 since construction.</summary>
    public int ResetCount { get; private set; }

    /// <summary>SLEEP bit of PWR_MGMT_1.</summary>
    public bool IsAsleep => (_registers[Mpu6050Registers.PowerManagement1] & Mpu6050Registers.SleepBit) != 0;

    /// <summary>Time between samples under the current SMPLRT_DIV and CONFIG.</summary>
    public long SamplePeriodMicroseconds
    {
        get
        {
            int dlpf = _registers[Mpu6050Registers.Config] & Mpu6050Registers.DlpfMask;
            int baseMicroseconds = dlpf == 0 || dlpf == 7 ? 125 : 1000;
            return (1L + _registers[Mpu6050Registers.SampleRateDivider]) * baseMicroseconds;
        }
    }

    /// <summary>Every register write received through the bus, in order (reads are not logged).</summary>
    public IReadOnlyList<RegisterWrite> Writes => _writes;

    /// <summary>Adds uniform noise of ±<paramref name="amplitudeLsb"/> to each accelerometer and gyroscope value, from a seeded generator (0: none).</summary>
    public void SetNoise(int amplitudeLsb, uint seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amplitudeLsb);
        _noiseLsb = amplitudeLsb;
        _noiseState = seed == 0 ? 1 : seed;
    }

    /// <summary>The register as stored now, without any side effect (no sampling catch-up, no read-to-clear).</summary>
    public byte PeekRegister(int register)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(register);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(register, 127);
        return register == Mpu6050Registers.WhoAmI ? WhoAmIValue : _registers[register];
    }

    /// <summary>The big-endian int16 at <paramref name="register"/> (high byte) and the next, without side effects.</summary>
    public short PeekInt16(int register) => (short)((PeekRegister(register) << 8) | PeekRegister(register + 1));

    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            return; // address-only probe
        }

        long now = _clock.NowMicroseconds;
        CatchUp(now);
        _pointer = data[0] & 0x7F;
        for (int i = 1; i < data.Length; i++)
        {
            byte register = (byte)_pointer;
            _writes.Add(new RegisterWrite(now, register, data[i]));
            if (!WriteRegister(register, data[i], now))
            {
                return; // device reset: the rest of the transaction is lost
            }

            _pointer = (_pointer + 1) & 0x7F;
        }
    }

    public void Read(Span<byte> buffer)
    {
        CatchUp(_clock.NowMicroseconds);
        bool clearStatus = (_registers[Mpu6050Registers.IntPinConfig] & Mpu6050Registers.IntReadClearBit) != 0 && buffer.Length > 0;
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = PeekRegister(_pointer);
            clearStatus |= _pointer == Mpu6050Registers.IntStatus;
            _pointer = (_pointer + 1) & 0x7F;
        }

        if (clearStatus)
        {
            _registers[Mpu6050Registers.IntStatus] = 0;
        }
    }

    public void PowerOnReset()
    {
        PowerOnCount++;
        ResetRegisters();
    }

    private void ResetRegisters()
    {
        Array.Clear(_registers);
        _registers[Mpu6050Registers.PowerManagement1] = Mpu6050Registers.SleepBit;
        _pointer = 0;
        _sampling = false;
        _lastSampleAt = _clock.NowMicroseconds;
        _nextSampleAt = long.MaxValue;
    }

    /// <summary>Applies one register write; false when it reset the device.</summary>
    private bool WriteRegister(byte register, byte value, long now)
    {
        switch (register)
        {
            case Mpu6050Registers.WhoAmI:
            case Mpu6050Registers.IntStatus:
            case 0x72: // FIFO_COUNTH
            case 0x73: // FIFO_COUNTL
                return true;
            case >= Mpu6050Registers.AccelXoutH and < Mpu6050Registers.AccelXoutH + Mpu6050Registers.DataLength:
                return true;
            case Mpu6050Registers.PowerManagement1 when (value & Mpu6050Registers.DeviceResetBit) != 0:
                ResetCount++;
                ResetRegisters();
                return false;
        }

        _registers[register] = value;
        bool sampling = (_registers[Mpu6050Registers.PowerManagement1] & Mpu6050Registers.SleepBit) == 0
            && (_registers[Mpu6050Registers.PowerManagement1] & 0x07) != Mpu6050Registers.ClockStop;
        if (sampling && !_sampling)
        {
            _lastSampleAt = now; // woken: the sample clock starts now
            _nextSampleAt = now + SamplePeriodMicroseconds;
        }
        else if (sampling && (register == Mpu6050Registers.SampleRateDivider || register == Mpu6050Registers.Config))
        {
            _nextSampleAt = _lastSampleAt + SamplePeriodMicroseconds;
        }
        else if (!sampling)
        {
            _nextSampleAt = long.MaxValue;
        }

        _sampling = sampling;
        return true;
    }

    /// <summary>Latches the latest sample due by <paramref name="now"/> (earlier ones are overwritten, as on the device).</summary>
    private void CatchUp(long now)
    {
        if (!_sampling || now < _nextSampleAt)
        {
            return;
        }

        long period = SamplePeriodMicroseconds;
        long skipped = (now - _nextSampleAt) / period;
        long at = _nextSampleAt + (skipped * period);
        SamplesTaken += skipped + 1;
        _lastSampleAt = at;
        _nextSampleAt = at + period;
        if (!Stuck)
        {
            Latch(at);
        }

        if ((_registers[Mpu6050Registers.IntEnable] & Mpu6050Registers.DataReadyBit) != 0)
        {
            _registers[Mpu6050Registers.IntStatus] |= Mpu6050Registers.DataReadyBit;
        }
    }

    private void Latch(long at)
    {
        _motion.Sample(at, _accelG, _gyroDps);
        int afs = (_registers[Mpu6050Registers.AccelConfig] >> Mpu6050Registers.FullScaleShift) & Mpu6050Registers.FullScaleMask;
        int fs = (_registers[Mpu6050Registers.GyroConfig] >> Mpu6050Registers.FullScaleShift) & Mpu6050Registers.FullScaleMask;
        double accelLsb = 16384 >> afs;
        double gyroLsb = s_gyroLsbPerDps[fs];
        for (int axis = 0; axis < 3; axis++)
        {
            Store(Mpu6050Registers.AccelXoutH + (2 * axis), ToRaw(_accelG[axis] * accelLsb) + Noise());
            Store(Mpu6050Registers.GyroXoutH + (2 * axis), ToRaw(_gyroDps[axis] * gyroLsb) + Noise());
        }

        if ((_registers[Mpu6050Registers.PowerManagement1] & Mpu6050Registers.TempDisableBit) == 0)
        {
            Store(Mpu6050Registers.TempOutH, ToRaw((TemperatureCelsius - 36.53) * 340.0));
        }
    }

    private static int ToRaw(double lsb) =>
        (int)Math.Clamp(Math.Round(lsb, MidpointRounding.AwayFromZero), short.MinValue, short.MaxValue);

    private void Store(int register, int value)
    {
        int v = Math.Clamp(value, short.MinValue, short.MaxValue);
        _registers[register] = (byte)(v >> 8);
        _registers[register + 1] = (byte)v;
    }

    private int Noise()
    {
        if (_noiseLsb == 0)
        {
            return 0;
        }

        // xorshift32: deterministic for a given seed.
        uint x = _noiseState;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _noiseState = x;
        return (int)(x % (uint)((2 * _noiseLsb) + 1)) - _noiseLsb;
    }
}
