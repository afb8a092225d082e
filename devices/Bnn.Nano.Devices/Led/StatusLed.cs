using System;
using Bnn.Nano.Devices.Buses;

namespace Bnn.Nano.Devices.Led
{
    /// <summary>
    /// A status LED on one <see cref="IDigitalOutput"/>, driven by the caller's clock: <see cref="Show"/> picks a
    /// pattern, <see cref="Update"/> (call it from the main loop with the current time, as often as convenient) sets
    /// the pin. No timer, no thread, no allocation; the pin is written only when its level changes (each write crosses
    /// into native code on the device). Patterns: <see cref="Off"/>, <see cref="On"/>, <see cref="Ok"/> (heartbeat),
    /// <see cref="Error"/> (fast blink) and the one-shot <see cref="Detected"/> (three flashes, then back to the
    /// pattern shown before it). A late <see cref="Update"/> simply shows the level the pattern has at that time.
    /// </summary>
    public sealed class StatusLed
    {
        /// <summary>Always off.</summary>
        public const int Off = 0;

        /// <summary>Always on.</summary>
        public const int On = 1;

        /// <summary>Heartbeat: 50 ms on every 2 s (running normally).</summary>
        public const int Ok = 2;

        /// <summary>5 Hz blink: 100 ms on, 100 ms off (sensor or model fault).</summary>
        public const int Error = 3;

        /// <summary>One-shot: three 80 ms flashes and a 400 ms pause (a class was detected), then the previous pattern again.</summary>
        public const int Detected = 4;

        // Phase durations in microseconds, alternately on and off, starting with on.
        private static readonly int[] s_ok = { 50000, 1950000 };
        private static readonly int[] s_error = { 100000, 100000 };
        private static readonly int[] s_detected = { 80000, 80000, 80000, 80000, 80000, 400000 };

        private readonly IDigitalOutput _output;
        private int _pattern;
        private int _base;
        private int[] _timings;
        private long _cycle;
        private long _start;
        private bool _isOn;

        /// <summary>Starts with the LED off (writes the pin once).</summary>
        public StatusLed(IDigitalOutput output)
        {
            if (output == null)
            {
                throw new ArgumentNullException(nameof(output));
            }

            _output = output;
            _output.Write(false);
        }

        /// <summary>The pattern shown now (<see cref="Detected"/> while it plays).</summary>
        public int Pattern
        {
            get { return _pattern; }
        }

        /// <summary>The level last written to the pin.</summary>
        public bool IsOn
        {
            get { return _isOn; }
        }

        /// <summary>
        /// Shows <paramref name="pattern"/> from <paramref name="nowMicroseconds"/> on and updates the pin. Showing the
        /// pattern already shown keeps its phase (so calling this every loop is harmless); <see cref="Detected"/> restarts.
        /// </summary>
        public void Show(int pattern, long nowMicroseconds)
        {
            if (pattern < Off || pattern > Detected)
            {
                throw new ArgumentException("StatusLed: unknown pattern " + pattern.ToString());
            }

            if (pattern != Detected)
            {
                _base = pattern;
            }

            if (pattern != _pattern || pattern == Detected)
            {
                Select(pattern, nowMicroseconds);
            }

            Update(nowMicroseconds);
        }

        /// <summary>Sets the pin to the level the current pattern has at <paramref name="nowMicroseconds"/>.</summary>
        public void Update(long nowMicroseconds)
        {
            bool level;
            int[] t = _timings;
            if (t == null)
            {
                level = _pattern == On;
            }
            else
            {
                long elapsed = nowMicroseconds - _start;
                if (elapsed < 0)
                {
                    elapsed = 0;
                }

                if (_pattern == Detected && elapsed >= _cycle)
                {
                    // The one-shot is over: the previous pattern resumes from the moment it ended.
                    Select(_base, _start + _cycle);
                    Update(nowMicroseconds);
                    return;
                }

                long position = elapsed % _cycle;
                int phase = 0;
                while (position >= t[phase])
                {
                    position -= t[phase];
                    phase++;
                }

                level = (phase & 1) == 0;
            }

            if (level != _isOn)
            {
                _output.Write(level);
                _isOn = level;
            }
        }

        private void Select(int pattern, long startMicroseconds)
        {
            _pattern = pattern;
            _start = startMicroseconds;
            int[] t = pattern == Ok ? s_ok : pattern == Error ? s_error : pattern == Detected ? s_detected : null;
            _timings = t;
            long cycle = 0;
            if (t != null)
            {
                for (int i = 0; i < t.Length; i++)
                {
                    cycle += t[i];
                }
            }

            _cycle = cycle;
        }
    }
}
