package pgwire_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// parseOne encodes one message and parses it back from the given cuts.
func parseOne(t *testing.T, backend bool, cuts []int, enc func(w *writer.Cursor) error) pgwire.Message {
	data := encode(t, msg{enc: enc})
	var r interface {
		Parse(pipe.Sequence) (pgwire.Message, pipe.Position, pipe.Position, error)
	} = &pgwire.FrontendReader{StartupDone: true}
	if backend {
		r = &pgwire.BackendReader{}
	}
	m, consumed, _, err := r.Parse(codectest.Split(data, cuts))
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), int64(len(data))-codectest.Split(data, cuts).SliceFrom(consumed).Len())
	return m
}

// The three messages of type 'p' decode as what they answer.
func TestPasswordMessages(t *testing.T) {
	m := parseOne(t, false, nil, func(w *writer.Cursor) error { return pgwire.AppendPassword(w, "md5abc") })
	p, err := pgwire.DecodePassword(m)
	require.NoError(t, err)
	assert.Equal(t, "md5abc", p.String())

	m = parseOne(t, false, []int{7}, func(w *writer.Cursor) error {
		return pgwire.AppendSASLInitialResponse(w, "SCRAM-SHA-256", []byte("n,,n=,r=nonce"))
	})
	s, err := pgwire.DecodeSASLInitialResponse(m)
	require.NoError(t, err)
	assert.Equal(t, "SCRAM-SHA-256", s.Mechanism.String())
	assert.Equal(t, "n,,n=,r=nonce", s.Data.String())
	assert.False(t, s.NoData)

	m = parseOne(t, false, nil, func(w *writer.Cursor) error { return pgwire.AppendSASLInitialResponse(w, "M", nil) })
	s, err = pgwire.DecodeSASLInitialResponse(m)
	require.NoError(t, err)
	assert.True(t, s.NoData)

	m = parseOne(t, false, nil, func(w *writer.Cursor) error { return pgwire.AppendSASLResponse(w, []byte("c=biws")) })
	d, err := pgwire.DecodeSASLResponse(m)
	require.NoError(t, err)
	assert.Equal(t, "c=biws", d.String())
}

// Values read the same across segment edges; a value that straddles one
// is not Contiguous but its Data is whole.
func TestValuesAcrossSegments(t *testing.T) {
	row := [][]byte{[]byte("first"), nil, []byte("straddling"), {}}
	enc := func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, row) }
	whole := encode(t, msg{enc: enc})
	for cut := 1; cut < len(whole); cut++ {
		m := parseOne(t, true, []int{cut}, enc)
		r, err := pgwire.DecodeDataRow(m)
		require.NoError(t, err)
		require.Equal(t, len(row), r.NumColumns())
		cols := r.Columns()
		for i := 0; cols.Next(); i++ {
			require.Equal(t, row[i] == nil, cols.Null())
			require.Equal(t, len(row[i]), cols.Len())
			require.Equal(t, string(row[i]), cols.Data().String())
			if b, ok := cols.Contiguous(); ok {
				require.Equal(t, string(row[i]), string(b))
			} else if row[i] != nil {
				require.False(t, cols.Data().IsSingleSegment(), "cut %d value %d", cut, i)
			}
		}
		require.Zero(t, cols.Remaining())
	}
}

// Messages over the size built in one piece are written value by value.
func TestLargeMessages(t *testing.T) {
	big := []byte(strings.Repeat("v", 5000))
	m := parseOne(t, true, []int{100, 4000}, func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{big, nil, big}) })
	assert.Equal(t, `DataRow{"`+string(big)+`" NULL "`+string(big)+`"}`, m.Render(true))

	fields := make([]pgwire.Field, 300)
	for i := range fields {
		fields[i] = pgwire.Field{Name: "column", TypeOID: uint32(i), TypeSize: -1, TypeModifier: -1}
	}
	m = parseOne(t, true, []int{3000}, func(w *writer.Cursor) error { return pgwire.AppendRowDescription(w, fields) })
	rd, err := pgwire.DecodeRowDescription(m)
	require.NoError(t, err)
	require.Equal(t, 300, rd.NumFields())
	it := rd.Fields()
	for i := 0; ; i++ {
		f, ok := it.Next()
		if !ok {
			require.Equal(t, 300, i)
			break
		}
		require.Equal(t, "column", f.Name.String())
		require.Equal(t, uint32(i), f.TypeOID)
		require.Equal(t, int32(-1), f.TypeModifier)
		require.Equal(t, 299-i, it.Remaining())
	}
}

// The accessors of Bind, Parse and the other lists follow the protocol's
// rules.
func TestAccessors(t *testing.T) {
	m := parseOne(t, false, []int{9}, func(w *writer.Cursor) error {
		return pgwire.AppendBind(w, "p", "s", []int16{1, 0}, [][]byte{[]byte("1"), []byte("x")}, []int16{1})
	})
	b, err := pgwire.DecodeBind(m)
	require.NoError(t, err)
	assert.Equal(t, "p", b.Portal.String())
	assert.Equal(t, "s", b.Statement.String())
	assert.Equal(t, 2, b.NumParams())
	assert.Equal(t, 2, b.NumParamFormats())
	assert.Equal(t, pgwire.FormatBinary, b.ParamFormat(0))
	assert.Equal(t, pgwire.FormatText, b.ParamFormat(1))
	assert.Equal(t, pgwire.FormatText, b.ParamFormat(2))
	assert.Equal(t, 1, b.NumResultFormats())
	assert.Equal(t, pgwire.FormatBinary, b.ResultFormat(7))
	params := b.Params()
	require.True(t, params.Next())
	assert.Equal(t, "1", params.Value().String())

	m = parseOne(t, false, nil, func(w *writer.Cursor) error { return pgwire.AppendParse(w, "s", "q", []uint32{23, 25}) })
	p, err := pgwire.DecodeParse(m)
	require.NoError(t, err)
	require.Equal(t, 2, p.NumParamTypes())
	assert.Equal(t, uint32(25), p.ParamType(1))

	m = parseOne(t, true, []int{7}, func(w *writer.Cursor) error { return pgwire.AppendParameterDescription(w, []uint32{1 << 30, 2}) })
	pd, err := pgwire.DecodeParameterDescription(m)
	require.NoError(t, err)
	require.Equal(t, 2, pd.NumParams())
	assert.Equal(t, uint32(1<<30), pd.ParamOID(0))
	assert.Equal(t, uint32(2), pd.ParamOID(1))

	m = parseOne(t, true, []int{8}, func(w *writer.Cursor) error {
		return pgwire.AppendCopyResponse(w, pgwire.TypeCopyInResponse, 1, []int16{1, 1, 0})
	})
	c, err := pgwire.DecodeCopyResponse(m)
	require.NoError(t, err)
	assert.Equal(t, int8(1), c.Format)
	require.Equal(t, 3, c.NumColumns())
	assert.Equal(t, int16(0), c.ColumnFormat(2))

	m = parseOne(t, true, []int{6}, func(w *writer.Cursor) error { return pgwire.AppendCommandComplete(w, "INSERT 0 12345") })
	cc, err := pgwire.DecodeCommandComplete(m)
	require.NoError(t, err)
	n, ok := cc.RowsAffected()
	assert.True(t, ok)
	assert.Equal(t, int64(12345), n)
	for _, tag := range []string{"BEGIN", "SELECT x1", "", "COPY 99999999999999999999"} {
		m = parseOne(t, true, nil, func(w *writer.Cursor) error { return pgwire.AppendCommandComplete(w, tag) })
		cc, err = pgwire.DecodeCommandComplete(m)
		require.NoError(t, err)
		_, ok = cc.RowsAffected()
		assert.False(t, ok, tag)
	}

	m = parseOne(t, true, []int{6}, func(w *writer.Cursor) error { return pgwire.AppendCopyData(w, []byte("abc")) })
	data, err := pgwire.DecodeCopyData(m)
	require.NoError(t, err)
	assert.Equal(t, "abc", data.String())
}
