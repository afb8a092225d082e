using System;
using System.Device.I2s;
using Bnn.Nano.Devices.Buses;

namespace Bnn.Nano.Devices.Board
{
    /// <summary>
    /// <see cref="II2sReceiver"/> over nanoFramework's System.Device.I2s.I2sDevice (board glue, ESP32), set up for an
    /// INMP441-class microphone: master receive (the ESP32 drives SCK and WS), Philips I2S format, 32 bits per sample,
    /// left channel only, so each sample arrives as one little-endian 32-bit slot (see Audio/Inmp441Microphone).
    /// A read is one I2sDevice.Read over a SpanByte (a ref struct: no allocation); it blocks until the DMA has
    /// delivered the bytes. A failure of the native read is thrown as <see cref="BusException"/>
    /// (<see cref="BusError.Other"/>) naming the bus. Pins: call <see cref="Esp32Pins.ConfigureI2s1Input()"/> first.
    /// <para>
    /// DMA buffer: nanoFramework's ESP32 port divides <c>BufferSize</c> bytes into DMA buffers of 256 frames (1 KB at
    /// 32-bit mono) and ESP-IDF needs at least two, so the size must be a multiple of 1024, at least 2048. The default
    /// of 8192 holds 2048 samples (128 ms at 16 kHz): the longest the node may spend between two reads before audio
    /// is lost. Not yet run on hardware here; check the first recording's rate and level.
    /// </para>
    /// </summary>
    public sealed class Esp32I2sReceiver : II2sReceiver, IDisposable
    {
        /// <summary>Default DMA buffer size in bytes (see the class summary).</summary>
        public const int DefaultDmaBufferBytes = 8192;

        private readonly I2sDevice _device;
        private readonly int _busId;

        /// <summary>Opens I2S bus <paramref name="busId"/> (1 = I2S1) receiving at <paramref name="sampleRateHz"/> with the default DMA buffer.</summary>
        public Esp32I2sReceiver(int busId, int sampleRateHz)
            : this(busId, sampleRateHz, DefaultDmaBufferBytes)
        {
        }

        /// <summary>Opens I2S bus <paramref name="busId"/> (1 = I2S1) receiving at <paramref name="sampleRateHz"/>.</summary>
        public Esp32I2sReceiver(int busId, int sampleRateHz, int dmaBufferBytes)
        {
            if (dmaBufferBytes < 2048 || dmaBufferBytes % 1024 != 0)
            {
                throw new ArgumentException("I2S: DMA buffer must be a multiple of 1024 bytes, at least 2048, not " + dmaBufferBytes.ToString());
            }

            _busId = busId;
            I2sConnectionSettings settings = new I2sConnectionSettings(busId);
            settings.Mode = I2sMode.Master | I2sMode.Rx;
            settings.CommunicationFormat = I2sCommunicationFormat.I2S;
            settings.BitsPerSample = I2sBitsPerSample.Bit32;
            settings.ChannelFormat = I2sChannelFormat.OnlyLeft;
            settings.SampleRate = sampleRateHz;
            settings.BufferSize = dmaBufferBytes;
            _device = I2sDevice.Create(settings);
        }

        public void Read(byte[] buffer, int offset, int count)
        {
            try
            {
                _device.Read(new SpanByte(buffer, offset, count));
            }
            catch (Exception)
            {
                throw new BusException(BusError.Other, "I2S bus " + _busId.ToString() + ": read of " + count.ToString() + " bytes failed");
            }
        }

        /// <summary>Stops the bus and frees its DMA buffers.</summary>
        public void Dispose()
        {
            _device.Dispose();
        }
    }
}
