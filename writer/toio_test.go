package writer_test

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/writer"
)

// recordingWriter counts the Write calls made on it and the bytes of each,
// and passes them to w (if any). After failAfter bytes (when set) it
// accepts what fits and fails with failErr; with short set it reports a
// short write without an error instead.
type recordingWriter struct {
	mu        sync.Mutex
	w         io.Writer
	writes    []int
	failAfter int
	failErr   error
	short     bool
	total     int
	closes    int
	closeErr  error // the error of CloseWithError
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, len(p))
	n := len(p)
	var err error
	if r.failAfter > 0 && r.total+n > r.failAfter {
		n = r.failAfter - r.total
		if !r.short {
			err = r.failErr
		}
	}
	r.total += n
	if r.w != nil {
		r.w.Write(p[:n])
	}
	return n, err
}

func (r *recordingWriter) Writes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.writes...)
}

// closingWriter is a recordingWriter that is an io.Closer.
type closingWriter struct{ *recordingWriter }

func (c closingWriter) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closes++
	return nil
}

// errClosingWriter is a closingWriter with CloseWithError, like
// *io.PipeWriter.
type errClosingWriter struct{ closingWriter }

func (c errClosingWriter) CloseWithError(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closes++
	c.closeErr = err
	return nil
}

func TestToIOStreamsEverything(t *testing.T) {
	size := testkit.BigSize()
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{1}).Read(data)

	h := crc32.NewIEEE()
	dst := &recordingWriter{w: h}
	w := writer.ToIO(dst, writer.Options{})
	rng := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()

	var flushes []int // the bytes each non-empty Flush had to write
	pending := 0
	for off := 0; off < size; {
		n := min(size-off, 1+rng.IntN(16<<10))
		switch rng.IntN(3) {
		case 0: // copy in
			_, err := w.Write(data[off : off+n])
			require.NoError(t, err)
		case 1: // into the memory from Buffer, maybe less than asked for
			b := w.Buffer(rng.IntN(n + 1))
			n = min(n, len(b))
			copy(b, data[off:off+n])
			w.Advance(n)
		default: // through a Cursor
			c := writer.NewCursor(w)
			c.Write(data[off : off+n])
			c.Commit()
		}
		off += n
		pending += n
		require.Equal(t, pending, w.UnflushedBytes())
		if rng.IntN(4) == 0 || off == size {
			res, err := w.Flush(ctx)
			require.NoError(t, err)
			require.Equal(t, pipe.FlushResult{}, res)
			require.Zero(t, w.UnflushedBytes())
			if pending > 0 {
				flushes = append(flushes, pending)
			}
			pending = 0
		}
	}
	w.Complete(nil)

	assert.Equal(t, flushes, dst.Writes(), "one Write of everything flushed per Flush")
	assert.Equal(t, crc32.ChecksumIEEE(data), h.Sum32())
	assert.Equal(t, size, dst.total)
}

func TestToIOOneWritePerFlush(t *testing.T) {
	var out bytes.Buffer
	dst := &recordingWriter{w: &out}
	w := writer.ToIO(dst, writer.Options{MinimumSegmentSize: 4096})
	ctx := testkit.Context(t)

	// Nothing to write: no Write.
	_, err := w.Flush(ctx)
	require.NoError(t, err)
	assert.Empty(t, dst.Writes())

	// Many pieces of memory, each filled in part: one Write all the same.
	want := testkit.RandomBytes(40_000, 9)
	for off := 0; off < len(want); off += 1000 {
		b := w.Buffer(3000) // leaves the rest of each segment unused
		w.Advance(copy(b[:1000], want[off:]))
	}
	_, err = w.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int{40_000}, dst.Writes())
	assert.Equal(t, want, out.Bytes())

	w.Write([]byte("small"))
	_, err = w.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int{40_000, 5}, dst.Writes())
	assert.Equal(t, "small", out.String()[40_000:])
}

// readAllAsync reads n bytes from c on its own goroutine, bounded by a
// deadline, and delivers them (or what arrived before an error).
func readAllAsync(c net.Conn, n int) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(testkit.Wait))
		b := make([]byte, n)
		m, _ := io.ReadFull(c, b)
		got <- b[:m]
	}()
	return got
}

func receive(t *testing.T, got <-chan []byte) []byte {
	t.Helper()
	select {
	case b := <-got:
		return b
	case <-time.After(2 * testkit.Wait):
		t.Fatal("peer did not receive the data")
		return nil
	}
}

// writeSegments fills w through Buffer in pieces that leave most of each
// segment unused, so that the data spans about len(data)/piece segments.
func writeSegments(w pipe.Writer, data []byte, piece int) {
	for off := 0; off < len(data); off += piece {
		b := w.Buffer(4096)
		w.Advance(copy(b[:piece], data[off:]))
	}
}

func TestToIOWritevOverSockets(t *testing.T) {
	client, server := testkit.TCPPair(t)
	unixClient, unixServer := testkit.ConnPair(t, "unix", filepath.Join(t.TempDir(), "s"))
	for _, tc := range []struct {
		name     string
		src, dst net.Conn
	}{{"tcp", client, server}, {"unix", unixClient, unixServer}} {
		t.Run(tc.name, func(t *testing.T) {
			// 3000 segments: more than one writev takes (IOV_MAX is 1024),
			// and more than a socket buffer holds.
			data := testkit.RandomBytes(3000*1000, 12)
			w := writer.ToIO(tc.src, writer.Options{})
			writeSegments(w, data, 1000)
			got := readAllAsync(tc.dst, len(data))
			tc.src.SetWriteDeadline(time.Now().Add(testkit.Wait))
			res, err := w.Flush(testkit.Context(t))
			require.NoError(t, err)
			assert.Equal(t, pipe.FlushResult{}, res)
			assert.Zero(t, w.UnflushedBytes())
			b := receive(t, got)
			require.Equal(t, len(data), len(b))
			assert.True(t, bytes.Equal(data, b), "the bytes arrive intact and in order")
		})
	}
}

var errBoom = errors.New("boom")

func TestToIOWriteErrorsAreStickyAndWrapped(t *testing.T) {
	for _, short := range []bool{false, true} {
		var out bytes.Buffer
		dst := &recordingWriter{w: &out, failAfter: 10, failErr: errBoom, short: short}
		w := writer.ToIO(dst, writer.Options{})
		ctx := testkit.Context(t)

		w.Write([]byte("0123456789abcdef"))
		_, err := w.Flush(ctx)
		require.Error(t, err)
		cause := errBoom
		if short {
			cause = io.ErrShortWrite
		}
		assert.ErrorIs(t, err, cause)
		assert.True(t, strings.HasPrefix(err.Error(), "writer: flush: "), err.Error())
		assert.Zero(t, w.UnflushedBytes(), "the unwritten bytes are dropped")

		// Every later Flush returns the same error, writes nothing and drops
		// what was committed since.
		w.Write([]byte("more"))
		b := w.Buffer(3)
		w.Advance(copy(b, "abc"))
		_, err2 := w.Flush(ctx)
		assert.Equal(t, err, err2)
		assert.Zero(t, w.UnflushedBytes())
		_, err2 = w.Flush(ctx)
		assert.Equal(t, err, err2)
		assert.Equal(t, []int{16}, dst.Writes())

		// Complete does not write after an error either.
		w.Write([]byte("tail"))
		w.Complete(nil)
		assert.Equal(t, []int{16}, dst.Writes())
		assert.Equal(t, "0123456789", out.String())
	}
}

func TestToIODoneContextWritesNothing(t *testing.T) {
	dst := &recordingWriter{}
	w := writer.ToIO(dst, writer.Options{})
	w.Write([]byte("hello"))
	_, err := w.Flush(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, dst.Writes())
	assert.Equal(t, 5, w.UnflushedBytes(), "the bytes stay buffered")

	_, err = w.Flush(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []int{5}, dst.Writes())
}

// stalledPair returns a TCP connection whose peer does not read, with
// small socket buffers so that a flush of a few MB blocks, and a function
// that starts reading everything at the peer.
func stalledPair(t *testing.T) (client *net.TCPConn, startReading func(n int) <-chan []byte) {
	t.Helper()
	client, server := testkit.TCPPair(t)
	client.SetWriteBuffer(16 << 10)
	server.SetReadBuffer(16 << 10)
	return client, func(n int) <-chan []byte { return readAllAsync(server, n) }
}

func TestToIOContextInterruptsBlockedWrite(t *testing.T) {
	for _, name := range []string{"canceled", "deadline"} {
		t.Run(name, func(t *testing.T) {
			client, startReading := stalledPair(t)
			data := testkit.RandomBytes(8<<20, 13)
			w := writer.ToIO(client, writer.Options{})
			writeSegments(w, data, 4096) // one writev of many segments

			var ctx context.Context
			var cancel context.CancelFunc
			want := context.Canceled
			if name == "canceled" {
				ctx, cancel = context.WithCancel(context.Background())
				time.AfterFunc(100*time.Millisecond, cancel)
			} else {
				ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
				want = context.DeadlineExceeded
			}
			defer cancel()
			var err error
			done := testkit.Async(func() { _, err = w.Flush(ctx) })
			testkit.RequireDone(t, done)
			require.ErrorIs(t, err, want)
			left := w.UnflushedBytes()
			assert.Greater(t, left, 0, "the write was cut short")
			assert.Less(t, left, len(data), "part of the data went out")

			// The stream is intact: the rest goes out with the next Flush,
			// and the write deadline was cleared.
			got := startReading(len(data))
			_, err = w.Flush(testkit.Context(t))
			require.NoError(t, err)
			assert.Zero(t, w.UnflushedBytes())
			b := receive(t, got)
			require.Equal(t, len(data), len(b))
			assert.True(t, bytes.Equal(data, b))
		})
	}
}

func TestToIOCancelPendingFlushBeforeFlush(t *testing.T) {
	dst := &recordingWriter{}
	w := writer.ToIO(dst, writer.Options{})
	w.Write([]byte("hello"))
	w.CancelPendingFlush()
	res, err := w.Flush(testkit.Context(t))
	require.NoError(t, err)
	assert.Equal(t, pipe.FlushResult{Canceled: true}, res)
	assert.Empty(t, dst.Writes(), "a canceled Flush writes nothing")
	assert.Equal(t, 5, w.UnflushedBytes())

	// Only one Flush is canceled.
	res, err = w.Flush(testkit.Context(t))
	require.NoError(t, err)
	assert.Equal(t, pipe.FlushResult{}, res)
	assert.Equal(t, []int{5}, dst.Writes())
}

func TestToIOCancelPendingFlushInterruptsBlockedWrite(t *testing.T) {
	client, startReading := stalledPair(t)
	data := testkit.RandomBytes(8<<20, 14)
	w := writer.ToIO(client, writer.Options{})
	w.Write(data) // copied in: a single large segment

	var res pipe.FlushResult
	var err error
	done := testkit.Async(func() { res, err = w.Flush(context.Background()) })
	testkit.RequireBlocked(t, done)
	w.CancelPendingFlush()
	testkit.RequireDone(t, done)
	require.NoError(t, err)
	assert.Equal(t, pipe.FlushResult{Canceled: true}, res)
	assert.Greater(t, w.UnflushedBytes(), 0)

	got := startReading(len(data))
	res, err = w.Flush(testkit.Context(t))
	require.NoError(t, err)
	assert.Equal(t, pipe.FlushResult{}, res, "the cancellation was used up")
	assert.True(t, bytes.Equal(data, receive(t, got)))
}

// blockingWriter blocks every Write until release is closed; it has no
// SetWriteDeadline, so nothing can interrupt it.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	n       atomic.Int64
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.entered <- struct{}{}
	<-b.release
	b.n.Add(int64(len(p)))
	return len(p), nil
}

func TestToIOCancelPendingFlushUninterruptible(t *testing.T) {
	dst := &blockingWriter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	w := writer.ToIO(dst, writer.Options{})
	w.Write([]byte("hello"))
	var res pipe.FlushResult
	var err error
	done := testkit.Async(func() { res, err = w.Flush(context.Background()) })
	<-dst.entered

	// Another Flush meanwhile is refused.
	_, err2 := w.Flush(context.Background())
	assert.ErrorIs(t, err2, pipe.ErrFlushInProgress)

	w.CancelPendingFlush()
	testkit.RequireBlocked(t, done)
	close(dst.release)
	testkit.RequireDone(t, done)
	require.NoError(t, err)
	assert.Equal(t, pipe.FlushResult{Canceled: true}, res, "the Flush in progress is the canceled one")
	assert.Equal(t, int64(5), dst.n.Load(), "its write completed all the same")

	w.Write([]byte("!"))
	res, err = w.Flush(context.Background())
	<-dst.entered
	require.NoError(t, err)
	assert.Equal(t, pipe.FlushResult{}, res)
	assert.Equal(t, int64(6), dst.n.Load())
}

func TestToIOComplete(t *testing.T) {
	t.Run("writes and closes", func(t *testing.T) {
		var out bytes.Buffer
		dst := closingWriter{&recordingWriter{w: &out}}
		w := writer.ToIO(dst, writer.Options{CloseOnComplete: true})
		w.Write([]byte("flushed "))
		w.Flush(testkit.Context(t))
		w.Write([]byte("committed"))
		w.Complete(nil)
		w.Complete(nil) // idempotent
		assert.Equal(t, "flushed committed", out.String())
		assert.Equal(t, []int{8, 9}, dst.Writes())
		assert.Equal(t, 1, dst.closes)
	})
	t.Run("leaves open", func(t *testing.T) {
		dst := closingWriter{&recordingWriter{}}
		w := writer.ToIO(dst, writer.Options{})
		w.Write([]byte("x"))
		w.Complete(nil)
		assert.Equal(t, []int{1}, dst.Writes())
		assert.Zero(t, dst.closes)
	})
	t.Run("with an error drops and closes with it", func(t *testing.T) {
		dst := errClosingWriter{closingWriter{&recordingWriter{}}}
		w := writer.ToIO(dst, writer.Options{CloseOnComplete: true})
		w.Write([]byte("partial message"))
		w.Complete(errBoom)
		assert.Empty(t, dst.Writes())
		assert.Equal(t, 1, dst.closes)
		assert.Equal(t, errBoom, dst.closeErr)
	})
	t.Run("then nothing works", func(t *testing.T) {
		w := writer.ToIO(&recordingWriter{}, writer.Options{})
		w.Complete(nil)
		_, err := w.Flush(testkit.Context(t))
		assert.ErrorIs(t, err, pipe.ErrWriterCompleted)
		_, err = w.Write([]byte("x"))
		assert.ErrorIs(t, err, pipe.ErrWriterCompleted)
		assert.Panics(t, func() { w.Buffer(1) })
		assert.Zero(t, w.UnflushedBytes())
	})
	t.Run("through io.Pipe", func(t *testing.T) {
		pr, pw := io.Pipe()
		w := writer.ToIO(pw, writer.Options{CloseOnComplete: true})
		got := make(chan []byte, 1)
		go func() {
			b, _ := io.ReadAll(pr)
			got <- b
		}()
		w.Write([]byte("bye"))
		w.Complete(nil)
		assert.Equal(t, "bye", string(<-got), "Close ends the reader's stream")
	})
}

func TestToIOCompleteInterruptsBlockedFlush(t *testing.T) {
	client, _ := stalledPair(t)
	w := writer.ToIO(client, writer.Options{CloseOnComplete: true})
	w.Write(testkit.RandomBytes(8<<20, 15))

	var err error
	done := testkit.Async(func() { _, err = w.Flush(context.Background()) })
	testkit.RequireBlocked(t, done)
	completed := testkit.Async(func() { w.Complete(nil) })
	testkit.RequireDone(t, completed)
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, err, pipe.ErrWriterCompleted)
	_, err = client.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed, "CloseOnComplete closed the connection")
}

func TestToIOUsesOptions(t *testing.T) {
	pool := new(pipe.Pool)
	var out bytes.Buffer
	w := writer.ToIO(&out, writer.Options{MinimumSegmentSize: 64 << 10, Pool: pool})
	b := w.Buffer(0)
	assert.GreaterOrEqual(t, len(b), 64<<10, "MinimumSegmentSize sizes the memory")
	w.Advance(copy(b, "x"))
	w.Flush(testkit.Context(t))
	w.Complete(nil)
	assert.Equal(t, "x", out.String())
}

// TestToIOFileIsNotGathered checks that a syscall.Conn that is not a socket
// (an *os.File) still gets one Write per Flush.
func TestToIOFileIsNotGathered(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	w := writer.ToIO(f, writer.Options{CloseOnComplete: true})
	data := testkit.RandomBytes(50_000, 17)
	writeSegments(w, data, 1000)
	_, err = w.Flush(testkit.Context(t))
	require.NoError(t, err)
	w.Complete(nil)
	b, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.Equal(t, data, b)
	assert.ErrorIs(t, f.Close(), os.ErrClosed, "CloseOnComplete closed the file")
}
