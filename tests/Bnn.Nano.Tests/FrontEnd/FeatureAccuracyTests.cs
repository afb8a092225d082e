using System;
using System.Collections.Generic;
using Bnn.Nano.FrontEnd;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.FrontEnd;

/// <summary>
/// (b) The whole fixed-point front end against <see cref="FrontEndReference"/> (double precision: Hann, DFT, power,
/// mel, natural log, same quantisation) on 8 signals (white noise at ±30000, ±300 and ±3; a pure and a noisy 1 kHz
/// tone; a 50 Hz–7.9 kHz chirp; loud and quiet speech-like harmonic series) under 5 configurations (defaults;
/// pre-emphasis 0.97; 8 kHz with W = 255, N = 256, 20 bands; 64 bands with W = 400, hop 160; a 2× finer
/// quantisation step of 1/12 octave = 0.25 dB, through LogScale 3 and LogShift 6).
/// <para>
/// Measured (this commit, 57,376 features): 98.85% identical, all but one within 1 LSB, that one 2 LSB (pre-emphasis
/// on the loud chirp, in a band far below the frame's loudest, where the 21-bit block floating point meets its
/// noise floor); the worst single case (pre-emphasis + chirp) has 94.6% identical. The log energy L (Q8) is within
/// 1.15 units (0.0045 octave) of 256·log2(E) on noise and within 2.4 units for every band within 90 dB of its
/// frame's loudest band: the 8-bit log table, not the FFT, makes most 1-LSB differences (features next to a
/// rounding boundary).
/// </para>
/// Asserted: max |Δ| ≤ 2 LSB, ≥ 99.9% of features within 1 LSB and ≥ 96% identical overall (≥ 90% in every case),
/// |L − 256·log2 E| ≤ 6 for bands within 90 dB of the frame's loudest, ≤ 1.5 on noise.
/// </summary>
public class FeatureAccuracyTests
{
    private const int SignalLength = 8000;
    private readonly ITestOutputHelper _output;

    public FeatureAccuracyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Features_match_the_double_precision_reference_within_documented_bounds()
    {
        var configs = new (string Name, FrontEndConfig Config)[]
        {
            ("default", new FrontEndConfig()),
            ("pre-emphasis", new FrontEndConfig { PreEmphasisQ15 = 31785 }),
            ("8k-odd-window", new FrontEndConfig { SampleRateHz = 8000, WindowLength = 255, HopLength = 128, FftSize = 256, BandCount = 20, MinFrequencyHz = 60, MaxFrequencyHz = 4000 }),
            ("64-bands", new FrontEndConfig { BandCount = 64, WindowLength = 400, HopLength = 160 }),
            ("fine-step", new FrontEndConfig { LogScale = 3, LogShift = 6, LogOffset = -400 }),
        };
        var signals = new (string Name, short[] Samples)[]
        {
            ("noise ±30000", TestSignals.Noise(1, SignalLength, 30000)),
            ("noise ±300", TestSignals.Noise(2, SignalLength, 300)),
            ("noise ±3", TestSignals.Noise(3, SignalLength, 3)),
            ("tone 1 kHz", TestSignals.Tone(4, SignalLength, 1000, 20000, 0)),
            ("tone+noise", TestSignals.Tone(5, SignalLength, 1000, 20000, 2)),
            ("chirp", TestSignals.Chirp(6, SignalLength, 50, 7900, 25000, 2)),
            ("voiced loud", TestSignals.Voiced(7, SignalLength, 20000, 3)),
            ("voiced quiet", TestSignals.Voiced(8, SignalLength, 300, 1)),
        };

        long total = 0, identical = 0, withinOne = 0;
        int worst = 0;
        double worstLog = 0, worstLogNoise = 0, worstCaseIdentical = 1;
        var failures = new List<string>();
        _output.WriteLine("config / signal: features, identical, |Δ|=1, |Δ|≥2, max |Δ|, max |L − 256·log2 E| (bands within 90 dB of the frame's loudest)");
        foreach ((string configName, FrontEndConfig config) in configs)
        {
            var frontEnd = new AudioFrontEnd(config);
            var reference = new FrontEndReference(config);
            var features = new sbyte[config.BandCount];
            var logQ8 = new int[config.BandCount];
            foreach ((string signalName, short[] x) in signals)
            {
                int n = 0, same = 0, one = 0, more = 0, caseWorst = 0;
                double caseLog = 0;
                for (int offset = 0; offset + config.WindowLength <= x.Length; offset += config.HopLength)
                {
                    frontEnd.ProcessFrame(x, offset, features, 0);
                    frontEnd.CopyLogMelQ8(logQ8, 0);
                    double[] energies = reference.MelEnergies(x, offset);
                    int[] expected = reference.Quantize(energies);
                    double loudest = 0;
                    foreach (double e in energies)
                    {
                        loudest = Math.Max(loudest, e);
                    }

                    for (int b = 0; b < features.Length; b++)
                    {
                        int d = Math.Abs(features[b] - expected[b]);
                        n++;
                        same += d == 0 ? 1 : 0;
                        one += d == 1 ? 1 : 0;
                        more += d >= 2 ? 1 : 0;
                        caseWorst = Math.Max(caseWorst, d);
                        if (energies[b] > loudest * 1e-9)
                        {
                            caseLog = Math.Max(caseLog, Math.Abs(logQ8[b] - (256 * Math.Log2(energies[b]))));
                        }
                    }
                }

                _output.WriteLine(configName + " / " + signalName + ": " + n + ", " + same + ", " + one + ", " + more + ", " + caseWorst + ", " + caseLog.ToString("F2"));
                total += n;
                identical += same;
                withinOne += same + one;
                worst = Math.Max(worst, caseWorst);
                worstLog = Math.Max(worstLog, caseLog);
                if (signalName.StartsWith("noise", StringComparison.Ordinal))
                {
                    worstLogNoise = Math.Max(worstLogNoise, caseLog);
                }

                worstCaseIdentical = Math.Min(worstCaseIdentical, (double)same / n);
                if ((double)same / n < 0.90)
                {
                    failures.Add(configName + " / " + signalName + ": only " + same + " of " + n + " identical");
                }
            }
        }

        _output.WriteLine("total " + total + ": identical " + (100.0 * identical / total).ToString("F2") + "%, within 1 LSB " + (100.0 * withinOne / total).ToString("F3")
            + "%, max " + worst + " LSB; worst case identical " + (100 * worstCaseIdentical).ToString("F1") + "%; log error (Q8) ≤ " + worstLog.ToString("F2") + " (noise signals " + worstLogNoise.ToString("F2") + ")");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(worst <= 2, "max feature error " + worst + " LSB");
        Assert.True(withinOne >= total * 0.999, withinOne + " of " + total + " within 1 LSB");
        Assert.True(identical >= total * 0.96, identical + " of " + total + " identical");
        Assert.True(worstLog <= 6, "log error " + worstLog + " (Q8) in a band within 90 dB of its frame's loudest");
        Assert.True(worstLogNoise <= 1.5, "log error " + worstLogNoise + " (Q8) on noise");
    }
}
