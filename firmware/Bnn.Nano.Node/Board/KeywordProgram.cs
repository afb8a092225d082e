using System.Device.Gpio;
using System.Diagnostics;
using Bnn.Nano.Devices.Audio;
using Bnn.Nano.Devices.Board;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Node.Board
{
    /// <summary>
    /// The keyword-spotting node on an ESP32 DevKit (board glue, .nfproj only): INMP441 microphone on I2S1 (BCK GPIO 32,
    /// WS GPIO 25, SD GPIO 33, L/R to GND), status LED on GPIO 2, the keyword model from the generated tables
    /// (KeywordModel.g.cs). Prints one line per detected keyword to the debug output.
    /// Caveat (docs/cost-model.md): on the pure IL interpreter the front end and network need more instructions per
    /// second of audio than nanoCLR executes, so the node falls behind and the I2S DMA ring drops audio; real-time
    /// operation needs the front end as native code (an interop assembly) or a faster target.
    /// </summary>
    public static class KeywordProgram
    {
        /// <summary>Digital gain of the microphone driver: 16-bit samples = 24-bit samples &gt;&gt; 4 (speech at 1 m is quiet).</summary>
        public const int MicrophoneGainBits = 4;

        public static void Run()
        {
            Esp32Pins.ConfigureI2s1Input();
            SystemClock clock = new SystemClock();
            BnnModel model = KeywordModel.Create();
            int sampleRate = model.GetProperty(ModelProperty.SampleRateHz, 16000);
            Esp32I2sReceiver bus = new Esp32I2sReceiver(Esp32Pins.I2s1BusId, sampleRate);
            Inmp441Microphone microphone = new Inmp441Microphone(bus, sampleRate, MicrophoneGainBits, Inmp441Microphone.DefaultBufferSamples);
            StatusLed led = new StatusLed(new GpioDigitalOutput(new GpioController(), Esp32Pins.StatusLed, false));
            KeywordNode node = new KeywordNode(model, microphone, clock, led);
            node.AudioBufferSamples = Esp32I2sReceiver.DefaultDmaBufferBytes / Inmp441Microphone.BytesPerSample;
            node.KeywordDetected = OnKeyword;
            Debug.WriteLine("keyword node: " + KeywordModel.ClassNames.Length.ToString() + " classes, a classification every " + node.InferenceHopSamples.ToString() + " samples");
            while (true)
            {
                node.Step();
            }
        }

        private static void OnKeyword(int keyword, int confidenceQ15, long timeMicroseconds)
        {
            // Class names are preallocated strings: printing one allocates nothing.
            Debug.WriteLine(KeywordModel.ClassNames[keyword]);
        }
    }
}
