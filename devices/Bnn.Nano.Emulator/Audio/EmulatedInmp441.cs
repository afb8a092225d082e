using System;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Time;

namespace Bnn.Nano.Emulator;

/// <summary>
/// An INMP441 microphone on an emulated I2S bus (32-bit slots, left channel only, as Board/Esp32I2sReceiver sets the
/// ESP32 up), playing an <see cref="IAudioSignal"/> in real time on an <see cref="IClock"/>: the
/// <see cref="II2sReceiver"/> a driver reads on the PC. The chip has no registers; the model is its data stream.
/// <para>
/// Encoding: sample k of the signal becomes the chip's 24-bit sample s &lt;&lt; (8 − <see cref="GainBits"/>),
/// sent as a little-endian int32 whose top 24 bits are that sample and whose low byte is 0. A driver that converts
/// back at the same gain (Inmp441Microphone) therefore returns the signal's samples bit-exact. GainBits 0 plays the
/// recording at full scale of the chip (a loud source), 8 puts it in the low 16 of the 24 bits (a quiet one).
/// </para>
/// <para>
/// Timing: the bus runs at the signal's rate from <see cref="StartMicroseconds"/>; sample k has been captured at
/// <see cref="CaptureTimeMicroseconds"/>(k) = start + ⌈(k + 1) × 10^6 / rate⌉ µs (the end of its frame). A read
/// of n samples delivers the next n and returns when the clock has reached the capture time of the last of them,
/// sleeping on the clock as long as needed (not at all when they are already captured), so reading a second of
/// audio takes a second of clock time and never returns a sample before its time. After the signal's last sample
/// the microphone hears silence (zeros), or the signal again from its start with <see cref="Loop"/>.
/// </para>
/// <para>
/// Faults, consistent with <see cref="EmulatedI2cBus"/>: <see cref="InjectReadErrors"/> fails the next N reads
/// (<see cref="UntilCleared"/>: all, until <see cref="ClearFaults"/>) with a <see cref="BusException"/>; a failed
/// read delivers nothing and takes no time (the samples stay queued). <see cref="Disconnected"/>: nothing drives
/// the data line (microphone absent, unpowered, or its L/R pin high so that it talks in the right slot), which the
/// pull-down holds low: every slot reads 0. <see cref="DmaBufferSamples"/>: the receive ring's size; a reader that
/// falls further behind loses the oldest samples (<see cref="DroppedSampleCount"/>), as the ESP32's DMA does.
/// Not modelled: the chip's 2^18-clock start-up (zeros), its self-noise, the filters' group delay.
/// </para>
/// </summary>
public sealed class EmulatedInmp441 : II2sReceiver
{
    /// <summary>Fault count meaning "every read until <see cref="ClearFaults"/>".</summary>
    public const int UntilCleared = -1;

    /// <summary>Bytes of one sample on the bus: a 32-bit slot.</summary>
    public const int BytesPerSample = 4;

    /// <summary>Largest gain: the recording then fills the low 16 of the chip's 24 bits.</summary>
    public const int MaxGainBits = 8;

    private readonly IClock _clock;
    private readonly IAudioSignal _signal;
    private readonly long _signalLength;
    private long _next;
    private int _errorsRemaining;
    private int _error = BusError.Other;
    private long _dmaBufferSamples = long.MaxValue;

    /// <param name="clock">The clock the bus runs on (a <see cref="VirtualClock"/> in tests).</param>
    /// <param name="signal">What the microphone hears; its rate is the bus's sample rate.</param>
    /// <param name="gainBits">Where the 16-bit samples sit in the chip's 24 bits, 0..<see cref="MaxGainBits"/> (see the class summary).</param>
    /// <param name="loop">After the last sample, play the signal again instead of silence.</param>
    /// <param name="startMicroseconds">Clock time at which the bus starts capturing sample 0 (default: now).</param>
    public EmulatedInmp441(IClock clock, IAudioSignal signal, int gainBits = 0, bool loop = false, long? startMicroseconds = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(signal);
        if (gainBits < 0 || gainBits > MaxGainBits)
        {
            throw new ArgumentOutOfRangeException(nameof(gainBits), gainBits, "the gain is 0..8 bits");
        }

        if (signal.SampleRateHz <= 0)
        {
            throw new ArgumentException("the signal's sample rate must be positive, not " + signal.SampleRateHz.ToString(System.Globalization.CultureInfo.InvariantCulture), nameof(signal));
        }

        if (signal.SampleCount < 0)
        {
            throw new ArgumentException("the signal's sample count is negative", nameof(signal));
        }

        _clock = clock;
        _signal = signal;
        _signalLength = signal.SampleCount;
        GainBits = gainBits;
        Loop = loop;
        StartMicroseconds = startMicroseconds ?? clock.NowMicroseconds;
    }

    /// <summary>Samples per second of the bus (the signal's rate).</summary>
    public int SampleRateHz => _signal.SampleRateHz;

    public IAudioSignal Signal => _signal;

    public int GainBits { get; }

    public bool Loop { get; }

    /// <summary>Clock time at which the bus started capturing sample 0.</summary>
    public long StartMicroseconds { get; }

    /// <summary>Samples delivered so far; also the index of the next one (dropped samples included).</summary>
    public long NextSampleIndex => _next;

    /// <summary>Successful reads.</summary>
    public long ReadCount { get; private set; }

    /// <summary>Reads that failed (injected errors).</summary>
    public long FailedReadCount { get; private set; }

    /// <summary>Samples lost because the reader fell more than <see cref="DmaBufferSamples"/> behind.</summary>
    public long DroppedSampleCount { get; private set; }

    /// <summary>Nothing drives the data line: every slot reads 0 (see the class summary).</summary>
    public bool Disconnected { get; set; }

    /// <summary>
    /// Captured samples the receive ring holds before the oldest are lost (default: unlimited). Board/Esp32I2sReceiver's
    /// default DMA buffer holds 2048.
    /// </summary>
    public long DmaBufferSamples
    {
        get => _dmaBufferSamples;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _dmaBufferSamples = value;
        }
    }

    /// <summary>The 32-bit slot (as an int) the chip sends for a 16-bit <paramref name="sample"/> at <paramref name="gainBits"/>.</summary>
    public static int EncodeSlot(short sample, int gainBits)
    {
        if (gainBits < 0 || gainBits > MaxGainBits)
        {
            throw new ArgumentOutOfRangeException(nameof(gainBits), gainBits, "the gain is 0..8 bits");
        }

        return sample << (16 - gainBits); // the 24-bit sample s << (8 - gain), in the top 24 bits of the slot
    }

    /// <summary>Clock time at which sample <paramref name="index"/> has been captured: the end of its frame.</summary>
    public long CaptureTimeMicroseconds(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        long rate = _signal.SampleRateHz;
        return StartMicroseconds + ((((index + 1) * 1_000_000) + rate - 1) / rate);
    }

    /// <summary>Number of samples captured by clock time <paramref name="microseconds"/> (delivered or not).</summary>
    public long SamplesCapturedBy(long microseconds)
    {
        long elapsed = microseconds - StartMicroseconds;
        return elapsed <= 0 ? 0 : elapsed * _signal.SampleRateHz / 1_000_000;
    }

    /// <summary>Fails the next <paramref name="reads"/> reads (<see cref="UntilCleared"/>: all) with a <see cref="BusException"/> of <paramref name="error"/>.</summary>
    public void InjectReadErrors(int reads, int error = BusError.Other)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reads, UntilCleared);
        _errorsRemaining = reads;
        _error = error;
    }

    /// <summary>Removes injected read errors and reconnects the data line.</summary>
    public void ClearFaults()
    {
        _errorsRemaining = 0;
        Disconnected = false;
    }

    public void Read(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || count < 0 || count > buffer.Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "cannot read " + count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes at offset "
                + offset.ToString(System.Globalization.CultureInfo.InvariantCulture) + " into a buffer of " + buffer.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (count % BytesPerSample != 0)
        {
            throw new ArgumentException("I2S reads are whole 32-bit slots: " + count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes is not a multiple of 4", nameof(count));
        }

        if (_errorsRemaining != 0)
        {
            if (_errorsRemaining > 0)
            {
                _errorsRemaining--;
            }

            FailedReadCount++;
            throw new BusException(_error, "I2S: injected read error");
        }

        ReadCount++;
        int n = count / BytesPerSample;
        if (n == 0)
        {
            return;
        }

        // The ring holds what was captured while nobody read; beyond its size the oldest samples are overwritten.
        long behind = SamplesCapturedBy(_clock.NowMicroseconds) - _next;
        if (behind > _dmaBufferSamples)
        {
            DroppedSampleCount += behind - _dmaBufferSamples;
            _next += behind - _dmaBufferSamples;
        }

        long due = CaptureTimeMicroseconds(_next + n - 1);
        if (_clock.NowMicroseconds < due)
        {
            _clock.SleepUntil(due);
        }

        for (int i = 0; i < n; i++)
        {
            int slot = Disconnected ? 0 : EncodeSlotUnchecked(SampleOf(_next + i), GainBits);
            int at = offset + (i * BytesPerSample);
            buffer[at] = (byte)slot;
            buffer[at + 1] = (byte)(slot >> 8);
            buffer[at + 2] = (byte)(slot >> 16);
            buffer[at + 3] = (byte)(slot >> 24);
        }

        _next += n;
    }

    private short SampleOf(long index)
    {
        if (index < _signalLength)
        {
            return _signal.SampleAt(index);
        }

        return Loop && _signalLength > 0 ? _signal.SampleAt(index % _signalLength) : (short)0;
    }

    private static int EncodeSlotUnchecked(short sample, int gainBits) => sample << (16 - gainBits);
}
