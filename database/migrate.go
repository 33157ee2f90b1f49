package database

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"partyschool/migrations"
)

// newProvider builds a goose provider over the embedded migrations. The
// session locker takes a PostgreSQL advisory lock, so two processes starting
// at once apply each migration exactly once.
func newProvider(db *sqlx.DB, logger *slog.Logger) (*goose.Provider, error) {
	// Poll for the lock every second (the default is every five) for up to
	// five minutes: a second server waits for the first one's migrations.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS,
		goose.WithSessionLocker(locker),
		goose.WithSlog(logger),
		goose.WithDisableGlobalRegistry(true),
	)
}

// MigrateUp applies every pending migration.
func MigrateUp(ctx context.Context, db *sqlx.DB, logger *slog.Logger) error {
	p, err := newProvider(db, logger)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// MigrateDown rolls back the newest applied migration.
func MigrateDown(ctx context.Context, db *sqlx.DB, logger *slog.Logger) error {
	p, err := newProvider(db, logger)
	if err != nil {
		return err
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// MigrateReset rolls back every applied migration.
func MigrateReset(ctx context.Context, db *sqlx.DB, logger *slog.Logger) error {
	p, err := newProvider(db, logger)
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("migrate down to 0: %w", err)
	}
	return nil
}

// MigrationState is one line of `migrate status`.
type MigrationState struct {
	Version int64
	File    string
	Applied bool
}

// MigrateStatus lists every migration and whether it has been applied.
func MigrateStatus(ctx context.Context, db *sqlx.DB) ([]MigrationState, error) {
	p, err := newProvider(db, nil)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationState{
			Version: s.Source.Version,
			File:    s.Source.Path,
			Applied: s.State == goose.StateApplied,
		})
	}
	return out, nil
}
