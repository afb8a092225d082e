using nanoFramework.Hardware.Esp32;

namespace Bnn.Nano.Devices.Board
{
    /// <summary>
    /// ESP32 pin routing (board glue): the ESP32 can put I2C and I2S on almost any GPIO, so nanoFramework needs the
    /// pins assigned before the bus is opened. Defaults are the usual ESP32 DevKit wiring: SDA GPIO 21, SCL GPIO 22,
    /// the on-board LED on GPIO 2, and an INMP441 microphone with SCK on GPIO 32, WS on GPIO 25, SD on GPIO 33
    /// (its L/R pin to GND: left channel).
    /// </summary>
    public static class Esp32Pins
    {
        /// <summary>Default I2C1 data pin (SDA).</summary>
        public const int I2c1Data = 21;

        /// <summary>Default I2C1 clock pin (SCL).</summary>
        public const int I2c1Clock = 22;

        /// <summary>On-board LED of most ESP32 DevKit boards (active high).</summary>
        public const int StatusLed = 2;

        /// <summary>I2C bus id of I2C1 for System.Device.I2c.</summary>
        public const int I2c1BusId = 1;

        /// <summary>Default I2S1 bit clock pin (BCK; the microphone's SCK).</summary>
        public const int I2s1BitClock = 32;

        /// <summary>Default I2S1 word select pin (WS, left/right clock).</summary>
        public const int I2s1WordSelect = 25;

        /// <summary>Default I2S1 data-in pin (the microphone's SD). GPIO 34..39 also work: they are input-only.</summary>
        public const int I2s1DataIn = 33;

        /// <summary>I2S bus id of I2S1 for System.Device.I2s (nanoFramework maps it to the ESP32's I2S_NUM_0).</summary>
        public const int I2s1BusId = 1;

        /// <summary>Routes I2C1 to GPIO 21 (SDA) and 22 (SCL).</summary>
        public static void ConfigureI2c1()
        {
            ConfigureI2c1(I2c1Data, I2c1Clock);
        }

        /// <summary>Routes I2C1 to the given GPIOs.</summary>
        public static void ConfigureI2c1(int dataPin, int clockPin)
        {
            Configuration.SetPinFunction(dataPin, DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(clockPin, DeviceFunction.I2C1_CLOCK);
        }

        /// <summary>Routes I2S1 receive to GPIO 32 (BCK), 25 (WS) and 33 (data in).</summary>
        public static void ConfigureI2s1Input()
        {
            ConfigureI2s1Input(I2s1BitClock, I2s1WordSelect, I2s1DataIn);
        }

        /// <summary>Routes I2S1 receive (bit clock, word select, data in) to the given GPIOs; no master clock is needed.</summary>
        public static void ConfigureI2s1Input(int bitClockPin, int wordSelectPin, int dataInPin)
        {
            Configuration.SetPinFunction(bitClockPin, DeviceFunction.I2S1_BCK);
            Configuration.SetPinFunction(wordSelectPin, DeviceFunction.I2S1_WS);
            Configuration.SetPinFunction(dataInPin, DeviceFunction.I2S1_MDATA_IN);
        }
    }
}
