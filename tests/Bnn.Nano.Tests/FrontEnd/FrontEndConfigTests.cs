using System;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>(f) The configuration travels through model properties unchanged, and invalid ones are refused clearly.</summary>
public class FrontEndConfigTests
{
    [Fact]
    public void Front_end_keys_sit_in_the_range_the_runtime_reserves()
    {
        Assert.Equal(ModelProperty.AudioFrontEndFirst, FrontEndProperty.First);
        var keys = new int[FrontEndProperty.Count];
        var values = new int[FrontEndProperty.Count];
        Assert.Equal(FrontEndProperty.Count, new FrontEndConfig().ToProperties(keys, values, 0));
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(FrontEndProperty.First + i, keys[i]);
            Assert.InRange(keys[i], FrontEndProperty.First, FrontEndProperty.Last);
        }

        Assert.True(FrontEndProperty.Last < ModelProperty.MaxKey);
    }

    [Fact]
    public void Config_round_trips_through_properties()
    {
        var config = new FrontEndConfig
        {
            SampleRateHz = 8000, WindowLength = 255, HopLength = 128, FftSize = 256, BandCount = 20, MinFrequencyHz = 60, MaxFrequencyHz = 4000,
            PreEmphasisQ15 = 31785, LogScale = 3, LogShift = 6, LogOffset = -400, FrameCount = 61,
        };
        var keys = new int[FrontEndProperty.Count + 3];
        var values = new int[keys.Length];
        keys[0] = ModelProperty.SampleRateHz;
        values[0] = 8000;
        Assert.Equal(FrontEndProperty.Count, config.ToProperties(keys, values, 1));
        keys[^2] = 64;
        keys[^1] = 1000;

        FrontEndConfig back = FrontEndConfig.FromProperties(keys, values);
        Assert.True(back.SameAs(config));
        int[] defaultKeys = Props(new FrontEndConfig(), out int[] defaultValues);
        Assert.True(FrontEndConfig.FromProperties(defaultKeys, defaultValues).SameAs(new FrontEndConfig()));
        Assert.False(back.SameAs(new FrontEndConfig()));
    }

    [Fact]
    public void Config_round_trips_through_a_built_model()
    {
        var config = new FrontEndConfig { PreEmphasisQ15 = 31785, FrameCount = 49 };
        var keys = new int[FrontEndProperty.Count + 1];
        var values = new int[keys.Length];
        keys[0] = ModelProperty.SampleRateHz;
        values[0] = config.SampleRateHz;
        config.ToProperties(keys, values, 1);

        // The smallest valid model over the front end's input: 49 frames × 40 bands × 1 channel, int8.
        int inputs = config.InputLength;
        var builder = new ModelBuilder(config.FrameCount, config.BandCount, 1, true, 1, 2);
        builder.AddInt8Dense(8, new ulong[8 * ((inputs + 63) / 64)], new int[8], 0);
        builder.AddBinaryDenseScores(2, new ulong[2], new int[] { 1, 1 }, new int[2], 0, 0);
        builder.SetProperties(keys, values);
        BnnModel model = builder.Build();

        FrontEndConfig back = FrontEndConfig.FromProperties(ModelKeys(model), ModelValues(model));
        Assert.True(back.SameAs(config));
        Assert.Equal(model.InputLength, back.InputLength);
    }

    [Theory]
    [InlineData("fft500", "FFT size 500 is not a power of two")]
    [InlineData("fft8192", "FFT size 8192 is not a power of two in 64..4096")]
    [InlineData("hop>window", "hop 481 is outside 1..window length 480")]
    [InlineData("hop0", "hop 0 is outside 1..window length 480")]
    [InlineData("window>fft", "window length 600 is outside 2..FFT size 512")]
    [InlineData("bands>fft/2", "257 mel bands is outside 1..FFT size / 2 = 256")]
    [InlineData("bands0", "0 mel bands")]
    [InlineData("fmax>nyquist", "maximum frequency 8001 Hz is above half the sample rate (8000 Hz)")]
    [InlineData("fmin>=fmax", "minimum frequency 8000 Hz must be at least 0 and below the maximum 8000 Hz")]
    [InlineData("version", "version 2 is not supported (this front end implements version 1)")]
    [InlineData("rate", "sample rate 500 Hz is outside 1000..192000")]
    [InlineData("pre-emphasis", "pre-emphasis 32768 is outside 0..32767")]
    [InlineData("log-scale", "log scale 0 is outside 1..32767")]
    [InlineData("log-shift", "log shift 31 is outside 0..30")]
    [InlineData("log-offset", "log offset 16777217 is outside")]
    [InlineData("frames", "0 frames of 40 bands")]
    public void Invalid_configs_are_refused_naming_the_parameter(string edit, string message)
    {
        var config = new FrontEndConfig();
        switch (edit)
        {
            case "fft500": config.FftSize = 500; break;
            case "fft8192": config.FftSize = 8192; break;
            case "hop>window": config.HopLength = 481; break;
            case "hop0": config.HopLength = 0; break;
            case "window>fft": config.WindowLength = 600; break;
            case "bands>fft/2": config.BandCount = 257; break;
            case "bands0": config.BandCount = 0; break;
            case "fmax>nyquist": config.MaxFrequencyHz = 8001; break;
            case "fmin>=fmax": config.MinFrequencyHz = 8000; break;
            case "version": config.Version = 2; break;
            case "rate": config.SampleRateHz = 500; break;
            case "pre-emphasis": config.PreEmphasisQ15 = 32768; break;
            case "log-scale": config.LogScale = 0; break;
            case "log-shift": config.LogShift = 31; break;
            case "log-offset": config.LogOffset = (1 << 24) + 1; break;
            default: config.FrameCount = 0; break;
        }

        Assert.Contains(message, Assert.Throws<FrontEndException>(config.Validate).Message, StringComparison.Ordinal);
        Assert.Contains(message, Assert.Throws<FrontEndException>(() => new AudioFrontEnd(config)).Message, StringComparison.Ordinal);
        Assert.Throws<FrontEndException>(() => config.ToProperties(new int[13], new int[13], 0));
    }

    [Fact]
    public void A_mel_band_without_an_fft_bin_is_refused()
    {
        // 64-point FFT at 16 kHz: bins 250 Hz apart, far wider than the lowest of 32 mel bands.
        var config = new FrontEndConfig { FftSize = 64, WindowLength = 64, HopLength = 32, BandCount = 32, MinFrequencyHz = 0 };
        config.Validate();
        string message = Assert.Throws<FrontEndException>(() => new AudioFrontEnd(config)).Message;
        Assert.Contains("mel band 0 (0..", message, StringComparison.Ordinal);
        Assert.Contains("covers no FFT bin", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_property_sets_are_refused()
    {
        int[] keys = Props(new FrontEndConfig(), out int[] values);
        Assert.Contains("properties need as many values as keys", Assert.Throws<FrontEndException>(() => FrontEndConfig.FromProperties(keys, new int[3])).Message, StringComparison.Ordinal);

        int[] missing = keys[..^1];
        Assert.Contains("property key 28 is missing", Assert.Throws<FrontEndException>(() => FrontEndConfig.FromProperties(missing, values[..^1])).Message, StringComparison.Ordinal);

        int[] unknown = (int[])keys.Clone();
        unknown[^1] = 40;
        Assert.Contains("unknown property key 40", Assert.Throws<FrontEndException>(() => FrontEndConfig.FromProperties(unknown, values)).Message, StringComparison.Ordinal);

        int[] twice = (int[])keys.Clone();
        twice[1] = FrontEndProperty.Version;
        Assert.Contains("property key 16 appears twice", Assert.Throws<FrontEndException>(() => FrontEndConfig.FromProperties(twice, values)).Message, StringComparison.Ordinal);

        int[] badValue = (int[])values.Clone();
        badValue[FrontEndProperty.FftSize - FrontEndProperty.First] = 500;
        Assert.Contains("FFT size 500", Assert.Throws<FrontEndException>(() => FrontEndConfig.FromProperties(keys, badValue)).Message, StringComparison.Ordinal);

        Assert.Contains("free key and value slots", Assert.Throws<FrontEndException>(() => new FrontEndConfig().ToProperties(new int[14], new int[14], 2)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_front_end_keeps_its_own_copy_of_the_config()
    {
        var config = new FrontEndConfig();
        var frontEnd = new AudioFrontEnd(config);
        config.BandCount = 20;
        Assert.Equal(40, frontEnd.BandCount);
        Assert.True(frontEnd.CopyConfig().SameAs(new FrontEndConfig()));
    }

    private static int[] Props(FrontEndConfig config, out int[] values)
    {
        var keys = new int[FrontEndProperty.Count];
        values = new int[FrontEndProperty.Count];
        config.ToProperties(keys, values, 0);
        return keys;
    }

    private static int[] ModelKeys(BnnModel model)
    {
        var keys = new int[model.PropertyCount];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = model.GetPropertyKey(i);
        }

        return keys;
    }

    private static int[] ModelValues(BnnModel model)
    {
        int[] keys = ModelKeys(model);
        var values = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            values[i] = model.GetProperty(keys[i], 0);
        }

        return values;
    }
}
