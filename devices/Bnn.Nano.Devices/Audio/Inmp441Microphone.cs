using System;
using Bnn.Nano.Devices.Buses;

namespace Bnn.Nano.Devices.Audio
{
    /// <summary>
    /// Driver of an InvenSense INMP441-class I2S MEMS microphone over an <see cref="II2sReceiver"/>: an
    /// <see cref="IAudioSource"/> of 16-bit mono PCM. Written in the nanoFramework subset; after construction nothing
    /// allocates (one byte buffer of <see cref="BufferSamples"/> slots; exceptions only on faults).
    /// <para>
    /// Wire format: the chip sends 24-bit two's-complement samples, MSB first, in a 32-bit slot, on the left channel
    /// when its L/R pin is low (right when high; it tri-states the other slot). With the bus configured for 32 bits
    /// per sample and the left channel only (see Board/Esp32I2sReceiver), each sample arrives as a little-endian
    /// int32 whose top 24 bits are the data; the low byte is ignored.
    /// </para>
    /// <para>
    /// Conversion: sample16 = saturate(sample24 &gt;&gt; (8 − <see cref="GainBits"/>)), an arithmetic shift (rounds toward
    /// −∞, no dither) and saturation to −32768..32767, counted in <see cref="ClippedSampleCount"/>. Gain 0 keeps the
    /// top 16 bits of the 24 (never clips); each further bit is +6.02 dB. Levels: 94 dB SPL reads −26 dBFS and the
    /// noise floor is −87 dBFS, so conversational speech at 1 m (about 60 dB SPL, −60 dBFS) is only about ±30 LSB at
    /// gain 0; keyword spotting wants about 4..6 bits. A recording played by the emulator at the same gain comes back
    /// bit-exact (the emulator puts a 16-bit sample s into the chip's word as s &lt;&lt; (8 − gain)).
    /// </para>
    /// <para>
    /// Reads: <see cref="Read"/> blocks until the bus has delivered the samples (one bus read per
    /// <see cref="BufferSamples"/> samples; larger reads are done in chunks). Bus failures surface as
    /// <see cref="BusException"/>, unchanged; samples of the failing call that were already converted stay in the
    /// caller's array, and the stream goes on with whatever the bus delivers next.
    /// </para>
    /// <para>
    /// Health: the chip always shows self-noise, so a long run of exactly zero data means no microphone on the data
    /// line (unwired, unpowered, or L/R high so that it talks in the right slot): <see cref="SilentSampleCount"/> /
    /// <see cref="LooksDisconnected"/>. After power-up the chip also sends zeros for 2^18 bit clocks
    /// (<see cref="StartupSamples"/> samples, 256 ms at 16 kHz), which the threshold allows for.
    /// </para>
    /// </summary>
    public sealed class Inmp441Microphone : IAudioSource
    {
        /// <summary>Bytes of one sample on the bus: a 32-bit slot.</summary>
        public const int BytesPerSample = 4;

        /// <summary>Lowest sample (WS) rate of the datasheet: 7.8 kHz (bit clock 0.5 MHz at 64 clocks per frame).</summary>
        public const int MinSampleRateHz = 7813;

        /// <summary>Highest sample (WS) rate of the datasheet: 50 kHz (bit clock 3.2 MHz).</summary>
        public const int MaxSampleRateHz = 50000;

        /// <summary>Largest gain: the 16-bit sample is then the low 16 bits of the 24-bit one (+48 dB).</summary>
        public const int MaxGainBits = 8;

        /// <summary>Default buffer: 256 slots (1 KB), 16 ms at 16 kHz.</summary>
        public const int DefaultBufferSamples = 256;

        /// <summary>Largest buffer: 4096 slots (16 KB of RAM).</summary>
        public const int MaxBufferSamples = 4096;

        /// <summary>Samples of zeros after power-up: 2^18 bit clocks at 64 clocks per sample.</summary>
        public const int StartupSamples = 4096;

        /// <summary>Exactly-zero samples in a row from which <see cref="LooksDisconnected"/> is true: twice the start-up time.</summary>
        public const int DisconnectedAfterSamples = 2 * StartupSamples;

        private readonly II2sReceiver _receiver;
        private readonly int _sampleRateHz;
        private readonly byte[] _bytes;
        private readonly int _bufferSamples;
        private int _gainBits;
        private long _samplesRead;
        private long _clipped;
        private long _silent;

        /// <summary>A microphone at gain 0 with the default buffer.</summary>
        /// <param name="receiver">The I2S bus, configured for 32-bit slots, left channel only, at <paramref name="sampleRateHz"/>.</param>
        /// <param name="sampleRateHz">The rate the bus runs at (the driver cannot set it: the board glue does).</param>
        public Inmp441Microphone(II2sReceiver receiver, int sampleRateHz)
            : this(receiver, sampleRateHz, 0, DefaultBufferSamples)
        {
        }

        /// <param name="receiver">The I2S bus, configured for 32-bit slots, left channel only, at <paramref name="sampleRateHz"/>.</param>
        /// <param name="sampleRateHz">The rate the bus runs at, <see cref="MinSampleRateHz"/>..<see cref="MaxSampleRateHz"/>.</param>
        /// <param name="gainBits">Digital gain, 0..<see cref="MaxGainBits"/> (see the class summary).</param>
        /// <param name="bufferSamples">Slots per bus read, 1..<see cref="MaxBufferSamples"/>.</param>
        public Inmp441Microphone(II2sReceiver receiver, int sampleRateHz, int gainBits, int bufferSamples)
        {
            if (receiver == null)
            {
                throw new ArgumentNullException(nameof(receiver));
            }

            if (sampleRateHz < MinSampleRateHz || sampleRateHz > MaxSampleRateHz)
            {
                throw new ArgumentException("INMP441: sample rate must be " + MinSampleRateHz.ToString() + ".." + MaxSampleRateHz.ToString()
                    + " Hz (datasheet WS range 7.8..50 kHz), not " + sampleRateHz.ToString());
            }

            if (bufferSamples < 1 || bufferSamples > MaxBufferSamples)
            {
                throw new ArgumentException("INMP441: buffer must hold 1.." + MaxBufferSamples.ToString() + " samples, not " + bufferSamples.ToString());
            }

            CheckGain(gainBits);
            _receiver = receiver;
            _sampleRateHz = sampleRateHz;
            _gainBits = gainBits;
            _bufferSamples = bufferSamples;
            _bytes = new byte[bufferSamples * BytesPerSample];
        }

        /// <summary>Samples per second (the rate given at construction).</summary>
        public int SampleRateHz
        {
            get { return _sampleRateHz; }
        }

        /// <summary>Digital gain in 6.02 dB steps, 0..<see cref="MaxGainBits"/>.</summary>
        public int GainBits
        {
            get { return _gainBits; }
        }

        /// <summary>Slots per bus read (the size of the driver's buffer, in samples).</summary>
        public int BufferSamples
        {
            get { return _bufferSamples; }
        }

        /// <summary>Samples delivered by <see cref="Read"/> since construction.</summary>
        public long SamplesRead
        {
            get { return _samplesRead; }
        }

        /// <summary>Samples saturated to −32768 or 32767 since construction (or <see cref="ResetCounters"/>): the gain is too high when this grows.</summary>
        public long ClippedSampleCount
        {
            get { return _clipped; }
        }

        /// <summary>
        /// Samples in the current run of exactly-zero 24-bit data, counted per bus read of up to
        /// <see cref="BufferSamples"/> (a read with any non-zero sample ends the run).
        /// </summary>
        public long SilentSampleCount
        {
            get { return _silent; }
        }

        /// <summary>True after <see cref="DisconnectedAfterSamples"/> exactly-zero samples in a row: see the class summary.</summary>
        public bool LooksDisconnected
        {
            get { return _silent >= DisconnectedAfterSamples; }
        }

        /// <summary>Sets the digital gain (0..<see cref="MaxGainBits"/>); it applies from the next <see cref="Read"/> on.</summary>
        public void SetGainBits(int gainBits)
        {
            CheckGain(gainBits);
            _gainBits = gainBits;
        }

        /// <summary>Sets <see cref="ClippedSampleCount"/> and <see cref="SilentSampleCount"/> to 0.</summary>
        public void ResetCounters()
        {
            _clipped = 0;
            _silent = 0;
        }

        /// <summary>Returns when <paramref name="count"/> further samples have been written to samples[offset..].</summary>
        public void Read(short[] samples, int offset, int count)
        {
            if (samples == null)
            {
                throw new ArgumentNullException(nameof(samples));
            }

            if (offset < 0 || count < 0 || count > samples.Length - offset)
            {
                throw new ArgumentException("INMP441: cannot read " + count.ToString() + " samples at offset " + offset.ToString()
                    + " into an array of " + samples.Length.ToString());
            }

            int done = 0;
            while (done < count)
            {
                int n = count - done;
                if (n > _bufferSamples)
                {
                    n = _bufferSamples;
                }

                _receiver.Read(_bytes, 0, n * BytesPerSample);
                Convert(n, samples, offset + done);
                done += n;
                _samplesRead += n;
            }
        }

        /// <summary>Slots _bytes[0..n) to 16-bit samples at samples[at..].</summary>
        private void Convert(int n, short[] samples, int at)
        {
            // Locals, not fields, inside the loop (cheaper on the interpreter). Byte 0 of each slot is below the 24 data
            // bits and ignored; w holds the 24 data bits at the top, so w >> (16 - gain) = sample24 >> (8 - gain).
            byte[] b = _bytes;
            int shift = 16 - _gainBits;
            int clipped = 0;
            int any = 0;
            int j = 0;
            int end = at + n;
            for (int i = at; i < end; i++)
            {
                int w = (b[j + 1] << 8) | (b[j + 2] << 16) | (b[j + 3] << 24);
                any |= w;
                int v = w >> shift;
                if (v > 32767)
                {
                    v = 32767;
                    clipped++;
                }
                else if (v < -32768)
                {
                    v = -32768;
                    clipped++;
                }

                samples[i] = (short)v;
                j += BytesPerSample;
            }

            _clipped += clipped;
            _silent = any == 0 ? _silent + n : 0;
        }

        private static void CheckGain(int gainBits)
        {
            if (gainBits < 0 || gainBits > MaxGainBits)
            {
                throw new ArgumentException("INMP441: gain must be 0.." + MaxGainBits.ToString() + " bits, not " + gainBits.ToString());
            }
        }
    }
}
