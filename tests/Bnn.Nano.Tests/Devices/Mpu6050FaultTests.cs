using System;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Emulator;
using Xunit;

namespace Bnn.Nano.Tests.Devices;

/// <summary>Every fault of the emulator, seen through our driver: what the node application will meet.</summary>
public class Mpu6050FaultTests
{
    [Fact]
    public void Nack_surfaces_as_BusException_Nack_for_exactly_the_injected_transfers()
    {
        var rig = new DeviceRig(DeviceRig.MillisecondRamp(1000));
        rig.Imu.Initialize();
        var sample = new ImuSample();
        rig.Bus.InjectNack(DeviceRig.Address, 2);

        BusException first = Assert.Throws<BusException>(() => rig.Imu.ReadSample(sample));
        BusException second = Assert.Throws<BusException>(() => rig.Imu.ReadSample(sample));
        rig.Imu.ReadSample(sample);

        Assert.Equal(BusError.Nack, first.Error);
        Assert.Equal(BusError.Nack, second.Error);
        Assert.Equal("I2C device 0x68: no acknowledge (NACK) reading register 0x3B", first.Message);
        Assert.Equal(130, sample.AccelX);
        Assert.Equal(2, rig.Bus.FailedTransferCount);

        // A bus failure means the device may have lost power: the driver says so, and a cheap check restores trust.
        Assert.False(rig.Imu.IsInitialized);
        Assert.True(rig.Imu.VerifyConfiguration());
        Assert.True(rig.Imu.IsInitialized);
    }

    [Fact]
    public void Nack_until_cleared_fails_every_transfer_then_recovers()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();
        var sample = new ImuSample();
        rig.Bus.InjectNack(DeviceRig.Address, EmulatedI2cBus.UntilCleared);

        for (int i = 0; i < 5; i++)
        {
            rig.Clock.Advance(10_000);
            Assert.Equal(BusError.Nack, Assert.Throws<BusException>(() => rig.Imu.ReadSample(sample)).Error);
        }

        Assert.Equal(BusError.Nack, Assert.Throws<BusException>(() => rig.Imu.Initialize()).Error);
        rig.Bus.ClearFaults(DeviceRig.Address);
        rig.Imu.ReadSample(sample);
        Assert.Equal(16384, sample.AccelZ);
    }

    [Fact]
    public void Timeout_surfaces_as_BusException_Timeout_on_writes_and_reads()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();
        var sample = new ImuSample();

        rig.Bus.InjectTimeout(DeviceRig.Address, 1);
        BusException onRead = Assert.Throws<BusException>(() => rig.Imu.ReadSample(sample));
        Assert.True(rig.Imu.VerifyConfiguration()); // initialized again, so the setter writes at once
        rig.Bus.InjectTimeout(DeviceRig.Address, 1);
        BusException onWrite = Assert.Throws<BusException>(() => rig.Imu.SetAccelerometerRange(4));
        rig.Bus.InjectTimeout(DeviceRig.Address, 1);
        BusException onInitialize = Assert.Throws<BusException>(() => rig.Imu.Initialize());

        Assert.Equal(BusError.Timeout, onRead.Error);
        Assert.Equal(BusError.Timeout, onWrite.Error);
        Assert.Equal(BusError.Timeout, onInitialize.Error);
        Assert.Equal("I2C device 0x68: timeout (clock stretching) reading register 0x3B", onRead.Message);
        Assert.Equal("I2C device 0x68: timeout (clock stretching) writing register 0x1C", onWrite.Message);
        Assert.Contains("register 0x75", onInitialize.Message, StringComparison.Ordinal); // WHO_AM_I comes first
        Assert.Equal((byte)0x00, rig.Sensor.PeekRegister(0x1C)); // the timed-out write never reached the device

        rig.Imu.Initialize(); // ±4 g stored by the failed setter, written now
        rig.Imu.ReadSample(sample);
        Assert.Equal(8192, sample.AccelZ);
    }

    [Fact]
    public void Nothing_at_the_address_is_a_nack()
    {
        var clock = new VirtualClock();
        var bus = new EmulatedI2cBus(clock);
        var imu = new Mpu6050(bus.ForAddress(Mpu6050.AlternateAddress), clock);

        BusException e = Assert.Throws<BusException>(() => imu.Initialize());

        Assert.Equal(BusError.Nack, e.Error);
        Assert.Contains("0x69", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stuck_sensor_gives_constant_values_and_LooksStuck_sees_it()
    {
        var rig = new DeviceRig();
        rig.Sensor.SetNoise(3, 12345); // a real sensor at rest is noisy: exact repeats mean a fault
        rig.Imu.Initialize();
        var sample = new ImuSample();
        long next = rig.Clock.NowMicroseconds;
        for (int i = 0; i < 200; i++)
        {
            next += rig.Imu.SamplePeriodMicroseconds;
            rig.Clock.SleepUntil(next);
            rig.Imu.ReadSample(sample);
            Assert.False(rig.Imu.LooksStuck(3));
        }

        int frozenX = sample.AccelX;
        int frozenGz = sample.GyroZ;
        rig.Sensor.Stuck = true;
        for (int i = 1; i <= 10; i++)
        {
            next += rig.Imu.SamplePeriodMicroseconds;
            rig.Clock.SleepUntil(next);
            rig.Imu.ReadSample(sample);
            Assert.Equal(frozenX, sample.AccelX);
            Assert.Equal(frozenGz, sample.GyroZ);
            Assert.Equal(i, rig.Imu.IdenticalReadCount);
            Assert.Equal(i >= 5, rig.Imu.LooksStuck(5));
        }

        Assert.True(rig.Imu.DataReady()); // the digital side still runs: only the data froze
        Assert.True(rig.Imu.VerifyConfiguration()); // and the configuration is intact

        rig.Sensor.Stuck = false;
        rig.Clock.SleepUntil(next + rig.Imu.SamplePeriodMicroseconds);
        rig.Imu.ReadSample(sample);
        Assert.Equal(0, rig.Imu.IdenticalReadCount);
        Assert.False(rig.Imu.LooksStuck(1));
    }

    [Fact]
    public void Disappear_and_reappear_fails_reads_then_the_device_needs_initializing_again()
    {
        var rig = new DeviceRig(DeviceRig.MillisecondRamp(2000));
        rig.Imu.Initialize(); // now 130 ms
        var sample = new ImuSample();
        rig.Bus.Disappear(DeviceRig.Address, 200_000, 400_000);

        rig.Clock.SleepUntil(190_000);
        rig.Imu.ReadSample(sample);
        Assert.Equal(190, sample.AccelX);

        rig.Clock.SleepUntil(200_000);
        Assert.Equal(BusError.Nack, Assert.Throws<BusException>(() => rig.Imu.ReadSample(sample)).Error);
        rig.Clock.SleepUntil(399_999);
        Assert.Equal(BusError.Nack, Assert.Throws<BusException>(() => rig.Imu.ReadSample(sample)).Error);
        Assert.False(rig.Imu.IsInitialized);

        // Back, in its power-on state: asleep, every register at its reset value. Reads succeed but the data is dead.
        rig.Clock.SleepUntil(400_000);
        rig.Imu.ReadSample(sample);
        Assert.Equal(1, rig.Sensor.PowerOnCount);
        Assert.True(rig.Sensor.IsAsleep);
        Assert.Equal(0, sample.AccelX);
        Assert.Equal(0, sample.AccelZ);
        Assert.False(rig.Imu.VerifyConfiguration());

        // The recovery of the class summary: WHO_AM_I again, reset, wake, configuration.
        if (!rig.Imu.IsInitialized && !rig.Imu.VerifyConfiguration())
        {
            rig.Imu.Initialize(); // 400 ms + 100 ms reset wait; woken at 500 ms, 30 ms start-up
        }

        Assert.True(rig.Imu.IsInitialized);
        Assert.Equal(2, rig.Sensor.ResetCount);
        rig.Imu.ReadSample(sample);
        Assert.Equal(530, sample.AccelX);
        Assert.Equal(16384, sample.AccelZ);
    }

    [Fact]
    public void Reinitializing_after_an_outage_checks_who_am_i_again()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();
        rig.Bus.Disappear(DeviceRig.Address, rig.Clock.NowMicroseconds, rig.Clock.NowMicroseconds + 50_000);
        rig.Sensor.WhoAmIValue = 0x71; // something else answers after the outage
        rig.Clock.Advance(60_000);

        ImuException e = Assert.Throws<ImuException>(() => rig.Imu.Initialize());

        Assert.Contains("reads 0x71", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, rig.Sensor.ResetCount); // not reset again
    }

    [Fact]
    public void An_outage_with_no_transfer_during_it_still_leaves_the_device_in_its_power_on_state()
    {
        var rig = new DeviceRig();
        rig.Imu.Initialize();
        long now = rig.Clock.NowMicroseconds;
        rig.Bus.Disappear(DeviceRig.Address, now + 10_000, now + 20_000);

        rig.Clock.Advance(100_000); // the node slept through the whole outage
        var sample = new ImuSample();
        rig.Imu.ReadSample(sample);

        Assert.Equal(1, rig.Sensor.PowerOnCount);
        Assert.True(rig.Imu.IsInitialized); // no bus error was seen ...
        Assert.False(rig.Imu.VerifyConfiguration()); // ... which is why the node verifies now and then
    }

    [Fact]
    public void A_node_loop_rides_through_nacks_timeouts_and_an_outage()
    {
        var rig = new DeviceRig(DeviceRig.MillisecondRamp(5000));
        rig.Sensor.SetNoise(1, 99);
        rig.Imu.Initialize();
        rig.Bus.Disappear(DeviceRig.Address, 1_000_000, 1_500_000);
        var sample = new ImuSample();
        int failures = 0;
        int reads = 0;
        long next = rig.Clock.NowMicroseconds;
        while (rig.Clock.NowMicroseconds < 3_000_000)
        {
            if (rig.Clock.NowMicroseconds == 600_000)
            {
                rig.Bus.InjectNack(DeviceRig.Address, 3);
            }

            if (rig.Clock.NowMicroseconds == 2_000_000)
            {
                rig.Bus.InjectTimeout(DeviceRig.Address, 1);
            }

            next += rig.Imu.SamplePeriodMicroseconds;
            rig.Clock.SleepUntil(next);
            try
            {
                if (!rig.Imu.IsInitialized && !rig.Imu.VerifyConfiguration())
                {
                    rig.Imu.Initialize();
                    next = rig.Clock.NowMicroseconds;
                    continue;
                }

                rig.Imu.ReadSample(sample);
                reads++;
            }
            catch (BusException)
            {
                failures++;
            }
        }

        Assert.True(failures >= 3 + 1 + 49, failures.ToString(System.Globalization.CultureInfo.InvariantCulture)); // NACKs, timeout, ~50 periods of outage
        Assert.Equal(2, rig.Sensor.ResetCount); // one re-initialization: after the outage only
        Assert.True(rig.Imu.IsInitialized);
        Assert.InRange(sample.AccelX - (int)(sample.TimestampMicroseconds / 1000), -1, 1); // live data at the end
        Assert.True(reads > 200);
    }
}
