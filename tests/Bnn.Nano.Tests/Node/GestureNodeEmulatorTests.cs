using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Node;

/// <summary>
/// End to end through the emulator: held-out UWave recordings played by the emulated MPU6050 into the real driver
/// and <see cref="GestureNode"/>, every decision compared with the offline runtime on the same window; zero
/// allocation in the steady-state loop; each fault reported, recovered from, never thrown.
/// </summary>
public class GestureNodeEmulatorTests
{
    private static UWaveTestModel M => UWaveTestModel.Instance;

    /// <summary>The first recordings of the held-out split, played back to back.</summary>
    private static int[] TestCounts(int recordings) => M.Counts(M.Test.Take(recordings).ToArray());

    [Fact]
    public void Streamed_held_out_recordings_give_the_offline_decision_for_every_window()
    {
        int[] counts = M.Counts(M.Test);
        int samples = counts.Length / 3;
        var rig = new NodeRig(M.Load(), samples + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);

        rig.RunSamples(samples);

        // The emulated sensor delivered exactly the recordings' counts: the node's samples are the training pipeline's.
        Assert.Equal(samples, rig.Capture.Count);
        Assert.True(counts.AsSpan().SequenceEqual(rig.Capture.Counts.AsSpan(0, counts.Length)), "the emulated MPU6050 did not reproduce the recorded counts");

        // A window every hop once the first is full; each equals the offline runtime's decision on the same samples.
        int hop = M.FrontEnd.HopSamples, window = M.FrontEnd.WindowLength;
        Assert.Equal(((samples - window) / hop) + 1, rig.Decisions.Count);
        Assert.Equal(rig.Decisions.Count, rig.AssertDecisionsMatchOffline(M.FrontEnd, M.Load()));

        // Every third window is exactly one held-out recording: its features are the data set's, and the node's
        // decisions there are the float reference's, so the node's accuracy is the model's test accuracy.
        BnnModel offline = M.Load();
        int correct = 0;
        for (int r = 0; r < M.Test.Length; r++)
        {
            int d = r * window / hop;
            Assert.True(M.FrontEnd.Features(counts, r * window).AsSpan().SequenceEqual(M.TestSet.Sample(r)));
            Assert.Equal(offline.Run(M.TestSet.Sample(r).ToArray()), rig.Decisions.Gestures[d]);
            correct += rig.Decisions.Gestures[d] == M.TestSet.Labels[r] ? 1 : 0;
        }

        Assert.Equal(BinaryMlpTrainer.Accuracy(M.Network, M.TestSet), correct / (double)M.Test.Length, 12);
        Assert.Equal(0, rig.Node.BusErrors);
        Assert.Equal(0, rig.Node.InternalErrors);
        Assert.Equal(0, rig.Node.Overruns);
        Assert.Equal(1, rig.Statuses.Count);
        Assert.Equal(NodeStatus.Started, rig.Statuses.Codes[0]);
        Assert.Equal(StatusLed.Ok, rig.Statuses.LedPatterns[0]);
        Assert.True(rig.Pin!.Transitions.Count > 2 * rig.Decisions.Count, "the LED flashes on every decision");
    }

    [Fact]
    public void Steady_state_loop_allocates_nothing()
    {
        int[] counts = TestCounts(200); // 63,000 samples
        int samples = counts.Length / 3;
        var rig = new NodeRig(M.Load(), samples + 16, recordLed: false);
        rig.Start(counts, M.FrontEnd.CountsPerG);

        // Warm up past tiered JIT compilation, then measure passes of 15,000 samples.
        rig.RunSamples(15_000);
        int windowsBefore = rig.Decisions.Count;
        int passes = 0;
        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            rig.RunSamples(15_000);
            passes++;
        });

        Assert.True(rig.Decisions.Count - windowsBefore >= 140 * passes, "each measured pass classifies over a hundred windows");
        Assert.Equal(0, allocated);
        Assert.Equal(0, rig.Node.BusErrors);
    }

    [Theory]
    [InlineData(BusError.Nack)]
    [InlineData(BusError.Timeout)]
    public void Short_bus_fault_is_retried_without_losing_a_sample(int error)
    {
        int[] counts = TestCounts(20);
        int samples = counts.Length / 3;
        var rig = new NodeRig(M.Load(), samples + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.RunSamples(2000);

        Inject(rig, error, 2); // the read and its first retry fail, the second retry succeeds
        rig.RunSamples(samples - 2000);

        Assert.Equal(2, rig.Node.BusErrors);
        Assert.Equal(1, rig.Node.RetriedReads);
        Assert.Equal(0, rig.Node.SensorLostCount);
        Assert.Equal(0, rig.Node.Recoveries);
        Assert.Equal(2, rig.Statuses.CountOf(NodeStatus.BusError));
        Assert.All(Enumerable.Range(0, rig.Statuses.Count).Where(i => rig.Statuses.Codes[i] == NodeStatus.BusError), i => Assert.Equal(error, rig.Statuses.Details[i]));
        Assert.IsType<BusException>(rig.Node.LastFault);

        // No sample was lost: the stream and the decisions are those of a run without the fault.
        Assert.True(counts.AsSpan().SequenceEqual(rig.Capture.Counts.AsSpan(0, counts.Length)));
        Assert.Equal(((samples - M.FrontEnd.WindowLength) / M.FrontEnd.HopSamples) + 1, rig.AssertDecisionsMatchOffline(M.FrontEnd, M.Load()));
    }

    [Theory]
    [InlineData(BusError.Nack)]
    [InlineData(BusError.Timeout)]
    public void Long_bus_fault_exhausts_the_retries_then_the_node_reinitialises_and_keeps_classifying(int error)
    {
        int[] counts = TestCounts(20);
        var rig = new NodeRig(M.Load(), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.RunSamples(2000);
        int windowsBefore = rig.Decisions.Count;

        // 4 failed attempts of one read (1 + MaxRetries), then 2 failed re-initialisations (their WHO_AM_I reads).
        Inject(rig, error, 6);
        rig.RunToEnd();

        StatusLog log = rig.Statuses;
        int lost = log.IndexOf(NodeStatus.SensorLost);
        Assert.True(lost > 0, log.ToString());
        Assert.Equal(error, log.Details[lost]);
        Assert.Equal(StatusLed.Error, log.LedPatterns[lost]);
        Assert.Equal(4, log.CountOf(NodeStatus.BusError));
        Assert.Equal(2, log.CountOf(NodeStatus.RecoveryFailed));
        Assert.Equal([100, 200], Enumerable.Range(0, log.Count).Where(i => log.Codes[i] == NodeStatus.RecoveryFailed).Select(i => log.Details[i]));
        int recovered = log.IndexOf(NodeStatus.Recovered, lost);
        Assert.True(recovered > lost, log.ToString());
        Assert.Equal(2, log.Details[recovered]);
        Assert.Equal(StatusLed.Ok, log.LedPatterns[recovered]);
        Assert.True(rig.Pin!.WasHighAt(log.Times[lost] + 50_000) && !rig.Pin.WasHighAt(log.Times[lost] + 150_000), "error pattern (100 ms on, 100 ms off) while recovering");
        Assert.Equal(1, rig.Node.Recoveries);
        Assert.Equal(2, rig.Sensor.ResetCount); // one device reset at start-up, one on recovery
        Assert.Equal(NodeState.Running, rig.Node.State);

        // Classification goes on after the recovery, every window still the offline runtime's.
        Assert.True(rig.DecisionsAfter(log.Times[recovered]) > 20);
        Assert.True(rig.Decisions.Count > windowsBefore);
        rig.AssertDecisionsMatchOffline(M.FrontEnd, M.Load());
        Assert.Equal(0, rig.Node.InternalErrors);
    }

    [Fact]
    public void Power_blip_behind_a_retried_read_is_caught_by_the_configuration_check()
    {
        int[] counts = TestCounts(20);
        var rig = new NodeRig(M.Load(), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.RunSamples(2000);

        // The device resets (power-on state: asleep, configuration gone) and one transfer is NACKed; the retry
        // succeeds, but reads the frozen registers of a sleeping device.
        long at = rig.Clock.NowMicroseconds + 1;
        rig.Bus.Disappear(NodeRig.Address, at, at);
        rig.Bus.InjectNack(NodeRig.Address, 1);
        rig.RunToEnd();

        StatusLog log = rig.Statuses;
        int lost = log.IndexOf(NodeStatus.ConfigurationLost);
        Assert.True(lost > 0, log.ToString());
        Assert.Equal(1, rig.Node.ConfigurationLostCount);
        Assert.Equal(1, rig.Node.RetriedReads);
        Assert.Equal(1, rig.Sensor.PowerOnCount);
        int recovered = log.IndexOf(NodeStatus.Recovered, lost);
        Assert.True(recovered > lost, log.ToString());
        Assert.True(rig.DecisionsAfter(log.Times[recovered]) > 20);
        rig.AssertDecisionsMatchOffline(M.FrontEnd, M.Load());
    }

    [Fact]
    public void Stuck_sensor_is_reported_reinitialised_and_classification_resumes()
    {
        int[] counts = TestCounts(20);
        var rig = new NodeRig(M.Load(), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.RunSamples(1500);

        rig.Sensor.Stuck = true;
        while (rig.Node.StuckCount == 0)
        {
            rig.Node.Step();
        }

        rig.Sensor.Stuck = false;
        rig.RunToEnd();

        StatusLog log = rig.Statuses;
        int stuck = log.IndexOf(NodeStatus.Stuck);
        Assert.True(stuck > 0, log.ToString());
        Assert.True(log.Details[stuck] >= GestureNode.DefaultStuckSampleCount);
        Assert.Equal(StatusLed.Error, log.LedPatterns[stuck]);
        int recovered = log.IndexOf(NodeStatus.Recovered, stuck);
        Assert.True(recovered > stuck, log.ToString());
        Assert.Equal(1, rig.Node.StuckCount);
        Assert.Equal(1, rig.Node.Recoveries);
        Assert.True(rig.DecisionsAfter(log.Times[recovered]) > 20);
        rig.AssertDecisionsMatchOffline(M.FrontEnd, M.Load());
        Assert.Equal(0, rig.Node.InternalErrors);
    }

    [Fact]
    public void Sensor_that_disappears_is_retried_with_backoff_and_picked_up_when_it_returns()
    {
        int[] counts = TestCounts(20);
        var rig = new NodeRig(M.Load(), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.RunSamples(1500);

        long gone = rig.Clock.NowMicroseconds + 5_000;
        rig.Bus.Disappear(NodeRig.Address, gone, gone + 3_000_000);
        rig.RunToEnd();

        StatusLog log = rig.Statuses;
        int lost = log.IndexOf(NodeStatus.SensorLost);
        Assert.True(lost > 0, log.ToString());
        Assert.Equal(BusError.Nack, log.Details[lost]);
        int[] backoffs = Enumerable.Range(0, log.Count).Where(i => log.Codes[i] == NodeStatus.RecoveryFailed).Select(i => log.Details[i]).ToArray();
        Assert.Equal([100, 200, 400, 800, 1600], backoffs); // 3.1 s of back-off covers the 3 s outage
        int recovered = log.IndexOf(NodeStatus.Recovered, lost);
        Assert.True(recovered > lost && log.Times[recovered] >= gone + 3_000_000, log.ToString());
        Assert.Equal(1, rig.Sensor.PowerOnCount);
        Assert.True(rig.DecisionsAfter(log.Times[recovered]) > 20);
        rig.AssertDecisionsMatchOffline(M.FrontEnd, M.Load());
        Assert.Equal(NodeState.Running, rig.Node.State);
        Assert.Equal(0, rig.Node.InternalErrors);
    }

    [Fact]
    public void Sensor_gone_for_good_is_retried_forever_at_the_longest_backoff_and_never_throws()
    {
        int[] counts = TestCounts(60); // 189 s of playback
        var rig = new NodeRig(M.Load(), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.RunSamples(1500);
        int windows = rig.Decisions.Count;

        rig.Bus.Disappear(NodeRig.Address, rig.Clock.NowMicroseconds, long.MaxValue);
        long until = rig.Clock.NowMicroseconds + 60_000_000;
        rig.RunUntil(until);

        Assert.Equal(NodeState.Recovering, rig.Node.State);
        Assert.Equal(windows, rig.Decisions.Count);
        Assert.True(rig.Node.FailedAttempts >= 15, rig.Statuses.ToString());
        StatusLog log = rig.Statuses;
        int[] backoffs = Enumerable.Range(0, log.Count).Where(i => log.Codes[i] == NodeStatus.RecoveryFailed).Select(i => log.Details[i]).ToArray();
        Assert.Equal(5000, backoffs.Max());
        Assert.Equal(5000, backoffs[^1]);
        Assert.True(rig.Pin!.Transitions.Count(t => t.Microseconds > until - 2_000_000) >= 15, "the LED blinks the error pattern all along");

        // Power returns: the next attempt finds it and classification resumes.
        rig.Bus.ClearFaults(NodeRig.Address);
        rig.RunToEnd();
        Assert.Equal(NodeState.Running, rig.Node.State);
        Assert.Equal(1, rig.Node.Recoveries);
        Assert.True(rig.Decisions.Count > windows + 20);
        rig.AssertDecisionsMatchOffline(M.FrontEnd, M.Load());
        Assert.Equal(0, rig.Node.InternalErrors);
    }

    [Fact]
    public void Wrong_chip_at_start_up_is_retried_until_the_right_one_answers()
    {
        var rig = new NodeRig(M.Load(), 4096);
        rig.Sensor.SetNoise(4, 7); // a live sensor at rest (the node would call a noiseless one stuck)
        rig.Sensor.WhoAmIValue = 0x70; // an MPU-6500
        for (int i = 0; i < 50; i++)
        {
            rig.Node.Step();
        }

        Assert.Equal(NodeState.Starting, rig.Node.State);
        Assert.True(rig.Node.FailedAttempts >= 2);
        Assert.Contains("WHO_AM_I", rig.Node.LastFault!.Message, StringComparison.Ordinal);

        rig.Sensor.WhoAmIValue = 0x68;
        rig.RunUntil(rig.Clock.NowMicroseconds + 10_000_000);
        Assert.Equal(NodeState.Running, rig.Node.State);
        Assert.Equal(NodeStatus.Started, rig.Statuses.Codes[rig.Statuses.IndexOf(NodeStatus.Started)]);
        Assert.True(rig.Node.SamplesRead > 900);
        Assert.Equal(0, rig.Node.StuckCount);
    }

    [Fact]
    public void Slow_handler_overruns_are_reported_and_windows_keep_their_cadence()
    {
        int[] counts = TestCounts(10);
        var rig = new NodeRig(M.Load(), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.Node.GestureDetected = (g, s, t) =>
        {
            rig.Decisions.OnGesture(g, s, t);
            rig.Clock.Advance(35_000); // a handler (or an inference on a slow device) taking 35 ms
        };

        rig.RunToEnd();

        int period = rig.Node.SamplePeriodMicroseconds, hop = M.FrontEnd.HopSamples;
        int windows = rig.Decisions.Count;
        Assert.Equal(((counts.Length / 3) - M.FrontEnd.WindowLength) / hop + 1, windows);
        for (int d = 1; d < windows; d++)
        {
            Assert.Equal((long)hop * period, rig.Decisions.Times[d] - rig.Decisions.Times[d - 1]);
        }

        // Each decision but the last (the playback ends with it) made the next read 3.5 periods late: 2 whole
        // periods skipped and filled with the sample read then.
        Assert.Equal(windows - 1, rig.Node.Overruns);
        Assert.Equal(windows - 1, rig.Statuses.CountOf(NodeStatus.Overrun));
        Assert.All(Enumerable.Range(0, rig.Statuses.Count).Where(i => rig.Statuses.Codes[i] == NodeStatus.Overrun), i => Assert.Equal(2, rig.Statuses.Details[i]));
        Assert.Equal((counts.Length / 3) - (2 * (windows - 1)), rig.Node.SamplesRead);
        Assert.Equal(0, rig.Node.InternalErrors);
    }

    [Fact]
    public void Throwing_handlers_are_counted_and_the_loop_goes_on()
    {
        int[] counts = TestCounts(5);
        var rig = new NodeRig(M.Load(), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        int calls = 0;
        rig.Node.GestureDetected = (g, s, t) =>
        {
            calls++;
            throw new InvalidOperationException("handler bug");
        };
        rig.Node.StatusChanged = (c, d, t) => throw new InvalidOperationException("status handler bug");

        rig.RunToEnd();
        rig.Bus.InjectNack(NodeRig.Address, 1);
        rig.RunSamples(10);

        Assert.Equal(((counts.Length / 3) - M.FrontEnd.WindowLength) / M.FrontEnd.HopSamples + 1, calls);
        Assert.Equal(calls + 1, rig.Node.InternalErrors);
        Assert.Equal(NodeState.Running, rig.Node.State);
        Assert.IsType<InvalidOperationException>(rig.Node.LastFault);
    }

    [Fact]
    public void Device_tables_of_the_board_glue_hold_a_gesture_model_for_this_front_end()
    {
        // firmware/Bnn.Nano.Node/Board/GestureModel.g.cs, written by the uwave-gestures benchmark recipe.
        string path = System.IO.Path.Combine(RepoPaths.Firmware, "Bnn.Nano.Node", "Board", "GestureModel.g.cs");
        string source = System.IO.File.ReadAllText(path);
        BnnModel tables = Compiler.GeneratedTablesTests.CreateFromTables(source, "Bnn.Nano.Node.Board.GestureModel");

        Assert.Equal(M.FrontEnd.FeatureCount, tables.InputLength);
        foreach (KeyValuePair<int, int> property in M.FrontEnd.ModelProperties())
        {
            Assert.Equal(property.Value, tables.GetProperty(property.Key, int.MinValue));
        }

        int correct = 0;
        byte[] input = new byte[tables.InputLength];
        for (int r = 0; r < M.TestSet.Count; r++)
        {
            M.TestSet.Sample(r).CopyTo(input);
            correct += tables.Run(input) == M.TestSet.Labels[r] ? 1 : 0;
        }

        Assert.True(correct >= 0.9 * M.TestSet.Count, $"the device model classifies {correct} of {M.TestSet.Count} held-out recordings");

        // And the node runs it.
        int[] counts = TestCounts(10);
        var rig = new NodeRig(Compiler.GeneratedTablesTests.CreateFromTables(source, "Bnn.Nano.Node.Board.GestureModel"), (counts.Length / 3) + 16);
        rig.Start(counts, M.FrontEnd.CountsPerG);
        rig.RunToEnd();
        Assert.Equal(28, rig.AssertDecisionsMatchOffline(M.FrontEnd, tables));
    }

    [Fact]
    public void Node_refuses_models_it_cannot_run_when_constructed()
    {
        var rig = new NodeRig(M.Load(), 16);
        byte[] bare = ModelArtifacts.Build(M.Network.WithProperties(new Dictionary<int, int>()), "T", "T").Blob;
        var error = Assert.Throws<NodeException>(() => new GestureNode(BlobReader.Load(bare), rig.Imu, rig.Clock, null));
        Assert.Contains("WindowLength", error.Message, StringComparison.Ordinal);

        var odd = new Dictionary<int, int>(M.FrontEnd.ModelProperties()) { [ModelProperty.SampleRateHz] = 300 };
        byte[] badRate = ModelArtifacts.Build(M.Network.WithProperties(odd), "T", "T").Blob;
        error = Assert.Throws<NodeException>(() => new GestureNode(BlobReader.Load(badRate), rig.Imu, rig.Clock, null));
        Assert.Contains("300 Hz", error.Message, StringComparison.Ordinal);

        var hop = new Dictionary<int, int>(M.FrontEnd.ModelProperties()) { [ModelProperty.WindowHop] = M.FrontEnd.Downsample + 1 };
        byte[] badHop = ModelArtifacts.Build(M.Network.WithProperties(hop), "T", "T").Blob;
        error = Assert.Throws<NodeException>(() => new GestureNode(BlobReader.Load(badHop), rig.Imu, rig.Clock, null));
        Assert.Contains("hop", error.Message, StringComparison.Ordinal);
    }

    private static void Inject(NodeRig rig, int error, int transfers)
    {
        if (error == BusError.Nack)
        {
            rig.Bus.InjectNack(NodeRig.Address, transfers);
        }
        else
        {
            rig.Bus.InjectTimeout(NodeRig.Address, transfers);
        }
    }
}
