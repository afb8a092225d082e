using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli.Commands;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Emulator;
using Bnn.Nano.Runtime.Model;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Node;

/// <summary>
/// The repository's keyword model on real human speech: the eight channel announcements alsa-utils ships
/// ("front left", "rear right", "front center", ...; one speaker, 48 kHz), played as <c>bnnc kws --wav</c> plays them.
/// Six say a keyword (left or right) after a word that is not one; two say none. The model never heard a recording in
/// training (its corpus is synthetic speech), so this is the one check of it against a real voice.
/// </summary>
public sealed class KeywordRealSpeechTests(ITestOutputHelper output)
{
    /// <summary>Where alsa-utils (installed by scripts/setup-test-data.sh) puts its sounds.</summary>
    private const string AlsaSounds = "/usr/share/sounds/alsa";

    /// <summary>Each announcement and the keyword it says (null: none).</summary>
    private static readonly (string File, string? Keyword)[] s_announcements =
    [
        ("Front_Left.wav", "left"), ("Front_Right.wav", "right"), ("Front_Center.wav", null),
        ("Rear_Left.wav", "left"), ("Rear_Right.wav", "right"), ("Rear_Center.wav", null),
        ("Side_Left.wav", "left"), ("Side_Right.wav", "right"),
    ];

    [Fact]
    public void the_node_hears_left_and_right_in_real_recordings_and_nothing_else()
    {
        BnnModel model = BlobReader.Load(File.ReadAllBytes(KwsCommand.DefaultModelPath()));
        IReadOnlyList<string> names = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);
        int keywords = 0, heard = 0;
        var wrong = new List<string>();
        foreach ((string file, string? keyword) in s_announcements)
        {
            string path = Path.Combine(AlsaSounds, file);
            Assert.True(File.Exists(path), $"{path} is missing: install alsa-utils (scripts/setup-test-data.sh does)");
            WavRecording recording = WavRecording.Read(path);
            Assert.Equal(48000, recording.SampleRateHz);
            KeywordReplayResult result = KeywordNodeReplay.RunRecording(model, names, recording);
            output.WriteLine($"{file}: detected [{string.Join(", ", result.Detections.Select(d => $"{d.Label} {d.Confidence:P0} at {d.Seconds:F2} s"))}]"
                + (keyword == null ? string.Empty : $"; best posterior of {keyword} in one classification {BestPosterior(result, names.ToList().IndexOf(keyword), names.Count):F2}"));
            keywords += keyword == null ? 0 : 1;
            heard += result.Detections.Any(d => d.Label == keyword) ? 1 : 0;
            wrong.AddRange(result.Detections.Where(d => d.Label != keyword).Select(d => $"{d.Label} in {file}"));
        }

        output.WriteLine($"{heard} of {keywords} keywords heard; false detections: {(wrong.Count == 0 ? "none" : string.Join(", ", wrong))}");
        // Measured with the model of commit 7f9e1d0: 4 of 6 (Front_Right and Side_Right missed), no false detection.
        // (Converted by sox instead, with its dither, Front_Right is heard too: these detections are near the threshold.)
        Assert.True(heard >= 4, $"{heard} of {keywords} keywords heard");
        Assert.Empty(wrong);
    }

    private static double BestPosterior(KeywordReplayResult result, int target, int classes)
    {
        int best = 0;
        for (int i = 0; i < result.Inferences; i++)
        {
            best = Math.Max(best, result.InferencePosteriors[(i * classes) + target]);
        }

        return best / (double)Bnn.Nano.Node.KeywordDetector.OneQ15;
    }
}
