package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"partyschool/app/apptest"
	"partyschool/auth"
	"partyschool/dbtest"
)

// attempts begins sign-in attempts on a store and reports whether each
// was throttled.
type attempts struct {
	t *testing.T
	s *auth.Store
}

func (a attempts) throttled(username, ip string) bool {
	a.t.Helper()
	at, err := a.s.BeginAttempt(context.Background(), username, ip)
	if err != nil {
		a.t.Fatal(err)
	}
	return at.Throttled
}

// TestThrottleHoldsAcrossAddresses: guesses at one account from many
// addresses, v4 and v6, count together.
func TestThrottleHoldsAcrossAddresses(t *testing.T) {
	db := dbtest.New(t)
	a := attempts{t, auth.NewStore(db)}
	addrs := []string{"203.0.113.1", "198.51.100.2", "2001:db8:1::1", "2001:db8:2::1", "192.0.2.77", "2001:db8:3::9", "203.0.113.200"}
	for i, ip := range addrs[:auth.MaxAccountFailures] {
		if a.throttled("anna", ip) {
			t.Fatalf("guess %d from %s throttled; the limit is %d", i+1, ip, auth.MaxAccountFailures)
		}
	}
	for _, ip := range addrs[auth.MaxAccountFailures:] {
		if !a.throttled("anna", ip) {
			t.Errorf("a guess from %s after %d from other addresses is not throttled", ip, auth.MaxAccountFailures)
		}
	}
}

// TestThrottleHoldsAcrossUsernames: one address trying one password on
// many accounts is stopped after MaxAddressAccounts names, long before
// its failures reach MaxAddressFailures; other addresses are not.
func TestThrottleHoldsAcrossUsernames(t *testing.T) {
	db := dbtest.New(t)
	a := attempts{t, auth.NewStore(db)}
	const sprayer = "203.0.113.66"
	for i := range auth.MaxAddressAccounts {
		if a.throttled(fmt.Sprintf("user%02d", i), sprayer) {
			t.Fatalf("name %d throttled; the limit is %d names", i+1, auth.MaxAddressAccounts)
		}
	}
	if !a.throttled("another", sprayer) {
		t.Errorf("a new name after %d from one address is not throttled", auth.MaxAddressAccounts)
	}
	// The limit is on how many names: one already tried adds none, and
	// its own guesses are held by the account's limit.
	if a.throttled("user00", sprayer) {
		t.Error("a name already tried is throttled by the limit on names")
	}
	if a.throttled("another", "198.51.100.66") {
		t.Error("another address is throttled by the sprayer")
	}
}

// TestThrottleTreatsAnIPv6NetworkAsOneAddress: a client walking through
// the addresses of its /64 is one address; the next /64 is another, and
// an IPv4 address written as IPv6 is that IPv4 address.
func TestThrottleTreatsAnIPv6NetworkAsOneAddress(t *testing.T) {
	db := dbtest.New(t)
	a := attempts{t, auth.NewStore(db)}
	for i := range auth.MaxAddressAccounts {
		if a.throttled(fmt.Sprintf("user%02d", i), fmt.Sprintf("2001:db8:aa:bb:%x::1", i+1)) {
			t.Fatalf("name %d throttled too early", i+1)
		}
	}
	if !a.throttled("another", "2001:db8:aa:bb:ffff:ffff:ffff:ffff") {
		t.Error("a new address in the same /64 is not throttled")
	}
	if a.throttled("another", "2001:db8:aa:bc::1") {
		t.Error("the next /64 is throttled too")
	}

	for i := range auth.MaxAddressAccounts {
		ip := "192.0.2.9"
		if i%2 == 1 {
			ip = "::ffff:192.0.2.9"
		}
		a.throttled(fmt.Sprintf("name%02d", i), ip)
	}
	if !a.throttled("another", "192.0.2.9") {
		t.Error("IPv4 failures written as IPv6 do not count with the IPv4 address")
	}
}

// TestRefusedAttemptsDoNotProlongTheWait: attempts refused by the throttle
// check no password and leave nothing behind, so someone who keeps trying
// gets in once the guesses that locked the account age out.
func TestRefusedAttemptsDoNotProlongTheWait(t *testing.T) {
	db := dbtest.New(t)
	a := attempts{t, auth.NewStore(db)}
	for range auth.MaxAccountFailures {
		a.throttled("anna", "203.0.113.9")
	}
	for range 10 {
		if !a.throttled("anna", "198.51.100.1") {
			t.Fatal("an attempt past the limit is not throttled")
		}
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM login_failures WHERE username = 'anna'`)
	if n != auth.MaxAccountFailures {
		t.Errorf("%d failures kept for the account, want the %d guesses", n, auth.MaxAccountFailures)
	}
	db.MustExec(`UPDATE login_failures SET failed_at = failed_at - interval '16 minutes'`)
	if a.throttled("anna", "198.51.100.1") {
		t.Error("still throttled once the guesses left the window")
	}
}

// TestClassroomOfThirty: thirty trainees behind one address all get their
// password wrong before anyone gets in, half of them mistype their
// username too, a third fail again; then every one of them signs in, by
// username or by phone.
func TestClassroomOfThirty(t *testing.T) {
	env := apptest.New(t)
	const classroom = "192.0.2.30"
	type trainee struct {
		username, phone string
		c               *apptest.Client
	}
	var class []trainee
	for i := range 30 {
		u := env.CreateUser("trainee", fmt.Sprintf("pupil%02d", i), "学员")
		c := env.Client()
		c.IP = classroom
		class = append(class, trainee{u.Username, *u.Phone, c})
	}
	post := func(tr trainee, username, password string) int {
		return tr.c.Post("/login", url.Values{"username": {username}, "password": {password}}).Status
	}
	for _, tr := range class {
		if got := post(tr, tr.username, "wrong password"); got != http.StatusUnprocessableEntity {
			t.Fatalf("%s's wrong password: status %d, want 422", tr.username, got)
		}
	}
	for _, tr := range class[:15] {
		if got := post(tr, tr.username+"x", apptest.Password); got != http.StatusUnprocessableEntity {
			t.Fatalf("%s's mistyped name: status %d, want 422", tr.username, got)
		}
	}
	for _, tr := range class[:10] {
		if got := post(tr, tr.phone, "wrong again"); got != http.StatusUnprocessableEntity {
			t.Fatalf("%s's second wrong password: status %d, want 422", tr.username, got)
		}
	}
	for i, tr := range class {
		name := tr.username
		if i%3 == 0 {
			name = tr.phone
		}
		if got := post(tr, name, apptest.Password); got != http.StatusSeeOther {
			t.Errorf("%s in the classroom: status %d, want 303", tr.username, got)
		}
	}
}

// TestPasswordSprayIsStopped: one password tried on sixty accounts from
// one address gets at most MaxAddressAccounts of them checked; then the
// address waits, in words, while the accounts' owners elsewhere sign in.
func TestPasswordSprayIsStopped(t *testing.T) {
	env := apptest.New(t)
	var names []string
	for i := range 60 {
		names = append(names, env.CreateUser("trainee", fmt.Sprintf("victim%02d", i), "学员").Username)
	}
	sprayer := env.Client()
	sprayer.IP = "203.0.113.99"
	checked := 0
	for _, n := range names {
		switch res := sprayer.Post("/login", url.Values{"username": {n}, "password": {"12345678"}}); res.Status {
		case http.StatusUnprocessableEntity:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("spraying %s: status %d", n, res.Status)
		}
	}
	if checked > auth.MaxAddressAccounts {
		t.Errorf("%d accounts tried from one address, want at most %d", checked, auth.MaxAddressAccounts)
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'`); n != checked {
		t.Errorf("%d refused sign-ins audited, want the %d checked", n, checked)
	}
	owner := env.Client()
	owner.IP = "198.51.100.99"
	if res := owner.Post("/login", url.Values{"username": {names[0]}, "password": {apptest.Password}}); res.Status != http.StatusSeeOther {
		t.Errorf("an account's owner elsewhere: status %d, want 303", res.Status)
	}
}
