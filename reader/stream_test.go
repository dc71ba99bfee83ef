package reader_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

func TestStreamRead(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 4})
	w := p.Writer()
	w.Write([]byte("hello, world"))
	w.Complete(nil)

	s := reader.Stream(p.Reader())
	buf := make([]byte, 5)
	var got []byte
	for {
		n, err := s.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		assert.LessOrEqual(t, n, 5)
	}
	assert.Equal(t, "hello, world", string(got))
	n, err := s.Read(nil)
	assert.Zero(t, n)
	assert.NoError(t, err, "a zero-length read does not touch the pipe")
}

func TestStreamPassesWriterErrors(t *testing.T) {
	p := pipe.New(pipe.Options{})
	boom := errors.New("upstream failed")
	p.Writer().Write([]byte("part"))
	p.Writer().Complete(boom)

	got, err := io.ReadAll(reader.Stream(p.Reader()))
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, "part", string(got), "the data before the error")
}

func TestStreamWriteTo(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 64})
	data := testkit.RandomBytes(100_000, 3)
	go func() {
		w := p.Writer()
		for b := data; len(b) > 0; b = b[min(len(b), 777):] {
			w.Write(b[:min(len(b), 777)])
			w.Flush(context.Background())
		}
		w.Complete(nil)
	}()
	s := reader.Stream(p.Reader())
	_, ok := s.(io.WriterTo)
	require.True(t, ok, "io.Copy takes the no-copy path")
	var out bytes.Buffer
	n, err := io.Copy(&out, s)
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), n)
	assert.Equal(t, data, out.Bytes())
}

func TestStreamCloseCompletesTheReader(t *testing.T) {
	p := pipe.New(pipe.Options{})
	s := reader.Stream(p.Reader())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "idempotent")
	res, err := p.Writer().Flush(context.Background())
	require.NoError(t, err)
	assert.True(t, res.Completed, "the writer learns that nobody reads")
}

func TestStreamCanceledRead(t *testing.T) {
	p := pipe.New(pipe.Options{})
	p.Reader().CancelPendingRead()
	_, err := reader.Stream(p.Reader()).Read(make([]byte, 1))
	assert.ErrorIs(t, err, reader.ErrReadCanceled)
}
