package pgwire_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// A Rows loop reads the same rows as the Next loop, NULL and empty values
// apart, whatever the segment edges, every one of them itself; the values
// are slices of the buffer with their capacity cut.
func TestRowsAcrossEdges(t *testing.T) {
	data, want := scanInput(t)
	requireRowsAcrossEdges(t, data, want, true)

	var sc pgwire.RowScanner
	first := pipe.SequenceOf(data).SliceFrom(mustParse(t, pipe.SequenceOf(data)))
	sc.Reset(first)
	var got []pgwire.Row
	for row := range sc.Rows() {
		require.Empty(t, sc.Values(), "no Values in a Rows loop")
		got = append(got, row)
		if len(got) == 1 {
			var vals [][]byte
			for v := range row.Values() {
				vals = append(vals, v)
			}
			require.Len(t, vals, 3)
			require.Nil(t, vals[2])
			require.Equal(t, 1, cap(vals[0]), "capacity cut at the value's end")
			require.Same(t, &data[len(data)-int(first.Len())+11], &vals[0][0], "in place")
		}
		if len(got) == 2 {
			for v := range row.Values() {
				require.NotNil(t, v, "empty, not NULL")
				require.Empty(t, v)
				break
			}
		}
	}
	require.Len(t, got, 4)
	require.Equal(t, []int{3, 3, 0, 3}, []int{got[0].NumColumns(), got[1].NumColumns(), got[2].NumColumns(), got[3].NumColumns()})
	require.NoError(t, sc.Err())
	m, _, _, err := (&pgwire.BackendReader{}).Parse(sc.Rest())
	require.NoError(t, err)
	require.Equal(t, pgwire.TypeCommandComplete, m.Type, "Rest after the last row")
}

// A loop that leaves Rows early leaves Rest after the last row yielded; a
// loop that leaves a row's Values early goes on with the next row.
func TestRowsBreak(t *testing.T) {
	data, want := scanInput(t)
	first := pipe.SequenceOf(data).SliceFrom(mustParse(t, pipe.SequenceOf(data)))
	var sc pgwire.RowScanner
	sc.Reset(first)
	n := 0
	for row := range sc.Rows() {
		for range row.Values() {
			break
		}
		if n++; n == 2 {
			break
		}
	}
	require.NoError(t, sc.Err())
	rest := sc.Rest()
	require.Less(t, rest.Len(), first.Len())
	rows, _, err := scanRows(rest, 0, true)
	require.NoError(t, err)
	require.Equal(t, want[2:], rows, "the rows after the second")

	// The values a loop does not reach are not checked: the frames are.
	good := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("ok"), nil}) }})
	bad := []byte{pgwire.TypeDataRow, 0, 0, 0, 15, 0, 2, 0, 0, 0, 1, 'x', 0xff, 0xff, 0xff, 0xfe}
	sc.Reset(pipe.SequenceOf(append(append(append([]byte{}, good...), bad...), good...)))
	var firsts []string
	for row := range sc.Rows() {
		for v := range row.Values() {
			firsts = append(firsts, string(v))
			break
		}
	}
	require.NoError(t, sc.Err())
	require.Equal(t, []string{"ok", "x", "ok"}, firsts)
	require.True(t, sc.Rest().IsEmpty())

	// The zero Row, and the zero RowScanner.
	require.Zero(t, pgwire.Row{}.NumColumns())
	for range (pgwire.Row{}).Values() {
		t.Fatal("a value of the zero Row")
	}
	var zero pgwire.RowScanner
	for range zero.Rows() {
		t.Fatal("a row of the zero RowScanner")
	}
	require.NoError(t, zero.Err())
	require.True(t, zero.Rest().IsEmpty())
}

// A malformed DataRow stops the Rows loop with DecodeDataRow's error, the
// rows before it read and Rest at it; in place, the values before its
// first bad length are yielded first; cut by a segment edge, it is checked
// whole and not yielded. A row cut in the buffer, or over MaxMessageSize,
// is left to the BackendReader without an error.
func TestRowsStops(t *testing.T) {
	good := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("ok")}) }})
	bodies := []struct {
		body    []byte
		yielded [][]byte // in place, before the error
	}{
		{[]byte{}, nil},                                                 // no count
		{[]byte{0x80, 0}, nil},                                          // negative count
		{[]byte{0, 1, 0, 0}, [][]byte{}},                                // short length word
		{[]byte{0, 1, 0xff, 0xff, 0xff, 0xfe}, [][]byte{}},              // length -2
		{[]byte{0, 1, 0, 0, 0, 9, 'x'}, [][]byte{}},                     // past the end
		{[]byte{0, 1, 0, 0, 0, 1, 'x', 'y'}, [][]byte{[]byte("x")}},     // an extra byte
		{[]byte{0, 2, 0xff, 0xff, 0xff, 0xff}, [][]byte{nil}},           // a missing column
		{[]byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 9, 'x'}, [][]byte{[]byte{}}}, // the second past the end
	}
	for _, c := range bodies {
		bad := append([]byte{pgwire.TypeDataRow, 0, 0, 0, 0}, c.body...)
		binary.BigEndian.PutUint32(bad[1:], uint32(4+len(c.body)))
		data := append(append(append([]byte{}, good...), bad...), good...)
		m, _, _, err := (&pgwire.BackendReader{}).Parse(pipe.SequenceOf(bad))
		require.NoError(t, err)
		_, wantErr := pgwire.DecodeDataRow(m)
		require.ErrorIs(t, wantErr, pgwire.ErrMalformed)

		rows, scanned, err := scanRows(pipe.SequenceOf(data), 0, true)
		require.EqualError(t, err, wantErr.Error(), "body %x", c.body)
		require.ErrorIs(t, err, pgwire.ErrMalformed)
		wantRows := [][][]byte{{[]byte("ok")}}
		if c.yielded != nil {
			wantRows = append(wantRows, c.yielded)
		}
		require.Equal(t, wantRows, rows, "body %x", c.body)
		require.Equal(t, len(wantRows), scanned)

		var sc pgwire.RowScanner
		sc.Reset(pipe.SequenceOf(data))
		for row := range sc.Rows() {
			for range row.Values() {
			}
		}
		require.EqualError(t, sc.Err(), wantErr.Error())
		require.Equal(t, int64(len(data)-len(good)), sc.Rest().Len(), "Rest at the bad row")
		for range sc.Rows() {
			t.Fatal("the error sticks")
		}
		require.False(t, sc.Next(), "for Next too")

		// The same, the bad row cut by a segment edge: checked whole.
		rows, _, err = scanRows(codectest.Split(data, []int{len(good) + 3}), 0, true)
		require.EqualError(t, err, wantErr.Error(), "body %x, cut", c.body)
		require.Equal(t, [][][]byte{{[]byte("ok")}}, rows)
		sc.Reset(codectest.Split(data, []int{len(good) + 3}))
		for range sc.Rows() {
		}
		require.Equal(t, int64(len(data)-len(good)), sc.Rest().Len())
		sc.Reset(pipe.SequenceOf(good))
		require.NoError(t, sc.Err(), "Reset clears it")
		require.True(t, sc.Next())
	}

	// Cut: incomplete, left without an error.
	var sc pgwire.RowScanner
	sc.Reset(pipe.SequenceOf(append(append([]byte{}, good...), good[:len(good)-1]...)))
	n := 0
	for range sc.Rows() {
		n++
	}
	require.Equal(t, 1, n)
	require.NoError(t, sc.Err())
	require.Equal(t, int64(len(good)-1), sc.Rest().Len())

	requireLeftToBackendReader(t, good, true)
}

// DataRow.Row gives a contiguous row's values in place, as AppendValues
// does, and refuses a body across segments.
func TestDataRowRow(t *testing.T) {
	row := [][]byte{[]byte("42"), nil, {}, []byte("name")}
	data := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, row) }})
	m, _, _, err := (&pgwire.BackendReader{}).Parse(pipe.SequenceOf(data))
	require.NoError(t, err)
	r, err := pgwire.DecodeDataRow(m)
	require.NoError(t, err)
	rr, ok := r.Row()
	require.True(t, ok)
	require.Equal(t, 4, rr.NumColumns())
	var got [][]byte
	for v := range rr.Values() {
		got = append(got, v)
	}
	require.Equal(t, row, got)
	require.Nil(t, got[1])
	require.NotNil(t, got[2])
	require.Equal(t, 2, cap(got[0]))
	require.Same(t, &data[len(data)-4], &got[3][0], "in place")

	m, _, _, err = (&pgwire.BackendReader{}).Parse(codectest.Split(data, []int{12}))
	require.NoError(t, err)
	r, err = pgwire.DecodeDataRow(m)
	require.NoError(t, err)
	_, ok = r.Row()
	require.False(t, ok, "across segments")

	rr, ok = pgwire.DataRow{}.Row()
	require.True(t, ok)
	require.Zero(t, rr.NumColumns())
	for range rr.Values() {
		t.Fatal("a value of the zero DataRow")
	}
}
