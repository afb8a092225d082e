using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Training;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>The training curve (loss and accuracies per epoch) as a PNG, written next to a trained model.</summary>
public static class TrainingCurvePlot
{
    public static byte[] Render(IReadOnlyList<TrainingProgress> epochs, string title)
    {
        ScottPlot.Plot plot = new();
        double[] x = [.. epochs.Select(e => (double)e.Epoch)];
        ScottPlot.Plottables.Scatter loss = plot.Add.Scatter(x, epochs.Select(e => e.TrainLoss).ToArray());
        loss.LegendText = "training loss";
        ScottPlot.Plottables.Scatter accuracy = plot.Add.Scatter(x, epochs.Select(e => e.TrainAccuracy).ToArray());
        accuracy.LegendText = "training accuracy";
        if (epochs.All(e => e.ValidationAccuracy.HasValue))
        {
            ScottPlot.Plottables.Scatter validation = plot.Add.Scatter(x, epochs.Select(e => e.ValidationAccuracy!.Value).ToArray());
            validation.LegendText = "validation accuracy";
        }

        plot.Title(title);
        plot.XLabel("epoch");
        plot.ShowLegend();
        return plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
    }
}
