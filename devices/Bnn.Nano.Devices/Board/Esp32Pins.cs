using nanoFramework.Hardware.Esp32;

namespace Bnn.Nano.Devices.Board
{
    /// <summary>
    /// ESP32 pin routing (board glue): the ESP32 can put I2C on almost any GPIO, so nanoFramework needs the pins
    /// assigned before the bus is opened. Defaults are the usual ESP32 DevKit wiring: SDA GPIO 21, SCL GPIO 22,
    /// the on-board LED on GPIO 2.
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
    }
}
