using System;
using System.Collections.Generic;
using System.Linq;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>A keyword detection of a streaming node: the class label and the stream time it was raised at.</summary>
public readonly record struct KeywordDetection(string Label, double Seconds, double Confidence);

/// <summary>
/// Detection quality of a keyword stream: a detection is a true positive when it names a keyword spoken from
/// tolerance before its start to tolerance after its end, each spoken keyword matching at most one detection
/// (the earliest); other detections are false positives (wrong word, a non-keyword, nothing spoken, or a repeat),
/// keywords without a detection are false negatives.
/// </summary>
public sealed record DetectionScore(int TruePositives, int FalsePositives, int FalseNegatives, double ToleranceSeconds)
{
    public double Precision => TruePositives + FalsePositives == 0 ? 0 : TruePositives / (double)(TruePositives + FalsePositives);

    public double Recall => TruePositives + FalseNegatives == 0 ? 0 : TruePositives / (double)(TruePositives + FalseNegatives);

    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    /// <summary>Scores <paramref name="detections"/> against the keywords of <paramref name="words"/> (non-keywords are ignored as targets).</summary>
    public static DetectionScore Score(IReadOnlyList<SpeechStreamEvent> words, IReadOnlyList<KeywordDetection> detections, int sampleRate, double toleranceSeconds = 0.5)
    {
        DetectionErrors errors = Errors(words, detections, sampleRate, toleranceSeconds);
        int truePositives = detections.Count - errors.FalseAlarms.Count;
        return new DetectionScore(truePositives, errors.FalseAlarms.Count, errors.Misses.Count, toleranceSeconds);
    }

    /// <summary>The counts of several streams' scores added up (all scored with <paramref name="toleranceSeconds"/>).</summary>
    public static DetectionScore Total(IEnumerable<DetectionScore> scores, double toleranceSeconds = 0.5)
    {
        ArgumentNullException.ThrowIfNull(scores);
        int truePositives = 0, falsePositives = 0, falseNegatives = 0;
        foreach (DetectionScore score in scores)
        {
            truePositives += score.TruePositives;
            falsePositives += score.FalsePositives;
            falseNegatives += score.FalseNegatives;
        }

        return new DetectionScore(truePositives, falsePositives, falseNegatives, toleranceSeconds);
    }

    /// <summary>
    /// The detections that <see cref="Score"/> counts as false positives and the keywords it counts as false
    /// negatives, each in time order.
    /// </summary>
    public static DetectionErrors Errors(IReadOnlyList<SpeechStreamEvent> words, IReadOnlyList<KeywordDetection> detections, int sampleRate, double toleranceSeconds = 0.5)
    {
        (List<SpeechStreamEvent> keywords, List<(KeywordDetection Detection, int Keyword)> matches) = Match(words, detections, sampleRate, toleranceSeconds);
        bool[] matched = new bool[keywords.Count];
        List<KeywordDetection> falseAlarms = [];
        foreach ((KeywordDetection detection, int keyword) in matches)
        {
            if (keyword >= 0)
            {
                matched[keyword] = true;
            }
            else
            {
                falseAlarms.Add(detection);
            }
        }

        return new DetectionErrors(falseAlarms, [.. keywords.Where((_, k) => !matched[k])]);
    }

    /// <summary>
    /// For each detection that <see cref="Score"/> counts as a true positive, in time order: its time minus the centre
    /// of the keyword it matched, in seconds (how well the node's event time says when the word was spoken).
    /// </summary>
    public static IReadOnlyList<double> TimingOffsets(IReadOnlyList<SpeechStreamEvent> words, IReadOnlyList<KeywordDetection> detections, int sampleRate, double toleranceSeconds = 0.5)
    {
        (List<SpeechStreamEvent> keywords, List<(KeywordDetection Detection, int Keyword)> matches) = Match(words, detections, sampleRate, toleranceSeconds);
        return [.. matches.Where(m => m.Keyword >= 0)
            .Select(m => m.Detection.Seconds - ((keywords[m.Keyword].StartSample + keywords[m.Keyword].EndSample) / 2.0 / sampleRate))];
    }

    /// <summary>True when <paramref name="seconds"/> lies from tolerance before the word's start to tolerance after its end.</summary>
    public static bool Near(SpeechStreamEvent word, double seconds, int sampleRate, double toleranceSeconds = 0.5)
    {
        ArgumentNullException.ThrowIfNull(word);
        return seconds >= (word.StartSample / (double)sampleRate) - toleranceSeconds
            && seconds <= (word.EndSample / (double)sampleRate) + toleranceSeconds;
    }

    /// <summary>
    /// The keywords of <paramref name="words"/> and each detection in time order with the index of the keyword it
    /// matches (−1: a false alarm): the earliest detection naming a keyword near it claims that keyword.
    /// </summary>
    private static (List<SpeechStreamEvent> Keywords, List<(KeywordDetection Detection, int Keyword)> Matches) Match(
        IReadOnlyList<SpeechStreamEvent> words, IReadOnlyList<KeywordDetection> detections, int sampleRate, double toleranceSeconds)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(toleranceSeconds);
        List<SpeechStreamEvent> keywords = [.. words.Where(w => w.IsKeyword)];
        bool[] matched = new bool[keywords.Count];
        List<(KeywordDetection Detection, int Keyword)> matches = [];
        foreach (KeywordDetection detection in detections.OrderBy(d => d.Seconds))
        {
            int hit = -1;
            for (int k = 0; k < keywords.Count && hit < 0; k++)
            {
                SpeechStreamEvent word = keywords[k];
                if (!matched[k] && word.Label == detection.Label && Near(word, detection.Seconds, sampleRate, toleranceSeconds))
                {
                    hit = k;
                }
            }

            if (hit >= 0)
            {
                matched[hit] = true;
            }

            matches.Add((detection, hit));
        }

        return (keywords, matches);
    }
}

/// <summary>What a <see cref="DetectionScore"/> counted against a node: its false alarms and the keywords it missed.</summary>
public sealed record DetectionErrors(IReadOnlyList<KeywordDetection> FalseAlarms, IReadOnlyList<SpeechStreamEvent> Misses);
