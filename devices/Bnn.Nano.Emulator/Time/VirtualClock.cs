using Bnn.Nano.Devices.Time;

namespace Bnn.Nano.Emulator;

/// <summary>
/// An <see cref="IClock"/> whose time moves only when someone waits on it (<see cref="SleepUntil"/>, or
/// <see cref="Advance"/>, which is the same): a minute of sensor time replays in milliseconds, and every run is
/// deterministic. Bus transfers take no virtual time.
/// </summary>
public sealed class VirtualClock : IClock
{
    public VirtualClock(long startMicroseconds = 0)
    {
        NowMicroseconds = startMicroseconds;
    }

    public long NowMicroseconds { get; private set; }

    /// <summary>Number of <see cref="SleepUntil"/> calls (waits), including those for a time already past.</summary>
    public int SleepCount { get; private set; }

    /// <summary>Jumps to <paramref name="microseconds"/> unless that is already past (time never goes back).</summary>
    public void SleepUntil(long microseconds)
    {
        SleepCount++;
        if (microseconds > NowMicroseconds)
        {
            NowMicroseconds = microseconds;
        }
    }

    /// <summary>Waits <paramref name="microseconds"/> (a test's way of letting time pass).</summary>
    public void Advance(long microseconds) => SleepUntil(NowMicroseconds + microseconds);
}
