package compress

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/f2bac256/bedrock/conn"
)

// Algorithm is a compression algorithm. The zero value is Zstd.
type Algorithm uint8

// The algorithms. Levels (Config.Level) are those of each library.
const (
	// Zstd is Zstandard (klauspost/compress/zstd): the best ratio for its
	// speed. Levels are the zstd command's, 1 to 22, mapped to the
	// library's four speeds by zstd.EncoderLevelFromZstd; the default is
	// zstd.SpeedDefault (level 3).
	Zstd Algorithm = iota
	// S2 is the S2 extension of Snappy (klauspost/compress/s2): the
	// fastest, for fast links. Levels: 1 fast (the default), 2 better,
	// 3 best.
	S2
	// Gzip is gzip (klauspost/compress/gzip), for peers that only speak
	// deflate. Levels: gzip.HuffmanOnly (-2), gzip.DefaultCompression
	// (-1, the default) and gzip.BestSpeed (1) to gzip.BestCompression
	// (9); gzip.NoCompression (0) is not available, 0 meaning the default.
	Gzip
)

// String returns "zstd", "s2" or "gzip".
func (a Algorithm) String() string {
	switch a {
	case Zstd:
		return "zstd"
	case S2:
		return "s2"
	case Gzip:
		return "gzip"
	}
	return "Algorithm(" + strconv.Itoa(int(a)) + ")"
}

// Config configures the layer. Both sides of a connection need the same
// Algorithm; each side picks its Level.
type Config struct {
	// Algorithm compresses both directions.
	Algorithm Algorithm
	// Level is the compression level, in the algorithm's own terms (see
	// the Algorithm constants); 0 means the algorithm's default.
	Level int
}

func (c Config) validate() error {
	ok := true
	switch c.Algorithm {
	case Zstd:
		ok = c.Level >= 0 && c.Level <= 22
	case S2:
		ok = c.Level >= 0 && c.Level <= 3
	case Gzip:
		ok = c.Level >= gzip.HuffmanOnly && c.Level <= gzip.BestCompression
	default:
		return fmt.Errorf("compress: unknown %v", c.Algorithm)
	}
	if !ok {
		return fmt.Errorf("compress: %v: level %d out of range", c.Algorithm, c.Level)
	}
	return nil
}

// Layer returns a conn.Layer compressing every connection that the
// factory below makes or accepts with cfg. It panics if cfg names an
// unknown algorithm or a level out of the algorithm's range: a programming
// error, caught where the layer is built.
func Layer(cfg Config) conn.Layer {
	if err := cfg.validate(); err != nil {
		panic(err)
	}
	c := &codec{cfg: cfg}
	return func(f conn.Factory) conn.Factory { return conn.Filter(f, c.filter) }
}

// filter layers a compressed stream over c's Stream view.
func (c *codec) filter(ctx context.Context, lower conn.Connection, _ conn.Side) (conn.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ls, err := lower.Stream()
	if err != nil {
		return nil, &Error{Algorithm: c.cfg.Algorithm, Op: "stream", Err: err}
	}
	s := newStream(c, ls)
	var view net.Conn = s
	if _, ok := ls.(closeWriter); ok {
		view = halfStream{s}
	}
	return conn.New(conn.Base{
		Stream:     view,
		Lower:      lower,
		LocalAddr:  lower.LocalAddr(),
		RemoteAddr: lower.RemoteAddr(),
		Properties: conn.With(lower.Properties(), &s.stats),
		Abort:      s.abort,
	}), nil
}

// Stats are the live byte counts of a compressed connection, the property
// the layer exposes under *Stats. Its methods are safe for concurrent use
// and may be called while bytes flow.
type Stats struct {
	algorithm                         Algorithm
	rawRead, rawWritten               atomic.Int64
	compressedRead, compressedWritten atomic.Int64
}

// Raw returns the uncompressed bytes the user of the connection has read
// and written so far.
func (s *Stats) Raw() (read, written int64) {
	return s.rawRead.Load(), s.rawWritten.Load()
}

// Compressed returns the bytes read from and written to the connection
// below so far: the compressed stream, headers and end included.
func (s *Stats) Compressed() (read, written int64) {
	return s.compressedRead.Load(), s.compressedWritten.Load()
}

// Algorithm returns the connection's algorithm.
func (s *Stats) Algorithm() Algorithm { return s.algorithm }

// Error is a failure of the compressed stream itself: input that does not
// decompress, a use of the stream after it was closed, or (Op "stream", from
// Connect and Accept) a connection below whose Stream view was not to be
// had. It wraps the cause (the decoder's error, net.ErrClosed,
// io.ErrClosedPipe, conn.ErrViewTaken).
type Error struct {
	Algorithm Algorithm
	Op        string // "read", "write", "close" or "stream"
	Err       error
}

// Error returns "compress: <algorithm>: <op>: <cause>".
func (e *Error) Error() string {
	return "compress: " + e.Algorithm.String() + ": " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Sizes bounding the memory of a connection (see the package doc).
const (
	zstdWindow    = 1 << 20
	zstdMaxWindow = 8 << 20
	s2Block       = 64 << 10
)

// codec makes and recycles the encoders and decoders of one Layer.
type codec struct {
	cfg     Config
	writers sync.Pool // of *writeSide
	readers sync.Pool // of *readSide
}

// encoder is what zstd.Encoder, s2.Writer and gzip.Writer have in common.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(io.Writer)
}

// decoder is a decompressor restartable on a new stream. Reset may read
// (gzip reads its header), so it runs on the first Read.
type decoder interface {
	io.Reader
	Reset(io.Reader) error
}

// writeSide is an encoder writing to a sink; both are recycled together,
// so the encoder never needs to learn a new destination.
type writeSide struct {
	sink sink
	enc  encoder
}

// readSide is a decoder reading from a source, recycled together.
type readSide struct {
	src source
	dec decoder
}

// sink counts what an encoder writes to the connection below.
type sink struct {
	w io.Writer
	n *atomic.Int64
}

func (s *sink) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.n.Add(int64(n))
	return n, err
}

// source counts what a decoder reads from the connection below, and
// remembers its last error, to tell the connection's errors from the
// decoder's.
type source struct {
	r   io.Reader
	n   *atomic.Int64
	err error
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n.Add(int64(n))
	if err != nil {
		s.err = err
	}
	return n, err
}

// getWriter returns an encoder, writing a new stream to w.
func (c *codec) getWriter(w io.Writer, n *atomic.Int64) *writeSide {
	ws, _ := c.writers.Get().(*writeSide)
	if ws == nil {
		ws = new(writeSide)
		ws.enc = c.newEncoder(&ws.sink)
	}
	ws.sink = sink{w: w, n: n}
	ws.enc.Reset(&ws.sink)
	return ws
}

// putWriter recycles ws, whose stream ended (or failed).
func (c *codec) putWriter(ws *writeSide) {
	ws.sink = sink{}
	c.writers.Put(ws)
}

// getReader returns a decoder for a new stream from r; its Reset is left
// to the first Read.
func (c *codec) getReader(r io.Reader, n *atomic.Int64) *readSide {
	rs, _ := c.readers.Get().(*readSide)
	if rs == nil {
		rs = new(readSide)
		rs.dec = c.newDecoder()
	}
	rs.src = source{r: r, n: n}
	return rs
}

func (c *codec) putReader(rs *readSide) {
	rs.src = source{}
	c.readers.Put(rs)
}

func (c *codec) newEncoder(w io.Writer) encoder {
	switch c.cfg.Algorithm {
	case S2:
		opts := []s2.WriterOption{s2.WriterConcurrency(1), s2.WriterBlockSize(s2Block)}
		switch c.cfg.Level {
		case 2:
			opts = append(opts, s2.WriterBetterCompression())
		case 3:
			opts = append(opts, s2.WriterBestCompression())
		}
		return s2.NewWriter(w, opts...)
	case Gzip:
		level := c.cfg.Level
		if level == 0 {
			level = gzip.DefaultCompression
		}
		enc, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			panic(err) // validate checked the level
		}
		return enc
	}
	level := zstd.SpeedDefault
	if c.cfg.Level != 0 {
		level = zstd.EncoderLevelFromZstd(c.cfg.Level)
	}
	enc, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(level),
		zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(zstdWindow))
	if err != nil {
		panic(err) // the options are constant and valid
	}
	return enc
}

func (c *codec) newDecoder() decoder {
	switch c.cfg.Algorithm {
	case S2:
		return s2Reader{s2.NewReader(nil, s2.ReaderMaxBlockSize(s2Block))}
	case Gzip:
		return new(gzip.Reader)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(zstdMaxWindow))
	if err != nil {
		panic(err) // the options are constant and valid
	}
	return dec
}

// s2Reader gives s2.Reader's Reset an error result.
type s2Reader struct{ *s2.Reader }

func (r s2Reader) Reset(src io.Reader) error {
	r.Reader.Reset(src)
	return nil
}
