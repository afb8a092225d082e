using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using Bnn.Nano.Runtime.Kernels;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>One row of the per-layer report.</summary>
/// <param name="FlashBytes">Bytes of this layer's weights and parameters in the blob.</param>
/// <param name="ArenaBytes">Bytes of arena this layer's output occupies.</param>
/// <param name="BinaryOps">XNOR-popcount bit operations (inputs × outputs of binary-input layers).</param>
/// <param name="Int8Ops">8-bit add/subtract operations (inputs × outputs of the 8-bit input layer), or multiply-accumulates (Int8WeightConv2d).</param>
/// <param name="EstimatedIlOps">IL instructions per inference of the chosen kernel on the device cost model.</param>
public sealed record LayerReport(int Index, string Kind, int Inputs, int Outputs, string Kernel, int FlashBytes, int ArenaBytes, long BinaryOps, long Int8Ops, long EstimatedIlOps);

/// <summary>
/// Flash, RAM and operation counts of a compiled model. RAM = constants (weights, thresholds, scores) + arena
/// (bit activations + per-inference scratch), as the runtime allocates them. IL estimates use the per-kernel costs
/// measured on the nanoCLR interpreter (docs/cost-model.md); device milliseconds assume 4 million IL instructions
/// per second, an estimate, not a measurement.
/// </summary>
public sealed record ModelReport(IReadOnlyList<LayerReport> Layers, int FlashBytes, int ConstantRamBytes, int ArenaBytes, int RamBytes, long BinaryOps, long Int8Ops, long EstimatedIlOps)
{
    public const double IlOpsPerSecond = 4_000_000;

    public double EstimatedDeviceMilliseconds => EstimatedIlOps / IlOpsPerSecond * 1000;

    /// <summary>Reports a model as the runtime loaded it from its blob.</summary>
    public static ModelReport Build(byte[] blob)
    {
        BnnModel runtime = BlobReader.Load(blob);
        List<LayerReport> rows = [];
        long binaryOps = 0, int8Ops = 0, ilOps = 0;
        for (int l = 0; l < runtime.LayerCount; l++)
        {
            Layer layer = runtime.GetLayer(l);
            int record = BlobFormat.HeaderSize + (l * BlobFormat.RecordSize);
            int flash = BlobFormat.RecordSize
                + BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(record + BlobFormat.WeightsLengthAt))
                + BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(record + BlobFormat.ParamsLengthAt));
            // A binary convolution fused with its max-pool (BnnModel.RunsWithNextLayer) is priced as one kernel; the
            // pool then runs nothing of its own.
            (string kernel, long ops, double ilEstimate, bool int8) = runtime.RunsWithNextLayer(l) ? FusedConvMaxPoolCost(layer, runtime.GetLayer(l + 1))
                : l > 0 && runtime.RunsWithNextLayer(l - 1) ? ("in layer " + (l - 1).ToString(CultureInfo.InvariantCulture), 0, 0, false)
                : Cost(layer);
            long il = (long)ilEstimate;
            ilOps += il;
            if (int8)
            {
                int8Ops += ops;
            }
            else
            {
                binaryOps += ops;
            }

            int arena = layer.ProducesScores ? layer.OutChannels * 4 : layer.OutputWords * 8;
            rows.Add(new LayerReport(l, LayerKind.Name(layer.Kind), layer.Inputs, layer.Outputs, kernel, flash, arena, int8 ? 0 : ops, int8 ? ops : 0, il));
        }

        return new ModelReport(rows, blob.Length, runtime.ConstantBytes, runtime.WorkingBytes, runtime.RamBytes, binaryOps, int8Ops, ilOps);
    }

    /// <summary>
    /// Kernel, operation count and IL instructions per inference on the interpreter, from the per-loop IL counts of
    /// the Release device build (benchmarks/kernel-il-costs.md, docs/cost-model.md). Estimates, not measurements.
    /// </summary>
    private static (string Kernel, long Ops, double Il, bool Int8) Cost(Layer layer)
    {
        long pixels = (long)layer.OutHeight * layer.OutWidth;
        int outC = layer.OutChannels;
        switch (layer.Kind)
        {
            case LayerKind.Int8Dense:
                {
                    long ops = (long)layer.Inputs * outC;
                    bool table = CostModel.PartialSumTablePays(outC);
                    double il = table ? (layer.Inputs * (61.25 + (6.75 * outC))) : 46.0 * ops;
                    return (table ? "PartialSumTable" : "Reference", ops, il + (22.0 * outC), true);
                }

            case LayerKind.InputThreshold:
                return ("Threshold", layer.Inputs, 12.0 * layer.Inputs, true);
            case LayerKind.Int8Conv2d:
                {
                    long window = (long)layer.Geometry.KernelHeight * layer.Geometry.KernelWidth * layer.InChannels;
                    bool table = CostModel.Int8ConvPartialSumTablePays(outC);

                    // Table kernel: gather 18 IL per window value and build 206 per group of 4 values (shared), then per
                    // output channel 205 per full 64-value weight word, 27 per tail group plus ~23 of loop and word setup
                    // (a 3×3×1 window is 3 tail groups: small windows pay per group, not per value).
                    long groups = (window + 3) / 4;
                    double perChannel = (205.0 * (groups / 16)) + (groups % 16 == 0 ? 0 : 27.0 * (groups % 16)) + 23;
                    double perPixel = table ? (18.0 * window) + (206.0 * groups) + (perChannel * outC) : 46.0 * window * outC;
                    return (table ? "Im2ColPartialSumTable" : "Reference", pixels * window * outC, pixels * (perPixel + (22.0 * outC)), true);
                }

            case LayerKind.Int8WeightConv2d:
                {
                    // Flash (from the blob's sections): outC·window int8 weights padded to 4 bytes, plus outC thresholds.
                    // Ops: one 8-bit multiply-accumulate per window value, output channel and pixel.
                    ConvGeometry g = layer.Geometry;
                    long window = (long)g.KernelHeight * g.KernelWidth * layer.InChannels;
                    bool mac = CostModel.Int8WeightConvIm2ColPays((int)window, outC);
                    bool swar = mac && CostModel.Int8WeightConvSwarMacPays((int)window);

                    // Static IL of the Release device build: Im2ColMac gathers 17 IL per value + 53 per kernel row + 50
                    // per pixel (shared), then per output channel 17 + 57 per 4 values + 21 per tail value, and
                    // ThresholdPack 22 per channel; Im2ColSwarMac9 gathers the same, spends 73 more per pixel (its nine
                    // long locals) and 30 per output word, then 101 per group of three channels, thresholds included;
                    // where its window slides, only the first pixel of a row is gathered and the others spend about 94
                    // on the new column; Reference per output channel 17 + per kernel row 21 + per tap 35 + 50 per
                    // value, and ThresholdPack.
                    double gather = 50 + (53.0 * g.KernelHeight) + (17.0 * window);
                    const double ThresholdPack = 22;
                    double window9 = swar && Int8WeightConv2dKernels.SwarWindowSlides(g) ? (gather + 73 + ((g.OutWidth - 1) * 94.0)) / g.OutWidth : gather + 73;
                    double perPixel = swar ? window9 + (30.0 * g.OutWordsPerPixel) + (101.0 * Int8WeightConv2dKernels.SwarGroups(outC))
                        : mac ? gather + (outC * (17 + (57.0 * (window / 4)) + (21.0 * (window % 4)) + ThresholdPack))
                        : 23 + (outC * (17 + (g.KernelHeight * (21 + (g.KernelWidth * (35 + (50.0 * layer.InChannels))))) + ThresholdPack));
                    string kernel = swar ? "Im2ColSwarMac9" : mac ? "Im2ColMac" : "Reference";
                    return (kernel, pixels * window * outC, pixels * perPixel, true);
                }

            case LayerKind.BinaryConv2d:
                {
                    int patchWords = layer.WordsPerRow;
                    long window = (long)layer.Geometry.KernelHeight * layer.Geometry.KernelWidth * layer.InChannels;
                    return ("Im2Col+" + DotKernel(patchWords), pixels * window * outC, pixels * (DotIl(patchWords, outC) + (21.0 * layer.Geometry.KernelHeight) + (22.0 * outC)), false);
                }

            case LayerKind.MaxPool2d:
                {
                    // 13 IL per tap word (load, or, pointer step, test), plus per output word the kernel-row loop
                    // (~12 per row) and ~20 of word setup and store, plus ~15 per output pixel.
                    long outWords = pixels * ((outC + 63) >> 6);
                    long tapWords = outWords * layer.Geometry.KernelHeight * layer.Geometry.KernelWidth;
                    return ("OrWords", tapWords, (13.0 * tapWords) + (outWords * ((12.0 * layer.Geometry.KernelHeight) + 20)) + (15.0 * pixels), false);
                }

            case LayerKind.Int8DenseHead:
                {
                    long bits = (long)layer.InputWords * 64;
                    return ("NibbleSwitch", bits * outC, 7.5 * bits * outC, true);
                }

            default:
                {
                    int words = layer.WordsPerRow;
                    return (DotKernel(words), (long)layer.Inputs * outC, DotIl(words, outC) + (22.0 * outC), false);
                }
        }
    }

    /// <summary>
    /// <c>BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64</c>: the convolution pixels some pool window covers, each with its
    /// window (~200 IL with the call, 21 per kernel row) and, for 9-word patches, NineWordSwarThresholdOrU64 at ~311 IL
    /// per channel (298 of popcount, the skip test, the threshold and the OR), else the dense dot and ThresholdOr. An
    /// upper bound: the kernel skips the channels a pooled pixel already has at 1, so it runs fewer IL, by an amount
    /// that depends on the activations (`bnnc inspect` counts them exactly).
    /// </summary>
    private static (string Kernel, long Ops, double Il, bool Int8) FusedConvMaxPoolCost(Layer conv, Layer pool)
    {
        ConvGeometry p = pool.Geometry;
        long covered = (long)p.OutHeight * p.OutWidth * p.KernelHeight * p.KernelWidth;
        int patchWords = conv.WordsPerRow;
        int outC = conv.OutChannels;
        long window = (long)conv.Geometry.KernelHeight * conv.Geometry.KernelWidth * conv.InChannels;
        bool skipping = CostModel.NineWordSwarPays(patchWords);
        double perPixel = (21.0 * conv.Geometry.KernelHeight) + (skipping ? 200 + (311.0 * outC) : DotIl(patchWords, outC) + (22.0 * outC));
        string kernel = "Im2Col+" + (skipping ? "NineWordSwarThresholdOrU64" : DotKernel(patchWords)) + "+MaxPool";
        return (kernel, covered * window * outC, covered * perPixel, false);
    }

    /// <summary>The binary dot variant <c>BinaryDotKernels.Cheapest</c> runs for rows of <paramref name="words"/> 64-bit words.</summary>
    private static string DotKernel(int words) =>
        CostModel.NineWordSwarPays(words) ? "NineWordSwarU64" : CostModel.HarleySealPays(words) ? "HarleySealU64" : "SwarU64";

    /// <summary>
    /// IL ops of one call of that variant for <paramref name="outputs"/> rows of <paramref name="words"/> words:
    /// NineWordSwarU64 298 per row plus ~100 per call (nine input words into locals, the dispatch); Harley–Seal 250 per
    /// 8-word block, 54 per tail word and ~160 per row (its final popcounts); SWAR 54 per word and ~24 per row.
    /// </summary>
    private static double DotIl(int words, int outputs) =>
        CostModel.NineWordSwarPays(words) ? 100 + (298.0 * outputs)
        : CostModel.HarleySealPays(words) ? (160 + (250 * (words / 8)) + (54 * (words % 8))) * (double)outputs
        : (24 + (54 * words)) * (double)outputs;
}
