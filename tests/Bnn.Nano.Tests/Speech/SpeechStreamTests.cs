using System;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>The streaming generator: keywords among other words and noise, at the positions it reports.</summary>
public sealed class SpeechStreamTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bnn-kws-stream-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void words_are_where_the_stream_says_and_the_rest_is_noise()
    {
        SpeechStreamOptions options = new()
        {
            // Test-split voices only: two held-out espeak-ng speakers and one festival voice (kept small for speed).
            Voices = [TtsVoice.Espeak("en-us-nyc", "f5"), TtsVoice.Espeak("en-gb-x-gbclan", "iven2"), SpeechVoices.TestFestival[1]],
            CacheDirectory = Path.Combine(_folder, "cache"),
        };
        Assert.All(options.Voices, v => Assert.Contains(v, SpeechVoices.Test));

        SpeechStreamResult stream = SpeechStream.Generate(11, 12.0, options);
        Assert.Equal(12 * 16000, stream.Pcm.Length);
        Assert.Equal(16000, stream.SampleRate);
        Assert.True(stream.Words.Count >= 5, $"{stream.Words.Count} words");
        Assert.NotEmpty(stream.Keywords);
        Assert.Contains(stream.Words, w => !w.IsKeyword);
        Assert.All(stream.Keywords, k => Assert.Contains(k.Label, SpeechCorpus.DefaultKeywords));
        Assert.All(stream.Words.Where(w => !w.IsKeyword), w => Assert.Equal("unknown", w.Label));

        // In time order, apart, inside the stream.
        int previousEnd = 0;
        foreach (SpeechStreamEvent w in stream.Words)
        {
            Assert.True(w.StartSample >= previousEnd + (int)(0.4 * 16000) || previousEnd == 0, $"{w.Word} at {w.StartSample} too close to {previousEnd}");
            Assert.True(w.EndSample > w.StartSample && w.EndSample <= stream.Pcm.Length - 4800);
            previousEnd = w.EndSample;
        }

        // Noise floor: RMS of everything at least 50 ms away from any word.
        bool[] near = new bool[stream.Pcm.Length];
        foreach (SpeechStreamEvent w in stream.Words)
        {
            for (int i = Math.Max(0, w.StartSample - 800); i < Math.Min(near.Length, w.EndSample + 800); i++)
            {
                near[i] = true;
            }
        }

        double sum = 0;
        int count = 0;
        for (int i = 0; i < near.Length; i++)
        {
            if (!near[i])
            {
                sum += stream.Pcm[i] * (double)stream.Pcm[i];
                count++;
            }
        }

        double floor = Math.Sqrt(sum / count);
        Assert.InRange(SpeechAudio.AmplitudeToDbfs(floor), stream.NoiseDbfs - 3, stream.NoiseDbfs + 3);

        // Each word (keywords included) stands at least 6 dB above the floor; no 100 ms stretch away from the words does.
        foreach (SpeechStreamEvent w in stream.Words)
        {
            double rms = SpeechAudio.Rms(stream.Pcm, w.StartSample, w.EndSample);
            Assert.True(rms > 2 * floor, $"{w.Label} '{w.Word}' at {w.StartSample}: RMS {rms:F0}, floor {floor:F0}");
        }

        for (int start = 0; start + 1600 <= near.Length; start += 800)
        {
            if (!near.AsSpan(start, 1600).Contains(true))
            {
                double rms = SpeechAudio.Rms(stream.Pcm, start, start + 1600);
                Assert.True(rms < 2 * floor, $"energy {rms:F0} at sample {start} away from every word (floor {floor:F0})");
            }
        }

        // Same seed, same stream (now from the cache); another seed, another stream.
        SpeechStreamResult again = SpeechStream.Generate(11, 12.0, options);
        Assert.Equal(stream.Pcm, again.Pcm);
        Assert.Equal(stream.Words, again.Words);
        Assert.NotEqual(stream.Words, SpeechStream.Generate(12, 12.0, options).Words);
    }
}
