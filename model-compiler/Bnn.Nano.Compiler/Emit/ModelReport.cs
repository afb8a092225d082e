using System.Collections.Generic;
using Bnn.Nano.Runtime.Kernels;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>One row of the per-layer report.</summary>
/// <param name="FlashBytes">Bytes of this layer's weights and parameters in the blob.</param>
/// <param name="ArenaBytes">Bytes of arena this layer's output occupies.</param>
/// <param name="BinaryOps">XNOR-popcount bit operations (inputs × outputs of binary-input layers).</param>
/// <param name="Int8Ops">8-bit add/subtract operations (inputs × outputs of the 8-bit input layer).</param>
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
            bool scores = layer.Kind == LayerKind.BinaryDenseScores;
            int flash = (layer.Outputs * ((layer.Inputs + 31) >> 5) * 4) + ((scores ? 2 : 1) * layer.Outputs * 4);
            long ops = (long)layer.Inputs * layer.Outputs;
            bool int8 = layer.Kind == LayerKind.Int8Dense;
            string kernel;
            long il;
            if (int8)
            {
                bool table = CostModel.PartialSumTablePays(layer.Outputs);
                kernel = table ? "PartialSumTable" : "Reference";
                il = table ? (long)(layer.Inputs * (48.5 + (4.25 * layer.Outputs))) : (long)(22.2 * ops);
                int8Ops += ops;
            }
            else
            {
                kernel = "HarleySealU64";
                il = (long)(17.6 * ((layer.Inputs + 31) / 32) * layer.Outputs);
                binaryOps += ops;
            }

            ilOps += il;
            int arena = scores ? layer.Outputs * 4 : layer.OutputWords * 8;
            rows.Add(new LayerReport(l, LayerKind.Name(layer.Kind), layer.Inputs, layer.Outputs, kernel, flash, arena, int8 ? 0 : ops, int8 ? ops : 0, il));
        }

        return new ModelReport(rows, blob.Length, runtime.ConstantBytes, runtime.WorkingBytes, runtime.RamBytes, binaryOps, int8Ops, ilOps);
    }
}
