package pipe

import "errors"

// Errors returned by the Pipe's Reader and Writer. Errors a peer completes
// with are passed through unchanged, so errors.Is works on them.
var (
	// ErrReaderCompleted is returned by a Read after the reader completed.
	ErrReaderCompleted = errors.New("pipe: read after the reader completed")

	// ErrWriterCompleted is returned by a Write or Flush after the writer
	// completed.
	ErrWriterCompleted = errors.New("pipe: write after the writer completed")

	// ErrReadInProgress is returned by a Read while another Read is waiting,
	// or before the buffer of the previous Read was handed back with
	// AdvanceTo or Consume.
	ErrReadInProgress = errors.New("pipe: read while a read is in progress (call AdvanceTo after every Read)")

	// ErrFlushInProgress is returned by a Flush while another Flush is
	// waiting.
	ErrFlushInProgress = errors.New("pipe: flush while a flush is in progress")

	// ErrAborted is what Read and Flush return after Abort(nil).
	ErrAborted = errors.New("pipe: aborted")
)
