using System;
using System.Collections.Generic;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Devices.Audio;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Emulator;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Node;

/// <summary>The keyword node's posterior smoothing: fixed-point softmax, averaging, threshold, suppression.</summary>
public class KeywordDetectorTests
{
    private const int Classes = 12;

    [Theory]
    [InlineData(0.05f, 1)]
    [InlineData(0.5f, 2)]
    [InlineData(3f, 3)]
    public void posteriors_match_a_double_softmax_of_the_scaled_scores(float scale, int seed)
    {
        var random = new Random(seed);
        var detector = new KeywordDetector(Classes, 2, scale);
        int[] scores = new int[Classes];
        for (int trial = 0; trial < 200; trial++)
        {
            for (int c = 0; c < Classes; c++)
            {
                scores[c] = random.Next(-400, 400);
            }

            detector.Update(scores, trial * 100_000L);
            double max = double.MinValue;
            foreach (int s in scores)
            {
                max = Math.Max(max, s * (double)scale);
            }

            double total = 0;
            foreach (int s in scores)
            {
                total += Math.Exp((s * (double)scale) - max);
            }

            int sum = 0;
            for (int c = 0; c < Classes; c++)
            {
                double expected = Math.Exp((scores[c] * (double)scale) - max) / total;
                Assert.InRange(detector.Posteriors[c] / 32768.0, expected - 0.0005, expected + 0.0005);
                sum += detector.Posteriors[c];
            }

            Assert.InRange(sum, 32768 - Classes, 32768);
        }
    }

    [Fact]
    public void a_keyword_is_detected_once_its_average_passes_the_threshold_and_not_again_within_the_suppression_time()
    {
        var detector = new KeywordDetector(Classes, 2, 1f) { AverageCount = 3, ThresholdQ15 = 32768 * 6 / 10, SuppressionMicroseconds = 1_000_000 };
        int[] silence = Scores(0, 10);
        int[] yes = Scores(2, 10);

        Assert.Equal(-1, detector.Update(silence, 0));
        Assert.Equal(-1, detector.Update(silence, 100_000));
        Assert.Equal(-1, detector.Update(silence, 200_000));
        Assert.Equal(0, detector.BestClass); // silence wins but is never reported

        Assert.Equal(-1, detector.Update(yes, 300_000)); // average of "yes": 1/3
        Assert.Equal(2, detector.Update(yes, 400_000)); // 2/3 ≥ 0.6
        Assert.InRange(detector.BestAverageQ15, 32768 * 6 / 10, 32768);
        Assert.Equal(-1, detector.Update(yes, 500_000)); // suppressed
        Assert.Equal(-1, detector.Update(yes, 1_399_999));
        Assert.Equal(2, detector.Update(yes, 1_400_000)); // suppression over
    }

    [Fact]
    public void nothing_is_detected_before_the_history_is_full_nor_below_the_threshold()
    {
        var detector = new KeywordDetector(Classes, 2, 1f) { AverageCount = 4 };
        int[] stop = Scores(10, 10);
        Assert.Equal(-1, detector.Update(stop, 0));
        Assert.Equal(-1, detector.Update(stop, 1));
        Assert.Equal(-1, detector.Update(stop, 2));
        Assert.Equal(10, detector.Update(stop, 3));

        var unsure = new KeywordDetector(Classes, 2, 1f) { AverageCount = 1, ThresholdQ15 = 32768 * 9 / 10 };
        int[] weak = new int[Classes];
        weak[5] = 2; // e^2 / (e^2 + 11) ≈ 0.40
        Assert.Equal(-1, unsure.Update(weak, 0));
        Assert.Equal(5, unsure.BestClass);
        detector.Reset();
        Assert.Equal(-1, detector.Update(stop, 10_000_000)); // history cleared
    }

    [Fact]
    public void a_detection_is_placed_at_the_middle_of_the_audio_its_averaged_classifications_heard()
    {
        // Four 0.99-s windows 0.1 s apart span 1.29 s of audio ending at the decision: its middle is 0.645 s earlier.
        var detector = new KeywordDetector(Classes, 2, 1f) { AverageCount = 4 };
        Assert.Equal(10_000_000 - 645_000, detector.HeardMicroseconds(10_000_000, 990_000, 100_000));
        detector.AverageCount = 1;
        Assert.Equal(10_000_000 - 495_000, detector.HeardMicroseconds(10_000_000, 990_000, 100_000));
    }

    [Fact]
    public void bad_settings_are_refused_with_a_node_exception()
    {
        Assert.Throws<NodeException>(() => new KeywordDetector(1, 0, 1f));
        Assert.Throws<NodeException>(() => new KeywordDetector(12, 12, 1f));
        Assert.Throws<NodeException>(() => new KeywordDetector(12, 2, 0f));
        Assert.Throws<NodeException>(() => new KeywordDetector(12, 2, float.NaN));
        var detector = new KeywordDetector(12, 2, 1f);
        Assert.Throws<NodeException>(() => detector.AverageCount = 0);
        Assert.Throws<NodeException>(() => detector.AverageCount = KeywordDetector.MaxAverageCount + 1);
    }

    [Fact]
    public void a_model_carries_its_detector_settings_and_bad_ones_are_refused_by_name()
    {
        // A keyword model without detector settings (only the score scale the detector needs) gets the defaults.
        byte[] plain = BlobProperties.With(BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(1, 12, true, [8], 12))),
            new Dictionary<int, int> { [ModelProperty.ScoreScaleBits] = BitConverter.SingleToInt32Bits(0.25f) });
        KeywordDetector defaults = KeywordDetector.ForModel(BlobReader.Load(plain), KeywordNode.FirstKeywordClass);
        Assert.Equal(4, defaults.AverageCount);
        Assert.Equal(32768 * 7 / 10, defaults.ThresholdQ15);
        Assert.Equal(700_000, defaults.SuppressionMicroseconds);

        // The shipped model carries the settings `bnnc kws-tune` chose for it.
        byte[] blob = File.ReadAllBytes(Path.Combine(RepoPaths.Firmware, "Bnn.Nano.Node", "Board", "KeywordModel.bnn"));
        SortedDictionary<int, int> shipped = BlobProperties.Read(blob);
        KeywordDetector own = KeywordDetector.ForModel(BlobReader.Load(blob), KeywordNode.FirstKeywordClass);
        Assert.Equal((shipped[ModelProperty.DetectorAverageCount], shipped[ModelProperty.DetectorThresholdQ15], shipped[ModelProperty.DetectorSuppressionMs] * 1000L),
            (own.AverageCount, own.ThresholdQ15, own.SuppressionMicroseconds));

        BnnModel Carrying(int average, int thresholdQ15, int suppressionMs) => BlobReader.Load(BlobProperties.With(blob, new Dictionary<int, int>
        {
            [ModelProperty.DetectorAverageCount] = average,
            [ModelProperty.DetectorThresholdQ15] = thresholdQ15,
            [ModelProperty.DetectorSuppressionMs] = suppressionMs,
        }));
        KeywordDetector tuned = KeywordDetector.ForModel(Carrying(3, 16384, 500), KeywordNode.FirstKeywordClass);
        Assert.Equal(3, tuned.AverageCount);
        Assert.Equal(16384, tuned.ThresholdQ15);
        Assert.Equal(500_000, tuned.SuppressionMicroseconds);
        var clock = new VirtualClock();
        var microphone = new Inmp441Microphone(new EmulatedInmp441(clock, new PcmRecording(16000, new short[16000])), 16000);
        KeywordDetector nodeDetector = new KeywordNode(Carrying(3, 16384, 500), microphone, clock, new StatusLed(new EmulatedDigitalOutput(clock))).Detector;
        Assert.Equal((3, 16384, 500_000L), (nodeDetector.AverageCount, nodeDetector.ThresholdQ15, nodeDetector.SuppressionMicroseconds));

        Assert.Contains("average count of 0", Assert.Throws<NodeException>(() => KeywordDetector.ForModel(Carrying(0, 16384, 500), 2)).Message, StringComparison.Ordinal);
        Assert.Contains("average count of 33", Assert.Throws<NodeException>(() => KeywordDetector.ForModel(Carrying(33, 16384, 500), 2)).Message, StringComparison.Ordinal);
        Assert.Contains("threshold of 0", Assert.Throws<NodeException>(() => KeywordDetector.ForModel(Carrying(3, 0, 500), 2)).Message, StringComparison.Ordinal);
        Assert.Contains("threshold of 32769", Assert.Throws<NodeException>(() => KeywordDetector.ForModel(Carrying(3, 32769, 500), 2)).Message, StringComparison.Ordinal);
        Assert.Contains("suppression of -1 ms", Assert.Throws<NodeException>(() => KeywordDetector.ForModel(Carrying(3, 16384, -1), 2)).Message, StringComparison.Ordinal);
        Assert.Contains("suppression of 60001 ms", Assert.Throws<NodeException>(() => KeywordDetector.ForModel(Carrying(3, 16384, 60001), 2)).Message, StringComparison.Ordinal);
        BnnModel unscaled = BlobReader.Load(BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(1, 12, true, [8], 12))));
        Assert.Contains("no score scale", Assert.Throws<NodeException>(() => KeywordDetector.ForModel(unscaled, 2)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void update_allocates_nothing()
    {
        var detector = new KeywordDetector(Classes, 2, 0.1f) { ThresholdQ15 = 32768 * 7 / 10 }; // posteriors here reach ~0.83
        int[] scores = Scores(3, 40);
        for (int i = 0; i < 2000; i++)
        {
            detector.Update(scores, i);
        }

        int detected = 0;
        long time = 0;
        Assert.Equal(0, SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                scores[i % Classes] += 1;
                detected += detector.Update(scores, time += 10_000_000L) >= 0 ? 1 : 0;
            }
        }));
        Assert.True(detected > 0);
    }

    private static int[] Scores(int winner, int margin)
    {
        int[] scores = new int[Classes];
        scores[winner] = margin;
        return scores;
    }
}
