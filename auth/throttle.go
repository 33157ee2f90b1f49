package auth

import (
	"context"
	"fmt"
	"time"

	"partyschool/web"
)

// Login throttling (SECURITY.md 6). Failed sign-ins are counted over a
// sliding window, per account and per client address. The address limit is
// far above the account limit: a classroom behind one address, where many
// people mistype once, stays well below it, while a guessing script from
// that address does not.
const (
	ThrottleWindow     = 15 * time.Minute
	MaxAccountFailures = 5
	MaxAddressFailures = 100
)

// Throttled reports whether sign-in for this username or from this address
// must wait, and for how long at most.
func (s *Store) Throttled(ctx context.Context, username, clientIP string) (bool, time.Duration, error) {
	var row struct {
		Account       int        `db:"account"`
		Address       int        `db:"address"`
		OldestAccount *time.Time `db:"oldest_account"`
		OldestAddress *time.Time `db:"oldest_address"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT count(*) FILTER (WHERE username = $1)          AS account,
		       count(*) FILTER (WHERE client_ip = $2::inet)   AS address,
		       min(failed_at) FILTER (WHERE username = $1)    AS oldest_account,
		       min(failed_at) FILTER (WHERE client_ip = $2::inet) AS oldest_address
		FROM login_failures
		WHERE failed_at > now() - make_interval(secs => $3)
		  AND (username = $1 OR client_ip = $2::inet)`,
		username, clientIP, ThrottleWindow.Seconds())
	if err != nil {
		return false, 0, fmt.Errorf("count failed logins: %w", err)
	}
	var oldest *time.Time
	switch {
	case row.Account >= MaxAccountFailures:
		oldest = row.OldestAccount
	case row.Address >= MaxAddressFailures:
		oldest = row.OldestAddress
	default:
		return false, 0, nil
	}
	wait := ThrottleWindow
	if oldest != nil {
		wait = time.Until(oldest.Add(ThrottleWindow))
	}
	return true, max(wait, time.Minute), nil
}

// RecordFailure counts one failed sign-in.
func (s *Store) RecordFailure(ctx context.Context, username, clientIP string) error {
	username = web.Clean(username, 64)
	_, err := s.db.ExecContext(ctx, `INSERT INTO login_failures (username, client_ip) VALUES ($1, $2::inet)`, username, clientIP)
	if err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	// Old rows are no longer counted; drop them as we go.
	_, err = s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE failed_at < now() - interval '1 day'`)
	return err
}

// ClearFailures forgets an account's failures after it signs in. The
// address's failures stay: one good account must not reset a guesser.
func (s *Store) ClearFailures(ctx context.Context, username string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE username = $1`, username)
	return err
}
