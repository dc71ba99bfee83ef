package resp_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// commandInputs are inputs for ParseCommand: whole commands (ok) and
// values it leaves to Parse (not ok).
var commandInputs = []struct {
	in string
	ok bool
}{
	{"*1\r\n$4\r\nPING\r\n", true},
	{"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", true},
	{"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n*1\r\n$4\r\nPING\r\n", true}, // a second command follows
	{"*0\r\n", true},
	{"*2\r\n$0\r\n\r\n$4\r\n\r\n\x00\xff\r\n", true},
	{"*1\r\n$12\r\nhello world!\r\n", true},
	{"*1\r\n$100\r\n" + strings.Repeat("x", 100) + "\r\n", true},
	{"*12\r\n" + strings.Repeat("$1\r\na\r\n", 12), true},
	{"*1\r\n$003\r\nabc\r\n", true},
	{"PING\r\n", true}, // inline
	{"PING\n", true},
	{"\r\n", true},
	{"\n", true},
	{"  SET\tk  \t v \r\n*1\r\n", true},
	{"GET k\rx\n", true},
	{"GET k\r", false},
	{"GET k", false},
	{"get " + strings.Repeat("k", resp.MaxInlineLength-4) + "\r\n", true},
	{"get " + strings.Repeat("k", resp.MaxInlineLength-3) + "\r\n", false},
	{"get " + strings.Repeat("k", resp.MaxInlineLength-3) + "\n", false},
	{"get " + strings.Repeat("k", resp.MaxInlineLength-4) + "\n", true},
	{"-ERR x\r\n", false},
	{"*-1\r\n", false},       // null array
	{"*1\r\n$-1\r\n", false}, // null bulk
	{"*1\r\n:1\r\n", false},  // not a bulk string
	{"*1\r\n*0\r\n", false},  // nested
	{"*1\r\n+OK\r\n", false}, // simple string
	{"$3\r\nabc\r\n", false}, // not an array
	{"*1\r\n$3\r\nabcX\r\n", false},
	{"*1\r\n$3\r\nabc\rX", false},
	{"*1\r\n$+3\r\nabc\r\n", false},
	{"*+1\r\n$3\r\nabc\r\n", false},
	{"*-2\r\n", false},
	{"*1\r\n$-2\r\n", false},
	{"*1x\r\n", false},
	{"*1\r\n$3x\r\nabc\r\n", false},
	{"*99999999999999999999\r\n", false},
	{"*1\r\n$101\r\n" + strings.Repeat("x", 101) + "\r\n", false}, // over MaxBulkLength below
	{"*", false},
	{"", false},
}

// parseArgs parses the first value of s with Parse and returns its
// elements and length, or ok false when it is not an array of non-null
// bulk strings.
func parseArgs(t *testing.T, c resp.Codec, s pipe.Sequence) (args []string, n int64, ok bool) {
	t.Helper()
	v, consumed, examined, err := c.Parse(s)
	if err != nil || v.Kind != resp.Array && v.Kind != resp.Inline || v.Null {
		return nil, 0, false
	}
	require.Equal(t, consumed, examined)
	ok = true
	args = []string{}
	v.Each(func(e resp.Value) bool {
		if e.Kind != resp.BulkString || e.Null {
			ok = false
			return false
		}
		args = append(args, string(e.Data.Bytes()))
		return true
	})
	return args, s.Offset(consumed), ok
}

func strs(args [][]byte) []string {
	out := []string{}
	for _, a := range args {
		out = append(out, string(a))
	}
	return out
}

// checkCommand checks ParseCommand on in against Parse, on in whole and
// cut at cuts: when ParseCommand succeeds, Parse reads the same arguments
// and the same length; when it fails it leaves dst as it was.
func checkCommand(t *testing.T, c resp.Codec, in []byte, cuts []int) bool {
	t.Helper()
	dst := [][]byte{[]byte("kept")}
	args, n, ok := c.ParseCommand(in, dst)
	if !ok {
		assert.Equal(t, [][]byte{[]byte("kept")}, args, "%q", in)
		assert.Zero(t, n)
		return false
	}
	require.Equal(t, "kept", string(args[0]))
	for _, s := range []pipe.Sequence{pipe.SequenceOf(in), codectest.Split(in, cuts)} {
		want, wantN, wantOK := parseArgs(t, c, s)
		require.True(t, wantOK, "ParseCommand accepted %q, Parse did not", in)
		assert.Equal(t, want, strs(args[1:]), "%q", in)
		assert.Equal(t, wantN, int64(n), "%q", in)
	}
	for _, a := range args[1:] {
		assert.Equal(t, len(a), cap(a), "an argument cannot be appended to over the input")
	}
	return true
}

// ParseCommand reads whole arrays of bulk strings exactly as Parse does,
// and refuses everything else.
func TestParseCommand(t *testing.T) {
	c := resp.Codec{Inline: true, MaxBulkLength: 100}
	for _, tc := range commandInputs {
		got := checkCommand(t, c, []byte(tc.in), nil)
		assert.Equal(t, tc.ok, got, "%q", tc.in)
	}
	// Inline commands are read only when the Codec reads them.
	_, _, ok := resp.Codec{}.ParseCommand([]byte("PING\r\n"), nil)
	assert.False(t, ok)
	// The default limit applies to the zero Codec.
	_, _, ok = resp.Codec{}.ParseCommand([]byte("*1\r\n$101\r\n"+strings.Repeat("x", 101)+"\r\n"), nil)
	assert.True(t, ok)
}

// No proper prefix of a command is one: ParseCommand never reads past
// the bytes it is given.
func TestParseCommandTruncated(t *testing.T) {
	c := resp.Codec{Inline: true}
	for _, tc := range commandInputs {
		if !tc.ok || len(tc.in) > 1000 {
			continue
		}
		in := []byte(tc.in)
		_, n, ok := c.ParseCommand(in, nil)
		require.True(t, ok)
		for i := range n {
			// A copy without spare capacity: reading past it would panic.
			prefix := append([]byte(nil), in[:i]...)
			_, _, ok := c.ParseCommand(prefix[:i:i], nil)
			assert.False(t, ok, "%q", prefix)
		}
	}
}

// A command parsed in one piece reads the same as Parse reads it from
// any segmentation, and random values never make ParseCommand disagree
// with Parse.
func TestParseCommandSegmentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	c := resp.Codec{Inline: true, MaxBulkLength: 100}
	accepted := 0
	for i := range 500 {
		var data []byte
		switch i % 3 {
		case 0:
			data = []byte(commandInputs[rng.IntN(len(commandInputs))].in)
		case 1:
			data = []byte(commandInputs[rng.IntN(len(commandInputs))].in)
			if len(data) > 0 {
				data[rng.IntN(len(data))] = "*$\r\n:-x0"[rng.IntN(8)] // corrupted
			}
		default:
			data = append([]byte("*3\r\n"), testkit.RandomData(rng, 30, []byte("$*\r\n0123-abc"))...)
		}
		_, cuts := codectest.SplitInput(data, 1+rng.IntN(6))
		if checkCommand(t, c, data, cuts) {
			accepted++
		}
	}
	assert.Greater(t, accepted, 50, "the test exercises accepted commands")
}

// FuzzParseCommand checks that ParseCommand agrees with Parse on any
// input.
func FuzzParseCommand(f *testing.F) {
	for _, tc := range commandInputs {
		if len(tc.in) < 1000 {
			f.Add([]byte(tc.in))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkCommand(t, resp.Codec{Inline: true, MaxBulkLength: 100}, in, []int{len(in) / 2})
	})
}

// A pipelined stream splits into its commands, each read in place.
func TestParseCommandStream(t *testing.T) {
	stream := []byte(strings.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", 16))
	var args [][]byte
	n := 0
	for len(stream) > 0 {
		var size int
		var ok bool
		args, size, ok = resp.Codec{}.ParseCommand(stream, args[:0])
		require.True(t, ok, "command %d", n)
		assert.Equal(t, []string{"GET", "key"}, strs(args))
		stream = stream[size:]
		n++
	}
	assert.Equal(t, 16, n)
}
