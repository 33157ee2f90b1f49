package dbtest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Cluster is a private PostgreSQL cluster of one test, which the test may
// stop and start: the shared test cluster must never go down under the
// other tests. It is made by scripts/devdb, like the clusters of `make run`
// and `make test`, and is deleted when the test ends.
type Cluster struct {
	// URL reaches the cluster's partyschool database as its superuser.
	URL string

	t      testing.TB
	name   string
	script string
	port   int // where scripts/devdb starts looking for a free port
}

// NewCluster creates and starts a cluster of its own for the test. Unlike
// the shared test cluster it keeps PostgreSQL's default durability (fsync,
// synchronous commit), so a crash loses no committed transaction.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("find scripts/devdb: %v", err)
	}
	c := &Cluster{t: t, name: "t-" + randomHex(6), script: filepath.Join(root, "scripts", "devdb")}
	// The port lies below the kernel's ephemeral range (32768 and up on
	// Linux): while the server is down, clients retrying its closed port
	// would otherwise, once in a few thousand tries, be given that very port
	// as their own (a TCP self-connect) and keep the restart from binding it.
	n, _ := rand.Int(rand.Reader, big.NewInt(10000))
	c.port = 20000 + int(n.Int64())
	t.Cleanup(func() {
		if _, err := c.devdb("destroy", c.name); err != nil {
			t.Errorf("delete cluster %s: %v", c.name, err)
		}
	})
	c.URL, err = c.devdb("start", c.name)
	if err != nil {
		t.Fatalf("start a private cluster: %v", err)
	}
	return c
}

// Crash stops the server as a power cut would (pg_ctl stop -m immediate):
// every connection is dropped and recovery replays the WAL at the next start.
func (c *Cluster) Crash() {
	c.t.Helper()
	if _, err := c.devdb("runas", c.name, "--", "pg_ctl", "stop", "-m", "immediate", "-w"); err != nil {
		c.t.Fatalf("stop cluster %s: %v", c.name, err)
	}
}

// Start starts the stopped server again, on the same port when it is free
// (scripts/devdb keeps it), and fails the test if the address changed.
func (c *Cluster) Start() {
	c.t.Helper()
	u, err := c.devdb("start", c.name)
	if err != nil {
		c.t.Fatalf("start cluster %s: %v", c.name, err)
	}
	if u != c.URL {
		c.t.Fatalf("cluster %s came back at another address (%s, was %s)", c.name, u, c.URL)
	}
}

func (c *Cluster) devdb(args ...string) (string, error) {
	cmd := exec.Command(c.script, args...)
	cmd.Env = append(os.Environ(), "DEVDB_PORT="+strconv.Itoa(c.port))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scripts/devdb %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// moduleRoot is the directory of go.mod, found upwards from the package
// directory that `go test` runs in.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
