using System;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Emulator;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Cli.Emulation;

/// <summary>What the emulated gesture node did with a replayed test set.</summary>
/// <param name="Windows">Test windows replayed.</param>
/// <param name="Decisions">Windows the node classified.</param>
/// <param name="IdenticalInputs">Decisions whose model input bytes equal the test window's bytes.</param>
/// <param name="Correct">Node decisions equal to the window's label.</param>
/// <param name="AgreeWithOffline">Node decisions equal to the offline runtime's on the same window's bytes.</param>
/// <param name="VirtualSeconds">Time on the emulated board's clock.</param>
/// <param name="LedTransitions">Changes of the status LED pin.</param>
/// <param name="BusErrors">I2C transfer errors the node saw (0 unless faults are injected).</param>
internal sealed record GestureReplayResult(int Windows, int Decisions, int IdenticalInputs, int Correct, int AgreeWithOffline, double VirtualSeconds, int LedTransitions, int BusErrors)
{
    public double Accuracy => Decisions == 0 ? 0 : Correct / (double)Decisions;
}

/// <summary>
/// Replays a gesture test set through the emulated board: the windows play back to back as motion of an emulated
/// MPU6050 on an emulated I2C bus, read by the real driver inside the real <see cref="GestureNode"/> on a virtual
/// clock. The model must carry gesture front-end properties with hop = window length, so every node decision covers
/// exactly one test window.
/// </summary>
internal static class GestureNodeReplay
{
    public static GestureReplayResult Run(BnnModel nodeModel, BnnModel offlineModel, Dataset test, double countsPerG)
    {
        ArgumentNullException.ThrowIfNull(test);
        var clock = new VirtualClock();
        var bus = new EmulatedI2cBus(clock);
        var sensor = new EmulatedMpu6050(clock);
        bus.Attach(Mpu6050.DefaultAddress, sensor);
        var pin = new EmulatedDigitalOutput(clock);
        var node = new GestureNode(nodeModel, new Mpu6050(bus.ForAddress(Mpu6050.DefaultAddress), clock), clock, new StatusLed(pin));
        int window = node.FrontEnd.WindowLength;
        if (node.FrontEnd.HopSamples != window || test.FeatureCount != window * GestureFrontEnd.Axes)
        {
            throw new ArgumentException($"replay needs a model whose hop equals its window ({window} samples × 3 axes = {window * 3} features); data set '{test.Name}' has {test.FeatureCount} features, hop {node.FrontEnd.HopSamples}");
        }

        int[] decisions = new int[test.Count];
        int decided = 0;
        int identical = 0;
        node.GestureDetected = (gesture, score, time) =>
        {
            if (decided < decisions.Length)
            {
                decisions[decided] = gesture;
                identical += node.FrontEnd.Input.AsSpan().SequenceEqual(test.Sample(decided)) ? 1 : 0;
            }

            decided++;
        };

        node.Step(); // initialises the IMU; the recording starts at the next sample read
        double[] accel = new double[test.Count * test.FeatureCount];
        for (int i = 0; i < accel.Length; i++)
        {
            accel[i] = (sbyte)test.Features[i] / countsPerG;
        }

        // Recording sample 0 must be the sample the sensor holds at the node's next read: the sensor samples on its own
        // clock (started when the node woke it), so align the recording to that clock, not to the node's read times.
        long nextRead = clock.NowMicroseconds + node.SamplePeriodMicroseconds;
        long period = sensor.SamplePeriodMicroseconds;
        long start = sensor.LastSampleMicroseconds + ((nextRead - sensor.LastSampleMicroseconds) / period * period);
        sensor.Motion = new RecordedMotion(accel, new double[accel.Length], node.FrontEnd.SampleRateHz, start) { GravityZ = 0 };
        long samples = (long)test.Count * window;
        while (node.SamplesRead < samples)
        {
            node.Step();
        }

        int correct = 0;
        int agree = 0;
        int checkedWindows = Math.Min(decided, test.Count);
        for (int w = 0; w < checkedWindows; w++)
        {
            correct += decisions[w] == test.Labels[w] ? 1 : 0;
            agree += decisions[w] == offlineModel.Run(test.Sample(w).ToArray()) ? 1 : 0;
        }

        return new GestureReplayResult(test.Count, decided, identical, correct, agree, (clock.NowMicroseconds - start) / 1e6, pin.Transitions.Count, node.BusErrors);
    }
}
