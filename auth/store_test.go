package auth_test

import (
	"context"
	"errors"
	"testing"

	"partyschool/auth"
	"partyschool/dbtest"
)

func newUser(t *testing.T, s *auth.Store, username, role string) *auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), auth.NewUser{Username: username, Name: "测试", Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestUserConstraints shows the schema itself refuses what the forms refuse.
func TestUserConstraints(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	bad := []struct {
		name, sql string
	}{
		{"upper-case username", `INSERT INTO users (username, name, role, password_hash) VALUES ('Anna', 'a', 'trainee', '$argon2id$x')`},
		{"unknown role", `INSERT INTO users (username, name, role, password_hash) VALUES ('anna', 'a', 'root', '$argon2id$x')`},
		{"blank name", `INSERT INTO users (username, name, role, password_hash) VALUES ('anna', '  ', 'trainee', '$argon2id$x')`},
		{"bad phone", `INSERT INTO users (username, name, phone, role, password_hash) VALUES ('anna', 'a', '12345', 'trainee', '$argon2id$x')`},
		{"plain-text password", `INSERT INTO users (username, name, role, password_hash) VALUES ('anna', 'a', 'trainee', 'secret')`},
	}
	for _, b := range bad {
		if _, err := db.ExecContext(ctx, b.sql); err == nil {
			t.Errorf("%s: accepted by the database", b.name)
		}
	}
}

// TestConcurrentRegistrationSameUsername: of many simultaneous sign-ups
// with one username, exactly one wins; the others get ErrUsernameTaken.
func TestConcurrentRegistrationSameUsername(t *testing.T) {
	db := dbtest.New(t)
	s := auth.NewStore(db)
	errs := dbtest.Concurrently(10, func(int) error {
		_, err := s.CreateUser(context.Background(), auth.NewUser{Username: "samename", Name: "同名", Role: "trainee", Password: "correct horse battery"})
		return err
	})
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, auth.ErrUsernameTaken):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d registrations succeeded, want 1", ok)
	}
	var rows int
	db.Get(&rows, `SELECT count(*) FROM users WHERE username = 'samename'`)
	if rows != 1 {
		t.Errorf("%d rows, want 1", rows)
	}
}

// TestSessionLifecycle covers creation, idle and absolute expiry, and the
// events that end every session of a user.
func TestSessionLifecycle(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := auth.NewStore(db)
	u := newUser(t, s, "anna", "trainee")

	token, _, err := s.CreateSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) < 43 {
		t.Fatalf("token %q is shorter than 256 bits", token)
	}
	var stored int
	db.Get(&stored, `SELECT count(*) FROM sessions WHERE token_hash = convert_to($1, 'UTF8')`, token)
	if stored != 0 {
		t.Fatal("the raw token is stored in the database; only its hash may be")
	}
	got, err := s.SessionUser(ctx, token)
	if err != nil || got.ID != u.ID {
		t.Fatalf("SessionUser = %v, %v", got, err)
	}

	// Idle too long.
	db.MustExec(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes'`)
	if _, err := s.SessionUser(ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("idle session still valid: %v", err)
	}

	// Past the absolute limit, though used a moment ago.
	token, _, _ = s.CreateSession(ctx, u.ID)
	db.MustExec(`UPDATE sessions SET created_at = now() - interval '13 hours', expires_at = now() - interval '1 hour'`)
	if _, err := s.SessionUser(ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("expired session still valid: %v", err)
	}

	// Disabling, a password change and a role change each end all sessions.
	ends := map[string]func() error{
		"disable":  func() error { return s.SetDisabled(ctx, u.ID, true, 0, "") },
		"password": func() error { return s.SetPassword(ctx, u.ID, "another long password", u.ID, "") },
		"role":     func() error { return s.SetRole(ctx, u.ID, "lecturer", 0, "") },
	}
	for name, end := range ends {
		if err := s.SetDisabled(ctx, u.ID, false, 0, ""); err != nil {
			t.Fatal(err)
		}
		a, _, _ := s.CreateSession(ctx, u.ID)
		b, _, _ := s.CreateSession(ctx, u.ID)
		if err := end(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, tok := range []string{a, b} {
			if _, err := s.SessionUser(ctx, tok); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("after %s a session survived: %v", name, err)
			}
		}
		if n, _ := s.CountSessions(ctx, u.ID); n != 0 {
			t.Errorf("after %s, %d session rows remain", name, n)
		}
	}

	if err := s.SetRole(ctx, 999999, "admin", 0, ""); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("SetRole(missing) = %v, want ErrNotFound", err)
	}
}

func TestThrottle(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := auth.NewStore(db)

	attempt := func(username, ip string) *auth.Attempt {
		t.Helper()
		a, err := s.BeginAttempt(ctx, username, ip)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for i := range auth.MaxAccountFailures {
		if a := attempt("anna", "10.0.0.1"); a.Throttled {
			t.Fatalf("attempt %d throttled; the limit is %d failures", i+1, auth.MaxAccountFailures)
		}
	}
	a := attempt("anna", "10.0.0.9")
	if !a.Throttled || a.Wait <= 0 {
		t.Fatalf("attempt after %d failures: %+v, want throttled", auth.MaxAccountFailures, a)
	}
	if a := attempt("bob", "10.0.0.9"); a.Throttled {
		t.Error("another account is throttled too")
	}
	// Failures older than the window no longer count.
	db.MustExec(`UPDATE login_failures SET failed_at = now() - interval '16 minutes'`)
	if a := attempt("anna", "10.0.0.9"); a.Throttled {
		t.Error("still throttled after the window")
	}
	// A success clears the account's failures.
	if err := s.Succeeded(ctx, attempt("anna", "10.0.0.9"), "anna"); err != nil {
		t.Fatal(err)
	}
	var left int
	db.Get(&left, `SELECT count(*) FROM login_failures WHERE username = 'anna'`)
	if left != 0 {
		t.Errorf("%d failures left after a successful sign-in", left)
	}
}

// TestThrottleUnderConcurrency: forty guesses at once still get at most
// the limit's worth of password checks (the rest are throttled).
func TestThrottleUnderConcurrency(t *testing.T) {
	db := dbtest.New(t)
	s := auth.NewStore(db)
	checked := make([]bool, 40)
	errs := dbtest.Concurrently(40, func(i int) error {
		a, err := s.BeginAttempt(context.Background(), "anna", "10.0.0.1")
		if err == nil {
			checked[i] = !a.Throttled
		}
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if checked[i] {
			n++
		}
	}
	if n > auth.MaxAccountFailures {
		t.Errorf("%d of 40 concurrent guesses were let through, want at most %d", n, auth.MaxAccountFailures)
	}
}

// TestRegistrationThrottleUnderConcurrency: forty refused registrations
// from one address at once still get at most the limit's worth checked.
func TestRegistrationThrottleUnderConcurrency(t *testing.T) {
	db := dbtest.New(t)
	s := auth.NewStore(db)
	checked := make([]bool, 40)
	errs := dbtest.Concurrently(40, func(i int) error {
		a, err := s.BeginRegistration(context.Background(), "10.0.0.1")
		if err == nil {
			checked[i] = !a.Throttled
		}
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if checked[i] {
			n++
		}
	}
	if n > auth.MaxRegistrationFailures {
		t.Errorf("%d of 40 concurrent registrations were checked, want at most %d", n, auth.MaxRegistrationFailures)
	}
	// Refused registrations count against the address, never an account:
	// a sign-in from elsewhere is not throttled by them.
	if a, err := s.BeginAttempt(context.Background(), "anna", "10.0.0.2"); err != nil || a.Throttled {
		t.Errorf("an account is throttled by registrations: %+v, %v", a, err)
	}
	// An attempt forgotten (nothing was taken) leaves no row.
	db.MustExec(`DELETE FROM login_failures`)
	a, err := s.BeginRegistration(context.Background(), "10.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Forget(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	var left int
	db.Get(&left, `SELECT count(*) FROM login_failures`)
	if left != 0 {
		t.Errorf("%d rows left after a forgotten registration attempt", left)
	}
}
