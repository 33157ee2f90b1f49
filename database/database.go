// Package database opens the PostgreSQL pool and applies the embedded
// migrations. Every other package receives the *sqlx.DB it returns.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Open connects to PostgreSQL with a bounded pool and checks that it answers.
func Open(ctx context.Context, databaseURL string) (*sqlx.DB, error) {
	dsn, err := WithSSLMode(databaseURL)
	if err != nil {
		return nil, err
	}
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Two cores serve a few hundred concurrent visitors comfortably with a
	// small pool; PostgreSQL's own limit is the real ceiling.
	db.SetMaxOpenConns(25)
	db.SetMaxIdleConns(25)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)

	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// WithSSLMode returns the URL with sslmode set explicitly: kept when the URL
// names one, "disable" for a loopback or unix-socket server, "require"
// otherwise. A connect_timeout is added when missing, so an unreachable
// server fails fast instead of hanging a request.
func WithSSLMode(databaseURL string) (string, error) {
	if databaseURL == "" {
		return "", errors.New("DATABASE_URL is empty")
	}
	u, err := url.Parse(databaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("DATABASE_URL must be a postgres:// URL")
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", defaultSSLMode(u.Hostname(), q.Get("host")))
	}
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func defaultSSLMode(host, socketHost string) string {
	if strings.HasPrefix(socketHost, "/") || host == "" || host == "localhost" {
		return "disable"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return "disable"
	}
	return "require"
}

// SQLSTATE codes the stores map to their own sentinel errors.
const (
	UniqueViolation     = "23505"
	ForeignKeyViolation = "23503"
	CheckViolation      = "23514"
	ExclusionViolation  = "23P01"
)

// IsViolation reports whether err is a PostgreSQL error with the given
// SQLSTATE, and if a constraint name is given, on that constraint.
func IsViolation(err error, code string, constraint ...string) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || string(pqErr.Code) != code {
		return false
	}
	if len(constraint) == 0 {
		return true
	}
	for _, c := range constraint {
		if pqErr.Constraint == c {
			return true
		}
	}
	return false
}

// IsUnavailable reports whether err means the database could not be reached
// or the request ran out of time, so the visitor should get a 503, not a 500.
func IsUnavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention
			return true
		}
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// EscapeLike escapes the wildcards of a LIKE pattern, so that text a
// visitor searches for matches only itself.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Affected returns none when a statement changed no row (the row it meant
// was missing), nil when it changed some.
func Affected(res sql.Result, none error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}
