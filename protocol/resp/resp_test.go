package resp_test

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
	"github.com/f2bac256/bedrock/writer"
)

// parseAll parses s with c directly, checking the positions, and returns
// the rendered values and the error ending the parse (nil when s is
// consumed, protocol.ErrIncomplete when it ends inside a value).
func parseAll(t testing.TB, c resp.Codec, s pipe.Sequence) ([]string, error) {
	var got []string
	for !s.IsEmpty() {
		v, consumed, examined, err := c.Parse(s)
		require.LessOrEqual(t, s.Offset(consumed), s.Offset(examined))
		require.LessOrEqual(t, s.Offset(examined), s.Len())
		if err != nil {
			if errors.Is(err, protocol.ErrIncomplete) {
				require.Equal(t, s.Len(), s.Offset(examined))
			}
			return got, err
		}
		require.Positive(t, s.Offset(consumed))
		got = append(got, v.String())
		s = s.SliceFrom(consumed)
	}
	return got, nil
}

// Replies as the RESP3 specification and redis-server write them.
var examples = []struct{ in, want string }{
	{"+OK\r\n", "+OK"},
	{"-ERR unknown command 'foo'\r\n", "-ERR unknown command 'foo'"},
	{"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "-WRONGTYPE Operation against a key holding the wrong kind of value"},
	{":1000\r\n", ":1000"},
	{":-42\r\n", ":-42"},
	{":+7\r\n", ":7"},
	{":9223372036854775807\r\n", ":9223372036854775807"},
	{":-9223372036854775808\r\n", ":-9223372036854775808"},
	{"$5\r\nhello\r\n", `$"hello"`},
	{"$0\r\n\r\n", `$""`},
	{"$-1\r\n", "$nil"},
	{"$4\r\na\r\nb\r\n", `$"a\r\nb"`},
	{"*-1\r\n", "*nil"},
	{"*0\r\n", "*[]"},
	{"*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n", `*[$"foo" $"bar"]`},
	{"*3\r\n:1\r\n:2\r\n:3\r\n", "*[:1 :2 :3]"},
	{"*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n$6\r\nfoobar\r\n", `*[:1 :2 :3 :4 $"foobar"]`},
	{"*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Foo\r\n-Bar\r\n", "*[*[:1 :2 :3] *[+Foo -Bar]]"},
	{"*3\r\n$3\r\nfoo\r\n$-1\r\n$3\r\nbar\r\n", `*[$"foo" $nil $"bar"]`},
	{"_\r\n", "_"},
	{"#t\r\n", "#t"},
	{"#f\r\n", "#f"},
	{",1.23\r\n", ",1.23"},
	{",10\r\n", ",10"},
	{",-1.5e10\r\n", ",-1.5e+10"},
	{",inf\r\n", ",+Inf"},
	{",-inf\r\n", ",-Inf"},
	{",nan\r\n", ",NaN"},
	{"(3492890328409238509324850943850943825024385\r\n", "(3492890328409238509324850943850943825024385"},
	{"(-3492890328409238509324850943850943825024385\r\n", "(-3492890328409238509324850943850943825024385"},
	{"!21\r\nSYNTAX invalid syntax\r\n", `!"SYNTAX invalid syntax"`},
	{"=15\r\ntxt:Some string\r\n", `=txt:"Some string"`},
	{"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "%[+first :1 +second :2]"},
	{"~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n", "~[+orange +apple #t :100 :999]"},
	{"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n",
		`|[+key-popularity %[$"a" ,0.1923 $"b" ,0.0012]]`},
	{">4\r\n+pubsub\r\n+message\r\n+somechannel\r\n+this is the message\r\n", ">[+pubsub +message +somechannel +this is the message]"},
	{"*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n", "*[:1 |[+ttl :3600]]"},
	{"%1\r\n*2\r\n:1\r\n:2\r\n~1\r\n_\r\n", "%[*[:1 :2] ~[_]]"},
	// HELLO 3's reply, abridged.
	{"%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n",
		`%[$"server" $"redis" $"proto" :3 $"modules" *[]]`},
}

func TestParseExamples(t *testing.T) {
	for _, ex := range examples {
		for _, inline := range []bool{false, true} {
			c := resp.Codec{Inline: inline}
			v, consumed, examined, err := c.Parse(pipe.SequenceOf([]byte(ex.in + "+next\r\n")))
			require.NoError(t, err, "%q", ex.in)
			assert.Equal(t, ex.want, v.String(), "%q", ex.in)
			buf := pipe.SequenceOf([]byte(ex.in + "+next\r\n"))
			_, consumed, examined, _ = c.Parse(buf)
			assert.Equal(t, int64(len(ex.in)), buf.Offset(consumed), "%q", ex.in)
			assert.Equal(t, consumed, examined)
		}
	}
}

func TestValueFields(t *testing.T) {
	var c resp.Codec
	v, _, _, err := c.Parse(pipe.SequenceOf([]byte("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n")))
	require.NoError(t, err)
	assert.Equal(t, resp.Map, v.Kind)
	assert.Equal(t, int64(2), v.Len)
	assert.Equal(t, "+first\r\n:1\r\n+second\r\n:2\r\n", v.Data.String())
	it := v.Elements()
	assert.Equal(t, int64(4), it.Remaining())
	k, ok := it.Next()
	require.True(t, ok)
	assert.Equal(t, resp.SimpleString, k.Kind)
	assert.Equal(t, "first", k.Data.String())
	e, _ := it.Next()
	assert.Equal(t, resp.Integer, e.Kind)
	assert.Equal(t, int64(1), e.Int)

	v, _, _, err = c.Parse(pipe.SequenceOf([]byte("$-1\r\n")))
	require.NoError(t, err)
	assert.True(t, v.Null)
	assert.Equal(t, resp.BulkString, v.Kind)
	nothing := v.Elements()
	_, ok = nothing.Next()
	assert.False(t, ok)

	v, _, _, err = c.Parse(pipe.SequenceOf([]byte("=15\r\ntxt:Some string\r\n")))
	require.NoError(t, err)
	f, text := v.Verbatim()
	assert.Equal(t, "txt", string(f[:]))
	assert.Equal(t, "Some string", text.String())
	assert.Equal(t, "txt:Some string", v.Data.String())

	v, _, _, err = c.Parse(pipe.SequenceOf([]byte(",inf\r\n")))
	require.NoError(t, err)
	assert.True(t, math.IsInf(v.Float, 1))
	v, _, _, err = c.Parse(pipe.SequenceOf([]byte(",nan\r\n")))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(v.Float))
	v, _, _, err = c.Parse(pipe.SequenceOf([]byte("#t\r\n")))
	require.NoError(t, err)
	assert.Equal(t, int64(1), v.Int)

	assert.Equal(t, "BulkString", resp.BulkString.String())
	assert.Equal(t, "Kind(200)", resp.Kind(200).String())
	assert.Equal(t, byte('%'), resp.Map.Prefix())
	assert.True(t, resp.Push.IsAggregate())
	assert.False(t, resp.Double.IsAggregate())
}

func TestInline(t *testing.T) {
	in := "PING\r\nSET  key\tvalue\nGET key\r\n\r\n*1\r\n$4\r\nPING\r\n"
	got, err := parseAll(t, resp.Codec{Inline: true}, pipe.SequenceOf([]byte(in)))
	require.NoError(t, err)
	assert.Equal(t, []string{`inline[$"PING"]`, `inline[$"SET" $"key" $"value"]`, `inline[$"GET" $"key"]`, "inline[]", `*[$"PING"]`}, got)

	v, _, _, err := resp.Codec{Inline: true}.Parse(pipe.SequenceOf([]byte("  EXISTS a b  \r\n")))
	require.NoError(t, err)
	assert.Equal(t, resp.Inline, v.Kind)
	assert.Equal(t, int64(3), v.Len)
	assert.Equal(t, "  EXISTS a b  ", v.Data.String())
	// Written back as the same line.
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	require.NoError(t, resp.Codec{}.WriteMessage(v, &w))
	w.Commit()
	p.Writer().Complete(nil)
	res, _, _ := p.Reader().TryRead()
	assert.Equal(t, "  EXISTS a b  \r\n", res.Buffer.String())

	// Without Inline, the same bytes are malformed.
	_, err = parseAll(t, resp.Codec{}, pipe.SequenceOf([]byte(in)))
	require.ErrorIs(t, err, resp.ErrProtocol)
	assert.Contains(t, err.Error(), "bad type byte 'P' at byte 0")

	// Inline commands only at the top level.
	_, err = parseAll(t, resp.Codec{Inline: true}, pipe.SequenceOf([]byte("*1\r\nPING\r\n")))
	require.ErrorIs(t, err, resp.ErrProtocol)

	// Incomplete, then too long.
	_, err = parseAll(t, resp.Codec{Inline: true}, pipe.SequenceOf([]byte("PING\r")))
	require.ErrorIs(t, err, protocol.ErrIncomplete)
	long := []byte(strings.Repeat("x", resp.MaxInlineLength+1))
	_, err = parseAll(t, resp.Codec{Inline: true}, pipe.SequenceOf(long))
	require.ErrorIs(t, err, protocol.ErrIncomplete)
	_, err = parseAll(t, resp.Codec{Inline: true}, pipe.SequenceOf(append(long, "\r\n"...)))
	require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
	_, err = parseAll(t, resp.Codec{Inline: true}, pipe.SequenceOf(append(long, 'y')))
	require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
	got, err = parseAll(t, resp.Codec{Inline: true}, pipe.SequenceOf(append(long[1:], "\r\n"...)))
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

func TestMalformed(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"?x\r\n", "bad type byte '?' at byte 0"},
		{"+OK\rx", "CR without LF at byte 3"},
		{"+O\nK\r\n", "LF in a line at byte 2"},
		{":12a\r\n", "non-digit 'a' in an integer at byte 3"},
		{":\r\n", "non-digit '\\r' in an integer at byte 1"},
		{":-\r\n", "non-digit '\\r' in an integer at byte 2"},
		{":1\rx", "CR without LF at byte 2"},
		{":99999999999999999999\r\n", "integer too long at byte 1"},
		{":9223372036854775808\r\n", "integer overflows 64 bits at byte 1"},
		{"$+1\r\na\r\n", "non-digit '+' in an integer at byte 1"},
		{"$-2\r\n", "bad length -2 at byte 0"},
		{"$3\r\nabcd\r\n", "missing CRLF after the bulk at byte 7"},
		{"!-1\r\n", "bad length -1 at byte 0"},
		{"%-1\r\n", "bad count -1 at byte 0"},
		{"*2\r\n:1\r\n?\r\n", "bad type byte '?' at byte 8"},
		{"_x\r\n", "null with a payload at byte 0"},
		{"#x\r\n", "boolean other than t or f at byte 0"},
		{"#tt\r\n", "boolean other than t or f at byte 0"},
		{",1.2.3\r\n", "bad double at byte 0"},
		{",\r\n", "bad double at byte 0"},
		{",0x10\r\n", "bad double at byte 0"},
		{"(12a\r\n", "bad big number at byte 0"},
		{"(-\r\n", "bad big number at byte 0"},
		{"=3\r\ntxt\r\n", "verbatim string without a format at byte 0"},
		{"=5\r\ntxt;a\r\n", "verbatim string without a format at byte 0"},
		{"*1\r\n$1\r\nab\r\n", "missing CRLF after the bulk at byte 9"},
	}
	var c resp.Codec
	for _, tc := range cases {
		_, consumed, examined, err := c.Parse(pipe.SequenceOf([]byte(tc.in)))
		require.ErrorIs(t, err, resp.ErrProtocol, "%q", tc.in)
		assert.Contains(t, err.Error(), tc.msg, "%q", tc.in)
		buf := pipe.SequenceOf([]byte(tc.in))
		_, consumed, examined, _ = c.Parse(buf)
		assert.Equal(t, int64(0), buf.Offset(consumed))
		assert.Equal(t, buf.Len(), buf.Offset(examined))

		// Through a Reader, after two good values: the offset is the
		// malformed value's.
		prefix := "+OK\r\n:1\r\n"
		p := pipe.New(pipe.Options{})
		p.Writer().Write([]byte(prefix + tc.in))
		p.Writer().Complete(nil)
		r := protocol.NewReader[resp.Value](p.Reader(), c, protocol.ReaderOptions{})
		ctx := testkit.Context(t)
		for range 2 {
			_, err := r.Read(ctx)
			require.NoError(t, err)
			r.Advance()
		}
		_, err = r.Read(ctx)
		var pe *protocol.ParseError
		require.ErrorAs(t, err, &pe, "%q", tc.in)
		assert.Equal(t, int64(len(prefix)), pe.Offset)
		assert.ErrorIs(t, err, resp.ErrProtocol)
	}
}

func TestDepth(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(strings.Repeat("*1\r\n", n) + ":1\r\n")
	}
	var c resp.Codec
	got, err := parseAll(t, c, pipe.SequenceOf(nested(resp.DefaultMaxDepth)))
	require.NoError(t, err)
	require.Len(t, got, 1)
	_, err = parseAll(t, c, pipe.SequenceOf(nested(resp.DefaultMaxDepth+1)))
	require.ErrorIs(t, err, resp.ErrTooDeep)
	require.ErrorIs(t, err, resp.ErrProtocol)
	assert.Contains(t, err.Error(), "over 64 levels at byte 256")

	c.MaxDepth = 2
	_, err = parseAll(t, c, pipe.SequenceOf([]byte("%1\r\n:1\r\n*1\r\n:2\r\n")))
	require.NoError(t, err)
	_, err = parseAll(t, c, pipe.SequenceOf([]byte("%1\r\n:1\r\n*1\r\n~0\r\n")))
	require.ErrorIs(t, err, resp.ErrTooDeep)
	// Reported as soon as the header shows it, even with the rest missing.
	_, err = parseAll(t, c, pipe.SequenceOf([]byte("*1\r\n*1\r\n*5\r\n")))
	require.ErrorIs(t, err, resp.ErrTooDeep)
}

func TestBulkTooLarge(t *testing.T) {
	var c resp.Codec
	for _, in := range []string{"$536870913\r\n", "*1\r\n$536870913\r\n", "!999999999\r\n", "=600000000\r\n"} {
		_, err := parseAll(t, c, pipe.SequenceOf([]byte(in)))
		require.ErrorIs(t, err, protocol.ErrMessageTooLarge, "%q", in)
	}
	_, err := parseAll(t, c, pipe.SequenceOf([]byte("$536870912\r\n")))
	require.ErrorIs(t, err, protocol.ErrIncomplete)

	c.MaxBulkLength = 5
	got, err := parseAll(t, c, pipe.SequenceOf([]byte("$5\r\nhello\r\n")))
	require.NoError(t, err)
	assert.Equal(t, []string{`$"hello"`}, got)
	_, err = parseAll(t, c, pipe.SequenceOf([]byte("$6\r\n")))
	require.ErrorIs(t, err, protocol.ErrMessageTooLarge)

	// Through a Reader: a ParseError at the value's offset.
	p := pipe.New(pipe.Options{})
	p.Writer().Write([]byte("+OK\r\n$6\r\n"))
	p.Writer().Complete(nil)
	r := protocol.NewReader[resp.Value](p.Reader(), c, protocol.ReaderOptions{})
	ctx := testkit.Context(t)
	_, err = r.Read(ctx)
	require.NoError(t, err)
	r.Advance()
	_, err = r.Read(ctx)
	var pe *protocol.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, int64(5), pe.Offset)
	assert.ErrorIs(t, err, protocol.ErrMessageTooLarge)
}

// allExamples is every example, one after the other.
func allExamples() (data []byte, want []string) {
	for _, ex := range examples {
		data = append(data, ex.in...)
		want = append(want, ex.want)
	}
	return data, want
}

func TestTruncated(t *testing.T) {
	var c resp.Codec
	for _, ex := range examples {
		for n := 0; n < len(ex.in); n++ {
			got, err := parseAll(t, c, pipe.SequenceOf([]byte(ex.in[:n])))
			if n == 0 {
				require.NoError(t, err)
				continue
			}
			require.ErrorIs(t, err, protocol.ErrIncomplete, "%q", ex.in[:n])
			require.Empty(t, got)
		}
	}
	// At EOF, through a Reader: io.ErrUnexpectedEOF after the whole values.
	rng := rand.New(rand.NewPCG(1, 2))
	data, _ := allExamples()
	for range 100 {
		n := rng.IntN(len(data))
		whole, wholeErr := parseAll(t, c, pipe.SequenceOf(data[:n]))
		got, err := readAll(t, codectest.Feed(t, rng, data[:n]), c)
		require.Equal(t, whole, got)
		if wholeErr == nil {
			require.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		var pe *protocol.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, int64(len(joinedInput(len(whole)))), pe.Offset)
	}
}

// joinedInput returns the input of the first n examples.
func joinedInput(n int) string {
	var b strings.Builder
	for _, ex := range examples[:n] {
		b.WriteString(ex.in)
	}
	return b.String()
}

// readAll reads every value with a protocol.Reader and c (a Codec or a
// Decoder) until an error, and returns them rendered and that error (nil
// for io.EOF).
func readAll(t *testing.T, in pipe.Reader, c protocol.MessageReader[resp.Value]) ([]string, error) {
	r := protocol.NewReader[resp.Value](in, c, protocol.ReaderOptions{})
	ctx := testkit.Context(t)
	var got []string
	for {
		v, err := r.Read(ctx)
		if err != nil {
			in.Complete(nil)
			if err == io.EOF {
				err = nil
			}
			return got, err
		}
		got = append(got, v.String())
		r.Advance()
	}
}

func TestReadFromPipe(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data, want := allExamples()
	for range 50 {
		got, err := readAll(t, codectest.Feed(t, rng, data), resp.Codec{})
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func TestSegmentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	examplesData, _ := allExamples()
	for i := range 300 {
		var data []byte
		if i%2 == 0 {
			for range 1 + rng.IntN(5) {
				data = append(data, examples[rng.IntN(len(examples))].in...)
			}
		} else {
			data, _ = randomValues(rng, 1+rng.IntN(5))
		}
		switch i % 5 {
		case 1:
			data = data[:rng.IntN(len(data)+1)] // truncated
		case 2:
			data = append(data, testkit.RandomData(rng, 20, []byte("+-:$*_#,(!=%~|>\r\n0123-x"))...) // junk
		case 3:
			data[rng.IntN(len(data))] = "\r\n:-x0"[rng.IntN(6)] // corrupted
		case 4:
			data = append(data, examplesData[:rng.IntN(len(examplesData))]...)
		}
		for _, c := range []resp.Codec{{}, {Inline: true, MaxDepth: 2, MaxBulkLength: 10}} {
			want, wantErr := parseAll(t, c, pipe.SequenceOf(data))
			for range 5 {
				parts := testkit.RandomParts(rng, data, 12)
				for j, p := range parts {
					parts[j] = testkit.Guard(p, 3)
				}
				got, err := parseAll(t, c, pipe.SequenceOf(parts...))
				require.Equal(t, want, got, "%q", data)
				if wantErr == nil {
					require.NoError(t, err)
				} else {
					require.EqualError(t, err, wantErr.Error())
				}
			}
		}
	}
}

// randomValues writes n random values with the Append functions and
// returns their encoding and their rendering.
func randomValues(rng *rand.Rand, n int) ([]byte, []string) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	var want []string
	for range n {
		want = append(want, randomValue(rng, &w, 0))
	}
	w.Commit()
	p.Writer().Complete(nil)
	res, _, _ := p.Reader().TryRead()
	return res.Buffer.Bytes(), want
}

var text = []byte("abc xyz-_:+\r\n\t")

// randomValue writes a random value with w and returns its rendering.
func randomValue(rng *rand.Rand, w *writer.Cursor, depth int) string {
	kind := rng.IntN(20)
	if depth > 4 && kind >= 12 {
		kind = rng.IntN(12)
	}
	switch kind {
	case 0:
		s := string(testkit.RandomData(rng, 40, text))
		resp.AppendSimple(w, s)
		return "+" + strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	case 1:
		s := string(testkit.RandomData(rng, 40, text))
		resp.AppendError(w, s)
		return "-" + strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	case 2:
		n := int64(rng.Uint64())
		if rng.IntN(2) == 0 {
			n = int64(rng.IntN(2000) - 1000)
		}
		resp.AppendInt(w, n)
		return fmt.Sprintf(":%d", n)
	case 3:
		b := testkit.RandomData(rng, 300)
		resp.AppendBulk(w, b)
		return fmt.Sprintf("$%q", b)
	case 4:
		s := string(testkit.RandomData(rng, 40, text))
		resp.AppendBulkString(w, s)
		return fmt.Sprintf("$%q", s)
	case 5:
		resp.AppendNull(w)
		return "$nil"
	case 6:
		resp.AppendNull3(w)
		return "_"
	case 7:
		b := rng.IntN(2) == 0
		resp.AppendBool(w, b)
		return map[bool]string{true: "#t", false: "#f"}[b]
	case 8:
		f := []float64{math.Inf(1), math.Inf(-1), math.NaN(), 0, -1.5, rng.NormFloat64() * 1e10, math.MaxFloat64, math.SmallestNonzeroFloat64}[rng.IntN(8)]
		resp.AppendDouble(w, f)
		return "," + strconv.FormatFloat(f, 'g', -1, 64)
	case 9:
		s := strconv.FormatInt(int64(rng.Uint64()), 10) + strings.Repeat("7", rng.IntN(30))
		resp.AppendBigNumber(w, s)
		return "(" + s
	case 10:
		s := string(testkit.RandomData(rng, 40, text))
		resp.AppendBulkError(w, s)
		return fmt.Sprintf("!%q", s)
	case 11:
		s := string(testkit.RandomData(rng, 40, text))
		f := []string{"txt", "mkd"}[rng.IntN(2)]
		resp.AppendVerbatim(w, f, s)
		return fmt.Sprintf("=%s:%q", f, s)
	case 12:
		resp.AppendNullArray(w)
		return "*nil"
	}
	n := rng.IntN(5)
	var b strings.Builder
	elems := n
	switch kind {
	case 13, 14, 15:
		resp.AppendArrayHeader(w, n)
		b.WriteString("*[")
	case 16:
		resp.AppendMapHeader(w, n)
		b.WriteString("%[")
		elems *= 2
	case 17:
		resp.AppendSetHeader(w, n)
		b.WriteString("~[")
	case 18:
		resp.AppendAttributeHeader(w, n)
		b.WriteString("|[")
		elems *= 2
	default:
		resp.AppendPushHeader(w, n)
		b.WriteString(">[")
	}
	for i := range elems {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(randomValue(rng, w, depth+1))
	}
	b.WriteByte(']')
	return b.String()
}

// appender is a MessageWriter of functions that write values.
type appender struct{}

func (appender) WriteMessage(f func(*writer.Cursor), w *writer.Cursor) error {
	f(w)
	return nil
}

// Random values written with a protocol.Writer, read back with a
// protocol.Reader, written again with Codec.WriteMessage: the same values
// and the same bytes.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ctx := testkit.Context(t)
	for range 50 {
		var want []string
		var msgs []func(*writer.Cursor)
		for range 1 + rng.IntN(20) {
			seed := rng.Uint64()
			// Render once to know what to expect, then write the same
			// value again from the same seed.
			want = append(want, randomValue(rand.New(rand.NewPCG(seed, 0)), discard(), 0))
			msgs = append(msgs, func(w *writer.Cursor) { randomValue(rand.New(rand.NewPCG(seed, 0)), w, 0) })
		}
		p := pipe.New(pipe.Options{})
		go func() {
			_ = protocol.NewWriter[func(*writer.Cursor)](p.Writer(), appender{}).WriteMany(ctx, msgs...)
			p.Writer().Complete(nil)
		}()
		back := pipe.New(pipe.Options{PauseWriterThreshold: -1})
		bw := protocol.NewWriter[resp.Value](back.Writer(), resp.Codec{})
		r := protocol.NewReader[resp.Value](p.Reader(), resp.Codec{}, protocol.ReaderOptions{})
		var got []string
		for {
			v, err := r.Read(ctx)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			got = append(got, v.String())
			require.NoError(t, bw.Write(ctx, v))
			r.Advance()
		}
		require.Equal(t, want, got)
		back.Writer().Complete(nil)
		again, err := readAll(t, back.Reader(), resp.Codec{})
		require.NoError(t, err)
		require.Equal(t, want, again)
	}
}

// discard returns a Cursor that writes to a pipe nobody reads.
func discard() *writer.Cursor {
	w := writer.NewCursor(pipe.New(pipe.Options{PauseWriterThreshold: -1}).Writer())
	return &w
}

func TestCommand(t *testing.T) {
	p := pipe.New(pipe.Options{})
	ctx := testkit.Context(t)
	w := protocol.NewWriter[[][]byte](p.Writer(), resp.Command{})
	require.NoError(t, w.Write(ctx, [][]byte{[]byte("SET"), []byte("key"), []byte("a\r\nvalue")}))
	require.ErrorIs(t, w.Write(ctx, nil), resp.ErrEmptyCommand)
	require.NoError(t, w.Write(ctx, [][]byte{[]byte("PING")}))
	p.Writer().Complete(nil)
	res, err := p.Reader().Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$8\r\na\r\nvalue\r\n*1\r\n$4\r\nPING\r\n", res.Buffer.String())
	p.Reader().Consume(res.Buffer.End())

	err = resp.Codec{}.WriteMessage(resp.Value{}, discard())
	require.ErrorIs(t, err, resp.ErrInvalidValue)
}

func TestAppend(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	resp.AppendSimple(&w, "OK")
	resp.AppendError(&w, "ERR bad\r\nthing")
	resp.AppendInt(&w, -12)
	resp.AppendBulkString(&w, "")
	resp.AppendNull(&w)
	resp.AppendNullArray(&w)
	resp.AppendNull3(&w)
	resp.AppendBool(&w, false)
	resp.AppendDouble(&w, 3.25)
	resp.AppendDouble(&w, math.Inf(-1))
	resp.AppendMapHeader(&w, 1)
	resp.AppendSetHeader(&w, 0)
	resp.AppendPushHeader(&w, 0)
	resp.AppendAttributeHeader(&w, 0)
	resp.AppendVerbatim(&w, "txt", "hi")
	w.Commit()
	p.Writer().Complete(nil)
	res, _, _ := p.Reader().TryRead()
	assert.Equal(t, "+OK\r\n-ERR bad  thing\r\n:-12\r\n$0\r\n\r\n$-1\r\n*-1\r\n_\r\n#f\r\n,3.25\r\n,-inf\r\n%1\r\n~0\r\n>0\r\n|0\r\n=6\r\ntxt:hi\r\n", res.Buffer.String())
	assert.Panics(t, func() { resp.AppendVerbatim(&w, "text", "x") })
}
