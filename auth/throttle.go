package auth

import (
	"context"
	"fmt"
	"net"
	"time"

	"partyschool/web"
)

// Login throttling (SECURITY.md 6). Failed sign-ins are counted over a
// sliding window, and three limits each refuse further attempts:
//
//   - per account, from every address together (MaxAccountFailures): a
//     guesser who spreads over many addresses still gets five guesses at
//     an account per window. The price is that anyone can make an account
//     wait a window by failing five times; the limit does not grow with
//     the attempts made while it holds, so the owner is let in as soon as
//     the guesses age out.
//   - per client address, failures only (MaxAddressFailures): one address
//     guessing at many accounts is stopped. A sign-in that succeeds takes
//     that account's failures off the count, so a classroom of thirty
//     behind one address, each mistyping a few times before getting in,
//     stays far below it.
//   - per client address, distinct names failed (MaxAddressAccounts): a
//     password sprayed over many accounts, one try each, is stopped
//     sooner than by the failure count. Names count whether or not an
//     account has them: counting only real accounts would tell a prober,
//     by when the limit bites, which names are real.
//
// An address is an IPv4 address, or an IPv6 /64: the one network a home or
// a phone is given, inside which a client can take any address it likes.
const (
	ThrottleWindow     = 15 * time.Minute
	MaxAccountFailures = 5
	MaxAddressFailures = 100
	// MaxAddressAccounts leaves room for a classroom of thirty at one
	// address where every trainee mistypes their own name once (a name
	// that never signs in, so it is never taken off) and twenty are still
	// getting their password wrong at the same moment.
	MaxAddressAccounts = 50
)

// MaxRegistrationFailures limits refused registrations per client address
// (registration throttling). A registration refused because its phone
// number or username has an account tells the visitor so: unchecked, that
// answer lets anyone test which numbers are registered. Such refusals are
// counted per client address like failed sign-ins (and count towards the
// address's limit), with a lower limit of their own: an honest visitor
// meets one at most once or twice, so even a classroom behind one address
// stays far below it, while a script testing numbers is stopped after a
// handful.
const MaxRegistrationFailures = 20

// registrationKey stands in for the username on the rows of refused
// registrations. It cannot be a username (usernames have no '#'), so it
// never counts against an account.
const registrationKey = "#register"

// Attempt is a sign-in attempt being checked.
type Attempt struct {
	id        int64
	Throttled bool          // too many failures: refuse without checking the password
	Wait      time.Duration // how long until the oldest counted failure leaves the window
}

// BeginAttempt records a sign-in attempt as failed before the password is
// checked, then counts. Recording first is what makes the limits hold when
// many attempts arrive at once: each attempt's row is committed before it
// counts, so of any set of attempts let through, the last to count sees
// them all, and at most the limit's worth of guesses are ever checked.
// Succeeded removes the row again when the password was right.
//
// A refused attempt takes its row back: it checked no password, so it is
// no guess, and keeping it would make a person who keeps trying (or a
// whole classroom behind an address a guesser used) wait ever longer.
func (s *Store) BeginAttempt(ctx context.Context, username, clientIP string) (*Attempt, error) {
	username = web.Clean(username, 64)
	clientIP, network := clientNetwork(clientIP)
	a := &Attempt{}
	err := s.db.GetContext(ctx, &a.id, `INSERT INTO login_failures (username, client_ip) VALUES ($1, $2::inet) RETURNING id`, username, clientIP)
	if err != nil {
		return nil, fmt.Errorf("record login attempt: %w", err)
	}
	var row struct {
		Account       int        `db:"account"`
		Address       int        `db:"address"`
		Names         int        `db:"names"`
		OldestAccount *time.Time `db:"oldest_account"`
		OldestAddress *time.Time `db:"oldest_address"`
	}
	// Refused registrations count towards the address's failures, not
	// its names: they are about no account.
	err = s.db.GetContext(ctx, &row, `
		SELECT count(*) FILTER (WHERE username = $1)                                    AS account,
		       count(*) FILTER (WHERE client_ip <<= $2::cidr)                           AS address,
		       count(DISTINCT username) FILTER (WHERE client_ip <<= $2::cidr AND username <> $4) AS names,
		       min(failed_at) FILTER (WHERE username = $1)                              AS oldest_account,
		       min(failed_at) FILTER (WHERE client_ip <<= $2::cidr)                     AS oldest_address
		FROM login_failures
		WHERE failed_at > now() - make_interval(secs => $3)
		  AND (username = $1 OR client_ip <<= $2::cidr)`,
		username, network, ThrottleWindow.Seconds(), registrationKey)
	if err != nil {
		return nil, fmt.Errorf("count login attempts: %w", err)
	}
	switch {
	case row.Account > MaxAccountFailures:
		a.throttle(row.OldestAccount)
	case row.Address > MaxAddressFailures, row.Names > MaxAddressAccounts:
		a.throttle(row.OldestAddress)
	}
	if a.Throttled {
		if err := s.Forget(ctx, a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// clientNetwork returns the address in its canonical form (an IPv4 address
// written as IPv6 becomes plain IPv4) and the network counted as one
// client: the address itself for IPv4, its /64 for IPv6. Text that is no
// address comes back as it is, for PostgreSQL to refuse.
func clientNetwork(ip string) (addr, network string) {
	parsed := net.ParseIP(ip)
	if parsed == nil {
		return ip, ip
	}
	if v4 := parsed.To4(); v4 != nil {
		return v4.String(), v4.String() + "/32"
	}
	return parsed.String(), parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// Succeeded forgets the account's failures once it has signed in, and this
// attempt's row. The address's other failures stay: one good account must
// not reset the count of a guesser at the same address.
func (s *Store) Succeeded(ctx context.Context, a *Attempt, username string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE id = $1 OR username = $2`, a.id, username)
	if err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	// Rows past the window no longer count; drop them as we go.
	_, err = s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE failed_at < now() - interval '1 day'`)
	return err
}

// BeginRegistration records a registration attempt from clientIP as
// refused before its phone number and username are checked, then counts,
// as BeginAttempt does and for the same reason: concurrent attempts each
// see the others. The attempt is throttled when the address has more than
// MaxRegistrationFailures refused registrations, or MaxAddressFailures
// failures of any kind, in the window. Forget removes the row again when
// neither the phone number nor the username was taken.
func (s *Store) BeginRegistration(ctx context.Context, clientIP string) (*Attempt, error) {
	clientIP, network := clientNetwork(clientIP)
	a := &Attempt{}
	err := s.db.GetContext(ctx, &a.id, `INSERT INTO login_failures (username, client_ip) VALUES ($1, $2::inet) RETURNING id`, registrationKey, clientIP)
	if err != nil {
		return nil, fmt.Errorf("record registration attempt: %w", err)
	}
	var row struct {
		Registrations int        `db:"registrations"`
		Address       int        `db:"address"`
		OldestReg     *time.Time `db:"oldest_registration"`
		OldestAddress *time.Time `db:"oldest_address"`
	}
	err = s.db.GetContext(ctx, &row, `
		SELECT count(*) FILTER (WHERE username = $1)       AS registrations,
		       count(*)                                    AS address,
		       min(failed_at) FILTER (WHERE username = $1) AS oldest_registration,
		       min(failed_at)                              AS oldest_address
		FROM login_failures
		WHERE failed_at > now() - make_interval(secs => $3)
		  AND client_ip <<= $2::cidr`,
		registrationKey, network, ThrottleWindow.Seconds())
	if err != nil {
		return nil, fmt.Errorf("count registration attempts: %w", err)
	}
	switch {
	case row.Registrations > MaxRegistrationFailures:
		a.throttle(row.OldestReg)
	case row.Address > MaxAddressFailures:
		a.throttle(row.OldestAddress)
	}
	// As with sign-ins, a refused attempt checked nothing: it is no probe.
	if a.Throttled {
		if err := s.Forget(ctx, a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// throttle marks the attempt refused until the oldest counted failure
// leaves the window (at least a minute).
func (a *Attempt) throttle(oldest *time.Time) {
	a.Throttled = true
	a.Wait = ThrottleWindow
	if oldest != nil {
		a.Wait = time.Until(oldest.Add(ThrottleWindow))
	}
	a.Wait = max(a.Wait, time.Minute)
}

// Forget removes the attempt's row: it did not fail in a way that counts.
func (s *Store) Forget(ctx context.Context, a *Attempt) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE id = $1`, a.id); err != nil {
		return fmt.Errorf("forget attempt: %w", err)
	}
	return nil
}

// RegistrationRefused records one more refused registration from clientIP:
// its phone number or username was taken by a concurrent one after the
// check.
func (s *Store) RegistrationRefused(ctx context.Context, clientIP string) error {
	clientIP, _ = clientNetwork(clientIP)
	_, err := s.db.ExecContext(ctx, `INSERT INTO login_failures (username, client_ip) VALUES ($1, $2::inet)`, registrationKey, clientIP)
	if err != nil {
		return fmt.Errorf("record refused registration: %w", err)
	}
	return nil
}
