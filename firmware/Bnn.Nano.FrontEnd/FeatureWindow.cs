using System;

namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// The streaming side of the front end on a node: audio goes in as it arrives (any chunk size, 16-bit samples or
    /// little-endian PCM bytes), a frame of features is computed every hop, and the last <see cref="Frames"/> frames
    /// are kept in a ring that <see cref="CopyTo(byte[], int)"/> lays out as the model input. Allocation-free after
    /// construction.
    /// <para>
    /// Model-input layout: time-major, oldest frame first: byte t·Bands + b is band b of frame t (t = 0 oldest),
    /// each an int8 feature as a two's-complement byte (model input encoding int8). In the blob's HWC terms this is
    /// height = frames, width = bands, channels = 1 (a spectrogram image for a 2-D convolution); the bytes are the
    /// same as height 1, width = frames, channels = bands (a 1-D convolution over time with bands as channels).
    /// Frames not yet computed read as the floor value −128 (silence).
    /// </para>
    /// <para>
    /// Framing: the first frame is computed once WindowLength samples have arrived, then one frame per HopLength
    /// further samples, each over the last WindowLength samples: the same frames as ProcessFrame at offsets 0, hop,
    /// 2·hop, ... of the whole stream.
    /// </para>
    /// </summary>
    public sealed class FeatureWindow
    {
        /// <summary>The floor feature −128 as a two's-complement byte.</summary>
        private const byte FloorByte = 0x80;

        private readonly AudioFrontEnd _frontEnd;
        private readonly int _frames;
        private readonly int _bands;
        private readonly int _windowLength;
        private readonly int _hop;
        private readonly byte[] _ring;
        private readonly short[] _audio;
        private readonly short[] _frame;
        private int _nextSlot;
        private int _framesHeld;
        private int _totalFrames;
        private int _audioWrite;
        private int _untilFrame;

        /// <summary>A window of the configuration's frame count.</summary>
        public FeatureWindow(AudioFrontEnd frontEnd)
            : this(frontEnd, frontEnd == null ? 0 : frontEnd.FrameCount)
        {
        }

        /// <summary>A window of the last <paramref name="frames"/> frames of <paramref name="frontEnd"/>.</summary>
        public FeatureWindow(AudioFrontEnd frontEnd, int frames)
        {
            if (frontEnd == null)
            {
                throw new FrontEndException("feature window: no front end");
            }

            if (frames < 1 || frames > FrontEndConfig.MaxInputValues / frontEnd.BandCount)
            {
                throw new FrontEndException("feature window: " + frames.ToString() + " frames of " + frontEnd.BandCount.ToString() + " bands is outside 1.." + (FrontEndConfig.MaxInputValues / frontEnd.BandCount).ToString() + " frames");
            }

            _frontEnd = frontEnd;
            _frames = frames;
            _bands = frontEnd.BandCount;
            _windowLength = frontEnd.WindowLength;
            _hop = frontEnd.HopLength;
            _ring = new byte[frames * _bands];
            _audio = new short[_windowLength];
            _frame = new short[_windowLength];
            Reset();
        }

        /// <summary>Frames in the window.</summary>
        public int Frames
        {
            get { return _frames; }
        }

        /// <summary>Features per frame.</summary>
        public int Bands
        {
            get { return _bands; }
        }

        /// <summary>Bytes of the model input: Frames × Bands.</summary>
        public int Length
        {
            get { return _ring.Length; }
        }

        /// <summary>Bytes of the window's own arrays (feature ring and two sample buffers), without the front end's.</summary>
        public int RamBytes
        {
            get { return _ring.Length + (2 * (_audio.Length + _frame.Length)); }
        }

        /// <summary>True once Frames frames have been computed since the last reset.</summary>
        public bool IsFull
        {
            get { return _framesHeld == _frames; }
        }

        /// <summary>Frames computed since the last reset (wraps past int.MaxValue).</summary>
        public int TotalFrames
        {
            get { return _totalFrames; }
        }

        /// <summary>Forgets all audio and frames: every feature reads as −128 again.</summary>
        public void Reset()
        {
            for (int i = 0; i < _ring.Length; i++)
            {
                _ring[i] = FloorByte;
            }

            _nextSlot = 0;
            _framesHeld = 0;
            _totalFrames = 0;
            _audioWrite = 0;
            _untilFrame = _windowLength;
        }

        /// <summary>Appends one frame computed from pcm[offset .. offset + WindowLength) (bypasses the sample stream).</summary>
        public void PushFrame(short[] pcm, int offset)
        {
            if (pcm == null || offset < 0 || offset > pcm.Length - _windowLength)
            {
                throw new FrontEndException("feature window: a frame needs " + _windowLength.ToString() + " samples from index " + offset.ToString());
            }

            AppendFrame(pcm, offset);
        }

        /// <summary>Streams count samples from samples[offset..]; returns the number of frames this computed.</summary>
        public int PushSamples(short[] samples, int offset, int count)
        {
            if (samples == null || offset < 0 || count < 0 || offset > samples.Length - count)
            {
                throw new FrontEndException("feature window: " + count.ToString() + " samples from index " + offset.ToString() + " exceed the buffer");
            }

            int produced = 0;
            while (count > 0)
            {
                int n = Chunk(count);
                Array.Copy(samples, offset, _audio, _audioWrite, n);
                offset += n;
                count -= n;
                if (Advance(n))
                {
                    produced++;
                }
            }

            return produced;
        }

        /// <summary>
        /// Streams 16-bit little-endian PCM (byteCount even) from pcm16le[byteOffset..]; returns the number of frames
        /// this computed.
        /// </summary>
        public int PushSamples(byte[] pcm16le, int byteOffset, int byteCount)
        {
            if (pcm16le == null || byteOffset < 0 || byteCount < 0 || (byteCount & 1) != 0 || byteOffset > pcm16le.Length - byteCount)
            {
                throw new FrontEndException("feature window: " + byteCount.ToString() + " PCM bytes from index " + byteOffset.ToString() + " are not whole 16-bit samples inside the buffer");
            }

            int produced = 0;
            int count = byteCount >> 1;
            while (count > 0)
            {
                int n = Chunk(count);
                AudioFrontEnd.DecodePcm16(pcm16le, byteOffset, _audio, _audioWrite, n);
                byteOffset += 2 * n;
                count -= n;
                if (Advance(n))
                {
                    produced++;
                }
            }

            return produced;
        }

        /// <summary>The model input (Frames × Bands bytes, oldest frame first) into destination[offset..].</summary>
        public void CopyTo(byte[] destination, int offset)
        {
            if (destination == null || offset < 0 || offset > destination.Length - _ring.Length)
            {
                throw new FrontEndException("feature window: destination must hold " + _ring.Length.ToString() + " bytes from index " + offset.ToString());
            }

            int split = _nextSlot * _bands; // the oldest frame's slot
            Array.Copy(_ring, split, destination, offset, _ring.Length - split);
            Array.Copy(_ring, 0, destination, offset + _ring.Length - split, split);
        }

        /// <summary>The model input into destination[0..] (see the class summary for the layout).</summary>
        public void CopyTo(byte[] destination)
        {
            CopyTo(destination, 0);
        }

        /// <summary>Feature of band b in frame t (t = 0 the oldest of the window), −128..127.</summary>
        public int GetFeature(int frame, int band)
        {
            if (frame < 0 || frame >= _frames || band < 0 || band >= _bands)
            {
                throw new FrontEndException("feature window: frame " + frame.ToString() + ", band " + band.ToString() + " is outside " + _frames.ToString() + " x " + _bands.ToString());
            }

            int slot = _nextSlot + frame;
            if (slot >= _frames)
            {
                slot -= _frames;
            }

            return (sbyte)_ring[(slot * _bands) + band];
        }

        /// <summary>Samples to take next: up to the next frame and up to the end of the audio ring.</summary>
        private int Chunk(int count)
        {
            int n = count < _untilFrame ? count : _untilFrame;
            int room = _windowLength - _audioWrite;
            return n < room ? n : room;
        }

        /// <summary>Accounts for n samples written at _audioWrite; computes a frame when one is due.</summary>
        private bool Advance(int n)
        {
            _audioWrite += n;
            if (_audioWrite == _windowLength)
            {
                _audioWrite = 0;
            }

            _untilFrame -= n;
            if (_untilFrame != 0)
            {
                return false;
            }

            // The ring holds the last WindowLength samples, the oldest at _audioWrite: make them contiguous.
            int older = _windowLength - _audioWrite;
            Array.Copy(_audio, _audioWrite, _frame, 0, older);
            Array.Copy(_audio, 0, _frame, older, _audioWrite);
            AppendFrame(_frame, 0);
            _untilFrame = _hop;
            return true;
        }

        private void AppendFrame(short[] pcm, int offset)
        {
            _frontEnd.ProcessFrameToBytes(pcm, offset, _ring, _nextSlot * _bands);
            _nextSlot++;
            if (_nextSlot == _frames)
            {
                _nextSlot = 0;
            }

            if (_framesHeld < _frames)
            {
                _framesHeld++;
            }

            _totalFrames++;
        }
    }
}
