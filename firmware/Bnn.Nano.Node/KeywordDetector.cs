using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Node
{
    /// <summary>
    /// Turns a keyword model's per-inference class scores into detection events, as TFLite Micro's micro_speech
    /// RecognizeCommands does: scores become softmax posteriors (Q15), posteriors are averaged over the last
    /// <see cref="AverageCount"/> inferences, and a keyword is detected when its average is the highest, at least
    /// <see cref="ThresholdQ15"/>, and no detection happened in the last <see cref="SuppressionMicroseconds"/>.
    /// Classes below <see cref="FirstKeyword"/> (silence, unknown) are never detected. Allocation-free after construction.
    /// <para>
    /// Softmax without System.Math: p_i ∝ 2^((s_i − s_max) · scale · log2 e), computed with
    /// <see cref="FixedMath.Exp2Q30"/>; classes more than 31 octaves below the best get 0.
    /// </para>
    /// </summary>
    public sealed class KeywordDetector
    {
        /// <summary>Largest <see cref="AverageCount"/>.</summary>
        public const int MaxAverageCount = 32;

        /// <summary>1.0 in Q15.</summary>
        public const int OneQ15 = 1 << 15;

        private const float Log2E = 1.44269504f;

        private readonly int _classes;
        private readonly float _log2PerScore;
        private readonly int[] _history;
        private readonly int[] _sums;
        private readonly long[] _weights;
        private readonly int[] _posteriors;
        private int _averageCount;
        private int _held;
        private int _next;
        private long _lastDetection;
        private bool _detectedBefore;

        /// <param name="classCount">Classes of the model (at least 2).</param>
        /// <param name="firstKeyword">Index of the first keyword class (the classes before it are never detected).</param>
        /// <param name="logitPerScore">The model's logit per unit of score (ModelProperty.ScoreScaleBits), positive.</param>
        public KeywordDetector(int classCount, int firstKeyword, float logitPerScore)
        {
            if (classCount < 2 || firstKeyword < 0 || firstKeyword >= classCount)
            {
                throw new NodeException("KeywordDetector: " + classCount.ToString() + " classes with the first keyword at " + firstKeyword.ToString() + " do not fit");
            }

            if (!(logitPerScore > 0f) || logitPerScore > 1e6f)
            {
                throw new NodeException("KeywordDetector: the logit per score must be a positive number");
            }

            _classes = classCount;
            FirstKeyword = firstKeyword;
            _log2PerScore = logitPerScore * Log2E;
            _history = new int[MaxAverageCount * classCount];
            _sums = new int[classCount];
            _weights = new long[classCount];
            _posteriors = new int[classCount];
            // Defaults chosen with `bnnc kws-streams --seeds 21-40 --tune` (twenty 75-s training-voice streams, not the
            // test's) for the kws-cnn model with events timed where the keyword was heard (HeardMicroseconds): F1 0.935
            // there; checked on seeds 41-60 (0.932). The previous defaults (average 2, threshold 0.9, events at the
            // decision time) gave 0.903 / 0.910. For the model retrained on the seeded Czech renditions: 0.931 / 0.928,
            // the grid's best 0.932 (average 5, threshold 0.6); for the one trained on one festival process per Czech
            // word, 0.938 / 0.936, the grid's best. The mean of the top K of the last N posteriors instead
            // of the plain mean (K < N ≤ 8, thresholds 0.5–0.8) scored no better on seeds 21-60. The model trained
            // with label smoothing has softer posteriors (0.916 / 0.925 here) and carries its own settings, chosen by
            // `bnnc kws-tune` (average 5, threshold 0.5, suppression 0.7 s: 0.943 / 0.928); so does the model trained
            // on 6,000 clips per class, tuned on seeds 21-60 and checked on 61-80 (average 4, threshold 0.6: 0.947 / 0.954).
            _averageCount = 4;
            ThresholdQ15 = (OneQ15 * 7) / 10;
            SuppressionMicroseconds = 700000;
        }

        /// <summary>Longest suppression a model may carry (ModelProperty.DetectorSuppressionMs), in milliseconds.</summary>
        public const int MaxSuppressionMilliseconds = 60000;

        /// <summary>
        /// The detector of a keyword model: its logit per score (ModelProperty.ScoreScaleBits, required) and the detector
        /// settings the model carries (ModelProperty.DetectorAverageCount, DetectorThresholdQ15, DetectorSuppressionMs,
        /// written by `bnnc kws-tune`); the defaults where it carries none.
        /// </summary>
        public static KeywordDetector ForModel(BnnModel model, int firstKeyword)
        {
            if (!model.HasProperty(ModelProperty.ScoreScaleBits))
            {
                throw new NodeException("KeywordDetector: the model has no score scale (ModelProperty.ScoreScaleBits), so its scores cannot become posteriors");
            }

            KeywordDetector detector = new KeywordDetector(model.ClassCount, firstKeyword, ModelProperty.SingleFromBits(model.GetProperty(ModelProperty.ScoreScaleBits, 0)));
            int average = model.GetProperty(ModelProperty.DetectorAverageCount, detector.AverageCount);
            if (average < 1 || average > MaxAverageCount)
            {
                throw new NodeException("KeywordDetector: the model's detector average count of " + average.ToString() + " is not in 1.." + MaxAverageCount.ToString());
            }

            int threshold = model.GetProperty(ModelProperty.DetectorThresholdQ15, detector.ThresholdQ15);
            if (threshold < 1 || threshold > OneQ15)
            {
                throw new NodeException("KeywordDetector: the model's detector threshold of " + threshold.ToString() + " (Q15) is not in 1.." + OneQ15.ToString());
            }

            int suppression = model.GetProperty(ModelProperty.DetectorSuppressionMs, (int)(detector.SuppressionMicroseconds / 1000));
            if (suppression < 0 || suppression > MaxSuppressionMilliseconds)
            {
                throw new NodeException("KeywordDetector: the model's detector suppression of " + suppression.ToString() + " ms is not in 0.." + MaxSuppressionMilliseconds.ToString());
            }

            detector.AverageCount = average;
            detector.ThresholdQ15 = threshold;
            detector.SuppressionMicroseconds = (long)suppression * 1000;
            return detector;
        }

        /// <summary>Index of the first class that can be detected.</summary>
        public int FirstKeyword { get; }

        /// <summary>Inferences averaged (1..<see cref="MaxAverageCount"/>, default 4); setting it clears the history.</summary>
        public int AverageCount
        {
            get
            {
                return _averageCount;
            }

            set
            {
                if (value < 1 || value > MaxAverageCount)
                {
                    throw new NodeException("KeywordDetector: average count must be 1.." + MaxAverageCount.ToString());
                }

                _averageCount = value;
                Reset();
            }
        }

        /// <summary>Smallest averaged posterior (Q15) that counts as a detection; default 0.7.</summary>
        public int ThresholdQ15 { get; set; }

        /// <summary>Quiet time after a detection in which nothing else is detected; default 0.7 s.</summary>
        public long SuppressionMicroseconds { get; set; }

        /// <summary>The posteriors (Q15, summing to about 1.0) of the last <see cref="Update"/>.</summary>
        public int[] Posteriors
        {
            get { return _posteriors; }
        }

        /// <summary>Class with the highest averaged posterior after the last <see cref="Update"/>.</summary>
        public int BestClass { get; private set; }

        /// <summary>Its averaged posterior (Q15).</summary>
        public int BestAverageQ15 { get; private set; }

        /// <summary>
        /// Where in the stream a keyword detected at <paramref name="decisionMicroseconds"/> was heard: the middle of the
        /// audio that the averaged classifications covered, i.e. the decision time minus half of
        /// (window + (<see cref="AverageCount"/> − 1) · hop). The classifier is trained on words centred in its window,
        /// so this estimates the word's own time; the decision comes that much later (0.65 s for a 0.99-s window,
        /// 0.1-s hop and 4 averaged classifications).
        /// </summary>
        /// <param name="windowMicroseconds">Audio one classification spans.</param>
        /// <param name="hopMicroseconds">Time between classifications.</param>
        public long HeardMicroseconds(long decisionMicroseconds, long windowMicroseconds, long hopMicroseconds)
        {
            return decisionMicroseconds - ((windowMicroseconds + ((_averageCount - 1) * hopMicroseconds)) / 2);
        }

        /// <summary>Forgets the history (after a gap in the audio); the suppression time still holds.</summary>
        public void Reset()
        {
            _held = 0;
            _next = 0;
            for (int c = 0; c < _classes; c++)
            {
                _sums[c] = 0;
            }
        }

        /// <summary>
        /// Takes the scores of one inference at <paramref name="timeMicroseconds"/>; returns the detected keyword class,
        /// or -1.
        /// </summary>
        public int Update(int[] scores, long timeMicroseconds)
        {
            ToPosteriors(scores);
            return Smooth(timeMicroseconds);
        }

        /// <summary>
        /// <see cref="Update"/> from posteriors (Q15, one per class) instead of scores: replays recorded
        /// <see cref="Posteriors"/> through other detector settings (e.g. to choose them) without rerunning the network.
        /// </summary>
        public int UpdateFromPosteriors(int[] posteriorsQ15, long timeMicroseconds)
        {
            if (posteriorsQ15 == null || posteriorsQ15.Length < _classes)
            {
                throw new NodeException("KeywordDetector: " + _classes.ToString() + " posteriors needed");
            }

            for (int c = 0; c < _classes; c++)
            {
                _posteriors[c] = posteriorsQ15[c];
            }

            return Smooth(timeMicroseconds);
        }

        private int Smooth(long timeMicroseconds)
        {
            int slot = _next * _classes;
            bool full = _held == _averageCount;
            for (int c = 0; c < _classes; c++)
            {
                int p = _posteriors[c];
                _sums[c] += full ? p - _history[slot + c] : p;
                _history[slot + c] = p;
            }

            _next = _next + 1 == _averageCount ? 0 : _next + 1;
            if (!full)
            {
                _held++;
            }

            int best = 0;
            for (int c = 1; c < _classes; c++)
            {
                if (_sums[c] > _sums[best])
                {
                    best = c;
                }
            }

            BestClass = best;
            BestAverageQ15 = _sums[best] / _held;
            if (_held < _averageCount || best < FirstKeyword || BestAverageQ15 < ThresholdQ15)
            {
                return -1;
            }

            if (_detectedBefore && timeMicroseconds - _lastDetection < SuppressionMicroseconds)
            {
                return -1;
            }

            _detectedBefore = true;
            _lastDetection = timeMicroseconds;
            return best;
        }

        private void ToPosteriors(int[] scores)
        {
            int max = scores[0];
            for (int c = 1; c < _classes; c++)
            {
                if (scores[c] > max)
                {
                    max = scores[c];
                }
            }

            long total = 0;
            for (int c = 0; c < _classes; c++)
            {
                // 2^(y + 31) in Q30 for y = (s − max)·log2 e·scale ≤ 0: at most 2^61, and 0 below y = −31.
                float y = (scores[c] - max) * _log2PerScore;
                long w = 0;
                if (y > -31f)
                {
                    w = FixedMath.Exp2Q30((long)((y + 31f) * FixedMath.OneQ30)) >> 16;
                }

                _weights[c] = w;
                total += w;
            }

            for (int c = 0; c < _classes; c++)
            {
                _posteriors[c] = (int)((_weights[c] << 15) / total);
            }
        }
    }
}
