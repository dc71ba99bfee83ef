package pgwire_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// scanRows reads the DataRows of s as a client does: with a RowScanner,
// its Next loop or (viaRows) its Rows loop, and a BackendReader for the
// other messages and the rows the scanner leaves. It returns the rows'
// values (copies, nil for NULL), how many the scanner read, and the error
// that stopped the read: a DataRow's, or the framing error of the
// BackendReader (protocol.ErrIncomplete at a cut message), or nil at the
// end of s. Through Rows, a row whose Values met a malformed value is in
// rows as far as it was yielded (the loop then stops with the error).
func scanRows(s pipe.Sequence, max int64, viaRows bool) (rows [][][]byte, scanned int, err error) {
	codec := pgwire.BackendReader{MaxMessageSize: max}
	sc := pgwire.RowScanner{MaxMessageSize: max}
	for {
		sc.Reset(s)
		if viaRows {
			for row := range sc.Rows() {
				var vals [][]byte
				for v := range row.Values() {
					vals = append(vals, v)
				}
				rows = append(rows, copyValues(vals))
				scanned++
			}
		} else {
			for sc.Next() {
				rows = append(rows, copyValues(sc.Values()))
				scanned++
			}
		}
		if err := sc.Err(); err != nil {
			return rows, scanned, err
		}
		s = sc.Rest()
		if s.IsEmpty() {
			return rows, scanned, nil
		}
		m, consumed, _, err := codec.Parse(s)
		if err != nil {
			return rows, scanned, err
		}
		if m.Type == pgwire.TypeDataRow {
			r, err := pgwire.DecodeDataRow(m)
			if err != nil {
				return rows, scanned, err
			}
			vals, ok := r.AppendValues(nil)
			if !ok {
				for cols := r.Columns(); cols.Next(); {
					if v := cols.Value(); v.Null {
						vals = append(vals, nil)
					} else {
						vals = append(vals, v.Data.Bytes())
					}
				}
			}
			rows = append(rows, copyValues(vals))
		}
		s = s.SliceFrom(consumed)
	}
}

// copyValues copies values, keeping nil (NULL) and empty apart.
func copyValues(values [][]byte) [][]byte {
	out := make([][]byte, len(values))
	for i, v := range values {
		if v != nil {
			out[i] = append([]byte{}, v...)
		}
	}
	return out
}

var scanFields = []pgwire.Field{{Name: "id", TypeOID: 23, TypeSize: 4}, {Name: "name", TypeOID: 25, TypeSize: -1}, {Name: "v", TypeOID: 25, TypeSize: -1}}

// scanInput is a result: its RowDescription, rows and end.
func scanInput(t *testing.T) ([]byte, [][][]byte) {
	rows := [][][]byte{
		{[]byte("1"), []byte("one"), nil},
		{{}, nil, []byte("a longer value, to cross more edges")},
		{},
		{[]byte("4"), []byte("four"), []byte("t")},
	}
	msgs := []msg{{enc: func(w *writer.Cursor) error { return pgwire.AppendRowDescription(w, scanFields) }}}
	for _, r := range rows {
		msgs = append(msgs, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, r) }})
	}
	msgs = append(msgs,
		msg{enc: func(w *writer.Cursor) error { return pgwire.AppendCommandComplete(w, "SELECT 4") }},
		msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, rows[0]) }},
		msg{enc: func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxIdle) }})
	return encode(t, msgs...), append(rows, rows[0])
}

// A RowScanner reads the rows, NULL and empty values apart, whatever the
// segment edges: the same rows as DecodeDataRow; in one segment it reads
// every row itself, and the values are slices of the buffer with their
// capacity cut.
func TestRowScannerAcrossEdges(t *testing.T) {
	data, want := scanInput(t)
	requireRowsAcrossEdges(t, data, want, false)

	var sc pgwire.RowScanner
	sc.Reset(pipe.SequenceOf(data))
	require.False(t, sc.Next(), "RowDescription first")
	require.Equal(t, int64(len(data)), sc.Rest().Len())
	first := pipe.SequenceOf(data).SliceFrom(mustParse(t, pipe.SequenceOf(data)))
	sc.Reset(first)
	require.True(t, sc.Next())
	v := sc.Values()
	require.Len(t, v, 3)
	require.Nil(t, v[2])
	require.Equal(t, 1, cap(v[0]), "capacity cut at the value's end")
	require.True(t, sc.Next())
	require.NotNil(t, sc.Values()[0], "empty, not NULL")
	require.Empty(t, sc.Values()[0])
	require.True(t, sc.Next())
	require.Empty(t, sc.Values())
	require.True(t, sc.Next())
	require.False(t, sc.Next(), "CommandComplete")
	require.NoError(t, sc.Err())
	m, _, _, err := (&pgwire.BackendReader{}).Parse(sc.Rest())
	require.NoError(t, err)
	require.Equal(t, pgwire.TypeCommandComplete, m.Type)
}

// mustParse returns the position after the first message of s.
func mustParse(t *testing.T, s pipe.Sequence) pipe.Position {
	_, consumed, _, err := (&pgwire.BackendReader{}).Parse(s)
	require.NoError(t, err)
	return consumed
}

// A malformed DataRow stops the scan with DecodeDataRow's error, the rows
// before it read and Rest at it; a cut row, or one over MaxMessageSize, is
// left to the BackendReader without an error.
func TestRowScannerStops(t *testing.T) {
	good := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("ok")}) }})
	bodies := [][]byte{
		{},                             // no count
		{0x80, 0},                      // negative count
		{0, 1, 0, 0},                   // short length word
		{0, 1, 0xff, 0xff, 0xff, 0xfe}, // length -2
		{0, 1, 0, 0, 0, 9, 'x'},        // past the end
		{0, 1, 0, 0, 0, 1, 'x', 'y'},   // an extra byte
		{0, 2, 0xff, 0xff, 0xff, 0xff}, // a missing column
	}
	for _, body := range bodies {
		bad := append([]byte{pgwire.TypeDataRow, 0, 0, 0, 0}, body...)
		binary.BigEndian.PutUint32(bad[1:], uint32(4+len(body)))
		data := append(append(append([]byte{}, good...), bad...), good...)
		m, _, _, err := (&pgwire.BackendReader{}).Parse(pipe.SequenceOf(bad))
		require.NoError(t, err)
		_, wantErr := pgwire.DecodeDataRow(m)
		require.ErrorIs(t, wantErr, pgwire.ErrMalformed)

		var sc pgwire.RowScanner
		sc.Reset(pipe.SequenceOf(data))
		require.True(t, sc.Next())
		require.False(t, sc.Next(), "body %x", body)
		require.EqualError(t, sc.Err(), wantErr.Error())
		require.ErrorIs(t, sc.Err(), pgwire.ErrMalformed)
		require.Empty(t, sc.Values())
		require.False(t, sc.Next(), "the error sticks")
		require.Equal(t, int64(len(data)-len(good)), sc.Rest().Len())
		// The same, the bad row cut by a segment edge.
		sc.Reset(codectest.Split(data, []int{len(good) + 3}))
		require.True(t, sc.Next())
		require.False(t, sc.Next(), "body %x, cut", body)
		require.EqualError(t, sc.Err(), wantErr.Error())
		require.Equal(t, int64(len(data)-len(good)), sc.Rest().Len())
		sc.Reset(pipe.SequenceOf(good))
		require.NoError(t, sc.Err(), "Reset clears it")
		require.True(t, sc.Next())
	}

	// Cut: incomplete, left without an error.
	var sc pgwire.RowScanner
	sc.Reset(pipe.SequenceOf(append(append([]byte{}, good...), good[:len(good)-1]...)))
	require.True(t, sc.Next())
	require.False(t, sc.Next())
	require.NoError(t, sc.Err())
	require.Equal(t, int64(len(good)-1), sc.Rest().Len())

	requireLeftToBackendReader(t, good, false)

	// The zero RowScanner reads nothing.
	var zero pgwire.RowScanner
	require.False(t, zero.Next())
	require.NoError(t, zero.Err())
	require.True(t, zero.Rest().IsEmpty())
}

// AppendValues appends a contiguous row's values after dst's, slices of
// the body, and refuses a body across segments, leaving dst as it was.
func TestAppendValues(t *testing.T) {
	row := [][]byte{[]byte("42"), nil, {}, []byte("name")}
	data := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, row) }})
	m, _, _, err := (&pgwire.BackendReader{}).Parse(pipe.SequenceOf(data))
	require.NoError(t, err)
	r, err := pgwire.DecodeDataRow(m)
	require.NoError(t, err)
	dst := [][]byte{[]byte("before")}
	got, ok := r.AppendValues(dst)
	require.True(t, ok)
	require.Equal(t, append([][]byte{[]byte("before")}, row...), got)
	require.NotNil(t, got[3])
	require.Nil(t, got[2])
	require.Equal(t, 2, cap(got[1]))
	require.Same(t, &data[len(data)-4], &got[4][0], "in place")

	m, _, _, err = (&pgwire.BackendReader{}).Parse(codectest.Split(data, []int{12}))
	require.NoError(t, err)
	r, err = pgwire.DecodeDataRow(m)
	require.NoError(t, err)
	got, ok = r.AppendValues(dst)
	require.False(t, ok)
	require.Equal(t, dst, got)

	got, ok = pgwire.DataRow{}.AppendValues(nil)
	require.True(t, ok)
	require.Empty(t, got)
}

// requireLeftToBackendReader checks that a scan, through the Next loop or
// (viaRows) the Rows loop, leaves a row over MaxMessageSize, and a large
// row a segment edge cuts, to the BackendReader; good is a small DataRow.
func requireLeftToBackendReader(t *testing.T, good []byte, viaRows bool) {
	t.Helper()
	// Over the limit: left to the BackendReader, which reports it.
	long := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{make([]byte, 100)}) }})
	rows, scanned, err := scanRows(pipe.SequenceOf(append(append([]byte{}, good...), long...)), 64, viaRows)
	require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
	require.Len(t, rows, 1)
	require.Equal(t, 1, scanned)
	rows, scanned, err = scanRows(pipe.SequenceOf(long), -1, viaRows)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Equal(t, 1, scanned)

	// A large row cut by a segment edge is left to the BackendReader.
	big := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{make([]byte, 5000), nil}) }})
	data := append(append(append([]byte{}, good...), big...), good...)
	rows, scanned, err = scanRows(codectest.Split(data, []int{len(good) + 2500}), 0, viaRows)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Len(t, rows[1][0], 5000)
	require.Nil(t, rows[1][1])
	require.Equal(t, 2, scanned)
	rows, scanned, err = scanRows(pipe.SequenceOf(data), 0, viaRows)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, 3, scanned, "in place when whole in a segment")
}

// requireRowsAcrossEdges checks that scanRows, through the Next loop or
// (viaRows) the Rows loop, reads want from data in one segment and cut
// by every pair of edges (the second every 7 bytes), every row by the
// scanner itself.
func requireRowsAcrossEdges(t *testing.T, data []byte, want [][][]byte, viaRows bool) {
	t.Helper()
	rows, scanned, err := scanRows(pipe.SequenceOf(data), 0, viaRows)
	require.NoError(t, err)
	require.Equal(t, want, rows)
	require.Equal(t, len(want), scanned)
	for cut := range len(data) + 1 {
		for cut2 := cut; cut2 <= len(data); cut2 += 7 {
			rows, scanned, err := scanRows(codectest.Split(data, []int{cut, cut2}), 0, viaRows)
			require.NoError(t, err, "cuts %d %d", cut, cut2)
			require.Equal(t, want, rows, "cuts %d %d", cut, cut2)
			require.Equal(t, len(want), scanned, "cuts %d %d: cut rows copied", cut, cut2)
		}
	}
}
