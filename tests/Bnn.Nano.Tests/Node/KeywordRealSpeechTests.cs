using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli.Commands;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Emulator;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Node;

/// <summary>
/// The repository's keyword model on real human speech, played as <c>bnnc kws --wav</c> plays a recording (resampled
/// to 16 kHz when needed, then silence until the last word is reported). The model never heard a recording in training
/// (its corpus is synthetic speech), and Debian has few recordings that say the keywords, so this is a check against
/// real voices, not an accuracy: seven keywords in nineteen recordings by several speakers
/// (installed by scripts/setup-test-data.sh):
/// <list type="bullet">
/// <item>alsa-utils' eight channel announcements (one speaker, 48 kHz): "front left", "rear right", "front center", ...;</item>
/// <item>pocketsphinx-testdata (16 kHz): "go forward ten meters", five card names ("eight of spades four of clubs
/// seven of hearts", ...) and five sentences read from Sense and Sensibility (LibriVox), which say no keyword.</item>
/// </list>
/// </summary>
public sealed class KeywordRealSpeechTests(ITestOutputHelper output)
{
    private const string Alsa = "/usr/share/sounds/alsa";
    private const string Pocketsphinx = "/usr/share/pocketsphinx/test/data";

    /// <summary>Each recording and the keyword it says (null: none).</summary>
    private static readonly (string Path, string? Keyword)[] s_recordings =
    [
        (Alsa + "/Front_Left.wav", "left"), (Alsa + "/Front_Right.wav", "right"), (Alsa + "/Front_Center.wav", null),
        (Alsa + "/Rear_Left.wav", "left"), (Alsa + "/Rear_Right.wav", "right"), (Alsa + "/Rear_Center.wav", null),
        (Alsa + "/Side_Left.wav", "left"), (Alsa + "/Side_Right.wav", "right"),
        (Pocketsphinx + "/goforward.raw", "go"),
        .. Enumerable.Range(1, 5).Select(i => ($"{Pocketsphinx}/cards/{i:D3}.wav", (string?)null)),
        .. new[] { "0870", "0880", "0890", "0920", "0930" }.Select(n => ($"{Pocketsphinx}/librivox/sense_and_sensibility_01_austen_64kb-{n}.wav", (string?)null)),
    ];

    [Fact]
    public void the_node_hears_at_least_four_of_seven_keywords_in_real_recordings_without_false_alarms()
    {
        BnnModel model = BlobReader.Load(File.ReadAllBytes(KwsCommand.DefaultModelPath()));
        IReadOnlyList<string> names = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);
        int keywords = 0, heard = 0;
        double seconds = 0;
        var wrong = new List<string>();
        foreach ((string path, string? keyword) in s_recordings)
        {
            Assert.True(File.Exists(path), $"{path} is missing: install alsa-utils and pocketsphinx-testdata (scripts/setup-test-data.sh does)");
            PcmRecording recording = Read(path);
            seconds += recording.DurationSeconds;
            KeywordReplayResult result = KeywordNodeReplay.RunRecording(model, names, recording);
            string file = Path.GetFileName(path);
            output.WriteLine($"{file}: detected [{string.Join(", ", result.Detections.Select(d => $"{d.Label} {d.Confidence:P0} at {d.Seconds:F2} s"))}]"
                + (keyword == null ? string.Empty : $"; best posterior of {keyword} in one classification {BestPosterior(result, names.ToList().IndexOf(keyword), names.Count):F2}")
                + $"; classifications won: {result.ClassesWon(names)}");
            keywords += keyword == null ? 0 : 1;
            heard += result.Detections.Any(d => d.Label == keyword) ? 1 : 0;
            wrong.AddRange(result.Detections.Where(d => d.Label != keyword).Select(d => $"{d.Label} in {file}"));
        }

        output.WriteLine($"{heard} of {keywords} keywords heard in {seconds:F1} s of real speech; false detections: {(wrong.Count == 0 ? "none" : string.Join(", ", wrong))}");
        // Measured with the current model (6,000 training clips per class): 4 of 7 (left three times, right in
        // Rear_Right; not the other two "right"s, no "go" of "go forward"), no false detection. The three models before
        // it heard 3 of 7 with four false detections ("stop" in three card names, "left" in a read sentence), 5 of 7
        // with one and 4 of 7 with none: these detections are near the threshold, and one retrain moves them. The
        // bounds are the current model's counts, so that a change which makes it worse on real voices fails here.
        Assert.True(heard >= 4, $"{heard} of {keywords} keywords heard");
        Assert.True(wrong.Count == 0, "false detections: " + string.Join(", ", wrong));
    }

    /// <summary>A WAV file, or pocketsphinx's headerless 16-kHz 16-bit little-endian mono .raw.</summary>
    private static PcmRecording Read(string path)
    {
        if (!path.EndsWith(".raw", StringComparison.Ordinal))
        {
            WavFile wav = WavFile.Read(path);
            return new PcmRecording(wav.SampleRate, wav.ToMono());
        }

        byte[] bytes = File.ReadAllBytes(path);
        short[] samples = new short[bytes.Length / 2];
        AudioFrontEnd.DecodePcm16(bytes, 0, samples, 0, samples.Length);
        return new PcmRecording(16000, samples);
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
