namespace Bnn.Nano.Emulator;

/// <summary>
/// What an emulated microphone hears: a finite run of 16-bit mono samples at a fixed rate, sample 0 first
/// (a recording such as <see cref="PcmRecording"/>, or a generated signal).
/// </summary>
public interface IAudioSignal
{
    /// <summary>Samples per second.</summary>
    int SampleRateHz { get; }

    /// <summary>Number of samples; the microphone hears silence after them, or the signal again when it loops.</summary>
    long SampleCount { get; }

    /// <summary>Sample <paramref name="index"/>, 0 &lt;= index &lt; <see cref="SampleCount"/>.</summary>
    short SampleAt(long index);
}
