package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/app"
	"partyschool/database"
	"partyschool/dbtest"
)

// oldAndNew adds an entry past any retention and a recent one, as the
// owner, and returns a function counting which of the two remain.
func oldAndNew(t *testing.T, owner *sqlx.DB) func() (old, recent int) {
	t.Helper()
	_, err := owner.Exec(`
		INSERT INTO audit_log (at, action, object) VALUES
			(now() - interval '31 years', 'test.entry', 'old'), (now(), 'test.entry', 'recent')`)
	if err != nil {
		t.Fatal(err)
	}
	return func() (old, recent int) {
		owner.Get(&old, `SELECT count(*) FROM audit_log WHERE object = 'old'`)
		owner.Get(&recent, `SELECT count(*) FROM audit_log WHERE object = 'recent'`)
		return old, recent
	}
}

// TestAuditPruneCommand: `partyschool audit prune` prunes as the owner
// (MIGRATION_DATABASE_URL) and leaves its entry; with only the serving
// role's URL it fails and removes nothing.
func TestAuditPruneCommand(t *testing.T) {
	owner, ownerURL := dbtest.NewWithURL(t)
	runtimeURL := dbtest.RuntimeURL(t, owner, ownerURL)
	left := oldAndNew(t, owner)

	t.Setenv("DATABASE_URL", runtimeURL)
	t.Setenv("MIGRATION_DATABASE_URL", "")
	if err := run([]string{"audit", "prune"}); err == nil {
		t.Error("audit prune as the serving role succeeded")
	}
	if old, _ := left(); old != 1 {
		t.Fatal("the serving role's prune removed the old entry")
	}

	t.Setenv("MIGRATION_DATABASE_URL", ownerURL)
	if err := run([]string{"audit", "prune"}); err != nil {
		t.Fatalf("audit prune as the owner: %v", err)
	}
	if old, recent := left(); old != 0 || recent != 1 {
		t.Errorf("after the prune: %d old, %d recent entries; want 0 and 1", old, recent)
	}
	var n int
	owner.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'audit_log.prune' AND details->>'deleted' = '1'`)
	if n != 1 {
		t.Errorf("%d prune entries, want 1", n)
	}
	if err := run([]string{"audit", "shred"}); err == nil {
		t.Error("audit shred accepted")
	}
}

// TestServeStartPrunes: the start of `serve` with a separate owner prunes
// on the owner's connection, and the server's own role stays unable to.
func TestServeStartPrunes(t *testing.T) {
	ctx := context.Background()
	owner, ownerURL := dbtest.NewWithURL(t)
	runtimeURL := dbtest.RuntimeURL(t, owner, ownerURL)
	left := oldAndNew(t, owner)
	db, err := database.Open(ctx, runtimeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := app.Config{DatabaseURL: runtimeURL, MigrationDatabaseURL: ownerURL}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := prepareSchema(ctx, cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if old, recent := left(); old != 0 || recent != 1 {
		t.Errorf("after the start: %d old, %d recent entries; want 0 and 1", old, recent)
	}
	if ok, err := database.AuditLogProtected(ctx, db); err != nil || !ok {
		t.Errorf("AuditLogProtected after the start: %v, %v", ok, err)
	}
}
