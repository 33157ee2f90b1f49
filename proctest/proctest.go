// Package proctest helps tests that run the real binary as a child
// process (main_test.go, the browser journeys in e2e): a free address
// for it to listen on, and a buffer its output is written to while the
// test reads it.
package proctest

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// FreeAddr returns a local address that no one listens on: one the
// kernel chose for a listener closed at once.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Buffer is a buffer that a process writes while a test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
