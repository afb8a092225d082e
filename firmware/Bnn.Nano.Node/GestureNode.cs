using System;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Imu;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Devices.Time;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Node
{
    /// <summary>
    /// The gesture sensor node: samples an MPU6050 at the model's sample rate, keeps the window in the front end's
    /// ring buffer, classifies every hop with the BNN and acts (status LED, <see cref="GestureDetected"/>). The same
    /// code runs on the device (board glue: I2C bus, system clock, GPIO LED) and on the PC against the emulator.
    /// <para>
    /// Loop: call <see cref="Step"/> forever. Each call handles one sample period (or, while recovering, waits at most
    /// one period towards the next re-initialisation attempt). In the steady state a step allocates nothing: the
    /// sample, the block sums, the model input and the model's arena all exist from construction.
    /// </para>
    /// <para>
    /// Faults, all reported through <see cref="StatusChanged"/> and the counters, none thrown out of <see cref="Step"/>:
    /// a failed transfer (NACK, timeout) is retried at once up to <see cref="MaxRetries"/> times; if one retry succeeds
    /// the node checks that the IMU still holds its configuration (a glitch may have been a power loss). When every
    /// retry fails (<see cref="NodeStatus.SensorLost"/>), the configuration is gone
    /// (<see cref="NodeStatus.ConfigurationLost"/>) or the sensor repeats the same sample <see cref="StuckSampleCount"/>
    /// times (<see cref="NodeStatus.Stuck"/>), the window buffer is cleared (windows never span a gap) and the node
    /// re-initialises the IMU (WHO_AM_I check, reset, configuration read back), the LED blinking the error pattern.
    /// Failed attempts back off exponentially from <see cref="BackoffInitialMicroseconds"/> to
    /// <see cref="BackoffMaxMicroseconds"/>, forever: a sensor that disappears is picked up again when it returns.
    /// A loop that falls behind by whole sample periods (slow handler or inference) reports
    /// <see cref="NodeStatus.Overrun"/> and fills the missed slots with the next sample read (zero-order hold), so
    /// windows keep their length in time.
    /// </para>
    /// </summary>
    public sealed class GestureNode
    {
        /// <summary>Default of <see cref="StuckSampleCount"/>: 2.5 s at 100 Hz. A real MPU6050 never repeats all six
        /// values this long (its noise is several LSB); the UWave replay holds still segments of up to 187 identical samples.</summary>
        public const int DefaultStuckSampleCount = 250;

        /// <summary>Accelerometer full scale the node configures: ±8 g (4096 counts/g), as the gesture models are trained.</summary>
        public const int DefaultAccelerometerRangeG = 8;

        private readonly BnnModel _model;
        private readonly Mpu6050 _imu;
        private readonly IClock _clock;
        private readonly StatusLed _led;
        private readonly GestureFrontEnd _frontEnd;
        private readonly ImuSample _sample = new ImuSample();
        private readonly int _period;
        private int _state;
        private long _next;
        private long _nextAttempt;
        private int _backoff;
        private int _failedAttempts;
        private int _lastBusError;

        /// <summary>
        /// A node for <paramref name="model"/> (a gesture model with front-end properties, see
        /// <see cref="GestureFrontEnd"/>). Configures (stores, without bus traffic if not yet initialised) the IMU's
        /// accelerometer range and sample rate; the first <see cref="Step"/> initialises it. Throws
        /// <see cref="NodeException"/> when the model's properties do not fit, or the IMU cannot sample at the
        /// model's rate (the MPU6050 produces 1 kHz / n).
        /// </summary>
        /// <param name="led">The status LED, or null for none.</param>
        public GestureNode(BnnModel model, Mpu6050 imu, IClock clock, StatusLed led)
            : this(model, imu, clock, led, DefaultAccelerometerRangeG)
        {
        }

        /// <param name="accelerometerRangeG">Full scale to configure (2, 4, 8 or 16 g); the front end converts with 32768 / range counts per g.</param>
        public GestureNode(BnnModel model, Mpu6050 imu, IClock clock, StatusLed led, int accelerometerRangeG)
        {
            if (model == null || imu == null || clock == null)
            {
                throw new NodeException("GestureNode: model, imu and clock are required");
            }

            if (accelerometerRangeG != 2 && accelerometerRangeG != 4 && accelerometerRangeG != 8 && accelerometerRangeG != 16)
            {
                throw new NodeException("GestureNode: accelerometer range must be 2, 4, 8 or 16 g, not " + accelerometerRangeG.ToString());
            }

            _model = model;
            _imu = imu;
            _clock = clock;
            _led = led;
            _frontEnd = new GestureFrontEnd(model, 32768 / accelerometerRangeG);
            int rate = _frontEnd.SampleRateHz;
            if (rate > 1000 || 1000 % rate != 0)
            {
                throw new NodeException("GestureNode: the MPU6050 samples at 1000 / n Hz; the model's " + rate.ToString() + " Hz is not such a rate");
            }

            _period = 1000000 / rate;
            imu.SetAccelerometerRange(accelerometerRangeG);
            imu.SetSampleRate((1000 / rate) - 1, LowPassFor(rate));
            MaxRetries = 3;
            StuckSampleCount = DefaultStuckSampleCount;
            BackoffInitialMicroseconds = 100000;
            BackoffMaxMicroseconds = 5000000;
            _state = NodeState.Starting;
            _backoff = BackoffInitialMicroseconds;
        }

        /// <summary>Called for every classified window (null: none). Runs inside <see cref="Step"/>; exceptions it throws are caught and counted.</summary>
        public GestureHandler GestureDetected { get; set; }

        /// <summary>Called on every status event (null: none). Runs inside <see cref="Step"/>; exceptions it throws are caught and counted.</summary>
        public NodeStatusHandler StatusChanged { get; set; }

        /// <summary>Immediate retries of a failed read before the sensor counts as lost (default 3).</summary>
        public int MaxRetries { get; set; }

        /// <summary>Identical consecutive samples (all six accelerometer and gyroscope values) that mean a stuck sensor (0: no detection).</summary>
        public int StuckSampleCount { get; set; }

        /// <summary>Wait after the first failed re-initialisation attempt (default 100 ms, at least one sample period); doubles per failure.</summary>
        public int BackoffInitialMicroseconds { get; set; }

        /// <summary>Longest wait between re-initialisation attempts (default 5 s).</summary>
        public int BackoffMaxMicroseconds { get; set; }

        /// <summary>A <see cref="NodeState"/> value.</summary>
        public int State
        {
            get { return _state; }
        }

        public BnnModel Model
        {
            get { return _model; }
        }

        public GestureFrontEnd FrontEnd
        {
            get { return _frontEnd; }
        }

        /// <summary>Microseconds between samples (1 s / the model's sample rate).</summary>
        public int SamplePeriodMicroseconds
        {
            get { return _period; }
        }

        /// <summary>The last sample read (the node's own object: read, don't keep).</summary>
        public ImuSample LastSample
        {
            get { return _sample; }
        }

        /// <summary>Class of the last window, or -1 before the first.</summary>
        public int LastGesture { get; private set; } = -1;

        /// <summary>Samples read successfully.</summary>
        public long SamplesRead { get; private set; }

        /// <summary>Windows classified.</summary>
        public int Windows { get; private set; }

        /// <summary>Failed bus transfers (each failed attempt counts).</summary>
        public int BusErrors { get; private set; }

        /// <summary>Reads that succeeded on a retry.</summary>
        public int RetriedReads { get; private set; }

        /// <summary>Times every retry of a read failed.</summary>
        public int SensorLostCount { get; private set; }

        /// <summary>Stuck-sensor detections.</summary>
        public int StuckCount { get; private set; }

        /// <summary>Times the IMU had lost its configuration after a bus error.</summary>
        public int ConfigurationLostCount { get; private set; }

        /// <summary>Successful re-initialisations after a fault (the first initialisation not counted).</summary>
        public int Recoveries { get; private set; }

        /// <summary>Failed initialisation attempts.</summary>
        public int FailedAttempts { get; private set; }

        /// <summary>Times the loop was a whole sample period late.</summary>
        public int Overruns { get; private set; }

        /// <summary>Exceptions caught from handlers or unexpected places.</summary>
        public int InternalErrors { get; private set; }

        /// <summary>The last fault caught (bus, IMU or unexpected exception), or null; its message says what and where.</summary>
        public Exception LastFault { get; private set; }

        /// <summary>One turn of the loop; never throws (see the class summary).</summary>
        public void Step()
        {
            try
            {
                if (_state == NodeState.Running)
                {
                    Sample();
                }
                else
                {
                    Recover();
                }

                if (_led != null)
                {
                    _led.Update(_clock.NowMicroseconds);
                }
            }
            catch (Exception e)
            {
                // Nothing above should throw; a bug must not stop the node.
                InternalErrors++;
                LastFault = e;
                Report(NodeStatus.InternalError, 0);
            }
        }

        private void Sample()
        {
            long now = _clock.NowMicroseconds;
            _next += _period;
            int missed = 0;
            if (now - _next >= _period)
            {
                // Late by whole periods (a slow handler or inference): the sensor kept only its latest sample. The
                // missed slots repeat it (zero-order hold), so windows keep their length in time; after more than a
                // window of them the buffer starts over instead.
                long late = (now - _next) / _period;
                Overruns++;
                _next += late * _period;
                if (late > _frontEnd.WindowLength)
                {
                    _frontEnd.Reset();
                }
                else
                {
                    missed = (int)late;
                }

                Report(NodeStatus.Overrun, late > int.MaxValue ? int.MaxValue : (int)late);
            }

            _clock.SleepUntil(_next);
            if (!ReadWithRetries())
            {
                SensorLostCount++;
                Fail(NodeStatus.SensorLost, _lastBusError);
                return;
            }

            if (!_imu.IsInitialized)
            {
                // A retry succeeded after a failure: was it a glitch or a power loss?
                bool configured;
                try
                {
                    configured = _imu.VerifyConfiguration();
                }
                catch (BusException e)
                {
                    BusErrors++;
                    LastFault = e;
                    SensorLostCount++;
                    Fail(NodeStatus.SensorLost, e.Error);
                    return;
                }

                if (!configured)
                {
                    ConfigurationLostCount++;
                    Fail(NodeStatus.ConfigurationLost, 0);
                    return;
                }
            }

            if (StuckSampleCount > 0 && _imu.LooksStuck(StuckSampleCount))
            {
                StuckCount++;
                Fail(NodeStatus.Stuck, _imu.IdenticalReadCount);
                return;
            }

            SamplesRead++;
            ImuSample s = _sample;
            for (int k = 0; k <= missed; k++)
            {
                if (_frontEnd.Add(s.AccelX, s.AccelY, s.AccelZ))
                {
                    Classify(s.TimestampMicroseconds);
                }
            }
        }

        private bool ReadWithRetries()
        {
            int retries = MaxRetries < 0 ? 0 : MaxRetries;
            for (int attempt = 0; attempt <= retries; attempt++)
            {
                try
                {
                    _imu.ReadSample(_sample);
                    if (attempt > 0)
                    {
                        RetriedReads++;
                    }

                    return true;
                }
                catch (BusException e)
                {
                    BusErrors++;
                    _lastBusError = e.Error;
                    LastFault = e;
                    Report(NodeStatus.BusError, e.Error);
                }
            }

            return false;
        }

        private void Classify(long time)
        {
            int gesture = _model.Run(_frontEnd.Input);
            int score = _model.Scores[gesture];
            Windows++;
            LastGesture = gesture;
            if (_led != null)
            {
                _led.Show(StatusLed.Detected, _clock.NowMicroseconds);
            }

            GestureHandler handler = GestureDetected;
            if (handler != null)
            {
                try
                {
                    handler(gesture, score, time);
                }
                catch (Exception e)
                {
                    InternalErrors++;
                    LastFault = e;
                }
            }
        }

        /// <summary>A fault that breaks the stream: clear the window, re-initialise (the first attempt at once).</summary>
        private void Fail(int status, int detail)
        {
            _frontEnd.Reset();
            _state = NodeState.Recovering;
            _nextAttempt = _clock.NowMicroseconds;
            _backoff = BackoffInitialMicroseconds;
            _failedAttempts = 0;
            if (_led != null)
            {
                _led.Show(StatusLed.Error, _clock.NowMicroseconds);
            }

            Report(status, detail);
        }

        private void Recover()
        {
            long now = _clock.NowMicroseconds;
            if (now < _nextAttempt)
            {
                long until = _nextAttempt - now > _period ? now + _period : _nextAttempt;
                _clock.SleepUntil(until);
                return;
            }

            bool first = _state == NodeState.Starting;
            try
            {
                _imu.Initialize();
            }
            catch (BusException e)
            {
                LastFault = e;
                BusErrors++;
                AttemptFailed();
                return;
            }
            catch (ImuException e)
            {
                LastFault = e;
                AttemptFailed();
                return;
            }

            _frontEnd.Reset();
            _state = NodeState.Running;
            _next = _clock.NowMicroseconds;
            int failed = _failedAttempts;
            _failedAttempts = 0;
            _backoff = BackoffInitialMicroseconds;
            if (_led != null)
            {
                _led.Show(StatusLed.Ok, _clock.NowMicroseconds);
            }

            if (first)
            {
                Report(NodeStatus.Started, failed);
            }
            else
            {
                Recoveries++;
                Report(NodeStatus.Recovered, failed);
            }
        }

        private void AttemptFailed()
        {
            FailedAttempts++;
            _failedAttempts++;
            int wait = _backoff < _period ? _period : _backoff;
            _nextAttempt = _clock.NowMicroseconds + wait;
            _backoff = wait >= BackoffMaxMicroseconds / 2 ? BackoffMaxMicroseconds : wait * 2;
            if (_led != null)
            {
                _led.Show(StatusLed.Error, _clock.NowMicroseconds);
            }

            Report(NodeStatus.RecoveryFailed, wait / 1000);
        }

        private void Report(int status, int detail)
        {
            NodeStatusHandler handler = StatusChanged;
            if (handler == null)
            {
                return;
            }

            try
            {
                handler(status, detail, _clock.NowMicroseconds);
            }
            catch (Exception e)
            {
                InternalErrors++;
                LastFault = e;
            }
        }

        /// <summary>The MPU6050 DLPF setting (1..6: 184, 94, 44, 21, 10, 5 Hz) with the widest band under half the rate.</summary>
        private static int LowPassFor(int rate)
        {
            if (rate > 368)
            {
                return 1;
            }

            if (rate > 188)
            {
                return 2;
            }

            if (rate > 88)
            {
                return 3;
            }

            if (rate > 42)
            {
                return 4;
            }

            return rate > 20 ? 5 : 6;
        }
    }
}
