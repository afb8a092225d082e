using System.Collections.Generic;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>How a keyword stream's detections are scored: matching by label within the tolerance, one detection per keyword.</summary>
public sealed class DetectionScoreTests
{
    private const int Rate = 16000;

    // Keywords "yes" 1.0–1.5 s and "no" 3.0–3.4 s, the non-keyword "four" 5.0–5.5 s.
    private static readonly IReadOnlyList<SpeechStreamEvent> s_words =
    [
        new("yes", "yes", 16000, 24000, "espeak-ng/en-us+m1"),
        new("no", "no", 48000, 54400, "flite/awb"),
        new(SpeechCorpus.UnknownLabel, "four", 80000, 88000, "flite/rms"),
    ];

    [Fact]
    public void a_detection_counts_once_for_a_keyword_of_its_label_within_the_tolerance()
    {
        KeywordDetection[] detections =
        [
            new("yes", 1.9, 0.9), // 0.4 s after the end of "yes": a hit
            new("yes", 2.0, 0.9), // a repeat: false alarm
            new("off", 3.2, 0.8), // wrong word over "no": false alarm, and "no" is missed
            new("off", 5.2, 0.8), // over the non-keyword "four": false alarm
        ];

        DetectionScore score = DetectionScore.Score(s_words, detections, Rate);
        DetectionErrors errors = DetectionScore.Errors(s_words, detections, Rate);

        Assert.Equal((1, 3, 1), (score.TruePositives, score.FalsePositives, score.FalseNegatives));
        Assert.Equal([detections[1], detections[2], detections[3]], errors.FalseAlarms);
        Assert.Equal([s_words[1]], errors.Misses);
        Assert.Equal(1 / 3.0, score.F1, precision: 12); // precision 1/4, recall 1/2
    }

    [Fact]
    public void the_tolerance_reaches_from_before_the_start_to_after_the_end()
    {
        Assert.True(DetectionScore.Near(s_words[0], 0.5, Rate));
        Assert.True(DetectionScore.Near(s_words[0], 2.0, Rate));
        Assert.False(DetectionScore.Near(s_words[0], 0.49, Rate));
        Assert.False(DetectionScore.Near(s_words[0], 2.01, Rate));
        Assert.False(DetectionScore.Near(s_words[0], 1.9, Rate, toleranceSeconds: 0.2));

        DetectionScore late = DetectionScore.Score(s_words, [new("yes", 2.1, 0.9)], Rate);
        Assert.Equal((0, 1, 2), (late.TruePositives, late.FalsePositives, late.FalseNegatives));
    }

    [Fact]
    public void timing_offsets_are_measured_from_the_matched_keywords_centre_for_true_positives_only()
    {
        KeywordDetection[] detections =
        [
            new("no", 3.5, 0.8), // "no" is centred at 3.2 s: +0.3
            new("yes", 0.95, 0.9), // "yes" is centred at 1.25 s: −0.3
            new("yes", 1.3, 0.9), // a repeat: a false alarm, no offset
            new("off", 5.2, 0.8), // over the non-keyword: no offset
        ];

        IReadOnlyList<double> offsets = DetectionScore.TimingOffsets(s_words, detections, Rate);

        Assert.Equal(2, offsets.Count);
        Assert.Equal(-0.3, offsets[0], precision: 12); // in time order
        Assert.Equal(0.3, offsets[1], precision: 12);
    }
}
