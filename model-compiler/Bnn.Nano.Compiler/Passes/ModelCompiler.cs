using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Passes;

/// <summary>The pass pipeline: fold batch norm into thresholds, quantise the scores, bit-pack, plan the arena.</summary>
public static class ModelCompiler
{
    public static CompiledModel Compile(BnnNetwork network)
    {
        int count = network.Layers.Count;
        if (count < 2)
        {
            throw new ArgumentException("a compiled model needs an 8-bit input layer and a score layer (at least 2 layers)");
        }

        int[] inputWords = new int[count];
        int[] outputWords = new int[count];
        for (int l = 0; l < count; l++)
        {
            DenseLayer layer = network.Layers[l];
            inputWords[l] = l == 0 ? 0 : (layer.Inputs + 63) >> 6;
            outputWords[l] = l == count - 1 ? 0 : (layer.Outputs + 63) >> 6;
        }

        ArenaPlanner.Plan plan = ArenaPlanner.PlanChain(inputWords, outputWords);
        List<CompiledLayer> layers = new(count);
        for (int l = 0; l < count; l++)
        {
            DenseLayer layer = network.Layers[l];
            bool first = l == 0;
            if (l == count - 1)
            {
                ScoreQuantization.QuantizedScores scores = ScoreQuantization.Quantize(layer.Norm, layer.Inputs);
                uint[] weights = BitPacking.PackRows(layer, new bool[layer.Outputs]);
                layers.Add(new CompiledLayer(LayerKind.BinaryDenseScores, layer.Inputs, layer.Outputs, weights, null, scores.Scales, scores.Biases, scores.Shift, plan.InputOffsets[l], 0));
                continue;
            }

            (int minDot, int maxDot) = BatchNormFolding.DotRange(layer.Inputs, first, network.InputSigned);
            int[] thresholds = new int[layer.Outputs];
            bool[] invert = new bool[layer.Outputs];
            for (int o = 0; o < layer.Outputs; o++)
            {
                BatchNormFolding.FoldedChannel folded = BatchNormFolding.FoldChannel(layer.Norm, o, minDot, maxDot);
                thresholds[o] = folded.Threshold;
                invert[o] = folded.InvertRow;
            }

            uint[] packed = BitPacking.PackRows(layer, invert);
            int kind = first ? LayerKind.Int8Dense : LayerKind.BinaryDense;
            layers.Add(new CompiledLayer(kind, layer.Inputs, layer.Outputs, packed, thresholds, null, null, 0, first ? 0 : plan.InputOffsets[l], plan.OutputOffsets[l]));
        }

        return new CompiledModel(network.InputLength, network.InputSigned, layers, plan.ArenaWords, network.ClassNames);
    }
}
