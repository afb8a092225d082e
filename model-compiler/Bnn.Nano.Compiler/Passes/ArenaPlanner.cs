using System;
using System.Collections.Generic;

namespace Bnn.Nano.Compiler.Passes;

/// <summary>
/// Plans the one activation arena of a chain of layers. Only a layer's input and output are live while it runs, so
/// the arena needs the largest input + output pair and no more: outputs go alternately at the bottom and the top
/// of the arena (a two-ended stack), so each layer reads from one end and writes at the other.
/// </summary>
public static class ArenaPlanner
{
    public sealed record Plan(int[] InputOffsets, int[] OutputOffsets, int ArenaWords);

    /// <param name="inputWords">Per layer: arena words it reads (0 for the first layer, which reads the caller's input).</param>
    /// <param name="outputWords">Per layer: arena words it writes (0 for the score layer).</param>
    public static Plan PlanChain(IReadOnlyList<int> inputWords, IReadOnlyList<int> outputWords)
    {
        int count = inputWords.Count;
        int arena = 0;
        for (int i = 0; i < count; i++)
        {
            arena = Math.Max(arena, inputWords[i] + outputWords[i]);
        }

        int[] inputs = new int[count];
        int[] outputs = new int[count];
        for (int i = 0; i < count; i++)
        {
            inputs[i] = i == 0 ? 0 : outputs[i - 1];
            outputs[i] = i % 2 == 0 ? 0 : arena - outputWords[i];
        }

        return new Plan(inputs, outputs, arena);
    }
}
