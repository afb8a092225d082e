using System;
using Bnn.Nano.Devices.Audio;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Devices.Time;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Node
{
    /// <summary>
    /// The keyword-spotting node: reads audio from an <see cref="IAudioSource"/> (an I2S microphone on the device, the
    /// emulated one on the PC) one front-end hop at a time, computes a feature frame per hop into the sliding window
    /// (<see cref="FeatureWindow"/>: audio ring buffer and feature ring), classifies the window every
    /// <see cref="InferenceHopSamples"/> samples with the BNN, smooths the posteriors (<see cref="KeywordDetector"/>)
    /// and raises <see cref="KeywordDetected"/> with the LED's detection flash.
    /// <para>
    /// Everything the node needs comes from the model's properties: the front end (keys 16..28), the inference hop
    /// (WindowHop, a multiple of the front end's hop), the sample rate, the score scale and, when the model carries them,
    /// the detector settings (<see cref="KeywordDetector.ForModel"/>). Stream time is counted in
    /// samples read (plus the samples lost while the node was behind, below), so event times are positions in the
    /// audio, on the device as in the emulator. A keyword event
    /// carries the time the keyword was heard (<see cref="KeywordDetector.HeardMicroseconds"/>), not the later moment
    /// the detector decided.
    /// </para>
    /// <para>
    /// Loop: call <see cref="Step"/> forever; each call reads one hop (blocking until the microphone delivered it).
    /// Consecutive windows share all but <see cref="InferenceHopSamples"/> of their frames, so the node runs the model with
    /// <see cref="BnnModel.RunStreaming"/> (enabled on the model here, when the model's input rows are the frames and
    /// the hop is shorter than the window): each inference computes only the rows of each layer that the new frames
    /// change, with the same scores as <see cref="BnnModel.Run"/>.
    /// A steady-state step allocates nothing. A failed read (<see cref="BusException"/>) is reported, counted and
    /// breaks the stream: the feature window and the posterior history start over, so no window spans a gap.
    /// <see cref="Step"/> never throws.
    /// </para>
    /// <para>
    /// Falling behind: the microphone keeps capturing while the node computes, into a receive ring of
    /// <see cref="AudioBufferSamples"/> samples (the ESP32's I2S DMA buffers); a node that falls further behind than
    /// that loses the oldest samples, and the source cannot tell. The node tells from its clock: it tracks the samples
    /// captured but not yet read, and what exceeded the ring when a read started was lost just before that read. It
    /// then adds them to the stream time (event times stay true), starts
    /// the window and the posterior history over (no window splices audio from both sides of the gap), counts them
    /// (<see cref="Overruns"/>, <see cref="LostSamples"/>) and reports <see cref="NodeStatus.Overrun"/>. A node that
    /// is merely late, within the ring, loses nothing and catches up.
    /// </para>
    /// </summary>
    public sealed class KeywordNode
    {
        /// <summary>Classes before this index (silence, unknown) are never reported as keywords.</summary>
        public const int FirstKeywordClass = 2;

        /// <summary>
        /// Default of <see cref="AudioBufferSamples"/>: the receive ring of Board/Esp32I2sReceiver's default DMA buffer
        /// (8 KB of 32-bit slots: 2048 samples, 128 ms at 16 kHz).
        /// </summary>
        public const int DefaultAudioBufferSamples = 2048;

        private readonly BnnModel _model;
        private readonly IAudioSource _source;
        private readonly IClock _clock;
        private readonly StatusLed _led;
        private readonly AudioFrontEnd _frontEnd;
        private readonly FeatureWindow _window;
        private readonly KeywordDetector _detector;
        private readonly short[] _hop;
        private readonly byte[] _input;
        private readonly int _framesPerInference;
        private readonly int _sampleRate;
        private int _framesSinceInference;
        private bool _started;
        private bool _readBefore;
        private long _lastReadEndMicroseconds;
        private long _backlogSamples;
        private long _captureRemainder;
        private int _audioBufferSamples = DefaultAudioBufferSamples;

        /// <summary>
        /// A node for <paramref name="model"/> (a keyword model with front-end properties). Throws
        /// <see cref="NodeException"/> when a property is missing or does not fit the model or the source.
        /// </summary>
        /// <param name="led">The status LED, or null for none.</param>
        public KeywordNode(BnnModel model, IAudioSource source, IClock clock, StatusLed led)
        {
            if (model == null || source == null || clock == null)
            {
                throw new NodeException("KeywordNode: model, source and clock are required");
            }

            FrontEndConfig config;
            try
            {
                int[] keys = new int[model.PropertyCount];
                int[] values = new int[keys.Length];
                for (int i = 0; i < keys.Length; i++)
                {
                    keys[i] = model.GetPropertyKey(i);
                    values[i] = model.GetProperty(keys[i], 0);
                }

                config = FrontEndConfig.FromProperties(keys, values);
            }
            catch (FrontEndException e)
            {
                throw new NodeException("KeywordNode: the model's audio front-end properties: " + e.Message);
            }

            if (!model.InputSigned || model.InputLength != config.FrameCount * config.BandCount)
            {
                throw new NodeException("KeywordNode: the model reads " + model.InputLength.ToString() + (model.InputSigned ? " int8" : " uint8") + " features; the front end makes "
                    + config.FrameCount.ToString() + " frames × " + config.BandCount.ToString() + " bands of int8");
            }

            if (model.ClassCount <= FirstKeywordClass)
            {
                throw new NodeException("KeywordNode: a keyword model needs silence, unknown and at least one keyword class");
            }

            if (source.SampleRateHz != config.SampleRateHz || model.GetProperty(ModelProperty.SampleRateHz, config.SampleRateHz) != config.SampleRateHz)
            {
                throw new NodeException("KeywordNode: the model expects " + config.SampleRateHz.ToString() + " Hz audio, the source delivers " + source.SampleRateHz.ToString() + " Hz");
            }

            int inferenceHop = model.GetProperty(ModelProperty.WindowHop, config.HopLength);
            if (inferenceHop < config.HopLength || inferenceHop % config.HopLength != 0)
            {
                throw new NodeException("KeywordNode: the inference hop of " + inferenceHop.ToString() + " samples is not a positive multiple of the front end's hop of " + config.HopLength.ToString());
            }

            _model = model;
            _source = source;
            _clock = clock;
            _led = led;
            _frontEnd = new AudioFrontEnd(config);
            _window = new FeatureWindow(_frontEnd);
            _detector = KeywordDetector.ForModel(model, FirstKeywordClass);
            _hop = new short[config.HopLength];
            _input = new byte[model.InputLength];
            _framesPerInference = inferenceHop / config.HopLength;
            int slide = config.ModelRowSlide(model.InputHeight, _framesPerInference);
            if (slide > 0 && model.StreamingSlideRows != slide)
            {
                model.EnableStreaming(slide);
            }

            _sampleRate = config.SampleRateHz;
            WindowMicroseconds = (long)config.InputSpanSamples * 1000000 / config.SampleRateHz;
            InferenceHopMicroseconds = (long)inferenceHop * 1000000 / config.SampleRateHz;
            InferenceHopSamples = inferenceHop;
        }

        /// <summary>Called for every detected keyword (null: none). Runs inside <see cref="Step"/>; its exceptions are caught and counted.</summary>
        public KeywordHandler KeywordDetected { get; set; }

        /// <summary>Called on every status event (null: none): Started, BusError (detail: BusError code), Overrun (detail: ms of audio lost), InternalError.</summary>
        public NodeStatusHandler StatusChanged { get; set; }

        /// <summary>The posterior smoothing and decision rule (average count, threshold, suppression are adjustable).</summary>
        public KeywordDetector Detector
        {
            get { return _detector; }
        }

        /// <summary>The fixed-point front end (its stage operation counts give the cost per frame).</summary>
        public AudioFrontEnd FrontEnd
        {
            get { return _frontEnd; }
        }

        public BnnModel Model
        {
            get { return _model; }
        }

        /// <summary>Samples between classifications (model property WindowHop).</summary>
        public int InferenceHopSamples { get; }

        /// <summary>Time between classifications in microseconds.</summary>
        public long InferenceHopMicroseconds { get; }

        /// <summary>Audio one classification spans (window + (frames − 1) · hop of the front end), in microseconds.</summary>
        public long WindowMicroseconds { get; }

        /// <summary>
        /// Samples the audio source can hold captured but unread before it loses the oldest (the microphone's receive
        /// ring; default <see cref="DefaultAudioBufferSamples"/>): how the node tells lost audio from late audio (see the
        /// class summary). Throws <see cref="NodeException"/> below 1.
        /// </summary>
        public int AudioBufferSamples
        {
            get
            {
                return _audioBufferSamples;
            }

            set
            {
                if (value < 1)
                {
                    throw new NodeException("KeywordNode: the audio buffer must hold at least 1 sample, not " + value.ToString());
                }

                _audioBufferSamples = value;
            }
        }

        /// <summary>Stream position in samples: the samples read so far plus those lost while the node was behind (the stream clock).</summary>
        public long SamplesRead { get; private set; }

        /// <summary>Times the node fell so far behind that audio was lost (each reported as <see cref="NodeStatus.Overrun"/>).</summary>
        public int Overruns { get; private set; }

        /// <summary>Samples lost while the node was behind (see the class summary), included in <see cref="SamplesRead"/>.</summary>
        public long LostSamples { get; private set; }

        /// <summary>Feature frames computed.</summary>
        public long Frames { get; private set; }

        /// <summary>Classifications run.</summary>
        public int Inferences { get; private set; }

        /// <summary>Keywords detected.</summary>
        public int Detections { get; private set; }

        /// <summary>Failed audio reads.</summary>
        public int BusErrors { get; private set; }

        /// <summary>Exceptions from handlers or unexpected faults, caught so the loop goes on.</summary>
        public int InternalErrors { get; private set; }

        /// <summary>Class of the last classification (before smoothing), or -1.</summary>
        public int LastClass { get; private set; } = -1;

        /// <summary>The last fault caught, or null.</summary>
        public Exception LastFault { get; private set; }

        /// <summary>Stream time of the end of the last sample read, in microseconds.</summary>
        public long StreamMicroseconds
        {
            get { return SamplesRead * 1000000 / _sampleRate; }
        }

        /// <summary>One hop of audio: read, features, maybe a classification; never throws.</summary>
        public void Step()
        {
            try
            {
                if (!_started)
                {
                    _started = true;
                    if (_led != null)
                    {
                        _led.Show(StatusLed.Ok, _clock.NowMicroseconds);
                    }

                    Report(NodeStatus.Started, 0);
                }

                long readStart = _clock.NowMicroseconds;
                try
                {
                    _source.Read(_hop, 0, _hop.Length);
                }
                catch (BusException e)
                {
                    BusErrors++;
                    LastFault = e;
                    _window.Reset();
                    _detector.Reset();
                    _framesSinceInference = 0;
                    Report(NodeStatus.BusError, e.Error);
                    return;
                }

                long lost = AccountRead(readStart, _clock.NowMicroseconds, _hop.Length);
                if (lost > 0)
                {
                    Overruns++;
                    LostSamples += lost;
                    SamplesRead += lost;
                    _window.Reset();
                    _detector.Reset();
                    _framesSinceInference = 0;
                    long lostMilliseconds = lost * 1000 / _sampleRate;
                    Report(NodeStatus.Overrun, lostMilliseconds > int.MaxValue ? int.MaxValue : (int)lostMilliseconds);
                }

                SamplesRead += _hop.Length;
                int frames = _window.PushSamples(_hop, 0, _hop.Length);
                Frames += frames;
                _framesSinceInference += frames;
                if (_window.IsFull && _framesSinceInference >= _framesPerInference)
                {
                    _framesSinceInference = 0;
                    Classify();
                }

                if (_led != null)
                {
                    _led.Update(_clock.NowMicroseconds);
                }
            }
            catch (Exception e)
            {
                InternalErrors++;
                LastFault = e;
                Report(NodeStatus.InternalError, 0);
            }
        }

        /// <summary>
        /// Tracks the samples captured but not yet read (the backlog in the source's ring) from the clock, and returns
        /// how many the ring lost before the read of <paramref name="count"/> samples that ran from
        /// <paramref name="readStart"/> to <paramref name="readEnd"/> (0 when none): the backlog left by the last read
        /// plus what was captured until this one started, beyond <see cref="AudioBufferSamples"/>. A read that found
        /// fewer samples than it asked for waited for the rest and leaves no backlog, so the estimate starts afresh at
        /// every read of a node that keeps up: the sample clock's and the system clock's small difference in rate
        /// adds up only while the node is behind.
        /// The first read only starts the count (a node that starts with its microphone has no backlog).
        /// </summary>
        private long AccountRead(long readStart, long readEnd, int count)
        {
            if (!_readBefore)
            {
                _readBefore = true;
                _lastReadEndMicroseconds = readEnd;
                return 0;
            }

            long waiting = _backlogSamples + CapturedIn(readStart - _lastReadEndMicroseconds);
            long lost = waiting > _audioBufferSamples ? waiting - _audioBufferSamples : 0;
            if (waiting - lost >= count)
            {
                // The samples were there: the read took them and what arrived meanwhile stays.
                _backlogSamples = waiting - lost - count + CapturedIn(readEnd - readStart);
            }
            else
            {
                // The read waited for the microphone: it returned at the newest sample.
                _backlogSamples = 0;
                _captureRemainder = 0;
            }

            _lastReadEndMicroseconds = readEnd;
            return lost;
        }

        /// <summary>Samples captured in <paramref name="microseconds"/>, the fractions carried to the next call.</summary>
        private long CapturedIn(long microseconds)
        {
            long total = (microseconds * _sampleRate) + _captureRemainder;
            _captureRemainder = total % 1000000;
            return total / 1000000;
        }

        private void Classify()
        {
            _window.CopyTo(_input, 0);
            LastClass = _model.StreamingSlideRows > 0 ? _model.RunStreaming(_input) : _model.Run(_input);
            Inferences++;
            long time = StreamMicroseconds;
            int keyword = _detector.Update(_model.Scores, time);
            if (keyword < 0)
            {
                return;
            }

            Detections++;
            if (_led != null)
            {
                _led.Show(StatusLed.Detected, _clock.NowMicroseconds);
            }

            KeywordHandler handler = KeywordDetected;
            if (handler != null)
            {
                try
                {
                    handler(keyword, _detector.BestAverageQ15, _detector.HeardMicroseconds(time, WindowMicroseconds, InferenceHopMicroseconds));
                }
                catch (Exception e)
                {
                    InternalErrors++;
                    LastFault = e;
                }
            }
        }

        private void Report(int status, int detail)
        {
            NodeStatusHandler handler = StatusChanged;
            if (handler != null)
            {
                try
                {
                    handler(status, detail, StreamMicroseconds);
                }
                catch (Exception e)
                {
                    InternalErrors++;
                    LastFault = e;
                }
            }
        }
    }
}
