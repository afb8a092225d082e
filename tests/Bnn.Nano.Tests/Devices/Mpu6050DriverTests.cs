using System;
using System.Linq;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Emulator;
using Xunit;

namespace Bnn.Nano.Tests.Devices;

/// <summary>Our MPU-6050 driver against the emulated device through the emulated I2C bus: the path the node runs.</summary>
public class Mpu6050DriverTests
{
    [Fact]
    public void Initialize_checks_who_am_i_resets_wakes_and_writes_the_configuration()
    {
        var rig = new DeviceRig();
        rig.Imu.SetAccelerometerRange(8);
        rig.Imu.SetGyroscopeRange(1000);
        rig.Imu.SetSampleRate(4, 2);
        Assert.Empty(rig.Sensor.Writes); // before Initialize, settings are only stored

        rig.Imu.Initialize();

        RegisterWrite[] expected =
        {
            new(0, 0x6B, 0x80),       // DEVICE_RESET
            new(100_000, 0x6B, 0x01), // 100 ms later: awake, PLL with X gyro
            new(100_000, 0x1A, 0x02), // DLPF_CFG 2
            new(100_000, 0x19, 0x04), // SMPLRT_DIV 4: 200 Hz
            new(100_000, 0x1B, 0x10), // FS_SEL 2: ±1000 °/s
            new(100_000, 0x1C, 0x10), // AFS_SEL 2: ±8 g
            new(100_000, 0x38, 0x01), // DATA_RDY_EN
        };
        Assert.Equal(expected, rig.Sensor.Writes);
        Assert.Equal(1, rig.Sensor.ResetCount);
        Assert.False(rig.Sensor.IsAsleep);
        Assert.Equal(0x01, rig.Sensor.PeekRegister(0x6B));
        Assert.Equal(0x10, rig.Sensor.PeekRegister(0x1C));
        Assert.Equal(0x10, rig.Sensor.PeekRegister(0x1B));
        Assert.Equal(0x04, rig.Sensor.PeekRegister(0x19));
        Assert.Equal(0x02, rig.Sensor.PeekRegister(0x1A));
        Assert.Equal(130_000, rig.Clock.NowMicroseconds); // reset wait + gyro start-up wait, on the virtual clock
        Assert.True(rig.Imu.IsInitialized);
        Assert.Equal(5000, rig.Imu.SamplePeriodMicroseconds);
        Assert.Equal(5000, rig.Sensor.SamplePeriodMicroseconds);
    }

    [Fact]
    public void Defaults_are_2g_250dps_dlpf3_and_100Hz_and_setters_write_at_once_when_initialized()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();
        Assert.Equal((byte)0x00, rig.Sensor.PeekRegister(0x1C));
        Assert.Equal((byte)0x00, rig.Sensor.PeekRegister(0x1B));
        Assert.Equal((byte)9, rig.Sensor.PeekRegister(0x19));
        Assert.Equal((byte)3, rig.Sensor.PeekRegister(0x1A));
        Assert.Equal(10_000, rig.Imu.SamplePeriodMicroseconds);

        rig.Imu.SetAccelerometerRange(16);
        rig.Imu.SetGyroscopeRange(500);
        rig.Imu.SetSampleRate(0, 6);

        Assert.Equal((byte)0x18, rig.Sensor.PeekRegister(0x1C));
        Assert.Equal((byte)0x08, rig.Sensor.PeekRegister(0x1B));
        Assert.Equal((byte)0, rig.Sensor.PeekRegister(0x19));
        Assert.Equal((byte)6, rig.Sensor.PeekRegister(0x1A));
        Assert.True(rig.Imu.VerifyConfiguration());
    }

    [Theory]
    [InlineData(2, 16384, 250, 131.0)]
    [InlineData(4, 8192, 500, 65.5)]
    [InlineData(8, 4096, 1000, 32.8)]
    [InlineData(16, 2048, 2000, 16.4)]
    public void Burst_read_decodes_the_played_motion_exactly(int rangeG, int lsbPerG, int rangeDps, double lsbPerDps)
    {
        // Linear acceleration (0.5, -0.25, 0.75) g plus gravity on +Z; angular rate (100, -50, 10) °/s: every value is
        // a whole number of LSB at every range, and the negative ones exercise the int16 sign.
        var rig = new DeviceRig(DeviceRig.Constant(0.5, -0.25, 0.75, 100, -50, 10));
        rig.Imu.SetAccelerometerRange(rangeG);
        rig.Imu.SetGyroscopeRange(rangeDps);
        rig.Imu.Initialize();
        var sample = new ImuSample();

        rig.Imu.ReadSample(sample);

        Assert.Equal(lsbPerG / 2, sample.AccelX);
        Assert.Equal(-lsbPerG / 4, sample.AccelY);
        Assert.Equal(lsbPerG * 7 / 4, sample.AccelZ);
        Assert.Equal((int)Math.Round(100 * lsbPerDps), sample.GyroX);
        Assert.Equal((int)Math.Round(-50 * lsbPerDps), sample.GyroY);
        Assert.Equal((int)Math.Round(10 * lsbPerDps), sample.GyroZ);
        Assert.Equal(-3920, sample.Temperature); // (25 °C - 36.53) * 340 = -3920.2
        Assert.Equal(rig.Clock.NowMicroseconds, sample.TimestampMicroseconds);

        // The same values as the register file holds (big-endian, high byte first).
        Assert.Equal(rig.Sensor.PeekInt16(0x3B), sample.AccelX);
        Assert.Equal(rig.Sensor.PeekInt16(0x3D), sample.AccelY);
        Assert.Equal(rig.Sensor.PeekInt16(0x47), sample.GyroZ);

        // Conversions use the configured range.
        Assert.Equal(500, rig.Imu.AccelToMilliG(sample.AccelX));
        Assert.Equal(-250, rig.Imu.AccelToMilliG(sample.AccelY));
        Assert.Equal(1750, rig.Imu.AccelToMilliG(sample.AccelZ));
        Assert.Equal(100_000, rig.Imu.GyroToMilliDps(sample.GyroX));
        Assert.Equal(-50_000, rig.Imu.GyroToMilliDps(sample.GyroY));
        Assert.Equal(10_000, rig.Imu.GyroToMilliDps(sample.GyroZ));
        Assert.InRange(Mpu6050.TemperatureToCentiCelsius(sample.Temperature), 2499, 2501);
    }

    [Fact]
    public void Values_beyond_the_range_saturate_at_the_int16_limits()
    {
        var rig = new DeviceRig(DeviceRig.Constant(2.5, -3.0, -1.0, 300, -300, 0));
        rig.Imu.Initialize(); // ±2 g, ±250 °/s
        var sample = new ImuSample();

        rig.Imu.ReadSample(sample);

        Assert.Equal(short.MaxValue, sample.AccelX);
        Assert.Equal(short.MinValue, sample.AccelY);
        Assert.Equal(0, sample.AccelZ); // -1 g of motion cancels gravity
        Assert.Equal(short.MaxValue, sample.GyroX);
        Assert.Equal(short.MinValue, sample.GyroY);
        Assert.Equal(1999, rig.Imu.AccelToMilliG(sample.AccelX));
        Assert.Equal(-2000, rig.Imu.AccelToMilliG(sample.AccelY));
    }

    [Fact]
    public void Sample_timing_follows_the_virtual_clock_and_SMPLRT_DIV()
    {
        var rig = new DeviceRig(DeviceRig.MillisecondRamp(2000));
        rig.Imu.Initialize(); // woken at 100 ms, 100 Hz: samples at 110, 120, 130 ms, ...
        var sample = new ImuSample();

        Assert.Equal(130, ReadAt(rig, sample, 130_000));
        Assert.Equal(130, ReadAt(rig, sample, 139_999));
        Assert.Equal(140, ReadAt(rig, sample, 140_000));
        Assert.Equal(4, rig.Sensor.SamplesTaken);

        rig.Imu.SetSampleRate(49, 3); // 20 Hz from the last sample (140 ms) on
        Assert.Equal(50_000, rig.Imu.SamplePeriodMicroseconds);
        Assert.Equal(140, ReadAt(rig, sample, 189_999));
        Assert.Equal(190, ReadAt(rig, sample, 190_000));
        Assert.Equal(290, ReadAt(rig, sample, 310_000)); // 240 was overwritten before anyone read it
        Assert.Equal(7, rig.Sensor.SamplesTaken);

        // The allocation-free loop of the class summary sees every sample once.
        rig.Imu.SetSampleRate(4, 3); // 200 Hz
        long next = rig.Clock.NowMicroseconds;
        int previous = (int)(next / 1000);
        for (int i = 0; i < 100; i++)
        {
            next += rig.Imu.SamplePeriodMicroseconds;
            rig.Clock.SleepUntil(next);
            rig.Imu.ReadSample(sample);
            Assert.Equal(previous + 5, sample.AccelX);
            Assert.Equal(next, sample.TimestampMicroseconds);
            previous = sample.AccelX;
        }

        Assert.Equal(0, rig.Imu.IdenticalReadCount);
    }

    [Fact]
    public void DataReady_is_set_by_each_sample_and_cleared_by_reading_it()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();

        Assert.True(rig.Imu.DataReady());
        Assert.False(rig.Imu.DataReady());
        rig.Clock.Advance(9_999);
        Assert.False(rig.Imu.DataReady());
        rig.Clock.Advance(1);
        Assert.True(rig.Imu.DataReady());
        Assert.False(rig.Imu.DataReady());
    }

    [Fact]
    public void Wrong_who_am_i_throws_naming_the_value_and_leaves_the_device_alone()
    {
        var rig = new DeviceRig();
        rig.Sensor.WhoAmIValue = 0x70; // an MPU-6500 at the address

        ImuException e = Assert.Throws<ImuException>(() => rig.Imu.Initialize());

        Assert.Contains("0x70", e.Message, StringComparison.Ordinal);
        Assert.Contains("WHO_AM_I (register 0x75)", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected 0x68", e.Message, StringComparison.Ordinal);
        Assert.Empty(rig.Sensor.Writes);
        Assert.False(rig.Imu.IsInitialized);
        Assert.Equal(0x70, rig.Imu.ReadWhoAmI());
    }

    [Fact]
    public void Invalid_settings_are_refused_before_anything_is_written()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();
        int writes = rig.Sensor.Writes.Count;

        Assert.Contains("not 3", Assert.Throws<ArgumentException>(() => rig.Imu.SetAccelerometerRange(3)).Message, StringComparison.Ordinal);
        Assert.Contains("not 300", Assert.Throws<ArgumentException>(() => rig.Imu.SetGyroscopeRange(300)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => rig.Imu.SetSampleRate(256, 3));
        Assert.Throws<ArgumentException>(() => rig.Imu.SetSampleRate(-1, 3));
        Assert.Throws<ArgumentException>(() => rig.Imu.SetSampleRate(9, 0));
        Assert.Throws<ArgumentException>(() => rig.Imu.SetSampleRate(9, 7));
        Assert.Throws<ArgumentNullException>(() => new Mpu6050(null!, rig.Clock));

        Assert.Equal(writes, rig.Sensor.Writes.Count);
        Assert.Equal(2, rig.Imu.AccelerometerRangeG);
        Assert.Equal(250, rig.Imu.GyroscopeRangeDps);
        Assert.Equal(9, rig.Imu.SampleRateDivider);
        Assert.Equal(3, rig.Imu.DlpfConfig);
    }

    [Fact]
    public void A_configuration_that_does_not_read_back_throws_naming_register_and_values()
    {
        var rig = new DeviceRig();
        var liar = new IgnoresWritesTo(rig.Sensor, 0x1C);
        rig.Bus.Attach(DeviceRig.Address, liar);
        rig.Imu.SetAccelerometerRange(4);

        ImuException e = Assert.Throws<ImuException>(() => rig.Imu.Initialize());

        Assert.Equal("MPU6050: register 0x1C reads 0x00 after configuration, expected 0x08", e.Message);
        Assert.False(rig.Imu.IsInitialized);
    }

    [Fact]
    public void ReadSample_allocates_nothing_over_10000_reads()
    {
        var rig = new DeviceRig(DeviceRig.MillisecondRamp(1000));
        rig.Sensor.SetNoise(2, 7);
        rig.Imu.SetSampleRate(0, 1);
        rig.Imu.Initialize();
        var sample = new ImuSample();
        long checksum = 0;

        // Warm up past tiered JIT compilation, which may allocate on this thread; then measure.
        for (int i = 0; i < 2000; i++)
        {
            rig.Clock.Advance(1000);
            rig.Imu.ReadSample(sample);
            checksum += sample.AccelX + sample.GyroZ;
        }

        int reads = 2000;
        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                rig.Clock.Advance(1000);
                rig.Imu.ReadSample(sample);
                checksum += sample.AccelX + sample.GyroZ + (rig.Imu.LooksStuck(5) ? 1 : 0);
            }

            reads += 10_000;
        });

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
        Assert.Equal(30 + reads, rig.Sensor.SamplesTaken); // 30 during the start-up wait, then one per read
    }

    private static int ReadAt(DeviceRig rig, ImuSample sample, long microseconds)
    {
        rig.Clock.SleepUntil(microseconds);
        rig.Imu.ReadSample(sample);
        return sample.AccelX;
    }

    /// <summary>A device that acknowledges writes to one register but does not keep them (a broken or different chip).</summary>
    private sealed class IgnoresWritesTo : IEmulatedI2cDevice
    {
        private readonly IEmulatedI2cDevice _inner;
        private readonly byte _register;

        public IgnoresWritesTo(IEmulatedI2cDevice inner, byte register)
        {
            _inner = inner;
            _register = register;
        }

        public void Write(ReadOnlySpan<byte> data)
        {
            if (data.Length != 2 || data[0] != _register)
            {
                _inner.Write(data);
            }
        }

        public void Read(Span<byte> buffer) => _inner.Read(buffer);

        public void PowerOnReset() => _inner.PowerOnReset();
    }
}
