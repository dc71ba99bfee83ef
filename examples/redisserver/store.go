package main

import (
	"errors"
	"hash/maphash"
	"math"
	"strconv"
	"sync"
	"time"
)

// shardCount is the number of independently locked parts of a Store: keys
// are spread over them by hash, so that connections touching different
// keys rarely wait for each other.
const shardCount = 64

// Errors of Store.IncrBy, worded as Redis words them.
var (
	errNotInteger = errors.New("ERR value is not an integer or out of range")
	errOverflow   = errors.New("ERR increment or decrement would overflow")
)

// Store is the in-memory key space: string keys to string values, each
// with an optional expiry. It is safe for concurrent use. Keys and values
// passed to it may be reused by the caller afterwards: it copies what it
// keeps. Lookups do not allocate.
//
// Expired keys are dropped when they are next touched by a write, and are
// invisible to reads before that.
type Store struct {
	seed   maphash.Seed
	shards [shardCount]shard
}

// shard is one locked part of a Store.
type shard struct {
	mu sync.RWMutex
	m  map[string]*entry
	_  [40]byte // keep neighbouring locks off one cache line
}

// entry is a value and its expiry.
type entry struct {
	val     []byte
	expires int64 // Unix nanoseconds; 0 for none
}

// live reports whether e has not expired at now (Unix nanoseconds, or 0
// when e has no expiry and the time was not needed).
func (e *entry) live(now int64) bool { return e.expires == 0 || now < e.expires }

// newStore returns an empty Store.
func newStore() *Store {
	s := &Store{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].m = make(map[string]*entry)
	}
	return s
}

// shard returns the shard of key.
func (s *Store) shard(key []byte) *shard {
	return &s.shards[maphash.Bytes(s.seed, key)%shardCount]
}

// now is the clock of expiries.
func now() int64 { return time.Now().UnixNano() }

// lookup returns key's live entry in sh, whose lock is held.
func (sh *shard) lookup(key []byte) *entry {
	e := sh.m[string(key)]
	if e == nil || (e.expires != 0 && !e.live(now())) {
		return nil
	}
	return e
}

// lookupForWrite is lookup for a holder of the write lock: it deletes the
// key if it expired.
func (sh *shard) lookupForWrite(key []byte) *entry {
	e := sh.m[string(key)]
	if e != nil && e.expires != 0 && !e.live(now()) {
		delete(sh.m, string(key))
		return nil
	}
	return e
}

// Get appends key's value to dst and reports whether key exists.
func (s *Store) Get(dst, key []byte) ([]byte, bool) {
	sh := s.shard(key)
	sh.mu.RLock()
	e := sh.lookup(key)
	if e != nil {
		dst = append(dst, e.val...)
	}
	sh.mu.RUnlock()
	return dst, e != nil
}

// SetMode says when Set stores its value.
type SetMode uint8

// The modes of Set: always, only when the key is missing (NX), only when it
// exists (XX).
const (
	SetAlways SetMode = iota
	SetIfMissing
	SetIfExists
)

// Set stores val under key as mode allows and reports whether it did. The
// key's expiry becomes expires (Unix nanoseconds, 0 for none) unless
// keepTTL is set. Replacing a value reuses the old value's memory when it
// is large enough, so that overwriting a key does not allocate.
func (s *Store) Set(key, val []byte, mode SetMode, expires int64, keepTTL bool) bool {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.lookupForWrite(key)
	switch {
	case mode == SetIfMissing && e != nil, mode == SetIfExists && e == nil:
		return false
	case e == nil:
		sh.m[string(key)] = &entry{val: append([]byte(nil), val...), expires: expires}
	default:
		e.val = append(e.val[:0], val...)
		if !keepTTL {
			e.expires = expires
		}
	}
	return true
}

// Delete removes key and reports whether it existed.
func (s *Store) Delete(key []byte) bool {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.lookupForWrite(key) == nil {
		return false
	}
	delete(sh.m, string(key))
	return true
}

// Exists reports whether key exists.
func (s *Store) Exists(key []byte) bool {
	sh := s.shard(key)
	sh.mu.RLock()
	e := sh.lookup(key)
	sh.mu.RUnlock()
	return e != nil
}

// IncrBy adds delta to the integer stored at key (0 when missing), keeps
// the key's expiry, and returns the new value. A value that is not a
// decimal int64 fails with errNotInteger, a result out of int64's range
// with errOverflow.
func (s *Store) IncrBy(key []byte, delta int64) (int64, error) {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.lookupForWrite(key)
	var n int64
	if e != nil {
		var ok bool
		if n, ok = parseInt(e.val); !ok {
			return 0, errNotInteger
		}
	}
	if (delta > 0 && n > math.MaxInt64-delta) || (delta < 0 && n < math.MinInt64-delta) {
		return 0, errOverflow
	}
	n += delta
	if e == nil {
		e = &entry{}
		sh.m[string(key)] = e
	}
	e.val = strconv.AppendInt(e.val[:0], n, 10)
	return n, nil
}

// Len returns the number of keys, expired ones not yet dropped included.
func (s *Store) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

// Flush removes every key.
func (s *Store) Flush() {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
}

// parseInt parses b as Redis parses an integer argument or value: an
// optional minus sign and decimal digits, no leading zeros (but "0"), no
// plus sign, no blanks, within int64's range.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	d := b
	if neg {
		d = b[1:]
	}
	if len(d) == 0 || len(d) > 19 || (d[0] == '0' && (len(d) > 1 || neg)) {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true // -(1<<63) wraps to MinInt64
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	}
	return 0, false
}
