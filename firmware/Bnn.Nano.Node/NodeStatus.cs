namespace Bnn.Nano.Node
{
    /// <summary>Called for every classification window: the class (0-based), its integer score and the time of the window's last sample.</summary>
    public delegate void GestureHandler(int gesture, int score, long timeMicroseconds);

    /// <summary>
    /// Called for every keyword detection: the class (0-based, a keyword class), the averaged posterior that triggered
    /// it (Q15, 32768 = 1.0) and the stream time the keyword was heard at (<see cref="KeywordDetector.HeardMicroseconds"/>:
    /// the middle of the audio the averaged classifications covered; the detection itself is that much later).
    /// </summary>
    public delegate void KeywordHandler(int keyword, int confidenceQ15, long timeMicroseconds);

    /// <summary>Called when the node's health changes: a <see cref="NodeStatus"/> code, a detail (see each code) and the time.</summary>
    public delegate void NodeStatusHandler(int status, int detail, long timeMicroseconds);

    /// <summary>What <see cref="GestureNode"/> and <see cref="KeywordNode"/> report through their StatusChanged.</summary>
    public static class NodeStatus
    {
        /// <summary>The node starts: the IMU was initialised for the first time (GestureNode), the first audio is read (KeywordNode). Detail: 0.</summary>
        public const int Started = 1;

        /// <summary>A bus transfer failed; GestureNode retries the read at once, KeywordNode starts its window over. Detail: the BusError code (1 NACK, 2 timeout, 3 other).</summary>
        public const int BusError = 2;

        /// <summary>Every retry of one read failed: the sensor is treated as lost, the window buffer is cleared and re-initialisation starts. Detail: the last BusError code.</summary>
        public const int SensorLost = 3;

        /// <summary>The sensor returned <see cref="GestureNode.StuckSampleCount"/> identical samples in a row: buffer cleared, re-initialisation. Detail: the count.</summary>
        public const int Stuck = 4;

        /// <summary>After a bus error the IMU no longer held its configuration (power loss or reset): buffer cleared, re-initialisation. Detail: 0.</summary>
        public const int ConfigurationLost = 5;

        /// <summary>A re-initialisation attempt failed; the next one follows after the back-off. Detail: the back-off in milliseconds.</summary>
        public const int RecoveryFailed = 6;

        /// <summary>The IMU was re-initialised after a fault (WHO_AM_I checked); sampling resumes with an empty window. Detail: failed attempts before it.</summary>
        public const int Recovered = 7;

        /// <summary>
        /// The loop fell behind its sensor (a slow handler or inference). <see cref="GestureNode"/>: late by whole sample
        /// periods, it skipped ahead; the missed slots repeat the next sample read (more than a window of them: the
        /// window starts over); detail: periods skipped. <see cref="KeywordNode"/>: the microphone's receive ring
        /// overflowed and audio was lost; the window and the posterior history start over after the gap; detail:
        /// milliseconds of audio lost.
        /// </summary>
        public const int Overrun = 8;

        /// <summary>An unexpected exception inside the loop (or in a handler) was caught. Detail: 0; see <see cref="GestureNode.LastFault"/>.</summary>
        public const int InternalError = 9;
    }

    /// <summary>Values of <see cref="GestureNode.State"/>.</summary>
    public static class NodeState
    {
        /// <summary>Not yet initialised: the first <see cref="GestureNode.Step"/> initialises the IMU.</summary>
        public const int Starting = 0;

        /// <summary>Sampling and classifying.</summary>
        public const int Running = 1;

        /// <summary>Re-initialising the IMU after a fault, with back-off between attempts.</summary>
        public const int Recovering = 2;
    }
}
