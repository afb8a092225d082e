using System;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Emulator;
using Xunit;

namespace Bnn.Nano.Tests.Devices;

public class StatusLedTests
{
    [Fact]
    public void Ok_is_a_heartbeat_of_50ms_every_2s()
    {
        (VirtualClock clock, EmulatedDigitalOutput pin, StatusLed led) = Rig();

        led.Show(StatusLed.Ok, clock.NowMicroseconds);
        Run(clock, led, 4_100_000, 10_000);

        Assert.Equal(
            new[] { new PinTransition(0, true), new PinTransition(50_000, false), new PinTransition(2_000_000, true), new PinTransition(2_050_000, false), new PinTransition(4_000_000, true), new PinTransition(4_050_000, false) },
            pin.Transitions);
        Assert.Equal(pin.Transitions.Count + 1, pin.WriteCount); // the pin is written only on changes (plus once at start)
    }

    [Fact]
    public void Error_blinks_at_5Hz_and_a_late_update_shows_the_level_of_that_moment()
    {
        (VirtualClock clock, EmulatedDigitalOutput pin, StatusLed led) = Rig();
        led.Show(StatusLed.Error, 0);
        Run(clock, led, 1_000_000, 50_000);

        Assert.Equal(11, pin.Transitions.Count); // 0, 100, ..., 1000 ms
        for (int i = 0; i < pin.Transitions.Count; i++)
        {
            Assert.Equal(new PinTransition(i * 100_000L, i % 2 == 0), pin.Transitions[i]);
        }

        led.Update(10_250_000); // 50 ms into an "on" phase
        Assert.True(led.IsOn);
        led.Update(10_399_999);
        Assert.False(led.IsOn);
    }

    [Fact]
    public void Detected_flashes_three_times_then_the_previous_pattern_resumes()
    {
        (VirtualClock clock, EmulatedDigitalOutput pin, StatusLed led) = Rig();
        led.Show(StatusLed.Ok, 0);
        Run(clock, led, 500_000, 10_000);
        led.Show(StatusLed.Detected, clock.NowMicroseconds);
        Assert.Equal(StatusLed.Detected, led.Pattern);
        Run(clock, led, 2_000_000, 10_000);

        Assert.Equal(
            new[]
            {
                new PinTransition(0, true), new PinTransition(50_000, false), // Ok
                new PinTransition(500_000, true), new PinTransition(580_000, false), new PinTransition(660_000, true),
                new PinTransition(740_000, false), new PinTransition(820_000, true), new PinTransition(900_000, false), // Detected
                new PinTransition(1_300_000, true), new PinTransition(1_350_000, false), // Ok again from the end of the one-shot
            },
            pin.Transitions);
        Assert.Equal(StatusLed.Ok, led.Pattern);
    }

    [Fact]
    public void Showing_the_same_pattern_keeps_its_phase_and_constant_patterns_hold()
    {
        (VirtualClock clock, EmulatedDigitalOutput pin, StatusLed led) = Rig();
        led.Show(StatusLed.Error, 0);
        led.Show(StatusLed.Error, 150_000); // still the pattern started at 0: off at 150 ms
        Assert.False(led.IsOn);

        led.Show(StatusLed.On, 200_000);
        led.Update(9_000_000);
        Assert.True(pin.IsHigh);
        led.Show(StatusLed.Off, 9_000_001);
        Assert.False(pin.IsHigh);
        Assert.Throws<ArgumentException>(() => led.Show(99, 0));
        Assert.Equal(0, clock.NowMicroseconds);
    }

    [Fact]
    public void Update_allocates_nothing()
    {
        var output = new CountingOutput();
        var led = new StatusLed(output);
        led.Show(StatusLed.Ok, 0);
        long t = 0;
        for (int i = 0; i < 2000; i++)
        {
            led.Update(t += 7_000);
        }

        Assert.Equal(0, SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                if (i % 1000 == 0)
                {
                    led.Show(StatusLed.Detected, t);
                }

                led.Update(t += 7_000);
            }
        }));
        Assert.True(output.Writes > 20);
    }

    private static (VirtualClock Clock, EmulatedDigitalOutput Pin, StatusLed Led) Rig()
    {
        var clock = new VirtualClock();
        var pin = new EmulatedDigitalOutput(clock);
        return (clock, pin, new StatusLed(pin));
    }

    private static void Run(VirtualClock clock, StatusLed led, long until, long step)
    {
        while (clock.NowMicroseconds + step <= until)
        {
            clock.Advance(step);
            led.Update(clock.NowMicroseconds);
        }
    }

    private sealed class CountingOutput : IDigitalOutput
    {
        public int Writes { get; private set; }

        public void Write(bool high) => Writes++;
    }
}
