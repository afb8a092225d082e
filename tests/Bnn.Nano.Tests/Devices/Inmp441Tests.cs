using System;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Devices.Audio;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Emulator;
using Xunit;

namespace Bnn.Nano.Tests.Devices;

/// <summary>
/// Our INMP441 driver against the emulated microphone on the emulated I2S bus (the path the KWS node runs), plus the
/// driver alone on hand-made slots; WAV files reach the microphone through the one WAV codec (WavFile).
/// </summary>
public class Inmp441Tests
{
    private const int Rate = 16000;

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(8)]
    public void Wav_played_at_matching_gain_reaches_the_audio_source_bit_exact(int gain)
    {
        short[] original = TestSignal(Rate + 1234, seed: 7);
        WavFile file = WavFile.Parse(WavFile.Mono(Rate, original).ToBytes(), "round-trip.wav");
        var wav = new PcmRecording(file.SampleRate, file.ToMono());
        var clock = new VirtualClock();
        var mic = new EmulatedInmp441(clock, wav, gain);
        IAudioSource source = new Inmp441Microphone(mic, mic.SampleRateHz, gain, Inmp441Microphone.DefaultBufferSamples);

        short[] heard = ReadAll(source, original.Length, 160);

        Assert.Equal(original, heard);
        Assert.Equal(Rate, source.SampleRateHz);
        Assert.Equal(0, ((Inmp441Microphone)source).ClippedSampleCount);
    }

    [Fact]
    public void Wav_file_on_disk_round_trips_through_the_emulated_bus()
    {
        short[] original = TestSignal(8000, seed: 3);
        string path = Path.Combine(Path.GetTempPath(), "bnn-inmp441-" + Guid.NewGuid().ToString("N") + ".wav");
        try
        {
            WavFile.Mono(8000, original).Write(path);
            WavFile file = WavFile.Read(path);
            var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(file.SampleRate, file.ToMono()), gainBits: 4);
            var source = new Inmp441Microphone(mic, 8000, 4, 100);

            Assert.Equal(original, ReadAll(source, original.Length, 333));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Emulator_sends_the_chips_slot_layout()
    {
        // 24-bit two's complement in the top 24 bits of a little-endian int32, low byte zero.
        Assert.Equal(0x12340000, EmulatedInmp441.EncodeSlot(0x1234, 0));
        Assert.Equal(0x00123400, EmulatedInmp441.EncodeSlot(0x1234, 8));
        Assert.Equal(unchecked((int)0xFFFF0000), EmulatedInmp441.EncodeSlot(-1, 0));
        Assert.Equal(unchecked((int)0x80000000), EmulatedInmp441.EncodeSlot(short.MinValue, 0));

        var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, new short[] { 0x1234, -2 }), gainBits: 4);
        byte[] bytes = new byte[8];
        mic.Read(bytes, 0, 8);

        Assert.Equal(new byte[] { 0x00, 0x40, 0x23, 0x01, 0x00, 0xE0, 0xFF, 0xFF }, bytes);
    }

    [Fact]
    public void Driver_decodes_hand_made_slots_ignoring_the_low_byte()
    {
        // Slots as the ESP32 delivers them: 24-bit samples 0x123456, -1, 0x7FFFFF, -0x800000, 0x000080 with junk low bytes.
        byte[] slots =
        {
            0xAB, 0x56, 0x34, 0x12,
            0xFF, 0xFF, 0xFF, 0xFF,
            0x01, 0xFF, 0xFF, 0x7F,
            0x00, 0x00, 0x00, 0x80,
            0x7F, 0x80, 0x00, 0x00,
        };
        var at0 = new Inmp441Microphone(new ScriptedReceiver(slots), Rate, 0, 8);
        var at8 = new Inmp441Microphone(new ScriptedReceiver(slots), Rate, 8, 8);
        short[] s0 = new short[5];
        short[] s8 = new short[5];

        at0.Read(s0, 0, 5);
        at8.Read(s8, 0, 5);

        Assert.Equal(new short[] { 0x1234, -1, 32767, -32768, 0 }, s0);          // top 16 of 24 bits, floor
        Assert.Equal(new short[] { 32767, -1, 32767, -32768, 0x0080 }, s8);      // low 16 of 24 bits, saturated
        Assert.Equal(0, at0.ClippedSampleCount);
        Assert.Equal(3, at8.ClippedSampleCount);
    }

    [Fact]
    public void Gain_above_the_recordings_level_multiplies_and_saturates()
    {
        short[] original = TestSignal(4000, seed: 11);
        var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, original), gainBits: 0);
        var source = new Inmp441Microphone(mic, Rate, 3, 64);

        short[] heard = ReadAll(source, original.Length, 500);

        short[] expected = original.Select(s => (short)Math.Clamp(s * 8, short.MinValue, short.MaxValue)).ToArray();
        Assert.Equal(expected, heard);
        long clipped = original.LongCount(s => s * 8 > short.MaxValue || s * 8 < short.MinValue);
        Assert.True(clipped > 100, "the test signal should clip at +18 dB, clipped " + clipped);
        Assert.Equal(clipped, source.ClippedSampleCount);
        source.ResetCounters();
        Assert.Equal(0, source.ClippedSampleCount);
    }

    [Fact]
    public void Gain_below_the_recordings_level_shifts_right_rounding_toward_minus_infinity()
    {
        short[] original = { 0, 1, 15, 16, 17, -1, -15, -16, -17, 32767, -32768 };
        var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, original), gainBits: 8);
        var source = new Inmp441Microphone(mic, Rate, 4, 64);

        short[] heard = ReadAll(source, original.Length, original.Length);

        Assert.Equal(new short[] { 0, 0, 0, 1, 1, -1, -1, -1, -2, 2047, -2048 }, heard);
        Assert.Equal(0, source.ClippedSampleCount);
    }

    [Fact]
    public void Gain_change_applies_from_the_next_read()
    {
        short[] original = Enumerable.Repeat((short)100, 20).ToArray();
        var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, original), gainBits: 4);
        var source = new Inmp441Microphone(mic, Rate, 4, 64);
        short[] a = new short[10];
        short[] b = new short[10];

        source.Read(a, 0, 10);
        source.SetGainBits(6);
        source.Read(b, 0, 10);

        Assert.All(a, s => Assert.Equal(100, s));
        Assert.All(b, s => Assert.Equal(400, s));
        Assert.Equal(6, source.GainBits);
    }

    [Fact]
    public void Reading_one_second_takes_one_second_of_clock_and_never_returns_a_sample_early()
    {
        var clock = new VirtualClock(5_000_000);
        var mic = new EmulatedInmp441(clock, new PcmRecording(Rate, TestSignal(2 * Rate, seed: 1)));
        var source = new Inmp441Microphone(mic, Rate, 0, 128);
        short[] chunk = new short[160];

        long total = 0;
        for (int i = 0; i < 100; i++)
        {
            source.Read(chunk, 0, chunk.Length);
            total += chunk.Length;

            // Exactly the capture time of the last sample read (end of its 62.5 µs frame, rounded up): not earlier,
            // so nothing is returned before it exists, and not later, so the reader never waits for nothing.
            Assert.Equal(5_000_000 + (((total * 1_000_000) + Rate - 1) / Rate), clock.NowMicroseconds);
            Assert.Equal(mic.CaptureTimeMicroseconds(total - 1), clock.NowMicroseconds);
            Assert.Equal(total, mic.SamplesCapturedBy(clock.NowMicroseconds));
        }

        Assert.Equal(Rate, total);
        Assert.Equal(6_000_000, clock.NowMicroseconds);
        Assert.Equal(Rate, source.SamplesRead);
    }

    [Fact]
    public void Samples_captured_while_the_node_was_busy_are_delivered_at_once_without_waiting()
    {
        short[] original = TestSignal(Rate, seed: 5);
        var clock = new VirtualClock();
        var mic = new EmulatedInmp441(clock, new PcmRecording(Rate, original), gainBits: 2);
        var source = new Inmp441Microphone(mic, Rate, 2, 256);
        clock.Advance(500_000); // half a second of audio waits in the receive ring
        int sleeps = clock.SleepCount;

        short[] first = new short[4000];
        source.Read(first, 0, first.Length);

        Assert.Equal(500_000, clock.NowMicroseconds);
        Assert.Equal(sleeps, clock.SleepCount);
        Assert.Equal(original.Take(4000), first);

        short[] rest = new short[Rate - 4000];
        source.Read(rest, 0, rest.Length);
        Assert.Equal(1_000_000, clock.NowMicroseconds);
        Assert.Equal(original.Skip(4000), rest);
    }

    [Fact]
    public void Odd_sample_rates_round_capture_times_up()
    {
        var clock = new VirtualClock();
        var mic = new EmulatedInmp441(clock, new PcmRecording(11025, TestSignal(11025, seed: 2)));
        var source = new Inmp441Microphone(mic, 11025, 0, 256);
        short[] buffer = new short[11025];

        source.Read(buffer, 0, 1);
        Assert.Equal(91, clock.NowMicroseconds); // 90.70 µs
        source.Read(buffer, 1, 11024);
        Assert.Equal(1_000_000, clock.NowMicroseconds);
    }

    [Fact]
    public void Reads_larger_than_the_driver_buffer_are_chunked_and_honour_the_offset()
    {
        short[] original = TestSignal(1000, seed: 9);
        var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, original), gainBits: 1);
        var source = new Inmp441Microphone(mic, Rate, 1, 64);
        short[] target = Enumerable.Repeat((short)12345, 1010).ToArray();

        source.Read(target, 5, 1000);

        Assert.Equal(original, target.Skip(5).Take(1000));
        Assert.All(target.Take(5).Concat(target.Skip(1005)), s => Assert.Equal(12345, s));
        Assert.Equal(16, mic.ReadCount); // ⌈1000 / 64⌉ bus reads
        Assert.Equal(1000, mic.NextSampleIndex);
    }

    [Fact]
    public void Zero_sample_read_touches_neither_bus_nor_clock()
    {
        var clock = new VirtualClock();
        var mic = new EmulatedInmp441(clock, new PcmRecording(Rate, new short[10]));
        var source = new Inmp441Microphone(mic, Rate);

        source.Read(new short[4], 4, 0);

        Assert.Equal(0, mic.ReadCount);
        Assert.Equal(0, clock.NowMicroseconds);
    }

    [Fact]
    public void Steady_state_reads_allocate_nothing()
    {
        var clock = new VirtualClock();
        var mic = new EmulatedInmp441(clock, new PcmRecording(Rate, TestSignal(Rate, seed: 4)), gainBits: 3, loop: true);
        var source = new Inmp441Microphone(mic, Rate, 5, 128);
        short[] frame = new short[400]; // larger than the buffer: chunked reads included

        // Warm up past tiered JIT compilation, which may allocate on this thread; then measure.
        for (int i = 0; i < 2000; i++)
        {
            source.Read(frame, 0, frame.Length);
        }

        long reads = 2000;
        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                source.Read(frame, 0, frame.Length);
            }

            reads += 1000;
        });

        Assert.Equal(0, allocated);
        Assert.Equal(reads * 400, source.SamplesRead);
    }

    [Fact]
    public void After_the_recording_ends_the_microphone_hears_silence_or_the_loop()
    {
        short[] original = { 1, 2, 3, 4, 5 };
        var once = new Inmp441Microphone(new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, original), 8), Rate, 8, 4);
        var looped = new Inmp441Microphone(new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, original), 8, loop: true), Rate, 8, 4);

        Assert.Equal(new short[] { 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0 }, ReadAll(once, 12, 12));
        Assert.Equal(new short[] { 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2 }, ReadAll(looped, 12, 5));
    }

    [Fact]
    public void Injected_read_error_surfaces_as_bus_exception_and_loses_no_audio()
    {
        short[] original = TestSignal(1000, seed: 6);
        var clock = new VirtualClock();
        var mic = new EmulatedInmp441(clock, new PcmRecording(Rate, original), gainBits: 0);
        var source = new Inmp441Microphone(mic, Rate, 0, 100);
        short[] heard = new short[1000];
        source.Read(heard, 0, 100);
        long before = clock.NowMicroseconds;

        mic.InjectReadErrors(1);
        BusException e = Assert.Throws<BusException>(() => source.Read(heard, 100, 100));
        Assert.Equal(BusError.Other, e.Error);
        Assert.Contains("I2S", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, clock.NowMicroseconds); // a failed read takes no time and consumes no sample

        source.Read(heard, 100, 900);
        Assert.Equal(original, heard);
        Assert.Equal(1, mic.FailedReadCount);
    }

    [Fact]
    public void Errors_until_cleared_fail_every_read_and_clear_faults_ends_them()
    {
        var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, new short[100]));
        var source = new Inmp441Microphone(mic, Rate);
        short[] buffer = new short[10];
        mic.InjectReadErrors(EmulatedInmp441.UntilCleared, BusError.Timeout);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(BusError.Timeout, Assert.Throws<BusException>(() => source.Read(buffer, 0, 10)).Error);
        }

        mic.ClearFaults();
        source.Read(buffer, 0, 10);
        Assert.Equal(3, mic.FailedReadCount);
        Assert.Equal(1, mic.ReadCount);
    }

    [Fact]
    public void Reader_falling_behind_the_dma_ring_loses_the_oldest_samples()
    {
        short[] original = Enumerable.Range(0, 1000).Select(i => (short)i).ToArray();
        var clock = new VirtualClock();
        var mic = new EmulatedInmp441(clock, new PcmRecording(Rate, original), gainBits: 8) { DmaBufferSamples = 100 };
        var source = new Inmp441Microphone(mic, Rate, 8, 256);
        clock.Advance(300 * 1_000_000L / Rate); // 300 samples captured, room for 100

        short[] heard = new short[10];
        source.Read(heard, 0, 10);

        Assert.Equal(Enumerable.Range(200, 10).Select(i => (short)i), heard);
        Assert.Equal(200, mic.DroppedSampleCount);
    }

    [Fact]
    public void Disconnected_microphone_reads_exact_zeros_and_the_driver_notices()
    {
        var mic = new EmulatedInmp441(new VirtualClock(), new PcmRecording(Rate, TestSignal(Rate, seed: 8)), loop: true) { Disconnected = true };
        var source = new Inmp441Microphone(mic, Rate, 6, 256);
        short[] frame = new short[256];

        for (int i = 0; i < Inmp441Microphone.DisconnectedAfterSamples / 256; i++)
        {
            Assert.False(source.LooksDisconnected);
            source.Read(frame, 0, frame.Length);
            Assert.All(frame, s => Assert.Equal(0, s));
        }

        Assert.True(source.LooksDisconnected);
        Assert.Equal(Inmp441Microphone.DisconnectedAfterSamples, source.SilentSampleCount);

        mic.ClearFaults();
        source.Read(frame, 0, frame.Length);
        Assert.False(source.LooksDisconnected);
        Assert.Equal(0, source.SilentSampleCount);
    }

    [Fact]
    public void Driver_refuses_bad_arguments_with_clear_messages()
    {
        var receiver = new ScriptedReceiver(new byte[64]);
        Assert.Equal("receiver", Assert.Throws<ArgumentNullException>(() => new Inmp441Microphone(null!, Rate)).ParamName);
        Assert.Contains("sample rate must be 7813..50000 Hz", Assert.Throws<ArgumentException>(() => new Inmp441Microphone(receiver, 4000)).Message, StringComparison.Ordinal);
        Assert.Contains("not 96000", Assert.Throws<ArgumentException>(() => new Inmp441Microphone(receiver, 96000)).Message, StringComparison.Ordinal);
        Assert.Contains("gain must be 0..8 bits, not 9", Assert.Throws<ArgumentException>(() => new Inmp441Microphone(receiver, Rate, 9, 64)).Message, StringComparison.Ordinal);
        Assert.Contains("not -1", Assert.Throws<ArgumentException>(() => new Inmp441Microphone(receiver, Rate, -1, 64)).Message, StringComparison.Ordinal);
        Assert.Contains("buffer must hold 1..4096 samples, not 0", Assert.Throws<ArgumentException>(() => new Inmp441Microphone(receiver, Rate, 0, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("not 5000", Assert.Throws<ArgumentException>(() => new Inmp441Microphone(receiver, Rate, 0, 5000)).Message, StringComparison.Ordinal);

        var source = new Inmp441Microphone(receiver, Rate, 0, 16);
        Assert.Equal("samples", Assert.Throws<ArgumentNullException>(() => source.Read(null!, 0, 1)).ParamName);
        Assert.Contains("cannot read 5 samples at offset 6 into an array of 10", Assert.Throws<ArgumentException>(() => source.Read(new short[10], 6, 5)).Message, StringComparison.Ordinal);
        Assert.Contains("cannot read 1 samples at offset -1", Assert.Throws<ArgumentException>(() => source.Read(new short[10], -1, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("cannot read -1 samples", Assert.Throws<ArgumentException>(() => source.Read(new short[10], 0, -1)).Message, StringComparison.Ordinal);
        Assert.Contains("not 12", Assert.Throws<ArgumentException>(() => source.SetGainBits(12)).Message, StringComparison.Ordinal);
        Assert.Equal(0, source.GainBits);
        Assert.Equal(0, receiver.BytesRead); // nothing reached the bus
    }

    [Fact]
    public void Emulator_refuses_bad_arguments()
    {
        var clock = new VirtualClock();
        var wav = new PcmRecording(Rate, new short[8]);
        Assert.Throws<ArgumentNullException>(() => new EmulatedInmp441(null!, wav));
        Assert.Throws<ArgumentNullException>(() => new EmulatedInmp441(clock, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmulatedInmp441(clock, wav, gainBits: 9));
        var mic = new EmulatedInmp441(clock, wav);
        Assert.Contains("multiple of 4", Assert.Throws<ArgumentException>(() => mic.Read(new byte[8], 0, 6)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => mic.Read(new byte[8], 4, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => mic.DmaBufferSamples = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => mic.InjectReadErrors(-2));
        Assert.Equal(0, clock.NowMicroseconds);
        Assert.Equal(0, mic.NextSampleIndex);
    }

    /// <summary>Reads <paramref name="total"/> samples in calls of at most <paramref name="perRead"/>.</summary>
    private static short[] ReadAll(IAudioSource source, int total, int perRead)
    {
        short[] heard = new short[total];
        for (int done = 0; done < total; done += perRead)
        {
            source.Read(heard, done, Math.Min(perRead, total - done));
        }

        return heard;
    }

    /// <summary>Deterministic full-range samples: both extremes, 0 and -1 first, then a loud noisy sweep.</summary>
    private static short[] TestSignal(int length, uint seed)
    {
        short[] s = new short[length];
        uint x = seed;
        short[] edges = { short.MinValue, short.MaxValue, 0, -1, 1, -32767 };
        for (int i = 0; i < length; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s[i] = i < edges.Length ? edges[i] : (short)(int)(x >> 16);
        }

        return s;
    }

    /// <summary>An I2S receiver that hands out fixed bytes (the driver alone, without the emulator's encoding).</summary>
    private sealed class ScriptedReceiver : II2sReceiver
    {
        private readonly byte[] _bytes;

        public ScriptedReceiver(byte[] bytes) => _bytes = bytes;

        public int BytesRead { get; private set; }

        public void Read(byte[] buffer, int offset, int count)
        {
            Array.Copy(_bytes, BytesRead, buffer, offset, count);
            BytesRead += count;
        }
    }
}
