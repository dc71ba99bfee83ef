package pgwire_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

// The result the benchmark decodes: rows of five columns as a SELECT of
// id int4, name text, price numeric, created timestamptz, active bool
// returns them in the text format, some NULL.
const (
	numRows    = 1000
	numColumns = 5
	bufferSize = 8192 // both read the stream in chunks of this size
)

var fields = []pgwire.Field{
	{Name: "id", TableOID: 16384, Column: 1, TypeOID: 23, TypeSize: 4, TypeModifier: -1},
	{Name: "name", TableOID: 16384, Column: 2, TypeOID: 25, TypeSize: -1, TypeModifier: -1},
	{Name: "price", TableOID: 16384, Column: 3, TypeOID: 1700, TypeSize: -1, TypeModifier: 655366},
	{Name: "created", TableOID: 16384, Column: 4, TypeOID: 1184, TypeSize: 8, TypeModifier: -1},
	{Name: "active", TableOID: 16384, Column: 5, TypeOID: 16, TypeSize: 1, TypeModifier: -1},
}

// digest is what a pass over the result folds its values into.
type digest struct {
	Fields, Rows, Values, Nulls int
	Bytes                       int64  // total length of the non-NULL values
	Firsts                      uint64 // sum of their first bytes
	Tag                         string
	Status                      byte
}

// add folds one value in.
func (d *digest) add(v []byte, null bool) {
	d.Values++
	if null {
		d.Nulls++
		return
	}
	d.Bytes += int64(len(v))
	if len(v) > 0 {
		d.Firsts += uint64(v[0])
	}
}

// fold folds v (nil for NULL) in and shows it to visit, if not nil.
func (d *digest) fold(v []byte, visit func(v []byte, null bool)) {
	d.add(v, v == nil)
	if visit != nil {
		visit(v, v == nil)
	}
}

// stream is the bytes of the result, the rows as text (nil for NULL) and
// their digest.
type stream struct {
	data []byte
	rows [][][]byte
	want digest
}

func newStream(seed uint64) *stream {
	rng := rand.New(rand.NewPCG(seed, seed))
	s := &stream{want: digest{Fields: len(fields), Rows: numRows, Tag: fmt.Sprintf("SELECT %d", numRows), Status: pgwire.TxIdle}}
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	must(pgwire.AppendRowDescription(&w, fields))
	for i := range numRows {
		row := [][]byte{
			fmt.Appendf(nil, "%d", 100000+i),
			fmt.Appendf(nil, "item %x %s", rng.Uint32(), []string{"short", "a somewhat longer product name", "medium name"}[rng.IntN(3)]),
			fmt.Appendf(nil, "%d.%02d", rng.IntN(100000), rng.IntN(100)),
			fmt.Appendf(nil, "2024-%02d-%02d %02d:%02d:%02d.%06d+00", 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1000000)),
			[]byte{"tf"[rng.IntN(2)]},
		}
		if rng.IntN(10) == 0 {
			row[1+rng.IntN(4)] = nil
		}
		for _, v := range row {
			s.want.add(v, v == nil)
		}
		s.rows = append(s.rows, row)
		must(pgwire.AppendDataRow(&w, row))
	}
	must(pgwire.AppendCommandComplete(&w, s.want.Tag))
	must(pgwire.AppendReadyForQuery(&w, pgwire.TxIdle))
	w.Commit()
	p.Writer().Complete(nil)
	res, _, _ := p.Reader().TryRead()
	s.data = res.Buffer.Bytes()
	return s
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// replay reads data over and over.
type replay struct {
	data []byte
	off  int
}

func (r *replay) Read(p []byte) (int, error) {
	if r.off == len(r.data) {
		r.off = 0
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	return n, nil
}

// impl reads one result per call and folds it into a digest; visit, if
// not nil, sees every value.
type impl interface {
	read(visit func(v []byte, null bool)) (digest, error)
}

// bedrockImpl reads its pipe.Reader (reader.FromIO) itself, as a driver
// reading a large result does: a pgwire.RowScanner's Rows loop reads the
// runs of DataRows (copying the few a segment edge cuts), each row's
// values from Row.Values, and a pgwire.BackendReader the other messages
// and the large rows a segment edge cuts.
type bedrockImpl struct {
	in    pipe.Reader
	codec pgwire.BackendReader
	rows  pgwire.RowScanner
	buf   pipe.Sequence // the unread rest of the pipe's buffer, when held
	held  bool
}

func newBedrock(s *stream) *bedrockImpl {
	return &bedrockImpl{in: reader.FromIO(&replay{data: s.data}, reader.Options{BufferSize: bufferSize})}
}

func (b *bedrockImpl) read(visit func(v []byte, null bool)) (digest, error) {
	var d digest
	for {
		if !b.held {
			res, err := b.in.Read(ctxBackground)
			if err != nil {
				return d, err
			}
			if res.Completed || res.Canceled {
				b.in.Consume(res.Buffer.Start())
				return d, io.ErrUnexpectedEOF
			}
			b.buf, b.held = res.Buffer, true
		}
		b.rows.Reset(b.buf)
		for row := range b.rows.Rows() {
			d.Rows++
			for v := range row.Values() {
				d.fold(v, visit)
			}
		}
		if err := b.rows.Err(); err != nil {
			return d, err
		}
		b.buf = b.rows.Rest()
		m, consumed, examined, err := b.codec.Parse(b.buf)
		if errors.Is(err, protocol.ErrIncomplete) {
			// No whole message left: hand the buffer back, consumed up
			// to the first byte not read, and wait for more.
			b.in.AdvanceTo(b.buf.Start(), examined)
			b.held = false
			continue
		}
		if err != nil {
			return d, err
		}
		done, err := d.message(m, visit)
		if err != nil {
			return d, err
		}
		b.buf = b.buf.SliceFrom(consumed)
		if done {
			return d, nil
		}
	}
}

// message folds m, any message of the result, into d.
func (d *digest) message(m pgwire.Message, visit func(v []byte, null bool)) (done bool, err error) {
	switch m.Type {
	case pgwire.TypeRowDescription:
		rd, err := pgwire.DecodeRowDescription(m)
		if err != nil {
			return false, err
		}
		d.Fields = rd.NumFields()
	case pgwire.TypeDataRow:
		row, err := pgwire.DecodeDataRow(m)
		if err != nil {
			return false, err
		}
		d.Rows++
		if r, ok := row.Row(); ok {
			for v := range r.Values() {
				d.fold(v, visit)
			}
			return false, nil
		}
		// The body spans two segments: read it with the iterator.
		cols := row.Columns()
		for cols.Next() {
			d.Values++
			v := cols.Value()
			if v.Null {
				d.Nulls++
			} else {
				d.Bytes += v.Data.Len()
				if f := v.Data.First(); len(f) > 0 {
					d.Firsts += uint64(f[0])
				}
			}
			if visit != nil {
				visit(valueBytes(v), v.Null)
			}
		}
	case pgwire.TypeCommandComplete:
		c, err := pgwire.DecodeCommandComplete(m)
		if err != nil {
			return false, err
		}
		if visit != nil {
			d.Tag = c.Tag.String()
		} else if c.Tag.Len() == 11 {
			d.Tag = "SELECT 1000"
		}
	case pgwire.TypeReadyForQuery:
		s, err := pgwire.DecodeReadyForQuery(m)
		d.Status = s
		return true, err
	default:
		return false, fmt.Errorf("unexpected %v", m)
	}
	return false, nil
}

// readerImpl reads message by message with a protocol.Reader and a
// pgwire.BackendReader over reader.FromIO, each DataRow's values with
// DecodeDataRow and DataRow.Row's Values.
type readerImpl struct {
	r *protocol.Reader[pgwire.Message]
}

func newReader(s *stream) *readerImpl {
	in := reader.FromIO(&replay{data: s.data}, reader.Options{BufferSize: bufferSize})
	return &readerImpl{r: protocol.NewReader(in, &pgwire.BackendReader{}, protocol.ReaderOptions{})}
}

func (r *readerImpl) read(visit func(v []byte, null bool)) (digest, error) {
	var d digest
	for {
		m, err := r.r.Read(ctxBackground)
		if err != nil {
			return d, err
		}
		done, err := d.message(m, visit)
		r.r.Advance()
		if err != nil || done {
			return d, err
		}
	}
}

// valueBytes copies a value, for the test's visit.
func valueBytes(v pgwire.Value) []byte {
	if v.Null {
		return nil
	}
	return v.Data.Bytes()
}

// pgprotoImpl reads with pgproto3.Frontend.Receive.
type pgprotoImpl struct {
	f *pgproto3.Frontend
}

func newPgproto(s *stream) *pgprotoImpl {
	return &pgprotoImpl{pgproto3.NewFrontend(&replay{data: s.data}, io.Discard)}
}

func (p *pgprotoImpl) read(visit func(v []byte, null bool)) (digest, error) {
	var d digest
	for {
		msg, err := p.f.Receive()
		if err != nil {
			return d, err
		}
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			d.Fields = len(m.Fields)
		case *pgproto3.DataRow:
			d.Rows++
			for _, v := range m.Values {
				d.fold(v, visit)
			}
		case *pgproto3.CommandComplete:
			if visit != nil {
				d.Tag = string(m.CommandTag)
			} else if len(m.CommandTag) == 11 {
				d.Tag = "SELECT 1000"
			}
		case *pgproto3.ReadyForQuery:
			d.Status = m.TxStatus
			return d, nil
		default:
			return d, fmt.Errorf("unexpected %T", msg)
		}
	}
}
