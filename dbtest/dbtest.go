// Package dbtest gives each test its own PostgreSQL database, migrated and
// cloned from a template database in the cluster that `make test` starts
// (TEST_DATABASE_URL). Cloning a template takes milliseconds, so tests can
// run in parallel on real PostgreSQL instead of mocks.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver

	"partyschool/database"
	"partyschool/migrations"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// AdminURL returns the URL of the test cluster's maintenance database, or
// fails the test with a message saying how to get one.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		t.Fatal("TEST_DATABASE_URL is not set: run the tests with `make test`, which starts a private PostgreSQL cluster")
	}
	return u
}

// New returns a connection to a fresh database holding the whole schema.
// It is dropped when the test ends.
func New(t testing.TB) *sqlx.DB {
	db, _ := NewWithURL(t)
	return db
}

// NewWithURL is New that also returns the database's URL, for tests that
// start the real binary against it.
func NewWithURL(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	admin := connectAdmin(t)
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(AdminURL(t)) })
	if templateErr != nil {
		t.Fatalf("prepare template database: %v", templateErr)
	}
	return create(t, admin, "TEMPLATE "+quote(templateName))
}

// NewEmpty returns a connection to a fresh database without any schema,
// for tests of the migrations themselves.
func NewEmpty(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	return create(t, connectAdmin(t), "")
}

func connectAdmin(t testing.TB) *sqlx.DB {
	t.Helper()
	admin, err := database.Open(context.Background(), AdminURL(t))
	if err != nil {
		t.Fatalf("connect to the test cluster: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	return admin
}

func create(t testing.TB, admin *sqlx.DB, template string) (*sqlx.DB, string) {
	t.Helper()
	name := "test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+quote(name)+" "+template); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	dbURL := withDatabase(AdminURL(t), name)
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return db, dbURL
}

// ensureTemplate builds, once per set of migrations, a template database
// with the schema. Test binaries of several packages run at once; an
// advisory lock lets one build it while the others wait.
func ensureTemplate(adminURL string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := "partyschool_tmpl_" + migrationsHash()

	admin, err := database.Open(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('partyschool dbtest template'))`); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext('partyschool dbtest template'))`)

	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(building)+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+quote(building)); err != nil {
		return "", err
	}
	db, err := database.Open(ctx, withDatabase(adminURL, building))
	if err != nil {
		return "", err
	}
	err = database.MigrateUp(ctx, db, nil)
	db.Close()
	if err != nil {
		return "", err
	}
	// Renamed only when complete, so a half-built template is never used.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+quote(building)+" RENAME TO "+quote(name)); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+quote(name)+" IS_TEMPLATE true"); err != nil {
		return "", err
	}
	return name, nil
}

// migrationsHash names the template after the migrations' content, so a
// changed migration gets a new template instead of a stale one.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func quote(ident string) string { return `"` + ident + `"` }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RuntimeURL makes a login role of its own for the test, unprivileged, with
// the grants the server gives the role it serves as (database.GrantRuntime),
// and returns the URL of dbURL's database for that role. owner is a
// superuser's connection to that database, as New and NewWithURL return; the
// role is dropped when the test ends.
func RuntimeURL(t testing.TB, owner *sqlx.DB, dbURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	role, password := "test_app_"+randomHex(6), randomHex(16)
	// Utility statements take no parameters; both names are hex.
	if _, err := owner.ExecContext(ctx, "CREATE ROLE "+quote(role)+" LOGIN PASSWORD '"+password+"'"); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Its grants first, or PostgreSQL refuses to drop a role they name.
		if _, err := owner.ExecContext(ctx, "DROP OWNED BY "+quote(role)); err != nil {
			t.Errorf("drop the grants of %s: %v", role, err)
		}
		if _, err := owner.ExecContext(ctx, "DROP ROLE "+quote(role)); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	if err := database.GrantRuntime(ctx, owner, role); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, password)
	return u.String()
}
