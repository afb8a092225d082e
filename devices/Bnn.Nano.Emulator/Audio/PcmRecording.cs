using System;

namespace Bnn.Nano.Emulator;

/// <summary>
/// A 16-bit mono PCM recording in memory: what the emulated microphone (<see cref="EmulatedInmp441"/>) plays. WAV files
/// are read by the compiler's one WAV codec (Bnn.Nano.Compiler.Speech.WavFile; stereo mixed down with its ToMono).
/// </summary>
public sealed class PcmRecording : IAudioSignal
{
    private readonly short[] _samples;

    /// <param name="sampleRateHz">Samples per second, 1..1,000,000.</param>
    /// <param name="samples">The samples (copied).</param>
    public PcmRecording(int sampleRateHz, short[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRateHz, 1_000_000);
        SampleRateHz = sampleRateHz;
        _samples = (short[])samples.Clone();
    }

    public int SampleRateHz { get; }

    public long SampleCount => _samples.Length;

    /// <summary>The samples, read-only.</summary>
    public ReadOnlySpan<short> Samples => _samples;

    public double DurationSeconds => _samples.Length / (double)SampleRateHz;

    public short SampleAt(long index) => _samples[index];
}
