// Package echo is the loopback echo benchmark of issue 5: the same
// pipelined client drives four echo servers, bedrock's handler over
// transports/netpoll and over transports/socket, a plain net + bufio
// goroutine-per-connection server, and netpoll's own OnRequest echo.
//
// Messages are MsgSize bytes; the first 8 bytes carry the message's
// sequence number on its connection (little endian), which the client
// checks on every echo. The servers echo whole messages only: each parses
// its input into MsgSize messages and sends back the ones that are
// complete, with one flush per batch of input.
package echo

import (
	"errors"
	"net"
	"sort"
	"sync"
)

// MsgSize is the size of a message: 1 KiB.
const MsgSize = 1024

// Depth is how many messages each client connection keeps in flight.
const Depth = 16

// Conns is the number of client connections of the benchmark.
const Conns = 100

// Server is a running echo server.
type Server interface {
	// Addr is the server's TCP address.
	Addr() net.Addr
	// Close stops the server, closes its connections and waits for its
	// goroutines.
	Close() error
}

// Impl is one server implementation.
type Impl struct {
	Name  string
	Start func() (Server, error) // listens on 127.0.0.1, port chosen by the system
}

var (
	implsMu sync.Mutex
	impls   []Impl
)

// register adds an implementation; files built only where it runs call it.
func register(i Impl) {
	implsMu.Lock()
	defer implsMu.Unlock()
	impls = append(impls, i)
	sort.Slice(impls, func(a, b int) bool { return impls[a].Name < impls[b].Name })
}

// Impls returns the implementations built on this platform, by name.
func Impls() []Impl {
	implsMu.Lock()
	defer implsMu.Unlock()
	return append([]Impl(nil), impls...)
}

// Lookup returns the implementation called name.
func Lookup(name string) (Impl, bool) {
	for _, i := range Impls() {
		if i.Name == name {
			return i, true
		}
	}
	return Impl{}, false
}

// tracker keeps the server's open connections and handler goroutines so
// that Close can end them.
type tracker struct {
	mu     sync.Mutex
	conns  map[any]func()
	closed bool
	wg     sync.WaitGroup
}

// add registers a connection and its closer, and counts its handler; it
// reports false (and closes it) once the server is closing.
func (t *tracker) add(key any, closeFn func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		closeFn()
		return false
	}
	if t.conns == nil {
		t.conns = make(map[any]func())
	}
	t.conns[key] = closeFn
	t.wg.Add(1)
	return true
}

// done forgets a connection whose handler returned.
func (t *tracker) done(key any) {
	t.mu.Lock()
	delete(t.conns, key)
	t.mu.Unlock()
	t.wg.Done()
}

// closeAll closes every connection and waits for the handlers.
func (t *tracker) closeAll() {
	t.mu.Lock()
	t.closed = true
	for _, c := range t.conns {
		c()
	}
	t.mu.Unlock()
	t.wg.Wait()
}

// ignoreClosed drops the error of closing what is already closed.
func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
