using System.Collections.Generic;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Time;

namespace Bnn.Nano.Emulator;

/// <summary>A change of an output pin's level, at a clock time.</summary>
public readonly record struct PinTransition(long Microseconds, bool High);

/// <summary>
/// An <see cref="IDigitalOutput"/> (e.g. the status LED) that records each change of level with the clock time.
/// The pin starts low; writes that do not change the level are counted (<see cref="WriteCount"/>) but not recorded.
/// </summary>
public sealed class EmulatedDigitalOutput : IDigitalOutput
{
    private readonly IClock _clock;
    private readonly List<PinTransition> _transitions = new();

    public EmulatedDigitalOutput(IClock clock)
    {
        System.ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    public bool IsHigh { get; private set; }

    /// <summary>Every <see cref="Write"/> call, changing the level or not.</summary>
    public int WriteCount { get; private set; }

    public IReadOnlyList<PinTransition> Transitions => _transitions;

    public void Write(bool high)
    {
        WriteCount++;
        if (high != IsHigh)
        {
            IsHigh = high;
            _transitions.Add(new PinTransition(_clock.NowMicroseconds, high));
        }
    }

    /// <summary>The level the pin had at <paramref name="microseconds"/> according to the recorded transitions.</summary>
    public bool WasHighAt(long microseconds)
    {
        bool high = false;
        foreach (PinTransition t in _transitions)
        {
            if (t.Microseconds > microseconds)
            {
                break;
            }

            high = t.High;
        }

        return high;
    }
}
