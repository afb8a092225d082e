using System;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Devices.Time;
using Bnn.Nano.Emulator;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Node;

/// <summary>
/// A gesture node on the emulated board: virtual clock, emulated I2C bus with an emulated MPU6050 at 0x68, the real
/// Mpu6050 driver (through a <see cref="CapturingBus"/> that records every accelerometer burst the driver received),
/// a status LED and logs of the node's decisions and status events. Nothing here allocates per sample.
/// </summary>
internal sealed class NodeRig
{
    public const int Address = Mpu6050.DefaultAddress;

    public NodeRig(BnnModel model, int captureCapacity, bool recordLed = true)
    {
        Clock = new VirtualClock();
        Bus = new EmulatedI2cBus(Clock);
        Sensor = new EmulatedMpu6050(Clock);
        Bus.Attach(Address, Sensor);
        Capture = new CapturingBus(Bus.ForAddress(Address), Clock, captureCapacity);
        Imu = new Mpu6050(Capture, Clock);
        Pin = recordLed ? new EmulatedDigitalOutput(Clock) : null;
        Led = new StatusLed(Pin ?? (IDigitalOutput)new SilentOutput());
        Model = model;
        Node = new GestureNode(model, Imu, Clock, Led);
        Decisions = new DecisionLog(captureCapacity);
        Statuses = new StatusLog(this, 4096);
        Node.GestureDetected = Decisions.OnGesture;
        Node.StatusChanged = Statuses.OnStatus;
    }

    public VirtualClock Clock { get; }

    public EmulatedI2cBus Bus { get; }

    public EmulatedMpu6050 Sensor { get; }

    public CapturingBus Capture { get; }

    public Mpu6050 Imu { get; }

    public EmulatedDigitalOutput? Pin { get; }

    public StatusLed Led { get; }

    public BnnModel Model { get; }

    public GestureNode Node { get; }

    public DecisionLog Decisions { get; }

    public StatusLog Statuses { get; }

    /// <summary>Clock time of playback sample 0 (the node's first read after start-up).</summary>
    public long PlaybackStart { get; private set; }

    public int PlaybackSamples { get; private set; }

    /// <summary>Clock time just after the last playback sample.</summary>
    public long PlaybackEnd => PlaybackStart + ((long)PlaybackSamples * Node.SamplePeriodMicroseconds);

    /// <summary>
    /// First step (initialises the IMU), then the emulated sensor plays <paramref name="counts"/> (x, y, z per
    /// sample) as accelerations of counts / 4096 g, no gravity, no rotation, at the model's sample rate, sample 0
    /// exactly at the node's first read.
    /// </summary>
    public void Start(int[] counts, int countsPerG)
    {
        Node.Step();
        Assert.Equal(NodeState.Running, Node.State);
        double[] accel = new double[counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            accel[i] = counts[i] / (double)countsPerG;
        }

        PlaybackStart = Clock.NowMicroseconds + Node.SamplePeriodMicroseconds;
        PlaybackSamples = counts.Length / 3;
        Sensor.Motion = new RecordedMotion(accel, new double[counts.Length], Node.FrontEnd.SampleRateHz, PlaybackStart) { GravityZ = 0 };
    }

    /// <summary>Steps until <paramref name="samples"/> more samples were read.</summary>
    public void RunSamples(int samples)
    {
        long target = Node.SamplesRead + samples;
        while (Node.SamplesRead < target)
        {
            Node.Step();
        }
    }

    /// <summary>Steps until the clock reaches <paramref name="microseconds"/>.</summary>
    public void RunUntil(long microseconds)
    {
        while (Clock.NowMicroseconds < microseconds)
        {
            Node.Step();
        }
    }

    /// <summary>Steps until the playback is over.</summary>
    public void RunToEnd() => RunUntil(PlaybackEnd - Node.SamplePeriodMicroseconds + 1);

    /// <summary>
    /// Every decision of the node equals the offline runtime's on the same window: the WindowLength samples the
    /// driver received up to the decision's last sample, which must be consecutive sample periods (a window never
    /// spans a gap), through the training pipeline's front end (<see cref="UWaveFrontEnd.Features(int[], int)"/>).
    /// Returns the number of windows checked.
    /// </summary>
    public int AssertDecisionsMatchOffline(UWaveFrontEnd frontEnd, BnnModel offline)
    {
        int capture = 0;
        int[] counts = Capture.Counts;
        long period = Node.SamplePeriodMicroseconds;
        for (int d = 0; d < Decisions.Count; d++)
        {
            long time = Decisions.Times[d];
            while (capture < Capture.Count && Capture.Times[capture] < time)
            {
                capture++;
            }

            Assert.True(capture < Capture.Count && Capture.Times[capture] == time, $"decision {d} at {time} µs: no accelerometer read at that time");
            int start = capture - frontEnd.WindowLength + 1;
            Assert.True(start >= 0, $"decision {d}: fewer than {frontEnd.WindowLength} samples before it");
            for (int j = start; j < capture; j++)
            {
                Assert.True(Capture.Times[j + 1] - Capture.Times[j] == period, $"decision {d}: its window spans a gap between {Capture.Times[j]} and {Capture.Times[j + 1]} µs");
            }

            byte[] features = frontEnd.Features(counts, start);
            int expected = offline.Run(features);
            Assert.True(expected == Decisions.Gestures[d], $"decision {d} (window of samples {start}..{capture}): node says {Decisions.Gestures[d]}, offline runtime {expected}");
            Assert.Equal(offline.Scores[expected], Decisions.Scores[d]);
        }

        return Decisions.Count;
    }

    /// <summary>Decisions whose window ended after <paramref name="microseconds"/>.</summary>
    public int DecisionsAfter(long microseconds)
    {
        int n = 0;
        for (int d = 0; d < Decisions.Count; d++)
        {
            n += Decisions.Times[d] > microseconds ? 1 : 0;
        }

        return n;
    }

    /// <summary>An LED pin that records nothing (for allocation measurements).</summary>
    private sealed class SilentOutput : IDigitalOutput
    {
        public void Write(bool high)
        {
        }
    }
}

/// <summary>The node's decisions, in preallocated arrays.</summary>
internal sealed class DecisionLog
{
    public DecisionLog(int capacity)
    {
        Gestures = new int[capacity];
        Scores = new int[capacity];
        Times = new long[capacity];
    }

    public int[] Gestures { get; }

    public int[] Scores { get; }

    public long[] Times { get; }

    public int Count { get; private set; }

    public void OnGesture(int gesture, int score, long timeMicroseconds)
    {
        Gestures[Count] = gesture;
        Scores[Count] = score;
        Times[Count] = timeMicroseconds;
        Count++;
    }
}

/// <summary>The node's status events with the LED pattern shown when each was reported.</summary>
internal sealed class StatusLog
{
    private readonly NodeRig _rig;

    public StatusLog(NodeRig rig, int capacity)
    {
        _rig = rig;
        Codes = new int[capacity];
        Details = new int[capacity];
        Times = new long[capacity];
        LedPatterns = new int[capacity];
    }

    public int[] Codes { get; }

    public int[] Details { get; }

    public long[] Times { get; }

    public int[] LedPatterns { get; }

    public int Count { get; private set; }

    public void OnStatus(int status, int detail, long timeMicroseconds)
    {
        if (Count == Codes.Length)
        {
            return;
        }

        Codes[Count] = status;
        Details[Count] = detail;
        Times[Count] = timeMicroseconds;
        LedPatterns[Count] = _rig.Led.Pattern;
        Count++;
    }

    public int CountOf(int status)
    {
        int n = 0;
        for (int i = 0; i < Count; i++)
        {
            n += Codes[i] == status ? 1 : 0;
        }

        return n;
    }

    /// <summary>Index of the first event with <paramref name="status"/> at or after index <paramref name="from"/>, or -1.</summary>
    public int IndexOf(int status, int from = 0)
    {
        for (int i = from; i < Count; i++)
        {
            if (Codes[i] == status)
            {
                return i;
            }
        }

        return -1;
    }

    public override string ToString()
    {
        var s = new System.Text.StringBuilder();
        for (int i = 0; i < Count; i++)
        {
            s.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Times[i]} µs: status {Codes[i]} detail {Details[i]} led {LedPatterns[i]}\n");
        }

        return s.ToString();
    }
}

/// <summary>
/// An <see cref="IRegisterBus"/> in front of another that records each accelerometer burst (a successful read from
/// ACCEL_XOUT_H) with the clock time: the stream of samples the driver, and so the node, received.
/// </summary>
internal sealed class CapturingBus : IRegisterBus
{
    private readonly IRegisterBus _inner;
    private readonly IClock _clock;

    public CapturingBus(IRegisterBus inner, IClock clock, int capacity)
    {
        _inner = inner;
        _clock = clock;
        Counts = new int[capacity * 3];
        Times = new long[capacity];
    }

    /// <summary>x, y, z counts per captured sample.</summary>
    public int[] Counts { get; }

    public long[] Times { get; }

    public int Count { get; private set; }

    public void WriteRegister(byte register, byte value) => _inner.WriteRegister(register, value);

    public void ReadRegisters(byte register, byte[] buffer, int offset, int count)
    {
        _inner.ReadRegisters(register, buffer, offset, count);
        if (register == Mpu6050Registers.AccelXoutH && count >= 6 && Count < Times.Length)
        {
            Times[Count] = _clock.NowMicroseconds;
            for (int a = 0; a < 3; a++)
            {
                Counts[(Count * 3) + a] = (short)((buffer[offset + (2 * a)] << 8) | buffer[offset + (2 * a) + 1]);
            }

            Count++;
        }
    }
}
