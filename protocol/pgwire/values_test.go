package pgwire_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// The columns of a DataRow read the same, NULLs and empty values included,
// whatever the segment edges: contiguous bodies take the fast path of
// Values, split ones the other; Remaining counts them before the first
// Next too, and every cut of the frame gives the same Message.
func TestDataRowColumnsAcrossEdges(t *testing.T) {
	row := [][]byte{[]byte("100001"), nil, {}, []byte("item 1234abcd"), []byte("t")}
	data := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, row) }})
	for cut := range len(data) + 1 {
		for cut2 := cut; cut2 <= len(data); cut2 += 3 {
			s := codectest.Split(data, []int{cut, cut2})
			var r pgwire.BackendReader
			m, consumed, _, err := r.Parse(s)
			require.NoError(t, err, "cuts %d %d", cut, cut2)
			require.Equal(t, s.Len(), s.Offset(consumed))
			dr, err := pgwire.DecodeDataRow(m)
			require.NoError(t, err)
			require.Equal(t, len(row), dr.NumColumns())
			cols := dr.Columns()
			require.Equal(t, len(row), cols.Remaining())
			for i, want := range row {
				require.True(t, cols.Next(), "cuts %d %d: column %d", cut, cut2, i)
				require.Equal(t, len(row)-i-1, cols.Remaining())
				require.Equal(t, want == nil, cols.Null())
				require.Equal(t, len(want), cols.Len())
				require.Equal(t, string(want), cols.Data().String())
				if b, ok := cols.Contiguous(); ok {
					require.Equal(t, string(want), string(b))
				} else if want != nil {
					require.False(t, cols.Data().IsSingleSegment(), "column %d: not contiguous but one segment", i)
				}
				require.Equal(t, want == nil, cols.Value().Null)
			}
			require.False(t, cols.Next())
			require.False(t, cols.Next())
			require.Equal(t, 0, cols.Remaining())
		}
	}
}

// The zero DataRow and the zero Values are empty.
func TestZeroValues(t *testing.T) {
	var row pgwire.DataRow
	require.Equal(t, 0, row.NumColumns())
	cols := row.Columns()
	require.Equal(t, 0, cols.Remaining())
	require.False(t, cols.Next())
	var v pgwire.Values
	require.False(t, v.Next())
	require.Equal(t, 0, v.Remaining())
}

// A DataRow of no columns iterates over nothing.
func TestDataRowNoColumns(t *testing.T) {
	data := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, nil) }})
	var r pgwire.BackendReader
	m, _, _, err := r.Parse(pipe.SequenceOf(data))
	require.NoError(t, err)
	dr, err := pgwire.DecodeDataRow(m)
	require.NoError(t, err)
	require.Equal(t, 0, dr.NumColumns())
	cols := dr.Columns()
	require.Equal(t, 0, cols.Remaining())
	require.False(t, cols.Next())
}

// BackendReader's fast path leaves the checks of the slow one intact: a
// declared length below 4, a type byte of 0 and a message over the limit
// fail the same whether the frame is contiguous or not.
func TestBackendReaderFastPathChecks(t *testing.T) {
	for _, frame := range [][]byte{
		{'D', 0, 0, 0, 3, 0, 0, 0},
		{0, 0, 0, 0, 4, 0},
		{'D', 0x7f, 0xff, 0xff, 0xff, 0},
		{'D', 0xff, 0xff, 0xff, 0xff, 0},
	} {
		var r pgwire.BackendReader
		_, _, _, fast := r.Parse(pipe.SequenceOf(frame))
		require.Error(t, fast, "%q", frame)
		require.NotErrorIs(t, fast, pgwire.ErrWrongType)
		_, _, _, slow := r.Parse(pipe.SequenceOf(frame[:2], frame[2:]))
		require.Equal(t, fast.Error(), slow.Error(), "%q", frame)
	}
	// A whole message is read the same with a limit set (the slow path).
	data := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("x")}) }})
	r := pgwire.BackendReader{MaxMessageSize: 100}
	m, _, _, err := r.Parse(pipe.SequenceOf(data))
	require.NoError(t, err)
	require.Equal(t, pgwire.TypeDataRow, m.Type)
	require.Equal(t, int64(len(data)-5), m.Body.Len())
}

// A malformed DataRow fails with the same error whether its body is
// contiguous (the fast loop) or split (the dec loop).
func TestDataRowErrorsSameAcrossEdges(t *testing.T) {
	for _, body := range [][]byte{
		{0, 2, 0, 0, 0, 1, 'x'},
		{0, 1, 0, 0, 0, 5, 'x'},
		{0, 1, 0xff, 0xff, 0xff, 0xfe},
		{0, 1, 0xff, 0xff, 0xff, 0xff, 'x'},
		{0, 2, 0, 0, 0, 0, 0, 0},
		{0, 3, 0, 0, 0, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 'b'},
	} {
		_, flat := pgwire.DecodeDataRow(pgwire.Message{Type: pgwire.TypeDataRow, Body: pipe.SequenceOf(body)})
		require.ErrorIs(t, flat, pgwire.ErrMalformed, "%x", body)
		for cut := 1; cut < len(body); cut++ {
			_, split := pgwire.DecodeDataRow(pgwire.Message{Type: pgwire.TypeDataRow, Body: pipe.SequenceOf(body[:cut], body[cut:])})
			require.Equal(t, flat.Error(), split.Error(), "%x cut at %d", body, cut)
		}
	}
}
