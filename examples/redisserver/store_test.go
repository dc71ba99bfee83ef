package main

import (
	"math"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7, true},
		{"-7", -7, true},
		{"1234567890", 1234567890, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"-0", 0, false},
		{"01", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.0", 0, false},
		{"1e3", 0, false},
		{"abc", 0, false},
	} {
		got, ok := parseInt([]byte(tc.in))
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

// The store keeps its own copies: the caller's buffers may be reused.
func TestStoreCopiesKeysAndValues(t *testing.T) {
	s := newStore()
	key, val := []byte("key"), []byte("value")
	require.True(t, s.Set(key, val, SetAlways, 0, false))
	copy(key, "xxx")
	copy(val, "XXXXX")
	got, ok := s.Get(nil, []byte("key"))
	require.True(t, ok)
	assert.Equal(t, "value", string(got))
	got[0] = 'V'
	got, _ = s.Get(got[:0], []byte("key"))
	assert.Equal(t, "value", string(got), "Get hands out a copy")
	_, ok = s.Get(nil, []byte("xxx"))
	assert.False(t, ok)
}

// Expired keys are invisible and can be set again with NX.
func TestStoreExpiry(t *testing.T) {
	s := newStore()
	k := []byte("k")
	require.True(t, s.Set(k, []byte("v"), SetAlways, now()-1, false))
	assert.False(t, s.Exists(k))
	_, ok := s.Get(nil, k)
	assert.False(t, ok)
	assert.False(t, s.Delete(k), "an expired key is not deleted: it was gone")
	require.True(t, s.Set(k, []byte("v"), SetIfMissing, 0, false))
	require.True(t, s.Set(k, []byte("w"), SetAlways, now()-1, false))
	n, err := s.IncrBy(k, 5)
	require.NoError(t, err)
	assert.Equal(t, int64(5), n, "INCR of an expired key starts from 0")
	assert.True(t, s.Exists(k), "and the new key has no expiry")
}

// Concurrent increments of shared keys and writes of own keys lose nothing.
func TestStoreConcurrentUse(t *testing.T) {
	s := newStore()
	const workers, rounds = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			own := []byte("own" + strconv.Itoa(w))
			for i := range rounds {
				if _, err := s.IncrBy([]byte("shared"+strconv.Itoa(i%4)), 1); err != nil {
					t.Error(err)
					return
				}
				s.Set(own, []byte(strconv.Itoa(i)), SetAlways, 0, false)
				s.Get(nil, own)
			}
		})
	}
	wg.Wait()
	total := int64(0)
	for i := range 4 {
		v, ok := s.Get(nil, []byte("shared"+strconv.Itoa(i)))
		require.True(t, ok)
		n, ok := parseInt(v)
		require.True(t, ok)
		total += n
	}
	assert.Equal(t, int64(workers*rounds), total)
	assert.Equal(t, workers+4, s.Len())
	s.Flush()
	assert.Equal(t, 0, s.Len())
}
