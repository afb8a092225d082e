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
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(toleranceSeconds);
        List<SpeechStreamEvent> keywords = [.. words.Where(w => w.IsKeyword)];
        bool[] matched = new bool[keywords.Count];
        int truePositives = 0;
        foreach (KeywordDetection detection in detections.OrderBy(d => d.Seconds))
        {
            int hit = -1;
            for (int k = 0; k < keywords.Count && hit < 0; k++)
            {
                SpeechStreamEvent word = keywords[k];
                bool inWindow = detection.Seconds >= (word.StartSample / (double)sampleRate) - toleranceSeconds
                    && detection.Seconds <= (word.EndSample / (double)sampleRate) + toleranceSeconds;
                if (!matched[k] && inWindow && word.Label == detection.Label)
                {
                    hit = k;
                }
            }

            if (hit >= 0)
            {
                matched[hit] = true;
                truePositives++;
            }
        }

        return new DetectionScore(truePositives, detections.Count - truePositives, keywords.Count - truePositives, toleranceSeconds);
    }
}
