namespace Bnn.Nano.Devices.Imu
{
    /// <summary>
    /// One raw reading of a 6-axis IMU: the MPU-6050's seven int16 data registers, sign-extended into ints. The caller
    /// allocates one (or a few) at start-up and <see cref="Mpu6050.ReadSample"/> fills it in place, so a sampling
    /// loop allocates nothing. Fields, not properties: on the nanoCLR interpreter a field read is one IL instruction,
    /// a property a call. Convert with <see cref="Mpu6050.AccelToMilliG"/>, <see cref="Mpu6050.GyroToMilliDps"/>
    /// and <see cref="Mpu6050.TemperatureToCentiCelsius"/> (they depend on the configured ranges).
    /// </summary>
    public sealed class ImuSample
    {
        /// <summary>Acceleration, raw LSB (16384 LSB/g at ±2 g, 8192 at ±4 g, 4096 at ±8 g, 2048 at ±16 g).</summary>
        public int AccelX;

        /// <summary>Acceleration, raw LSB.</summary>
        public int AccelY;

        /// <summary>Acceleration, raw LSB.</summary>
        public int AccelZ;

        /// <summary>Temperature, raw (°C = value / 340 + 36.53).</summary>
        public int Temperature;

        /// <summary>Angular rate, raw LSB (131 LSB/(°/s) at ±250 °/s, 65.5 at ±500, 32.8 at ±1000, 16.4 at ±2000).</summary>
        public int GyroX;

        /// <summary>Angular rate, raw LSB.</summary>
        public int GyroY;

        /// <summary>Angular rate, raw LSB.</summary>
        public int GyroZ;

        /// <summary>The driver's clock (<see cref="Time.IClock.NowMicroseconds"/>) when the burst read started.</summary>
        public long TimestampMicroseconds;
    }
}
