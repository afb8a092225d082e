using System;
using System.IO;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>`bnnc data kws` end to end with the default voices, two clips per class.</summary>
[Collection(Bnn.Nano.Tests.Cli.ConsoleCollection.Name)]
public sealed class DataKwsCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bnnc-kws-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void data_kws_builds_prints_counts_and_refuses_to_overwrite_another_corpus()
    {
        string output = Path.Combine(_folder, "kws");
        string cache = Path.Combine(_folder, "cache");
        (int code, string text) = Bnnc("data", "kws", "--out", output, "--cache", cache, "--per-class", "2", "--test-per-class", "1", "--seed", "4");
        Assert.True(code == 0, text);
        Assert.Matches(@"silence\s*│\s*2\s*│\s*1", text);
        Assert.Matches(@"go\s*│\s*2\s*│\s*1", text);
        Assert.Matches(@"total\s*│\s*24\s*│\s*12", text);
        Assert.Contains("synthesized", text, StringComparison.Ordinal);
        SpeechCorpus corpus = SpeechCorpus.Load(output);
        Assert.Equal(24, corpus.Train.Count);
        Assert.Equal(12, corpus.Test.Count);

        (code, text) = Bnnc("data", "kws", "--out", output, "--cache", cache, "--per-class", "2", "--test-per-class", "1", "--seed", "4");
        Assert.True(code == 0, text);
        Assert.Contains("up to date", text, StringComparison.Ordinal);

        (code, text) = Bnnc("data", "kws", "--out", output, "--cache", cache, "--per-class", "2", "--test-per-class", "1", "--seed", "5");
        Assert.Equal(1, code);
        Assert.Contains("--force", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--jobs", "0", "--jobs 0: give 1 to 64")]
    [InlineData("--jobs", "1000", "--jobs 1000: give 1 to 64")]
    [InlineData("--per-class", "0", "clips per class must be at least 1")]
    public void data_kws_refuses_bad_counts_before_synthesising_anything(string option, string value, string message)
    {
        string output = Path.Combine(_folder, "kws");
        string cache = Path.Combine(_folder, "cache");
        (int code, string text) = Bnnc("data", "kws", "--out", output, "--cache", cache, option, value);
        Assert.Equal(1, code);
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing is written");
        Assert.False(Directory.Exists(cache), "nothing is synthesised");
    }

    private static (int Code, string Output) Bnnc(params string[] args) => Bnn.Nano.Tests.Cli.BnncConsole.Run(args);
}
