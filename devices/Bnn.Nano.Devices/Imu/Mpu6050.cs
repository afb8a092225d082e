using System;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Time;

namespace Bnn.Nano.Devices.Imu
{
    /// <summary>
    /// Driver of the InvenSense MPU-6050 accelerometer + gyroscope over an <see cref="IRegisterBus"/> (I2C address
    /// 0x68, or 0x69 with AD0 high). Written in the nanoFramework subset; after construction nothing allocates
    /// (the burst buffer and the stuck-detector's copy are allocated once; exceptions are created only on faults).
    /// <para>
    /// <see cref="Initialize"/>: WHO_AM_I check (0x75 must read 0x68), device reset (PWR_MGMT_1 bit 7, then a wait of
    /// <see cref="ResetWaitMicroseconds"/> on the <see cref="IClock"/>), wake with the PLL on the X gyroscope as clock
    /// source, then the stored configuration: DLPF (CONFIG), sample-rate divider (SMPLRT_DIV; rate = 1 kHz / (1 +
    /// divider) since the DLPF is always on), gyroscope range (GYRO_CONFIG bits 4:3), accelerometer range
    /// (ACCEL_CONFIG bits 4:3), data-ready flag (INT_ENABLE); it reads the configuration back, then waits
    /// <see cref="StartupWaitMicroseconds"/> for the gyroscope to start. Defaults: ±2 g, ±250 °/s, DLPF 3 (44 Hz
    /// accelerometer bandwidth), divider 9 (100 Hz). The <c>Set…</c> methods store a setting and, when the driver is
    /// initialized, write it at once; <see cref="Initialize"/> writes every stored setting again.
    /// </para>
    /// <para>
    /// Sampling loop (allocation-free): <c>ImuSample s = new ImuSample(); long next = clock.NowMicroseconds; while
    /// (true) { next += imu.SamplePeriodMicroseconds; clock.SleepUntil(next); imu.ReadSample(s); ... }</c>, or poll
    /// <see cref="DataReady"/>. <see cref="ReadSample"/> is one 14-byte burst read from ACCEL_XOUT_H (0x3B), decoded as
    /// seven big-endian int16 values, all from the same sample (the device latches its data registers for a burst).
    /// </para>
    /// <para>
    /// Faults: a NACK or a timeout of the bus surfaces as <see cref="BusException"/> with <see cref="BusError.Nack"/>
    /// / <see cref="BusError.Timeout"/>, unchanged, from whichever call met it; any bus failure also clears
    /// <see cref="IsInitialized"/>, because the driver cannot tell a glitch from a power loss (an MPU-6050 that lost
    /// power comes back asleep with every register at its power-on value: reads then succeed but return frozen data,
    /// zeros after a reset). Recovery: <c>if (!imu.IsInitialized &amp;&amp; !imu.VerifyConfiguration()) imu.Initialize();</c>,
    /// which runs the WHO_AM_I check again. A power loss that no transfer saw leaves <see cref="IsInitialized"/> true:
    /// call <see cref="VerifyConfiguration"/> now and then (2 transfers; e.g. once a second, or when
    /// <see cref="LooksStuck"/>). A wrong WHO_AM_I or a configuration that does not read back throws
    /// <see cref="ImuException"/> naming register and value. A stuck sensor (data registers no longer changing)
    /// shows as identical consecutive samples: <see cref="IdenticalReadCount"/> / <see cref="LooksStuck"/>. A real
    /// MPU-6050 at rest still shows noise of several LSB, so a few identical reads in a row already mean a fault;
    /// read no faster than the sample rate, or repeats are expected.
    /// </para>
    /// </summary>
    public sealed class Mpu6050
    {
        /// <summary>I2C address with AD0 low.</summary>
        public const byte DefaultAddress = 0x68;

        /// <summary>I2C address with AD0 high.</summary>
        public const byte AlternateAddress = 0x69;

        /// <summary>Wait after a device reset before the next access (InvenSense recommends 100 ms).</summary>
        public const int ResetWaitMicroseconds = 100000;

        /// <summary>Wait after waking and configuring (gyroscope start-up time, 30 ms typical per the datasheet).</summary>
        public const int StartupWaitMicroseconds = 30000;

        /// <summary>Default SMPLRT_DIV: 1 kHz / (1 + 9) = 100 Hz.</summary>
        public const int DefaultSampleRateDivider = 9;

        /// <summary>Default DLPF_CFG: 44 Hz accelerometer / 42 Hz gyroscope bandwidth, under the 50 Hz Nyquist limit of 100 Hz.</summary>
        public const int DefaultDlpfConfig = 3;

        private readonly IRegisterBus _bus;
        private readonly IClock _clock;
        private readonly byte[] _data = new byte[Mpu6050Registers.DataLength];
        private readonly byte[] _previous = new byte[Mpu6050Registers.DataLength];
        private readonly byte[] _scratch = new byte[4];
        private int _accelRangeG = 2;
        private int _accelLsbPerG = 16384;
        private int _gyroRangeDps = 250;
        private int _gyroLsbPerDpsTimes10 = 1310;
        private int _divider = DefaultSampleRateDivider;
        private int _dlpf = DefaultDlpfConfig;
        private bool _initialized;
        private bool _havePrevious;
        private int _identicalReads;

        public Mpu6050(IRegisterBus bus, IClock clock)
        {
            if (bus == null)
            {
                throw new ArgumentNullException(nameof(bus));
            }

            if (clock == null)
            {
                throw new ArgumentNullException(nameof(clock));
            }

            _bus = bus;
            _clock = clock;
        }

        /// <summary>
        /// True after <see cref="Initialize"/> (or a successful <see cref="VerifyConfiguration"/>) until a bus failure
        /// or a reset: then the device may have lost its configuration.
        /// </summary>
        public bool IsInitialized
        {
            get { return _initialized; }
        }

        /// <summary>Accelerometer full scale in g: 2, 4, 8 or 16.</summary>
        public int AccelerometerRangeG
        {
            get { return _accelRangeG; }
        }

        /// <summary>Gyroscope full scale in °/s: 250, 500, 1000 or 2000.</summary>
        public int GyroscopeRangeDps
        {
            get { return _gyroRangeDps; }
        }

        /// <summary>SMPLRT_DIV, 0..255.</summary>
        public int SampleRateDivider
        {
            get { return _divider; }
        }

        /// <summary>DLPF_CFG, 1..6.</summary>
        public int DlpfConfig
        {
            get { return _dlpf; }
        }

        /// <summary>Time between two samples: (1 + SMPLRT_DIV) ms (the DLPF is on, so the base rate is 1 kHz).</summary>
        public int SamplePeriodMicroseconds
        {
            get { return (1 + _divider) * 1000; }
        }

        /// <summary>
        /// Consecutive <see cref="ReadSample"/> calls whose six accelerometer and gyroscope values equalled the previous
        /// read's (temperature is left out: it legitimately stays put). 0 after <see cref="Initialize"/> and after any change.
        /// </summary>
        public int IdenticalReadCount
        {
            get { return _identicalReads; }
        }

        /// <summary>
        /// Checks the device, resets it, wakes it and writes the stored configuration (see the class summary); throws
        /// <see cref="ImuException"/> on a wrong WHO_AM_I or a configuration that does not read back, and
        /// <see cref="BusException"/> when the bus fails.
        /// </summary>
        public void Initialize()
        {
            _initialized = false;
            CheckWhoAmI();
            Reset();
            Wake();
            WriteConfiguration();
            int mismatch = FirstConfigurationMismatch();
            if (mismatch >= 0)
            {
                throw new ImuException("MPU6050: register 0x" + mismatch.ToString("X2") + " reads 0x" + ((int)_scratch[0]).ToString("X2")
                    + " after configuration, expected 0x" + ExpectedValue(mismatch).ToString("X2"));
            }

            _clock.SleepUntil(_clock.NowMicroseconds + StartupWaitMicroseconds);
            _havePrevious = false;
            _identicalReads = 0;
            _initialized = true;
        }

        /// <summary>Reads WHO_AM_I (0x75).</summary>
        public int ReadWhoAmI()
        {
            Read(Mpu6050Registers.WhoAmI, _scratch, 0, 1);
            return _scratch[0];
        }

        /// <summary>Throws <see cref="ImuException"/>, naming the value read, unless WHO_AM_I reads 0x68.</summary>
        public void CheckWhoAmI()
        {
            int value = ReadWhoAmI();
            if (value != Mpu6050Registers.WhoAmIValue)
            {
                throw new ImuException("MPU6050: WHO_AM_I (register 0x75) reads 0x" + value.ToString("X2")
                    + ", expected 0x68: another chip at this address? (an MPU-6500 reads 0x70, an MPU-9250 0x71)");
            }
        }

        /// <summary>Device reset (PWR_MGMT_1 bit 7), then waits <see cref="ResetWaitMicroseconds"/>. The device is asleep afterwards.</summary>
        public void Reset()
        {
            _initialized = false;
            Write(Mpu6050Registers.PowerManagement1, Mpu6050Registers.DeviceResetBit);
            _clock.SleepUntil(_clock.NowMicroseconds + ResetWaitMicroseconds);
        }

        /// <summary>Clears SLEEP and selects the PLL with the X gyroscope as clock source (PWR_MGMT_1 = 0x01).</summary>
        public void Wake()
        {
            Write(Mpu6050Registers.PowerManagement1, Mpu6050Registers.ClockPllGyroX);
        }

        /// <summary>Accelerometer full scale: 2, 4, 8 or 16 g (ACCEL_CONFIG AFS_SEL = 0..3; 16384, 8192, 4096, 2048 LSB/g).</summary>
        public void SetAccelerometerRange(int g)
        {
            int lsbPerG;
            switch (g)
            {
                case 2: lsbPerG = 16384; break;
                case 4: lsbPerG = 8192; break;
                case 8: lsbPerG = 4096; break;
                case 16: lsbPerG = 2048; break;
                default: throw new ArgumentException("MPU6050: accelerometer range must be 2, 4, 8 or 16 g, not " + g.ToString());
            }

            _accelRangeG = g;
            _accelLsbPerG = lsbPerG;
            if (_initialized)
            {
                Write(Mpu6050Registers.AccelConfig, AccelConfigValue());
            }
        }

        /// <summary>Gyroscope full scale: 250, 500, 1000 or 2000 °/s (GYRO_CONFIG FS_SEL = 0..3; 131, 65.5, 32.8, 16.4 LSB per °/s).</summary>
        public void SetGyroscopeRange(int dps)
        {
            int lsbTimes10;
            switch (dps)
            {
                case 250: lsbTimes10 = 1310; break;
                case 500: lsbTimes10 = 655; break;
                case 1000: lsbTimes10 = 328; break;
                case 2000: lsbTimes10 = 164; break;
                default: throw new ArgumentException("MPU6050: gyroscope range must be 250, 500, 1000 or 2000 deg/s, not " + dps.ToString());
            }

            _gyroRangeDps = dps;
            _gyroLsbPerDpsTimes10 = lsbTimes10;
            if (_initialized)
            {
                Write(Mpu6050Registers.GyroConfig, GyroConfigValue());
            }
        }

        /// <summary>
        /// Sample rate = 1 kHz / (1 + <paramref name="divider"/>) (SMPLRT_DIV, 0..255) with the digital low-pass filter
        /// <paramref name="dlpfConfig"/> (CONFIG DLPF_CFG 1..6: 184, 94, 44, 21, 10, 5 Hz accelerometer bandwidth).
        /// DLPF_CFG 0 and 7 are refused: they switch the gyroscope to 8 kHz while the accelerometer stays at 1 kHz.
        /// </summary>
        public void SetSampleRate(int divider, int dlpfConfig)
        {
            if (divider < 0 || divider > 255)
            {
                throw new ArgumentException("MPU6050: sample rate divider must be 0..255, not " + divider.ToString());
            }

            if (dlpfConfig < 1 || dlpfConfig > 6)
            {
                throw new ArgumentException("MPU6050: DLPF config must be 1..6 (filter on, 1 kHz base rate), not " + dlpfConfig.ToString());
            }

            _divider = divider;
            _dlpf = dlpfConfig;
            if (_initialized)
            {
                Write(Mpu6050Registers.Config, _dlpf);
                Write(Mpu6050Registers.SampleRateDivider, _divider);
            }
        }

        /// <summary>
        /// Reads the configuration back (SMPLRT_DIV..ACCEL_CONFIG and PWR_MGMT_1: 2 transfers). True when the device
        /// still holds it and is awake; <see cref="IsInitialized"/> becomes the answer. False after a power loss or
        /// reset of the device, which then needs <see cref="Initialize"/>.
        /// </summary>
        public bool VerifyConfiguration()
        {
            bool ok = FirstConfigurationMismatch() < 0;
            _initialized = ok;
            return ok;
        }

        /// <summary>
        /// True when a new sample arrived since the last call (INT_STATUS DATA_RDY_INT; reading clears it). Needs
        /// <see cref="Initialize"/>, which enables the flag.
        /// </summary>
        public bool DataReady()
        {
            Read(Mpu6050Registers.IntStatus, _scratch, 0, 1);
            return (_scratch[0] & Mpu6050Registers.DataReadyBit) != 0;
        }

        /// <summary>
        /// One burst read of the 14 data registers into <paramref name="sample"/> (raw values and the clock time).
        /// Allocation-free. Updates <see cref="IdenticalReadCount"/>. Throws <see cref="BusException"/> on a bus failure.
        /// </summary>
        public void ReadSample(ImuSample sample)
        {
            long now = _clock.NowMicroseconds;
            byte[] d = _data;
            Read(Mpu6050Registers.AccelXoutH, d, 0, Mpu6050Registers.DataLength);
            sample.AccelX = (short)((d[0] << 8) | d[1]);
            sample.AccelY = (short)((d[2] << 8) | d[3]);
            sample.AccelZ = (short)((d[4] << 8) | d[5]);
            sample.Temperature = (short)((d[6] << 8) | d[7]);
            sample.GyroX = (short)((d[8] << 8) | d[9]);
            sample.GyroY = (short)((d[10] << 8) | d[11]);
            sample.GyroZ = (short)((d[12] << 8) | d[13]);
            sample.TimestampMicroseconds = now;

            byte[] p = _previous;
            bool same = _havePrevious;
            for (int i = 0; i < Mpu6050Registers.DataLength; i++)
            {
                if (i == 6)
                {
                    i = 8; // skip the temperature bytes
                }

                if (d[i] != p[i])
                {
                    same = false;
                    p[i] = d[i];
                }
            }

            _havePrevious = true;
            _identicalReads = same ? _identicalReads + 1 : 0;
        }

        /// <summary>
        /// True when the last <paramref name="identicalReads"/> reads repeated the one before them exactly (accelerometer
        /// and gyroscope): a stuck sensor, or a device that lost power and sleeps (check with <see cref="VerifyConfiguration"/>).
        /// </summary>
        public bool LooksStuck(int identicalReads)
        {
            return _identicalReads >= identicalReads;
        }

        /// <summary>Raw accelerometer value to milli-g at the configured range (truncated toward zero).</summary>
        public int AccelToMilliG(int raw)
        {
            return raw * 1000 / _accelLsbPerG;
        }

        /// <summary>Raw gyroscope value to milli-degrees per second at the configured range (datasheet sensitivity, truncated toward zero).</summary>
        public int GyroToMilliDps(int raw)
        {
            return raw * 10000 / _gyroLsbPerDpsTimes10;
        }

        /// <summary>Raw temperature to hundredths of °C: raw / 340 + 36.53 (truncated toward zero).</summary>
        public static int TemperatureToCentiCelsius(int raw)
        {
            return (raw * 100 / 340) + 3653;
        }

        private void WriteConfiguration()
        {
            Write(Mpu6050Registers.Config, _dlpf);
            Write(Mpu6050Registers.SampleRateDivider, _divider);
            Write(Mpu6050Registers.GyroConfig, GyroConfigValue());
            Write(Mpu6050Registers.AccelConfig, AccelConfigValue());
            Write(Mpu6050Registers.IntEnable, Mpu6050Registers.DataReadyBit);
        }

        /// <summary>The first register that does not hold its configured value (its value left in _scratch[0]), or -1.</summary>
        private int FirstConfigurationMismatch()
        {
            byte[] s = _scratch;
            Read(Mpu6050Registers.SampleRateDivider, s, 0, 4);
            for (int i = 0; i < 4; i++)
            {
                int register = Mpu6050Registers.SampleRateDivider + i;
                if (s[i] != ExpectedValue(register))
                {
                    s[0] = s[i];
                    return register;
                }
            }

            Read(Mpu6050Registers.PowerManagement1, s, 0, 1);
            return s[0] == Mpu6050Registers.ClockPllGyroX ? -1 : Mpu6050Registers.PowerManagement1;
        }

        private int ExpectedValue(int register)
        {
            switch (register)
            {
                case Mpu6050Registers.SampleRateDivider: return _divider;
                case Mpu6050Registers.Config: return _dlpf;
                case Mpu6050Registers.GyroConfig: return GyroConfigValue();
                case Mpu6050Registers.AccelConfig: return AccelConfigValue();
                default: return Mpu6050Registers.ClockPllGyroX; // PWR_MGMT_1
            }
        }

        private int AccelConfigValue()
        {
            int afs = _accelRangeG == 2 ? 0 : _accelRangeG == 4 ? 1 : _accelRangeG == 8 ? 2 : 3;
            return afs << Mpu6050Registers.FullScaleShift;
        }

        private int GyroConfigValue()
        {
            int fs = _gyroRangeDps == 250 ? 0 : _gyroRangeDps == 500 ? 1 : _gyroRangeDps == 1000 ? 2 : 3;
            return fs << Mpu6050Registers.FullScaleShift;
        }

        private void Write(byte register, int value)
        {
            try
            {
                _bus.WriteRegister(register, (byte)value);
            }
            catch (BusException)
            {
                _initialized = false;
                throw;
            }
        }

        private void Read(byte register, byte[] buffer, int offset, int count)
        {
            try
            {
                _bus.ReadRegisters(register, buffer, offset, count);
            }
            catch (BusException)
            {
                _initialized = false;
                throw;
            }
        }
    }
}
