package resp

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

// fastSeeds are values of every kind, and malformed ones, from which
// TestFastPathMatchesCursorParser draws its inputs.
var fastSeeds = []string{
	"+OK\r\n", "-ERR unknown command 'foo'\r\n", ":1000\r\n", ":-42\r\n", ":+7\r\n",
	":9223372036854775807\r\n", ":-9223372036854775808\r\n", ":9223372036854775808\r\n",
	":-9223372036854775809\r\n", ":99999999999999999999\r\n", ":0000000000000000001\r\n",
	":00000000000000000001\r\n", "$5\r\nhello\r\n", "$0\r\n\r\n", "$-1\r\n", "$-2\r\n", "$+1\r\na\r\n",
	"$4\r\na\r\nb\r\n", "*-1\r\n", "*0\r\n", "*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n",
	"*3\r\n:1\r\n*2\r\n+a\r\n-b\r\n$-1\r\n", "*1\r\n*1\r\n*1\r\n:1\r\n", "*1\r\n*1\r\n*5\r\n",
	"_\r\n", "_x\r\n", "#t\r\n", "#f\r\n", "#x\r\n", ",1.23\r\n", ",-1.5e10\r\n", ",inf\r\n", ",nan\r\n",
	",1.2.3\r\n", ",0x10\r\n", "(123456789012345678901234567890\r\n", "(-1\r\n", "(-\r\n", "(1a\r\n",
	"!21\r\nSYNTAX invalid syntax\r\n", "!-1\r\n", "=15\r\ntxt:Some string\r\n", "=3\r\ntxt\r\n",
	"=5\r\ntxt;a\r\n", "%2\r\n+first\r\n:1\r\n+second\r\n,2.5\r\n", "%-1\r\n", "~2\r\n#t\r\n_\r\n",
	"|1\r\n+ttl\r\n:3600\r\n", ">2\r\n+message\r\n$1\r\nx\r\n", "?x\r\n", "+OK\rx", "+O\nK\r\n",
	"+a\nb\r", ":12a\r\n", ":\r\n", ":-\r\n", ":1\rx", "$3\r\nabcd\r\n", "$3\r\nabc\rx",
	"*2\r\n:1\r\n?\r\n", "*1\r\n$1\r\nab\r\n", "PING\r\n", "SET key  value\n", "$6\r\nfoobar\r\n",
	"*9223372036854775807\r\n:1\r\n", "%4611686018427387904\r\n", "$536870913\r\n",
}

// fastCodecs are the configurations the paths are compared under.
var fastCodecs = []Codec{{}, {Inline: true}, {MaxDepth: 2, MaxBulkLength: 5}}

// cursorParse is Parse without its fast path: the Cursor parser alone.
func (c Codec) cursorParse(buf pipe.Sequence) (Value, pipe.Position, error) {
	cur := reader.NewCursor(buf)
	v, err := c.parser().value(&cur, 0)
	if err != nil {
		return Value{}, buf.Start(), err
	}
	return v, cur.Position(), nil
}

// requireSameValue requires the same fields, Data at the same positions,
// and the same elements, whether iterated in one segment or with a Cursor.
func requireSameValue(t *testing.T, want, got Value, in string) {
	t.Helper()
	require.Equal(t, want.Kind, got.Kind, "%q", in)
	require.Equal(t, want.Null, got.Null, "%q", in)
	require.Equal(t, want.Int, got.Int, "%q", in)
	require.Equal(t, want.Len, got.Len, "%q", in)
	if want.Float == want.Float { // not NaN
		require.Equal(t, want.Float, got.Float, "%q", in)
	}
	require.Equal(t, want.Data.Start(), got.Data.Start(), "%q", in)
	require.Equal(t, want.Data.End(), got.Data.End(), "%q", in)
	if !want.Kind.IsAggregate() || want.Null || want.Kind == Inline {
		return
	}
	// The elements, from the fast path of Elements, and from the Cursor
	// parser alone.
	n := want.Len
	if want.Kind == Map || want.Kind == Attribute {
		n *= 2
	}
	cur := reader.NewCursor(want.Data)
	it := got.Elements()
	require.Equal(t, n, it.Remaining(), "%q", in)
	for range n {
		w, err := trusted.value(&cur, 0)
		require.NoError(t, err, "%q", in)
		g, ok := it.Next()
		require.True(t, ok, "%q", in)
		requireSameValue(t, w, g, in)
	}
	require.True(t, cur.End(), "%q", in)
	_, ok := it.Next()
	require.False(t, ok, "%q", in)
}

// The fast path of Parse gives what the Cursor parser gives, for every
// prefix of valid, malformed and randomly corrupted input: the same Value
// (fields, Data and elements), the same consumed position, and the same
// error, word for word, ErrIncomplete at the same points.
func TestFastPathMatchesCursorParser(t *testing.T) {
	inputs := mixedInputs(rand.New(rand.NewPCG(11, 12)))
	// Aggregates of aggregates, to nest past the depth limits.
	inputs = append(inputs, strings.Repeat("*1\r\n", 70)+":1\r\n", strings.Repeat("*2\r\n$1\r\na\r\n", 5)+"$1\r\nb\r\n"+strings.Repeat("+c\r\n", 5))
	for _, in := range inputs {
		for n := 0; n <= len(in); n++ {
			buf := pipe.SequenceOf([]byte(in[:n]))
			for _, c := range fastCodecs {
				want, wantAt, wantErr := c.cursorParse(buf)
				got, consumed, examined, err := c.Parse(buf)
				if wantErr != nil {
					require.EqualError(t, err, wantErr.Error(), "%q", in[:n])
					require.Equal(t, buf.Start(), consumed)
					require.Equal(t, buf.End(), examined)
					continue
				}
				require.NoError(t, err, "%q", in[:n])
				require.Equal(t, wantAt, consumed, "%q", in[:n])
				require.Equal(t, consumed, examined)
				requireSameValue(t, want, got, in[:n])
			}
		}
	}
}

// An aggregate whose elements span segments is read element by element,
// those that lie in one segment by the fast path: the same values as in one
// segment, for every place of the edge.
func TestElementsAcrossSegments(t *testing.T) {
	in := []byte("*6\r\n$3\r\nfoo\r\n:12\r\n*2\r\n+a\r\n$-1\r\n,1.5\r\n%1\r\n+k\r\n#t\r\n-ERR x\r\n")
	var c Codec
	whole, _, _, err := c.Parse(pipe.SequenceOf(in))
	require.NoError(t, err)
	for i := 1; i < len(in); i++ {
		for j := i; j < len(in); j++ {
			buf := pipe.SequenceOf(in[:i], in[i:j], in[j:])
			v, consumed, _, err := c.Parse(buf)
			require.NoError(t, err)
			require.Equal(t, int64(len(in)), buf.Offset(consumed))
			require.Equal(t, whole.String(), v.String(), "cut at %d and %d", i, j)
		}
	}
}

// mixedInputs returns fastSeeds and, after them, 1000 inputs (100 under
// -short or -race) made of one to three seeds in a row, up to two bytes of
// each replaced by a random byte of RESP's syntax.
func mixedInputs(rng *rand.Rand) []string {
	inputs := append([]string(nil), fastSeeds...)
	n := 1000
	if testing.Short() || testkit.RaceEnabled {
		n = 100
	}
	for range n {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(fastSeeds[rng.IntN(len(fastSeeds))])
		}
		in := []byte(b.String())
		for range rng.IntN(3) {
			in[rng.IntN(len(in))] = "\r\n:$*%-+0123456789x"[rng.IntN(19)]
		}
		inputs = append(inputs, string(in))
	}
	return inputs
}
