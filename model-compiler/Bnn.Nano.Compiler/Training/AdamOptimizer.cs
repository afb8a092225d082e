using System;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// Adam with bias correction (PyTorch's formulation), shared by both trainers' models. Holds the powers β₁ᵗ and β₂ᵗ
/// (in double, advanced once per optimiser step); each step's update is an <see cref="AdamStep"/>.
/// </summary>
internal sealed class AdamOptimizer(float beta1, float beta2, float epsilon)
{
    private double _beta1Power = 1.0;
    private double _beta2Power = 1.0;

    /// <summary>Advances to the next optimiser step and returns its update at <paramref name="learningRate"/>.</summary>
    public AdamStep NextStep(float learningRate)
    {
        _beta1Power *= beta1;
        _beta2Power *= beta2;
        return new AdamStep(learningRate, beta1, beta2, epsilon, (float)(1.0 - _beta1Power), (float)(1.0 - _beta2Power));
    }
}

/// <summary>
/// The Adam update of one optimiser step, element by element: each element is read and written only by the call that
/// covers its index, so disjoint ranges may run on different threads.
/// </summary>
internal readonly struct AdamStep(float learningRate, float beta1, float beta2, float epsilon, float correction1, float correction2)
{
    /// <summary>Updates every element of <paramref name="parameters"/> and its moments <paramref name="m"/>, <paramref name="v"/>.</summary>
    public void Apply(float[] parameters, float[] gradients, float[] m, float[] v) => Apply(parameters, gradients, m, v, 0, parameters.Length);

    /// <summary>Updates the elements [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public void Apply(float[] parameters, float[] gradients, float[] m, float[] v, int start, int end)
    {
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        for (int k = start; k < end; k++)
        {
            float g = gradients[k];
            float mk = (beta1 * m[k]) + (oneMinusBeta1 * g);
            float vk = (beta2 * v[k]) + (oneMinusBeta2 * g * g);
            m[k] = mk;
            v[k] = vk;
            parameters[k] -= learningRate * (mk / correction1) / (MathF.Sqrt(vk / correction2) + epsilon);
        }
    }
}
