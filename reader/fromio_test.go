package reader_test

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

func TestFromIOStreamsEverything(t *testing.T) {
	size := testkit.BigSize()
	data := testkit.RandomBytes(1<<20, 1)
	src := io.LimitReader(&repeatReader{data: data}, int64(size))
	r := reader.FromIO(src, reader.Options{BufferSize: 16 << 10})

	h := crc32.NewIEEE()
	n, err := io.Copy(h, reader.Stream(r))
	require.NoError(t, err)
	assert.Equal(t, int64(size), n)

	want := crc32.NewIEEE()
	io.Copy(want, io.LimitReader(&repeatReader{data: data}, int64(size)))
	assert.Equal(t, want.Sum32(), h.Sum32())
}

// repeatReader yields its data over and over.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.data[r.off:])
		n += c
		r.off = (r.off + c) % len(r.data)
	}
	return n, nil
}

func TestFromIOReadsOnlyWhenExamined(t *testing.T) {
	src := &countingReader{r: iotest.OneByteReader(bytes.NewReader([]byte("abc")))}
	r := reader.FromIO(src, reader.Options{})
	ctx := testkit.Context(t)

	res, err := r.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "a", res.Buffer.String())
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.Start()) // nothing examined
	res, err = r.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "a", res.Buffer.String())
	assert.Equal(t, 1, src.reads, "unexamined bytes are returned without reading the source")

	r.AdvanceTo(res.Buffer.Start(), res.Buffer.End()) // need more
	res, err = r.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "ab", res.Buffer.String())
	assert.Equal(t, 2, src.reads)
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())

	res, err = r.ReadAtLeast(ctx, 5) // only "c" is left before EOF
	require.NoError(t, err)
	assert.True(t, res.Completed)
	assert.Equal(t, "c", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

func TestFromIOReadAtLeastGathersSeveralReads(t *testing.T) {
	src := iotest.HalfReader(bytes.NewReader(bytes.Repeat([]byte("x"), 10000)))
	r := reader.FromIO(src, reader.Options{BufferSize: 512})
	res, err := r.ReadAtLeast(testkit.Context(t), 3000)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Buffer.Len(), int64(3000))
	assert.False(t, res.Buffer.IsSingleSegment(), "512-byte buffers")
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestFromIOErrorComesAfterTheData(t *testing.T) {
	boom := errors.New("disk on fire")
	src := io.MultiReader(bytes.NewReader([]byte("last words")), iotest.ErrReader(boom))
	r := reader.FromIO(src, reader.Options{})
	ctx := testkit.Context(t)

	res, err := r.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "last words", res.Buffer.String())
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.End())

	_, err = r.Read(ctx)
	assert.ErrorIs(t, err, boom)
	assert.ErrorContains(t, err, "reader: read: ")
	_, err = r.Read(ctx)
	assert.ErrorIs(t, err, boom, "sticky")
}

func TestFromIONoProgress(t *testing.T) {
	r := reader.FromIO(emptyReader{}, reader.Options{})
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, io.ErrNoProgress)
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestFromIOContextInterruptsBlockedRead(t *testing.T) {
	client, server := testkit.TCPPair(t)
	r := reader.FromIO(server, reader.Options{})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := r.Read(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// The connection still works: the read deadline was cleared.
	_, err = client.Write([]byte("after"))
	require.NoError(t, err)
	res, err := r.ReadAtLeast(testkit.Context(t), 5)
	require.NoError(t, err)
	assert.Equal(t, "after", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestFromIOCancelPendingRead(t *testing.T) {
	client, server := testkit.TCPPair(t)
	r := reader.FromIO(server, reader.Options{})

	var res pipe.ReadResult
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err = r.Read(testkit.Context(t))
	}()
	time.Sleep(20 * time.Millisecond) // let it block in the socket read
	r.CancelPendingRead()
	select {
	case <-done:
	case <-time.After(testkit.Wait):
		t.Fatal("CancelPendingRead did not interrupt the read")
	}
	require.NoError(t, err)
	assert.True(t, res.Canceled)
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())

	_, err = client.Write([]byte("more"))
	require.NoError(t, err)
	res, err = r.ReadAtLeast(testkit.Context(t), 4)
	require.NoError(t, err)
	assert.False(t, res.Canceled)
	assert.Equal(t, "more", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

// readCounter is a TCP connection that counts the reads it serves; it is
// still a syscall.Conn, so zero-byte reads apply to it.
type readCounter struct {
	*net.TCPConn
	reads atomic.Int32
}

func (c *readCounter) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.TCPConn.Read(p)
}

func TestFromIOZeroByteReadsHoldNoBufferWhileIdle(t *testing.T) {
	for _, zero := range []bool{false, true} {
		client, server := testkit.TCPPair(t)
		src := &readCounter{TCPConn: server}
		r := reader.FromIO(src, reader.Options{ZeroByteReads: zero})

		got := make(chan string, 1)
		go func() {
			res, err := r.Read(testkit.Context(t))
			if err != nil {
				got <- err.Error()
				return
			}
			got <- res.Buffer.String()
			r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		}()
		time.Sleep(30 * time.Millisecond) // idle
		if zero {
			assert.Zero(t, src.reads.Load(), "waiting idle without a buffer: no Read issued yet")
		} else {
			assert.Equal(t, int32(1), src.reads.Load(), "blocked inside Read, holding its buffer")
		}
		_, err := client.Write([]byte("wake"))
		require.NoError(t, err)
		select {
		case s := <-got:
			assert.Equal(t, "wake", s)
		case <-time.After(testkit.Wait):
			t.Fatal("no data")
		}
		assert.Equal(t, int32(1), src.reads.Load())
	}
}

func TestFromIOZeroByteReadsSeeEOF(t *testing.T) {
	client, server := testkit.TCPPair(t)
	r := reader.FromIO(server, reader.Options{ZeroByteReads: true})
	client.Close()
	res, err := r.Read(testkit.Context(t))
	require.NoError(t, err)
	assert.True(t, res.Completed)
	assert.True(t, res.Buffer.IsEmpty())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestFromIOCloseOnComplete(t *testing.T) {
	for _, closeIt := range []bool{false, true} {
		src := &closeRecorder{Reader: bytes.NewReader(nil)}
		r := reader.FromIO(src, reader.Options{CloseOnComplete: closeIt})
		r.Complete(nil)
		assert.Equal(t, closeIt, src.closed)
		_, err := r.Read(testkit.Context(t))
		assert.ErrorIs(t, err, pipe.ErrReaderCompleted)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error {
	c.closed = true
	return nil
}
