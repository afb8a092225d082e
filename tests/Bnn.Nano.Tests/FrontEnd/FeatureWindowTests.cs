using System;
using Bnn.Nano.FrontEnd;
using Xunit;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>The streaming feature ring: same frames as framing the whole stream, time-major layout, floor pre-fill.</summary>
public class FeatureWindowTests
{
    [Fact]
    public void A_new_window_reads_as_silence()
    {
        var window = new FeatureWindow(new AudioFrontEnd(new FrontEndConfig()));
        Assert.Equal(49, window.Frames);
        Assert.Equal(40, window.Bands);
        Assert.Equal(49 * 40, window.Length);
        Assert.False(window.IsFull);
        var input = new byte[window.Length];
        window.CopyTo(input);
        Assert.All(input, b => Assert.Equal(0x80, b));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(160)]
    [InlineData(320)]
    [InlineData(1000)]
    [InlineData(0)] // random chunk sizes
    public void Streaming_in_any_chunks_gives_the_frames_of_the_whole_stream(int chunk)
    {
        var config = new FrontEndConfig { FrameCount = 12 };
        short[] x = TestSignals.Voiced(41, 16000, 15000, 4);
        byte[] expectedAll = AudioFrontEndTests.Stream(new AudioFrontEnd(config), x); // frames at 0, hop, 2·hop, ...
        int totalFrames = expectedAll.Length / 40;

        var window = new FeatureWindow(new AudioFrontEnd(config));
        var rng = new Random(chunk);
        int produced = 0;
        for (int i = 0; i < x.Length;)
        {
            int n = Math.Min(chunk > 0 ? chunk : rng.Next(1, 700), x.Length - i);
            produced += window.PushSamples(x, i, n);
            i += n;
        }

        Assert.Equal(totalFrames, produced);
        Assert.Equal(totalFrames, window.TotalFrames);
        Assert.True(window.IsFull);

        var input = new byte[window.Length];
        window.CopyTo(input);
        var expected = new byte[window.Length];
        Array.Copy(expectedAll, (totalFrames - 12) * 40, expected, 0, expected.Length);
        Assert.Equal(expected, input);
        Assert.Equal((sbyte)expected[(5 * 40) + 7], window.GetFeature(5, 7));
    }

    [Fact]
    public void Byte_stream_equals_sample_stream_and_layout_is_time_major()
    {
        var config = new FrontEndConfig { FrameCount = 5 };
        short[] x = TestSignals.Chirp(42, 4000, 100, 7000, 20000, 3);
        var bytes = new byte[2 * x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            bytes[2 * i] = (byte)x[i];
            bytes[(2 * i) + 1] = (byte)(x[i] >> 8);
        }

        var fromShorts = new FeatureWindow(new AudioFrontEnd(config));
        var fromBytes = new FeatureWindow(new AudioFrontEnd(config));
        fromShorts.PushSamples(x, 0, 1500); // 4 frames: 480, 800, 1120, 1440
        fromBytes.PushSamples(bytes, 0, 1000);
        fromBytes.PushSamples(bytes, 1000, 2000);
        Assert.False(fromShorts.IsFull);

        var a = new byte[2 + fromShorts.Length];
        var b = new byte[2 + fromBytes.Length];
        fromShorts.CopyTo(a, 2);
        fromBytes.CopyTo(b, 2);
        Assert.Equal(a, b);

        // Frame t of the window is band-contiguous at t·bands; the one frame not yet computed (the oldest) is -128.
        var frontEnd = new AudioFrontEnd(config);
        var f = new sbyte[40];
        for (int b2 = 0; b2 < 40; b2++)
        {
            Assert.Equal(0x80, a[2 + b2]);
        }

        for (int t = 1; t < 5; t++)
        {
            frontEnd.ProcessFrame(x, (t - 1) * 320, f, 0);
            for (int band = 0; band < 40; band++)
            {
                Assert.Equal((byte)f[band], a[2 + (t * 40) + band]);
            }
        }

        fromShorts.Reset();
        fromShorts.CopyTo(a, 2);
        Assert.All(a[2..], v => Assert.Equal(0x80, v));
        Assert.Equal(0, fromShorts.TotalFrames);
    }

    [Fact]
    public void Push_frame_appends_one_frame_and_bad_arguments_are_refused()
    {
        var window = new FeatureWindow(new AudioFrontEnd(new FrontEndConfig { FrameCount = 2 }), 3);
        Assert.Equal(3, window.Frames);
        short[] x = TestSignals.Noise(43, 960, 5000);
        window.PushFrame(x, 0);
        window.PushFrame(x, 480);
        Assert.Equal(2, window.TotalFrames);
        Assert.Throws<FrontEndException>(() => window.PushFrame(x, 481));
        Assert.Throws<FrontEndException>(() => window.PushSamples(x, 900, 61));
        Assert.Throws<FrontEndException>(() => window.PushSamples(new byte[10], 0, 3));
        Assert.Throws<FrontEndException>(() => window.CopyTo(new byte[window.Length - 1]));
        Assert.Throws<FrontEndException>(() => window.GetFeature(3, 0));
        Assert.Throws<FrontEndException>(() => new FeatureWindow(new AudioFrontEnd(new FrontEndConfig()), 0));
        Assert.Throws<FrontEndException>(() => new FeatureWindow(null!));
    }
}
