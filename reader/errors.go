package reader

import "errors"

// ErrIncomplete is returned by a Cursor read whose value does not end
// within the remaining bytes: more data is needed. Nothing is consumed, so
// the same read can be retried once the Sequence has grown.
var ErrIncomplete = errors.New("reader: incomplete: more data needed")

// ErrOverflow is returned by Cursor.ReadUvarint and Cursor.ReadVarint when
// the varint does not fit in 64 bits. Nothing is consumed.
var ErrOverflow = errors.New("reader: varint overflows a 64-bit integer")
