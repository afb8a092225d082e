using System;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Emulator;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Devices;

/// <summary>The emulator's own behaviour, where the driver tests do not already pin it down.</summary>
public class EmulatorTests
{
    [Fact]
    public void Virtual_clock_moves_only_forward_and_only_when_waited_on()
    {
        var clock = new VirtualClock(1_000);
        clock.SleepUntil(500);
        Assert.Equal(1_000, clock.NowMicroseconds);
        clock.SleepUntil(2_500);
        clock.Advance(500);
        Assert.Equal(3_000, clock.NowMicroseconds);
        Assert.Equal(3, clock.SleepCount);
    }

    [Fact]
    public void Mpu6050_power_on_state_and_register_protocol()
    {
        var clock = new VirtualClock();
        var sensor = new EmulatedMpu6050(clock);
        var bus = new EmulatedI2cBus(clock);
        bus.Attach(0x68, sensor);
        byte[] read = new byte[3];

        Assert.Equal(0x40, sensor.PeekRegister(0x6B)); // asleep
        Assert.Equal(0x68, sensor.PeekRegister(0x75));
        Assert.True(sensor.IsAsleep);

        // Burst write with auto-increment from SMPLRT_DIV: SMPLRT_DIV, CONFIG, GYRO_CONFIG.
        Assert.Equal(EmulatedI2cStatus.Ok, bus.Write(0x68, new byte[] { 0x19, 7, 3, 0x18 }));
        Assert.Equal(EmulatedI2cStatus.Ok, bus.WriteRead(0x68, new byte[] { 0x19 }, read));
        Assert.Equal(new byte[] { 7, 3, 0x18 }, read);

        // Read-only registers ignore writes; undocumented ones keep what is written (upstream uses 0x1D).
        bus.Write(0x68, new byte[] { 0x75, 0x00 });
        bus.Write(0x68, new byte[] { 0x3B, 0x12, 0x34 });
        bus.Write(0x68, new byte[] { 0x1D, 0x08 });
        Assert.Equal(0x68, sensor.PeekRegister(0x75));
        Assert.Equal(0, sensor.PeekInt16(0x3B));
        Assert.Equal(0x08, sensor.PeekRegister(0x1D));

        // Asleep: no samples however long we wait.
        clock.Advance(1_000_000);
        bus.WriteRead(0x68, new byte[] { 0x3B }, read);
        Assert.Equal(0, sensor.SamplesTaken);

        // Awake: 1 kHz / (1 + 7) = 125 Hz; DEVICE_RESET brings back the power-on state.
        bus.Write(0x68, new byte[] { 0x6B, 0x01 });
        clock.Advance(80_000);
        bus.WriteRead(0x68, new byte[] { 0x3B }, read);
        Assert.Equal(10, sensor.SamplesTaken);
        Assert.Equal(16384, sensor.PeekInt16(0x3F)); // gravity on +Z at ±2 g
        bus.Write(0x68, new byte[] { 0x6B, 0x80 });
        Assert.True(sensor.IsAsleep);
        Assert.Equal(0, sensor.PeekRegister(0x19));
        Assert.Equal(1, sensor.ResetCount);
    }

    [Fact]
    public void Temperature_can_be_disabled_and_int_rd_clear_clears_status_on_any_read()
    {
        var rig = new DeviceRig();
        rig.Sensor.TemperatureCelsius = 36.53 + 10;
        rig.Imu.Initialize();
        Assert.Equal(3400, ReadTemperature(rig)); // (46.53 - 36.53) * 340

        rig.Bus.ForAddress(0x68).WriteRegister(0x37, 0x10); // INT_RD_CLEAR
        rig.Clock.Advance(10_000);
        var sample = new ImuSample();
        rig.Imu.ReadSample(sample); // clears DATA_RDY_INT as a side effect
        Assert.False(rig.Imu.DataReady());

        rig.Bus.ForAddress(0x68).WriteRegister(0x6B, 0x01 | 0x08); // TEMP_DIS
        rig.Sensor.TemperatureCelsius = 0;
        rig.Clock.Advance(10_000);
        rig.Imu.ReadSample(sample);
        Assert.Equal(3400, sample.Temperature); // frozen at the last conversion
    }

    [Fact]
    public void Bus_counts_transfers_and_rejects_bad_addresses_and_counts()
    {
        var clock = new VirtualClock();
        var bus = new EmulatedI2cBus(clock);
        Assert.Equal(EmulatedI2cStatus.Nack, bus.Write(0x10, new byte[] { 1 }));
        Assert.Equal(1, bus.TransferCount);
        Assert.Equal(1, bus.FailedTransferCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => bus.ForAddress(128));
        Assert.Throws<ArgumentOutOfRangeException>(() => bus.InjectNack(0x68, -2));
        Assert.Throws<ArgumentException>(() => bus.Disappear(0x68, 10, 5));

        IRegisterBus nobody = bus.ForAddress(0x10);
        BusException e = Assert.Throws<BusException>(() => nobody.WriteRegister(0x6B, 0));
        Assert.Equal("I2C device 0x10: no acknowledge (NACK) writing register 0x6B", e.Message);
    }

    [Fact]
    public void Clearing_a_running_outage_powers_the_device_up_in_its_reset_state()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();
        rig.Bus.Disappear(DeviceRig.Address, 0, long.MaxValue); // gone for good ...
        Assert.Throws<BusException>(() => rig.Imu.ReadWhoAmI());
        rig.Bus.ClearFaults(DeviceRig.Address); // ... until someone plugs it back in

        Assert.Equal(1, rig.Sensor.PowerOnCount);
        Assert.True(rig.Sensor.IsAsleep);
        Assert.Equal(0x68, rig.Imu.ReadWhoAmI());
    }

    [Fact]
    public void Recorded_motion_holds_each_sample_and_holds_or_loops_at_the_end()
    {
        var held = new RecordedMotion(new double[] { 1, 0, 0, 2, 0, 0 }, new double[6], 100, startMicroseconds: 1_000);
        var looped = new RecordedMotion(new double[] { 1, 0, 0, 2, 0, 0 }, new double[6], 100, startMicroseconds: 1_000, loop: true);

        Assert.Equal(0, held.IndexAt(0));
        Assert.Equal(0, held.IndexAt(10_999));
        Assert.Equal(1, held.IndexAt(11_000));
        Assert.Equal(1, held.IndexAt(1_000_000));
        Assert.Equal(0, looped.IndexAt(21_000));
        Assert.Equal(1, looped.IndexAt(31_000));
        Assert.Throws<ArgumentException>(() => new RecordedMotion(new double[3], new double[6], 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecordedMotion(new double[3], new double[3], 0));
    }

    [Fact]
    public void Digital_output_records_transitions_with_timestamps()
    {
        var clock = new VirtualClock();
        var pin = new EmulatedDigitalOutput(clock);
        pin.Write(false);
        clock.Advance(5);
        pin.Write(true);
        pin.Write(true);
        clock.Advance(5);
        pin.Write(false);

        Assert.Equal(new[] { new PinTransition(5, true), new PinTransition(10, false) }, pin.Transitions);
        Assert.Equal(4, pin.WriteCount);
        Assert.True(pin.WasHighAt(7));
        Assert.False(pin.WasHighAt(10));
    }

    [Fact]
    public void Model_store_round_trips_and_a_flipped_byte_is_caught_by_the_blob_crc()
    {
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(5, 64, false, new[] { 32 }, 4)));
        var store = new MemoryModelStore();
        Assert.Equal(-1, store.Length("model.bnn"));
        store.Write("model.bnn", blob, 0, blob.Length);

        byte[] buffer = new byte[store.Length("model.bnn")];
        store.Read("model.bnn", buffer);
        Assert.Equal(blob, buffer);
        Assert.NotNull(BlobReader.Load(buffer));

        store.FlipByte("model.bnn", blob.Length / 2);
        store.Read("model.bnn", buffer);
        Assert.NotEqual(blob[blob.Length / 2], buffer[blob.Length / 2]);
        Assert.Throws<BnnException>(() => BlobReader.Load(buffer));
        Assert.Throws<InvalidOperationException>(() => store.Read("other.bnn", buffer));
        Assert.Throws<ArgumentException>(() => store.Read("model.bnn", new byte[3]));
        Assert.Equal(2, store.ReadCount);
    }

    private static int ReadTemperature(DeviceRig rig)
    {
        var sample = new ImuSample();
        rig.Imu.ReadSample(sample);
        return sample.Temperature;
    }
}
