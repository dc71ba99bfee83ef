package protocol

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/writer"
)

// Writer writes messages of type T to a pipe.Writer with a MessageWriter.
// Each Write or WriteMany flushes once. It is safe for concurrent use:
// calls are serialised, so messages never interleave.
type Writer[T any] struct {
	mu    sync.Mutex
	out   pipe.Writer
	codec MessageWriter[T]
	cur   writer.Cursor
}

// NewWriter returns a Writer of messages to out as codec writes them.
func NewWriter[T any](out pipe.Writer, codec MessageWriter[T]) *Writer[T] {
	return &Writer[T]{out: out, codec: codec, cur: writer.NewCursor(out)}
}

// Write writes msg and flushes. A flush the pipe's backpressure holds up
// waits; ctx bounds the wait. When the reader of the pipe is gone, Write
// returns an error wrapping io.ErrClosedPipe.
func (w *Writer[T]) Write(ctx context.Context, msg T) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.codec.WriteMessage(msg, &w.cur); err != nil {
		w.cur.Commit()
		return err
	}
	return w.flush(ctx)
}

// WriteMany writes msgs and flushes once.
func (w *Writer[T]) WriteMany(ctx context.Context, msgs ...T) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range msgs {
		if err := w.codec.WriteMessage(m, &w.cur); err != nil {
			w.cur.Commit()
			return err
		}
	}
	return w.flush(ctx)
}

func (w *Writer[T]) flush(ctx context.Context) error {
	w.cur.Commit()
	res, err := w.out.Flush(ctx)
	switch {
	case err != nil:
		return err
	case res.Completed:
		return fmt.Errorf("protocol: write: the reader is gone: %w", io.ErrClosedPipe)
	case res.Canceled:
		return writer.ErrFlushCanceled
	}
	return nil
}
