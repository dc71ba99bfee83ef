package writer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/writer"
)

// readPipe reads r until the writer completes, on its own goroutine, and
// delivers the CRC-32 and length of everything read.
func readPipe(r pipe.Reader) <-chan [2]int64 {
	out := make(chan [2]int64, 1)
	go func() {
		h := crc32.NewIEEE()
		var n int64
		for {
			res, err := r.Read(context.Background())
			if err != nil {
				break
			}
			for b := range res.Buffer.All() {
				h.Write(b)
			}
			n += res.Buffer.Len()
			r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
			if res.Completed {
				break
			}
		}
		r.Complete(nil)
		out <- [2]int64{int64(h.Sum32()), n}
	}()
	return out
}

// chunkReader yields data in chunks of random sizes and records which
// function called its Read, to tell io.Copy's paths apart.
type chunkReader struct {
	data    []byte
	rng     *rand.Rand
	callers map[string]int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	pc, _, _, _ := runtime.Caller(1)
	c.callers[runtime.FuncForPC(pc).Name()]++
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+c.rng.IntN(64<<10))], c.data)
	c.data = c.data[n:]
	return n, nil
}

func TestStreamCopiesEverything(t *testing.T) {
	size := testkit.BigSize()
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{2}).Read(data)

	p := pipe.New(pipe.Options{}) // default backpressure: the reader paces the copy
	got := readPipe(p.Reader())
	src := &chunkReader{data: data, rng: rand.New(rand.NewPCG(5, 6)), callers: map[string]int{}}
	s := writer.Stream(p.Writer())
	n, err := io.Copy(s, src)
	require.NoError(t, err)
	assert.Equal(t, int64(size), n)
	require.NoError(t, s.Close())

	res := <-got
	assert.Equal(t, int64(size), res[1])
	assert.Equal(t, int64(crc32.ChecksumIEEE(data)), res[0])

	// io.Copy handed the source to the stream's ReadFrom, which read
	// straight into the pipe's memory: no other function read the source.
	_, ok := s.(io.ReaderFrom)
	assert.True(t, ok)
	assert.Len(t, src.callers, 1, "callers: %v", src.callers)
	for caller := range src.callers {
		assert.True(t, strings.HasSuffix(caller, "writer.(*stream).ReadFrom"), caller)
	}
}

// countingPipeWriter counts the Flushes of a pipe.Writer.
type countingPipeWriter struct {
	pipe.Writer
	flushes int
}

func (c *countingPipeWriter) Flush(ctx context.Context) (pipe.FlushResult, error) {
	c.flushes++
	return c.Writer.Flush(ctx)
}

func TestStreamWriteFlushesEachTime(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	cw := &countingPipeWriter{Writer: p.Writer()}
	s := writer.Stream(cw)

	n, err := s.Write([]byte("hello "))
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	assert.Equal(t, 1, cw.flushes)
	assert.Equal(t, "hello ", string(drain(t, p)), "the Write is flushed")

	n, err = s.(io.StringWriter).WriteString("world")
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	assert.Equal(t, 2, cw.flushes)

	fmt.Fprintf(s, "%d", 42)
	assert.Equal(t, 3, cw.flushes)
	assert.Equal(t, "world42", string(drain(t, p)))

	// A long string spans segments.
	long := strings.Repeat("abcdefgh", 10_000)
	io.WriteString(s, long)
	assert.Equal(t, long, string(drain(t, p)))
}

func TestStreamReaderGone(t *testing.T) {
	for _, readerErr := range []error{nil, errBoom} {
		p := pipe.New(pipe.Options{})
		p.Reader().Complete(readerErr)
		s := writer.Stream(p.Writer())

		check := func(n int64, err error) {
			t.Helper()
			assert.Zero(t, n)
			assert.ErrorIs(t, err, io.ErrClosedPipe)
			if readerErr != nil {
				assert.ErrorIs(t, err, readerErr)
			}
		}
		n, err := s.Write([]byte("x"))
		check(int64(n), err)
		n, err = s.(io.StringWriter).WriteString("x")
		check(int64(n), err)
		n64, err := s.(io.ReaderFrom).ReadFrom(strings.NewReader("x"))
		assert.Equal(t, int64(1), n64, "ReadFrom counts what it read")
		assert.ErrorIs(t, err, io.ErrClosedPipe)
	}
}

func TestStreamClose(t *testing.T) {
	p := pipe.New(pipe.Options{})
	s := writer.Stream(p.Writer())
	s.Write([]byte("last"))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	res, err := p.Reader().Read(testkit.Context(t))
	require.NoError(t, err)
	assert.True(t, res.Completed)
	assert.Equal(t, "last", res.Buffer.String())
	p.Reader().AdvanceTo(res.Buffer.End(), res.Buffer.End())

	_, err = s.Write([]byte("x"))
	assert.ErrorIs(t, err, io.ErrClosedPipe)
	_, err = s.(io.StringWriter).WriteString("x")
	assert.ErrorIs(t, err, io.ErrClosedPipe)
	_, err = s.(io.ReaderFrom).ReadFrom(strings.NewReader("x"))
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

func TestStreamCloseUnblocksWrite(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 10, ResumeWriterThreshold: 5})
	s := writer.Stream(p.Writer())
	var err error
	done := testkit.Async(func() { _, err = s.Write([]byte("more than ten bytes")) })
	testkit.RequireBlocked(t, done) // backpressure: nobody reads
	s.Close()
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

func TestStreamFlushCanceled(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w := p.Writer()
	s := writer.Stream(w)
	w.CancelPendingFlush()
	n, err := s.Write([]byte("kept"))
	assert.ErrorIs(t, err, writer.ErrFlushCanceled)
	assert.Equal(t, 4, n, "the bytes were accepted")
	assert.Equal(t, "kept", string(drain(t, p)))
}

func TestStreamReadFromErrors(t *testing.T) {
	p := pipe.New(pipe.Options{})
	s := writer.Stream(p.Writer()).(io.ReaderFrom)

	// The bytes before a read error are delivered, then the error returned.
	src := io.MultiReader(strings.NewReader("before"), iotestErrReader{errBoom})
	n, err := s.ReadFrom(src)
	assert.ErrorIs(t, err, errBoom)
	assert.Equal(t, int64(6), n)
	assert.Equal(t, "before", string(drain(t, p)))

	// A source that never makes progress is given up on.
	n, err = s.ReadFrom(emptyReader{})
	assert.ErrorIs(t, err, io.ErrNoProgress)
	assert.Zero(t, n)
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

// TestStreamReadFromAdaptsReadSize checks that reads grow while the source
// fills them and shrink when it does not, so that a trickling source keeps
// reading into the rest of the current segment instead of taking a new
// segment per read.
func TestStreamReadFromAdaptsReadSize(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	s := writer.Stream(p.Writer()).(io.ReaderFrom)
	var sizes []int
	src := readerFunc(func(b []byte) (int, error) {
		sizes = append(sizes, len(b))
		if len(sizes) > 12 {
			return 0, io.EOF
		}
		if len(sizes) > 8 {
			return 1, nil // small reads
		}
		return len(b), nil
	})
	_, err := s.ReadFrom(src)
	require.NoError(t, err)
	assert.Equal(t, 4096, sizes[0], "sizes: %v", sizes)
	assert.GreaterOrEqual(t, sizes[7], 64<<10, "full reads grow the read size: %v", sizes)
	for i := 9; i < 13; i++ {
		assert.Equal(t, sizes[i-1]-1, sizes[i], "small reads continue in the same segment: %v", sizes)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

func TestStreamOverToIO(t *testing.T) {
	var out bytes.Buffer
	dst := &recordingWriter{w: &out}
	s := writer.Stream(writer.ToIO(dst, writer.Options{CloseOnComplete: true}))
	data := testkit.RandomBytes(1<<20, 21)
	n, err := io.Copy(s, io.LimitReader(bytes.NewReader(data), int64(len(data)))) // no WriterTo: ReadFrom
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), n)
	require.NoError(t, s.Close())
	assert.Equal(t, data, out.Bytes())
	for _, w := range dst.Writes() {
		assert.LessOrEqual(t, w, 64<<10, "one write per chunk read")
	}
}

func TestStreamWriteErrorFromToIO(t *testing.T) {
	dst := &recordingWriter{failAfter: 1, failErr: errBoom}
	s := writer.Stream(writer.ToIO(dst, writer.Options{}))
	_, err := s.Write([]byte("abc"))
	assert.ErrorIs(t, err, errBoom)
	_, err = s.Write([]byte("abc"))
	assert.ErrorIs(t, err, errBoom, "sticky")
	assert.False(t, errors.Is(err, io.ErrClosedPipe))
}

func TestStreamCloseInterruptsToIOFlush(t *testing.T) {
	client, _ := stalledPair(t)
	flushing := make(chan struct{})
	s := writer.Stream(writer.ToIO(&signalingConn{TCPConn: client, first: flushing}, writer.Options{}))
	data := testkit.RandomBytes(1<<20, 22) // the socket buffers hold 32 KiB
	var err error
	done := testkit.Async(func() { _, err = s.Write(data) })
	// Close is for a Write waiting in Flush, not one still copying.
	testkit.RequireDone(t, flushing)
	testkit.RequireBlocked(t, done) // the peer does not read
	closed := testkit.Async(func() { s.Close() })
	testkit.RequireDone(t, closed)
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

// signalingConn is a net.Conn that closes first when it is first written
// to.
type signalingConn struct {
	*net.TCPConn
	first chan struct{}
	once  sync.Once
}

func (c *signalingConn) Write(b []byte) (int, error) {
	c.once.Do(func() { close(c.first) })
	return c.TCPConn.Write(b)
}
