using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Cli.Emulation;

/// <summary>One detector setting and its detection score summed over a set of streams.</summary>
internal sealed record KeywordDetectorSetting(int AverageCount, double Threshold, double SuppressionSeconds, DetectionScore Score)
{
    public double F1 => Score.F1;

    /// <summary>The detector's fixed-point values: the threshold in Q15, the suppression in microseconds.</summary>
    public int ThresholdQ15 => KeywordDetectorTuning.ToQ15(Threshold);

    public long SuppressionMicroseconds => KeywordDetectorTuning.ToMicroseconds(SuppressionSeconds);

    /// <summary>"average 4, threshold 0.70, suppression 0.7 s".</summary>
    public string Describe() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"average {AverageCount}, threshold {Threshold:F2}, suppression {SuppressionSeconds:F1} s");

    /// <summary>The model properties that make the node use this setting (<see cref="KeywordDetector.ForModel"/>).</summary>
    public Dictionary<int, int> ToProperties() => new()
    {
        [ModelProperty.DetectorAverageCount] = AverageCount,
        [ModelProperty.DetectorThresholdQ15] = ThresholdQ15,
        [ModelProperty.DetectorSuppressionMs] = (int)(SuppressionMicroseconds / 1000),
    };
}

/// <summary>A keyword blob that carries its inference hop and the detector setting chosen for it, and the runs that chose it.</summary>
internal sealed record TunedKeywordBlob(byte[] Blob, KeywordDetectorSetting Best, IReadOnlyList<(SpeechStreamResult Stream, KeywordReplayResult Run)> TuneRuns)
{
    /// <summary>The blob's generated C# tables (the node's device build compiles these).</summary>
    public string Tables(IReadOnlyList<string> classNames, string namespaceName, string className) =>
        CSharpTablesWriter.Write(BlobDecoder.Decode(Blob, classNames), Blob, namespaceName, className);
}

/// <summary>
/// Chooses the keyword node's detector settings (<see cref="KeywordDetector"/>: posteriors averaged, threshold,
/// suppression) on streams with known keyword times: each stream runs through the emulated node once, and its
/// recorded posteriors are replayed through the real detector at every setting of a grid.
/// </summary>
internal static class KeywordDetectorTuning
{
    public static readonly int[] AverageCounts = [1, 2, 3, 4, 5, 6];

    public static readonly double[] Thresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    public static readonly double[] SuppressionSeconds = [0.3, 0.5, 0.7, 1.0];

    /// <summary>
    /// The streams (seeds of 75-s streams by the training voices) that choose a model's detector settings: 40 streams,
    /// about 1,000 keywords. With 20 the best settings differed by a few keywords, less than one stream's noise.
    /// </summary>
    public static readonly IReadOnlyList<int> TuneSeeds = [.. Enumerable.Range(21, 40)];

    /// <summary>Other streams that check the chosen settings (never tuned on).</summary>
    public static readonly IReadOnlyList<int> CheckSeeds = [.. Enumerable.Range(61, 20)];

    /// <summary>"21-60" for a run of consecutive seeds, as `bnnc kws-streams --seeds` reads them.</summary>
    public static string Describe(IReadOnlyList<int> seeds) => seeds.Count == 1 ? $"{seeds[0]}" : $"{seeds[0]}-{seeds[^1]}";

    public static int ToQ15(double threshold) => (int)Math.Round(threshold * KeywordDetector.OneQ15);

    public static long ToMicroseconds(double seconds) => (long)Math.Round(seconds * 1e6);

    /// <summary>
    /// A copy of <paramref name="blob"/> with the inference hop <paramref name="hopSamples"/> and the best setting of
    /// the <see cref="Grid"/> on the streams of <paramref name="seeds"/> (model properties; the layers unchanged).
    /// `bnnc kws-tune` and the kws-cnn benchmark both tune with this, so they write the same bytes.
    /// </summary>
    public static TunedKeywordBlob Tune(byte[] blob, IReadOnlyList<string> classNames, int hopSamples, IEnumerable<int> seeds, double seconds, IReadOnlyList<TtsVoice> voices)
    {
        byte[] hopped = BlobProperties.With(blob, new Dictionary<int, int> { [ModelProperty.WindowHop] = hopSamples });
        BnnModel model = BlobReader.Load(hopped);
        var runs = KeywordNodeReplay.RunStreams(model, classNames, seeds, seconds, voices);
        KeywordDetectorSetting best = Grid(model, classNames, runs)[0];
        return new TunedKeywordBlob(BlobProperties.With(hopped, best.ToProperties()), best, runs);
    }

    /// <summary>Scores every setting of the grid, best F1 first (ties: fewer false positives, then the grid order).</summary>
    public static IReadOnlyList<KeywordDetectorSetting> Grid(BnnModel model, IReadOnlyList<string> classNames, IReadOnlyList<(SpeechStreamResult Stream, KeywordReplayResult Run)> runs)
    {
        List<KeywordDetectorSetting> settings = [];
        foreach (int average in AverageCounts)
        {
            foreach (double threshold in Thresholds)
            {
                foreach (double suppression in SuppressionSeconds)
                {
                    settings.Add(Evaluate(model, classNames, runs, average, threshold, suppression));
                }
            }
        }

        return [.. settings.OrderByDescending(s => s.F1).ThenBy(s => s.Score.FalsePositives)];
    }

    /// <summary>
    /// The detection score over all <paramref name="runs"/> at the settings the node uses for <paramref name="model"/>
    /// (<see cref="KeywordDetector.ForModel"/>: those the model carries, else the detector's defaults).
    /// </summary>
    public static KeywordDetectorSetting AtNodeSettings(BnnModel model, IReadOnlyList<string> classNames, IReadOnlyList<(SpeechStreamResult Stream, KeywordReplayResult Run)> runs)
    {
        (int average, double threshold, double suppression) = NodeSettings(model);
        return Evaluate(model, classNames, runs, average, threshold, suppression);
    }

    /// <summary>
    /// The score of the node's own detections over all <paramref name="runs"/>, at the settings it used for
    /// <paramref name="model"/>: equal to <see cref="AtNodeSettings"/> when no run lost audio (a node at a
    /// <see cref="DeviceTiming"/> may have; its detector started over at each gap, which a replay does not know).
    /// </summary>
    public static KeywordDetectorSetting OfNode(BnnModel model, IReadOnlyList<(SpeechStreamResult Stream, KeywordReplayResult Run)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        (int average, double threshold, double suppression) = NodeSettings(model);
        DetectionScore total = DetectionScore.Total(runs.Select(r => DetectionScore.Score(r.Stream.Words, r.Run.Detections, r.Stream.SampleRate)));
        return new KeywordDetectorSetting(average, threshold, suppression, total);
    }

    /// <summary>The detector settings the node uses for <paramref name="model"/> (its own, or the firmware defaults), in tuning units.</summary>
    private static (int AverageCount, double Threshold, double SuppressionSeconds) NodeSettings(BnnModel model)
    {
        KeywordDetector node = KeywordDetector.ForModel(model, KeywordNode.FirstKeywordClass);
        return (node.AverageCount, node.ThresholdQ15 / (double)KeywordDetector.OneQ15, node.SuppressionMicroseconds / 1e6);
    }

    /// <summary>The detection score of one setting over all <paramref name="runs"/>.</summary>
    public static KeywordDetectorSetting Evaluate(BnnModel model, IReadOnlyList<string> classNames, IReadOnlyList<(SpeechStreamResult Stream, KeywordReplayResult Run)> runs,
        int averageCount, double threshold, double suppressionSeconds)
    {
        List<DetectionScore> scores = [];
        int classes = model.ClassCount;
        int[] posteriors = new int[classes];
        foreach ((SpeechStreamResult stream, KeywordReplayResult run) in runs)
        {
            var detector = new KeywordDetector(classes, KeywordNode.FirstKeywordClass, ModelProperty.SingleFromBits(model.GetProperty(ModelProperty.ScoreScaleBits, 0)))
            {
                AverageCount = averageCount,
                ThresholdQ15 = ToQ15(threshold),
                SuppressionMicroseconds = ToMicroseconds(suppressionSeconds),
            };
            List<KeywordDetection> detections = [];
            for (int i = 0; i < run.Inferences; i++)
            {
                Array.Copy(run.InferencePosteriors, i * classes, posteriors, 0, classes);
                int keyword = detector.UpdateFromPosteriors(posteriors, run.InferenceMicroseconds[i]);
                if (keyword >= 0)
                {
                    long heard = detector.HeardMicroseconds(run.InferenceMicroseconds[i], run.WindowMicroseconds, run.InferenceHopMicroseconds);
                    detections.Add(new KeywordDetection(classNames[keyword], heard / 1e6, detector.BestAverageQ15 / (double)KeywordDetector.OneQ15));
                }
            }

            scores.Add(DetectionScore.Score(stream.Words, detections, stream.SampleRate));
        }

        return new KeywordDetectorSetting(averageCount, threshold, suppressionSeconds, DetectionScore.Total(scores));
    }
}
