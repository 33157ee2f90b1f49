package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"partyschool/auth"
	"partyschool/dbtest"
	"partyschool/seed"
)

func init() {
	auth.SetHashParams(auth.HashParams{Memory: 64, Time: 1, Threads: 1})
}

// withStdin runs f with os.Stdin reading the given text, as a pipe.
func withStdin(t *testing.T, text string, f func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString(text); err != nil {
		t.Fatal(err)
	}
	w.Close()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	f()
}

// TestUserAdd creates the first admin the way the README says, with the
// password on stdin, and signs in with it.
func TestUserAdd(t *testing.T) {
	db, url := dbtest.NewWithURL(t)
	t.Setenv("DATABASE_URL", url)

	withStdin(t, "a long admin passphrase\n", func() {
		if err := run([]string{"user", "add", "--role", "admin", "--username", "Chief", "--name", "张书记"}); err != nil {
			t.Fatalf("user add: %v", err)
		}
	})
	u, err := auth.NewStore(db).UserByUsername(context.Background(), "chief")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != "admin" || u.Name != "张书记" {
		t.Errorf("created %+v", u)
	}
	if ok, _ := auth.CheckPassword(context.Background(), u.PasswordHash, "a long admin passphrase"); !ok {
		t.Error("the password read from stdin does not sign in")
	}

	bad := []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"user", "add", "--role", "root", "--username", "x1x"}, "a long admin passphrase\n", "--role"},
		{[]string{"user", "add", "--role", "admin", "--username", "!"}, "a long admin passphrase\n", "--username"},
		{[]string{"user", "add", "--role", "admin", "--username", "other"}, "short\n", "at least 8"},
		{[]string{"user", "add", "--role", "admin", "--username", "chief"}, "a long admin passphrase\n", "taken"},
		{[]string{"user", "add", "--role", "admin", "--username", "x2x", "--password", "on-the-command-line"}, "", "not defined"},
	}
	for _, b := range bad {
		withStdin(t, b.stdin, func() {
			err := run(b.args)
			if err == nil || !strings.Contains(err.Error(), b.want) {
				t.Errorf("%v: error %v, want one mentioning %q", b.args, err, b.want)
			}
		})
	}
}

// TestSeedDemoIsIdempotent loads the demo data twice: the second run adds
// nothing, and the demo accounts sign in.
func TestSeedDemoIsIdempotent(t *testing.T) {
	db, url := dbtest.NewWithURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	if err := run([]string{"seed", "--demo"}); err != nil {
		t.Fatal(err)
	}
	again, err := seed.Demo(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if again != (seed.Counts{}) {
		t.Errorf("second run added %+v", again)
	}
	counts := map[string]int{}
	rows, err := db.Query(`SELECT role, count(*) FROM users GROUP BY role`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var role string
		var n int
		rows.Scan(&role, &n)
		counts[role] = n
	}
	rows.Close()
	if counts["lecturer"] != 12 || counts["trainee"] != 40 || counts["coordinator"] != 1 || counts["admin"] != 1 {
		t.Errorf("demo users by role: %v, want 12 lecturers, 40 trainees, 1 coordinator, 1 admin", counts)
	}
	store := auth.NewStore(db)
	for _, a := range seed.DemoAccounts {
		u, err := store.UserByUsername(ctx, a.Username)
		if err != nil {
			t.Fatalf("demo account %s: %v", a.Username, err)
		}
		if ok, _ := auth.CheckPassword(context.Background(), u.PasswordHash, seed.DemoPassword); !ok || u.Role != a.Role {
			t.Errorf("demo account %s: role %s, password ok %v", a.Username, u.Role, ok)
		}
	}
	var names, distinct int
	db.QueryRow(`SELECT count(name), count(DISTINCT name) FROM users`).Scan(&names, &distinct)
	if names != distinct {
		t.Errorf("%d demo users share %d names; the demo should not have namesakes", names, distinct)
	}
	var communities, venues int
	db.Get(&communities, `SELECT count(*) FROM communities`)
	db.Get(&venues, `SELECT count(*) FROM venues`)
	if communities < 5 || venues < 5 {
		t.Errorf("%d communities and %d venues; the demo needs more", communities, venues)
	}
}

func TestMigrateCommands(t *testing.T) {
	_, url := dbtest.NewEmpty(t)
	t.Setenv("DATABASE_URL", url)
	for _, args := range [][]string{{"migrate", "up"}, {"migrate", "status"}, {"migrate", "down"}, {"migrate", "up"}, {"version"}} {
		if err := run(args); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	if err := run([]string{"migrate", "sideways"}); err == nil {
		t.Error("migrate sideways accepted")
	}
	if err := run([]string{"frobnicate"}); err == nil {
		t.Error("unknown command accepted")
	}
}
