namespace Bnn.Nano.Devices.Imu
{
    /// <summary>
    /// Register addresses and bit fields of the InvenSense MPU-6000/MPU-6050 (register map RM-MPU-6000A-00 rev 4.2)
    /// that the driver and its emulated twin use. Power-on values: 0x00 everywhere except PWR_MGMT_1 = 0x40 (asleep)
    /// and WHO_AM_I = 0x68.
    /// </summary>
    public static class Mpu6050Registers
    {
        /// <summary>SMPLRT_DIV: sample rate = gyroscope output rate / (1 + value); the output rate is 1 kHz with the DLPF on.</summary>
        public const byte SampleRateDivider = 0x19;

        /// <summary>CONFIG: EXT_SYNC_SET (bits 5:3), DLPF_CFG (bits 2:0; 1..6 = DLPF on, 0 and 7 = off, gyro output 8 kHz).</summary>
        public const byte Config = 0x1A;

        /// <summary>GYRO_CONFIG: self-test bits 7:5, FS_SEL bits 4:3 (±250/500/1000/2000 °/s).</summary>
        public const byte GyroConfig = 0x1B;

        /// <summary>ACCEL_CONFIG: self-test bits 7:5, AFS_SEL bits 4:3 (±2/4/8/16 g).</summary>
        public const byte AccelConfig = 0x1C;

        /// <summary>INT_PIN_CFG: bit 4 INT_RD_CLEAR (status bits clear on any read instead of on reading INT_STATUS).</summary>
        public const byte IntPinConfig = 0x37;

        /// <summary>INT_ENABLE: bit 0 DATA_RDY_EN.</summary>
        public const byte IntEnable = 0x38;

        /// <summary>INT_STATUS: bit 0 DATA_RDY_INT, set by each new sample (when enabled), cleared by reading this register.</summary>
        public const byte IntStatus = 0x3A;

        /// <summary>ACCEL_XOUT_H: first of the 14 data registers (accel x, y, z, temperature, gyro x, y, z; big-endian int16).</summary>
        public const byte AccelXoutH = 0x3B;

        /// <summary>TEMP_OUT_H: temperature, °C = value / 340 + 36.53.</summary>
        public const byte TempOutH = 0x41;

        /// <summary>GYRO_XOUT_H: first gyroscope data register.</summary>
        public const byte GyroXoutH = 0x43;

        /// <summary>Bytes of one burst read from ACCEL_XOUT_H: 7 big-endian int16 values.</summary>
        public const int DataLength = 14;

        /// <summary>USER_CTRL (FIFO, I2C master; unused by this driver).</summary>
        public const byte UserControl = 0x6A;

        /// <summary>PWR_MGMT_1: DEVICE_RESET bit 7, SLEEP bit 6, CYCLE bit 5, TEMP_DIS bit 3, CLKSEL bits 2:0. Reset value 0x40.</summary>
        public const byte PowerManagement1 = 0x6B;

        /// <summary>PWR_MGMT_2: wake-up frequency and per-axis standby bits.</summary>
        public const byte PowerManagement2 = 0x6C;

        /// <summary>WHO_AM_I: reads <see cref="WhoAmIValue"/> on an MPU-6050 (bits 6:1 of the I2C address, whatever AD0 is).</summary>
        public const byte WhoAmI = 0x75;

        /// <summary>The WHO_AM_I value of an MPU-6000/6050 (an MPU-6500 reads 0x70, an MPU-9250 0x71).</summary>
        public const byte WhoAmIValue = 0x68;

        /// <summary>PWR_MGMT_1 bit 7: resets every register to its power-on value; clears itself.</summary>
        public const byte DeviceResetBit = 0x80;

        /// <summary>PWR_MGMT_1 bit 6: sleep (no sampling; registers stay readable and writable).</summary>
        public const byte SleepBit = 0x40;

        /// <summary>PWR_MGMT_1 bit 5: cycle between sleep and one accelerometer sample (low-power mode; unused here).</summary>
        public const byte CycleBit = 0x20;

        /// <summary>PWR_MGMT_1 bit 3: temperature sensor disabled.</summary>
        public const byte TempDisableBit = 0x08;

        /// <summary>PWR_MGMT_1 CLKSEL = 1: PLL with the X-axis gyroscope reference (recommended over the 8 MHz oscillator).</summary>
        public const byte ClockPllGyroX = 0x01;

        /// <summary>PWR_MGMT_1 CLKSEL = 7: clock stopped, the device keeps its timing generator in reset.</summary>
        public const byte ClockStop = 0x07;

        /// <summary>INT_ENABLE / INT_STATUS bit 0: data ready.</summary>
        public const byte DataReadyBit = 0x01;

        /// <summary>INT_PIN_CFG bit 4: INT_RD_CLEAR.</summary>
        public const byte IntReadClearBit = 0x10;

        /// <summary>Shift of the full-scale fields (FS_SEL, AFS_SEL) in GYRO_CONFIG and ACCEL_CONFIG.</summary>
        public const int FullScaleShift = 3;

        /// <summary>Mask of the full-scale fields after shifting down.</summary>
        public const int FullScaleMask = 0x03;

        /// <summary>Mask of DLPF_CFG in CONFIG.</summary>
        public const int DlpfMask = 0x07;
    }
}
