package conn

import (
	"fmt"
	"reflect"
	"strings"
)

// Properties is an immutable bag of typed values, keyed by their type: the
// way transports and layers tell the code above them what they know about a
// connection (a *tls.ConnectionState, a *net.TCPConn, byte counts), and the
// way callers pass options down to Connect and Bind.
//
// Each layer builds its bag on top of the one from the layer below with
// With (add or override an entry) and Without (hide one); everything else
// passes through. The zero Properties is empty and ready to use. Building
// allocates one small node per entry; Get allocates nothing.
type Properties struct {
	top *node
}

type node struct {
	key    reflect.Type
	value  any
	hidden bool
	next   *node
}

// Get returns the entry of type T in p, and whether there is one. An entry
// hidden by Without is absent.
func Get[T any](p Properties) (T, bool) {
	key := reflect.TypeFor[T]()
	for n := p.top; n != nil; n = n.next {
		if n.key == key {
			if n.hidden {
				break
			}
			return n.value.(T), true
		}
	}
	var zero T
	return zero, false
}

// With returns p with v as its entry of type T, overriding any entry of that
// type in p.
func With[T any](p Properties, v T) Properties {
	return Properties{&node{key: reflect.TypeFor[T](), value: v, next: p.top}}
}

// Without returns p without an entry of type T: a layer hides what the layer
// below exposes when it would mislead (the raw socket under TLS, say).
func Without[T any](p Properties) Properties {
	return Properties{&node{key: reflect.TypeFor[T](), hidden: true, next: p.top}}
}

// Merge returns p with the entries of over on top: over wins where both
// have an entry, and what over hides is hidden.
func Merge(p, over Properties) Properties {
	if p.top == nil {
		return over
	}
	var entries []*node
	for n := over.top; n != nil; n = n.next {
		entries = append(entries, n)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		n := *entries[i]
		n.next = p.top
		p.top = &n
	}
	return p
}

// String lists the visible entries' types, newest first, for logs and
// debugging.
func (p Properties) String() string {
	var b strings.Builder
	b.WriteByte('[')
	seen := map[reflect.Type]bool{}
	for n := p.top; n != nil; n = n.next {
		if seen[n.key] {
			continue
		}
		seen[n.key] = true
		if n.hidden {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, n.key)
	}
	b.WriteByte(']')
	return b.String()
}
