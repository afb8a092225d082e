using System.Device.Gpio;
using System.Diagnostics;
using Bnn.Nano.Devices.Board;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Node.Board
{
    /// <summary>
    /// Entry point of the node image: the gesture node below, or with <see cref="RunKeywordNode"/> the keyword node
    /// (<see cref="KeywordProgram"/>).
    /// The gesture node on an ESP32 DevKit (board glue, .nfproj only): MPU6050 on I2C1 (SDA GPIO 21, SCL GPIO 22,
    /// address 0x68), status LED on GPIO 2, the UWave gesture model from the generated tables (GestureModel.g.cs).
    /// Prints one line per classified window ("gesture-N") and one per status event to the debug output.
    /// </summary>
    public static class Program
    {
        private static readonly string[] s_status =
        {
            "?", "started", "bus error", "sensor lost", "sensor stuck", "configuration lost", "recovery failed", "recovered", "overrun", "internal error",
        };

        /// <summary>True: this image is the keyword-spotting node (I2S microphone) instead of the gesture node.</summary>
        public const bool RunKeywordNode = false;

        public static void Main()
        {
            if (RunKeywordNode)
            {
                KeywordProgram.Run();
                return;
            }

            Esp32Pins.ConfigureI2c1();
            SystemClock clock = new SystemClock();
            Esp32I2cRegisterBus bus = new Esp32I2cRegisterBus(Esp32Pins.I2c1BusId, Mpu6050.DefaultAddress);
            StatusLed led = new StatusLed(new GpioDigitalOutput(new GpioController(), Esp32Pins.StatusLed, false));
            BnnModel model = GestureModel.Create();
            GestureNode node = new GestureNode(model, new Mpu6050(bus, clock), clock, led);
            node.GestureDetected = OnGesture;
            node.StatusChanged = OnStatus;
            Debug.WriteLine("gesture node: " + GestureModel.ClassNames.Length.ToString() + " classes, window " + node.FrontEnd.WindowLength.ToString() + " samples at " + node.FrontEnd.SampleRateHz.ToString() + " Hz");
            while (true)
            {
                node.Step();
            }
        }

        private static void OnGesture(int gesture, int score, long timeMicroseconds)
        {
            // Class names are preallocated strings: printing one allocates nothing.
            Debug.WriteLine(GestureModel.ClassNames[gesture]);
        }

        private static void OnStatus(int status, int detail, long timeMicroseconds)
        {
            Debug.WriteLine(status > 0 && status < s_status.Length ? s_status[status] : s_status[0]);
        }
    }
}
