using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Node
{
    /// <summary>
    /// The accelerometer front end of a gesture model, on the node: raw 3-axis counts in, the model's int8 input out,
    /// with the parameters the blob carries (the compiler's <c>UWaveFrontEnd</c> defines the same arithmetic for
    /// training; the end-to-end emulator test proves both agree on every window).
    /// <list type="bullet">
    /// <item>Window: <see cref="WindowLength"/> samples (model property WindowLength), a new one every
    /// <see cref="HopSamples"/> (WindowHop), the first when WindowLength samples have arrived.</item>
    /// <item>Downsampling: the model input is 1 × Steps × 3 (or the same bytes flattened) with Steps = InputLength / 3;
    /// each step is the sum of k = WindowLength / Steps consecutive samples per axis. The ring buffer holds these
    /// block sums (Steps × 3 ints), so memory does not grow with k, and the hop must be a multiple of k.</item>
    /// <item>Quantisation (InputScaleBits, InputZeroPoint): <see cref="GestureQuantization"/>, shared with the compiler:
    /// <c>v = (float)sum / (k · scale · countsPerG)</c> in single precision, rounded half away from zero, plus the zero
    /// point, clamped to -128..127 (int8 as two's complement). scale is in g per step; countsPerG is the sensor's
    /// sensitivity (4096 counts/g for an MPU6050 at ±8 g).</item>
    /// </list>
    /// Allocation-free after construction.
    /// </summary>
    public sealed class GestureFrontEnd
    {
        /// <summary>Accelerometer axes per sample (x, y, z).</summary>
        public const int Axes = 3;

        private readonly int[] _ring;
        private readonly byte[] _input;
        private readonly int _steps;
        private readonly int _downsample;
        private readonly int _hopBlocks;
        private readonly float _divisor;
        private readonly int _zeroPoint;
        private int _sumX;
        private int _sumY;
        private int _sumZ;
        private int _inBlock;
        private int _head;
        private int _blocks;
        private int _blocksSinceWindow;
        private bool _windowed;
        private long _samples;

        /// <summary>
        /// Reads the front-end properties of <paramref name="model"/>; throws <see cref="NodeException"/> when one is
        /// missing or they do not fit the model's input.
        /// </summary>
        /// <param name="model">An int8 model whose input length is a multiple of 3.</param>
        /// <param name="countsPerG">Sensor counts per g at the configured range (MPU6050: 32768 / range in g).</param>
        public GestureFrontEnd(BnnModel model, int countsPerG)
        {
            if (model == null)
            {
                throw new NodeException("GestureFrontEnd: model is null");
            }

            if (!model.InputSigned)
            {
                throw new NodeException("GestureFrontEnd: the model reads uint8 features; a gesture model reads int8");
            }

            if (countsPerG < 1)
            {
                throw new NodeException("GestureFrontEnd: counts per g must be positive, not " + countsPerG.ToString());
            }

            int length = model.InputLength;
            if (length % Axes != 0)
            {
                throw new NodeException("GestureFrontEnd: model input of " + length.ToString() + " values is not steps x 3 axes");
            }

            _steps = length / Axes;
            WindowLength = Required(model, ModelProperty.WindowLength, "WindowLength");
            HopSamples = Required(model, ModelProperty.WindowHop, "WindowHop");
            SampleRateHz = Required(model, ModelProperty.SampleRateHz, "SampleRateHz");
            int scaleBits = Required(model, ModelProperty.InputScaleBits, "InputScaleBits");
            _zeroPoint = model.GetProperty(ModelProperty.InputZeroPoint, 0);
            if (WindowLength < _steps || WindowLength % _steps != 0)
            {
                throw new NodeException("GestureFrontEnd: window of " + WindowLength.ToString() + " samples does not divide into the model's " + _steps.ToString() + " steps");
            }

            _downsample = WindowLength / _steps;
            if (HopSamples < _downsample || HopSamples % _downsample != 0)
            {
                throw new NodeException("GestureFrontEnd: hop of " + HopSamples.ToString() + " samples is not a positive multiple of the downsampling factor " + _downsample.ToString());
            }

            if (SampleRateHz < 1)
            {
                throw new NodeException("GestureFrontEnd: sample rate " + SampleRateHz.ToString() + " Hz is not positive");
            }

            if (_zeroPoint < -128 || _zeroPoint > 127)
            {
                throw new NodeException("GestureFrontEnd: zero point " + _zeroPoint.ToString() + " is outside -128..127");
            }

            Scale = ModelProperty.SingleFromBits(scaleBits);
            if (!(Scale > 0f))
            {
                throw new NodeException("GestureFrontEnd: input scale bits 0x" + scaleBits.ToString("X8") + " are not a positive normal float");
            }

            _hopBlocks = HopSamples / _downsample;
            _divisor = GestureQuantization.Divisor(_downsample, Scale, countsPerG);
            CountsPerG = countsPerG;
            _ring = new int[_steps * Axes];
            _input = new byte[length];
        }

        /// <summary>Samples per classification window.</summary>
        public int WindowLength { get; }

        /// <summary>Samples between the starts of consecutive windows.</summary>
        public int HopSamples { get; }

        /// <summary>Sensor sample rate the model was trained at.</summary>
        public int SampleRateHz { get; }

        /// <summary>Quantisation scale in g per int8 step.</summary>
        public float Scale { get; }

        /// <summary>Quantisation zero point.</summary>
        public int ZeroPoint
        {
            get { return _zeroPoint; }
        }

        /// <summary>Sensor counts per g the front end assumes.</summary>
        public int CountsPerG { get; }

        /// <summary>Samples averaged per model step (k).</summary>
        public int Downsample
        {
            get { return _downsample; }
        }

        /// <summary>Time steps of the model input.</summary>
        public int Steps
        {
            get { return _steps; }
        }

        /// <summary>The model input of the last completed window (the front end's own array: read, don't keep).</summary>
        public byte[] Input
        {
            get { return _input; }
        }

        /// <summary>Samples added since the last <see cref="Reset"/>.</summary>
        public long SamplesSinceReset
        {
            get { return _samples; }
        }

        /// <summary>Forgets every buffered sample (after a gap in the stream): the next window needs WindowLength new samples.</summary>
        public void Reset()
        {
            _sumX = 0;
            _sumY = 0;
            _sumZ = 0;
            _inBlock = 0;
            _head = 0;
            _blocks = 0;
            _blocksSinceWindow = 0;
            _windowed = false;
            _samples = 0;
        }

        /// <summary>
        /// Adds one sample (raw counts). Returns true when it completes a window; <see cref="Input"/> then holds that
        /// window's model input. Windows start at samples 0, hop, 2·hop, ... after the last <see cref="Reset"/>.
        /// </summary>
        public bool Add(int x, int y, int z)
        {
            _samples++;
            _sumX += x;
            _sumY += y;
            _sumZ += z;
            _inBlock++;
            if (_inBlock < _downsample)
            {
                return false;
            }

            int[] ring = _ring;
            int at = _head * Axes;
            ring[at] = _sumX;
            ring[at + 1] = _sumY;
            ring[at + 2] = _sumZ;
            _sumX = 0;
            _sumY = 0;
            _sumZ = 0;
            _inBlock = 0;
            _head++;
            if (_head == _steps)
            {
                _head = 0;
            }

            if (_blocks < _steps)
            {
                _blocks++;
            }

            _blocksSinceWindow++;
            if (_blocks < _steps || (_windowed && _blocksSinceWindow < _hopBlocks))
            {
                return false;
            }

            // The oldest block sits at _head (the ring is full).
            byte[] input = _input;
            float divisor = _divisor;
            int zeroPoint = _zeroPoint;
            int block = _head;
            int o = 0;
            for (int step = 0; step < _steps; step++)
            {
                int from = block * Axes;
                input[o] = (byte)GestureQuantization.ToInt8(ring[from], divisor, zeroPoint);
                input[o + 1] = (byte)GestureQuantization.ToInt8(ring[from + 1], divisor, zeroPoint);
                input[o + 2] = (byte)GestureQuantization.ToInt8(ring[from + 2], divisor, zeroPoint);
                o += Axes;
                block++;
                if (block == _steps)
                {
                    block = 0;
                }
            }

            _windowed = true;
            _blocksSinceWindow = 0;
            return true;
        }

        private static int Required(BnnModel model, int key, string name)
        {
            if (!model.HasProperty(key))
            {
                throw new NodeException("GestureFrontEnd: the model has no " + name + " property (key " + key.ToString() + "); compile it with the gesture front end's properties");
            }

            return model.GetProperty(key, 0);
        }
    }
}
