package testkit

import (
	"math/rand/v2"
	"slices"
)

// RandomBytes returns n pseudo-random bytes, the same for the same seed.
func RandomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// RandomData returns 0..long-1 bytes drawn from rng: one time in eight
// fewer than 4 (empty included), one time in eight fewer than long, and
// otherwise fewer than 64. All of them come from one of alphabets, picked
// at random, where a nil alphabet (or none given) means any byte: a small
// alphabet makes separators recur, so that matches straddle the cuts of
// RandomCuts.
func RandomData(rng *rand.Rand, long int, alphabets ...[]byte) []byte {
	var n int
	switch rng.IntN(8) {
	case 0:
		n = rng.IntN(4)
	case 1:
		n = rng.IntN(long)
	default:
		n = rng.IntN(64)
	}
	var alphabet []byte
	if len(alphabets) > 0 {
		alphabet = alphabets[rng.IntN(len(alphabets))]
	}
	b := make([]byte, n)
	for i := range b {
		if alphabet == nil {
			b[i] = byte(rng.IntN(256))
		} else {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
	}
	return b
}

// RandomCuts returns where to cut data of length n into exactly parts
// parts (at least one) at random edges: parts+1 sorted offsets, 0 first and
// n last, part i being data[cuts[i]:cuts[i+1]]. Offsets may repeat or fall
// at either end, which gives empty parts anywhere.
func RandomCuts(rng *rand.Rand, n, parts int) []int {
	cuts := make([]int, 0, parts+1)
	cuts = append(cuts, 0)
	for range parts - 1 {
		cuts = append(cuts, rng.IntN(n+1))
	}
	slices.Sort(cuts)
	return append(cuts, n)
}

// PartsAt cuts data at cuts, sorted offsets that start with 0 and end with
// len(data) (as RandomCuts returns them): part i is data[cuts[i]:cuts[i+1]].
// The parts share data's memory; see Guard for parts that do not.
func PartsAt(data []byte, cuts []int) [][]byte {
	parts := make([][]byte, len(cuts)-1)
	for i := range parts {
		parts[i] = data[cuts[i]:cuts[i+1]]
	}
	return parts
}

// RandomParts cuts data into 1..maxParts parts at random edges, empty parts
// allowed anywhere (see RandomCuts). The parts share data's memory.
func RandomParts(rng *rand.Rand, data []byte, maxParts int) [][]byte {
	return PartsAt(data, RandomCuts(rng, len(data), 1+rng.IntN(maxParts)))
}

// Junk is the byte Guard puts in the spare capacity of a part.
const Junk = 0xEE

// Guard returns a copy of part in its own allocation with spare bytes of
// spare capacity holding Junk, so that code reading past a part's length
// sees wrong bytes instead of the next part's.
func Guard(part []byte, spare int) []byte {
	buf := make([]byte, len(part), len(part)+spare)
	copy(buf, part)
	for j := len(part); j < cap(buf); j++ {
		buf[:cap(buf)][j] = Junk
	}
	return buf
}
