// Package proctest helps tests that run the real binary as a child
// process (main_test.go, the browser journeys in e2e): the binary, built
// once, a free address for it to listen on, and a buffer its output is
// written to while the test reads it.
package proctest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
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

var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

// Binary compiles the partyschool binary from the module at root, once
// for all the tests of the process, and returns its path. The tests that
// need the real main — its signal handling, its own connection pool —
// run it; Cleanup, from TestMain, removes it.
func Binary(t testing.TB, root string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "partyschool-bin-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "partyschool")
		cmd := exec.Command("go", "build", "-o", binary, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build the server: %v", buildErr)
	}
	return binary
}

// Cleanup removes the binary Binary built, if any.
func Cleanup() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}
