using System;
using System.Numerics;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Emulator;
using Iot.Device.Imu;
using Xunit;
using OurMpu6050 = Bnn.Nano.Devices.Imu.Mpu6050;
using UpstreamMpu6050 = Iot.Device.Imu.Mpu6050;

namespace Bnn.Nano.Tests.Devices;

/// <summary>
/// The emulated MPU-6050 checked against an independent reading of the datasheet: the upstream .NET IoT driver
/// (Iot.Device.Imu.Mpu6050, package Iot.Device.Bindings 4.2.0) runs its own initialization over
/// <see cref="Mpu6050I2cDevice"/> and must read the recorded motion back within one LSB; our driver, reading the
/// same registers at the same moment, must decode the very same raw values.
/// </summary>
public class UpstreamMpu6050Tests
{
    private const float UpstreamGravity = 9.807f; // Iot.Device.Imu.Mpu6050 converts g to m/s² with this constant
    private const int Samples = 10;
    private const double RateHz = 50;

    [Theory]
    [InlineData(2, AccelerometerRange.Range02G, 250, GyroscopeRange.Range0250Dps)]
    [InlineData(4, AccelerometerRange.Range04G, 500, GyroscopeRange.Range0500Dps)]
    [InlineData(8, AccelerometerRange.Range08G, 1000, GyroscopeRange.Range1000Dps)]
    [InlineData(16, AccelerometerRange.Range16G, 2000, GyroscopeRange.Range2000Dps)]
    public void Upstream_driver_reads_the_recorded_motion_and_ours_decodes_the_same_raw_values(
        int rangeG, AccelerometerRange upstreamAccelRange, int rangeDps, GyroscopeRange upstreamGyroRange)
    {
        (double[] accel, double[] gyro) = Recording(rangeG / 2.0, rangeDps / 250.0);
        var clock = new VirtualClock();
        var bus = new EmulatedI2cBus(clock);
        var sensor = new EmulatedMpu6050(clock, new RecordedMotion(accel, gyro, RateHz));
        bus.Attach(0x68, sensor);
        using var device = new Mpu6050I2cDevice(bus);

        // Its constructor: reset, power on (PLL), WHO_AM_I == 0x68, gyro bandwidth (CONFIG), ±250 °/s, accel
        // bandwidth (register 0x1D, read back), ±2 g; each setter writes and reads the register back.
        using var upstream = new UpstreamMpu6050(device);
        upstream.AccelerometerRange = upstreamAccelRange;
        upstream.GyroscopeRange = upstreamGyroRange;
        Assert.Equal(1, sensor.ResetCount);
        Assert.False(sensor.IsAsleep);
        Assert.True(device.TransferCount > 10);

        var ours = new OurMpu6050(bus.ForAddress(0x68), clock);
        ours.SetAccelerometerRange(rangeG); // not initialized: only tells our driver the range the device has
        ours.SetGyroscopeRange(rangeDps);
        var sample = new ImuSample();
        float accelLsb = rangeG * UpstreamGravity / 32768f;
        float gyroLsb = rangeDps / 32768f;

        for (int i = 0; i < Samples; i++)
        {
            clock.SleepUntil((long)((i + 0.5) * 1e6 / RateHz)); // the middle of recorded sample i
            Vector3 a = upstream.GetAccelerometer();
            Vector3 g = upstream.GetGyroscopeReading();
            float accelScale = upstream.AccelerationScale;
            float gyroScale = upstream.GyroscopeScale;
            ours.ReadSample(sample);

            for (int axis = 0; axis < 3; axis++)
            {
                double expectedG = accel[(3 * i) + axis] + (axis == 2 ? 1.0 : 0.0); // plus gravity on +Z
                double expectedDps = gyro[(3 * i) + axis];
                float upstreamA = Axis(a, axis);
                float upstreamG = Axis(g, axis);

                // Upstream, from its own init and its own scaling: the recorded motion within one LSB.
                Assert.InRange(Math.Abs(upstreamA - (expectedG * UpstreamGravity)), 0, accelLsb);
                // Its gyro scale is full-scale / 32768 per LSB, the datasheet's 131/65.5/32.8/16.4 LSB per °/s
                // differ from that by 0.05-0.1 %: one LSB plus that.
                Assert.InRange(Math.Abs(upstreamG - expectedDps), 0, gyroLsb + (0.0011 * Math.Abs(expectedDps)));

                // Ours: the same raw values, and milli-g / milli-°/s within one LSB of the recording.
                int oursAccel = axis == 0 ? sample.AccelX : axis == 1 ? sample.AccelY : sample.AccelZ;
                int oursGyro = axis == 0 ? sample.GyroX : axis == 1 ? sample.GyroY : sample.GyroZ;
                Assert.Equal((int)MathF.Round(upstreamA / accelScale), oursAccel);
                Assert.Equal((int)MathF.Round(upstreamG / gyroScale), oursGyro);
                Assert.InRange(Math.Abs(ours.AccelToMilliG(oursAccel) - (expectedG * 1000)), 0, (1000.0 * rangeG / 32768) + 1);
                Assert.InRange(Math.Abs(ours.GyroToMilliDps(oursGyro) - (expectedDps * 1000)), 0, (1000.0 * rangeDps / 32768) + 1);
            }
        }
    }

    [Fact]
    public void Where_upstream_and_the_datasheet_differ_temperature_and_the_sample_rate_divider()
    {
        var clock = new VirtualClock();
        var bus = new EmulatedI2cBus(clock);
        var sensor = new EmulatedMpu6050(clock) { TemperatureCelsius = 25.0 };
        bus.Attach(0x68, sensor);
        using var device = new Mpu6050I2cDevice(bus);
        using var upstream = new UpstreamMpu6050(device);
        var ours = new OurMpu6050(bus.ForAddress(0x68), clock);
        var sample = new ImuSample();
        clock.Advance(10_000);
        ours.ReadSample(sample);

        // MPU-6050 datasheet: °C = raw / 340 + 36.53. Upstream applies the MPU-9250 formula (raw - 21) / 333.87 + 21,
        // which reads about 9 °C here: do not take temperature from the upstream driver for an MPU-6050.
        Assert.Equal(2501, OurMpu6050.TemperatureToCentiCelsius(sample.Temperature));
        double upstreamCelsius = upstream.GetTemperature().DegreesCelsius;
        Assert.Equal(((sample.Temperature - 21) / 333.87) + 21, upstreamCelsius, 3);
        Assert.True(upstreamCelsius < 10);

        // Upstream divides its acceleration scale by (1 + SMPLRT_DIV): at 100 Hz (divider 9) it reads g / 10.
        upstream.SampleRateDivider = 9;
        clock.Advance(20_000);
        Vector3 a = upstream.GetAccelerometer();
        ours.ReadSample(sample);
        Assert.Equal(16384, sample.AccelZ);
        Assert.Equal(UpstreamGravity / 10, a.Z, 3);
    }

    /// <summary>A deterministic recording that sweeps most of the range on every axis (before gravity is added).</summary>
    private static (double[] Accel, double[] Gyro) Recording(double accelScale, double gyroScale)
    {
        var accel = new double[Samples * 3];
        var gyro = new double[Samples * 3];
        for (int i = 0; i < Samples; i++)
        {
            accel[3 * i] = accelScale * 0.9 * Math.Sin((0.7 * i) + 0.3);
            accel[(3 * i) + 1] = accelScale * 0.8 * Math.Cos(1.1 * i);
            accel[(3 * i) + 2] = accelScale * 0.45 * Math.Sin(0.4 * i);
            gyro[3 * i] = gyroScale * 230 * Math.Sin((0.5 * i) + 0.2);
            gyro[(3 * i) + 1] = gyroScale * -180 * Math.Cos(0.9 * i);
            gyro[(3 * i) + 2] = gyroScale * 90 * Math.Sin(1.3 * i);
        }

        return (accel, gyro);
    }

    private static float Axis(Vector3 v, int axis) => axis == 0 ? v.X : axis == 1 ? v.Y : v.Z;
}
