package resp

// Impl is one implementation under comparison.
type Impl struct {
	// Name is the value of the impl key of the sub-benchmarks: bedrock,
	// redigo or goredis.
	Name string
	// Open returns a Reader of s.
	Open func(s *Stream) (Reader, error)
}

// Reader reads a Stream, the whole of it on each call, from the same bytes
// in memory each time.
type Reader interface {
	// Digest reads the stream and returns the Digest of its replies.
	Digest() (Digest, error)
	// Render reads the stream and returns its replies in the common
	// rendering of Stream.Want.
	Render() ([]string, error)
	// Close releases what the Reader holds.
	Close() error
}

// Impls returns the implementations, bedrock first.
func Impls() []Impl {
	return []Impl{
		{Name: "bedrock", Open: openBedrock},
		{Name: "redigo", Open: openRedigo},
		{Name: "goredis", Open: openGoRedis},
	}
}
