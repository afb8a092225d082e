namespace Bnn.Nano.Devices.Audio
{
    /// <summary>
    /// A mono 16-bit PCM audio stream (a microphone driver, or a recording): what the keyword-spotting node consumes.
    /// Reads block until the samples exist, so a reader that keeps up sees every sample exactly once, in order.
    /// </summary>
    public interface IAudioSource
    {
        /// <summary>Samples per second.</summary>
        int SampleRateHz { get; }

        /// <summary>Returns when <paramref name="count"/> further samples have been written to samples[offset..].</summary>
        void Read(short[] samples, int offset, int count);
    }
}
