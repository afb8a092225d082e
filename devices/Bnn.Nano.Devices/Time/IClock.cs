namespace Bnn.Nano.Devices.Time
{
    /// <summary>
    /// Time as the node sees it. On the device: the system clock and Thread.Sleep; in the emulator: a virtual clock
    /// that advances only when the node waits, so a minute of sensor data replays in milliseconds, deterministically.
    /// </summary>
    public interface IClock
    {
        /// <summary>Microseconds since an arbitrary start.</summary>
        long NowMicroseconds { get; }

        /// <summary>Returns when <see cref="NowMicroseconds"/> has reached <paramref name="microseconds"/>.</summary>
        void SleepUntil(long microseconds);
    }
}
