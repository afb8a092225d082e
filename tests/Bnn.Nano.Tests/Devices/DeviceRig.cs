using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Emulator;

namespace Bnn.Nano.Tests.Devices;

/// <summary>A virtual clock, an emulated I2C bus with an MPU-6050 at 0x68, and our driver over the bus.</summary>
internal sealed class DeviceRig
{
    public const int Address = Mpu6050.DefaultAddress;

    public DeviceRig(IMotionSource? motion = null)
    {
        Clock = new VirtualClock();
        Bus = new EmulatedI2cBus(Clock);
        Sensor = new EmulatedMpu6050(Clock, motion);
        Bus.Attach(Address, Sensor);
        Imu = new Mpu6050(Bus.ForAddress(Address), Clock);
    }

    public VirtualClock Clock { get; }

    public EmulatedI2cBus Bus { get; }

    public EmulatedMpu6050 Sensor { get; }

    public Mpu6050 Imu { get; }

    /// <summary>
    /// Motion recorded at 1 kHz from t = 0 whose x acceleration is i / 16384 g at sample i: at ±2 g the raw x value
    /// names the millisecond the latched sample comes from.
    /// </summary>
    public static RecordedMotion MillisecondRamp(int samples)
    {
        double[] accel = new double[samples * 3];
        double[] gyro = new double[samples * 3];
        for (int i = 0; i < samples; i++)
        {
            accel[3 * i] = i / 16384.0;
        }

        return new RecordedMotion(accel, gyro, 1000.0);
    }

    /// <summary>One recorded sample held for ever.</summary>
    public static RecordedMotion Constant(double ax, double ay, double az, double gx, double gy, double gz) =>
        new(new[] { ax, ay, az }, new[] { gx, gy, gz }, 1.0);
}
