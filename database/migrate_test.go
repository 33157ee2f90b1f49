package database_test

import (
	"context"
	"testing"

	"partyschool/database"
	"partyschool/dbtest"
)

// TestMigrationsUpDownUp applies every migration, rolls all of them back
// and applies them again: each Down must undo its Up completely.
func TestMigrationsUpDownUp(t *testing.T) {
	db, _ := dbtest.NewEmpty(t)
	ctx := context.Background()

	tables := func() int {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := database.MigrateUp(ctx, db, nil); err != nil {
		t.Fatalf("up: %v", err)
	}
	afterUp := tables()
	if afterUp == 0 {
		t.Fatal("no tables after migrating up")
	}
	if err := database.MigrateReset(ctx, db, nil); err != nil {
		t.Fatalf("down: %v", err)
	}
	if got := tables(); got != 0 {
		t.Fatalf("%d tables left after migrating down, want 0", got)
	}
	if err := database.MigrateUp(ctx, db, nil); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if got := tables(); got != afterUp {
		t.Fatalf("%d tables after migrating up again, want %d", got, afterUp)
	}

	states, err := database.MigrateStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if !s.Applied {
			t.Errorf("migration %s not applied", s.File)
		}
	}
}

// TestMigrateDownOne rolls back only the newest migration.
func TestMigrateDownOne(t *testing.T) {
	db, _ := dbtest.NewEmpty(t)
	ctx := context.Background()
	if err := database.MigrateUp(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	if err := database.MigrateDown(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	states, err := database.MigrateStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	last := states[len(states)-1]
	if last.Applied {
		t.Errorf("newest migration %s still applied after down", last.File)
	}
	if !states[0].Applied {
		t.Errorf("first migration %s rolled back too", states[0].File)
	}
}

// TestConcurrentMigrate starts several migrations at once, as several
// servers starting together would: each must succeed and the schema must
// be built exactly once.
func TestConcurrentMigrate(t *testing.T) {
	db, url := dbtest.NewEmpty(t)
	errs := dbtest.Concurrently(4, func(int) error {
		conn, err := database.Open(context.Background(), url)
		if err != nil {
			return err
		}
		defer conn.Close()
		return database.MigrateUp(context.Background(), conn, nil)
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("migration %d: %v", i, err)
		}
	}
	var applied, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct {
		t.Errorf("goose recorded %d applications of %d migrations: some ran twice", applied, distinct)
	}
}

func TestWithSSLMode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:p@127.0.0.1:5432/db", "postgres://u:p@127.0.0.1:5432/db?connect_timeout=5&sslmode=disable"},
		{"postgres://u:p@localhost/db", "postgres://u:p@localhost/db?connect_timeout=5&sslmode=disable"},
		{"postgres://u:p@db.example.org/db", "postgres://u:p@db.example.org/db?connect_timeout=5&sslmode=require"},
		{"postgres://u:p@db.example.org/db?sslmode=verify-full", "postgres://u:p@db.example.org/db?connect_timeout=5&sslmode=verify-full"},
		{"postgres:///db?host=/run/postgresql", "postgres:///db?connect_timeout=5&host=%2Frun%2Fpostgresql&sslmode=disable"},
	}
	for _, tt := range tests {
		got, err := database.WithSSLMode(tt.in)
		if err != nil {
			t.Errorf("WithSSLMode(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("WithSSLMode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "mysql://x", "::"} {
		if _, err := database.WithSSLMode(bad); err == nil {
			t.Errorf("WithSSLMode(%q) accepted", bad)
		}
	}
}
