package auth_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

// signedOut reports whether c is treated as a visitor: a page for
// signed-in users sends it to the login page.
func signedOut(c *apptest.Client) bool {
	res := c.Get("/account")
	return res.Status == http.StatusSeeOther && strings.HasPrefix(res.Location, "/login")
}

// replay is a new browser holding only the session cookie c had at
// this moment, as a stolen copy of it would.
func replay(env *apptest.Env, c *apptest.Client) *apptest.Client {
	r := env.Client()
	r.Cookies["ps_session"] = c.Cookies["ps_session"]
	return r
}

// TestPasswordChangeEndsEverySession: with the account open in three
// browsers, changing the password in one signs the other two out on the
// server (their cookies, replayed, open nothing), and gives the one that
// changed it a new session: its old token is dead as well.
func TestPasswordChangeEndsEverySession(t *testing.T) {
	env := apptest.New(t)
	u := env.CreateUser("trainee", "tina", "田娜")
	var browsers []*apptest.Client
	for _, ip := range []string{"192.0.2.1", "198.51.100.2", "203.0.113.3"} {
		c := env.Client()
		c.IP = ip
		c.Login("tina", apptest.Password)
		browsers = append(browsers, c)
	}
	laptop, phone, tablet := browsers[0], browsers[1], browsers[2]
	stolen := []*apptest.Client{replay(env, laptop), replay(env, phone), replay(env, tablet)}
	for i, c := range browsers {
		if signedOut(c) {
			t.Fatalf("browser %d is not signed in", i)
		}
	}

	res := laptop.Post("/account/password", url.Values{"current": {apptest.Password}, "password": {"a brand new passphrase"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("password change: %d", res.Status)
	}
	if signedOut(laptop) {
		t.Error("the browser that changed the password was signed out")
	}
	for name, c := range map[string]*apptest.Client{"phone": phone, "tablet": tablet} {
		if !signedOut(c) {
			t.Errorf("the %s is still signed in after the password changed elsewhere", name)
		}
	}
	for i, c := range stolen {
		if !signedOut(c) {
			t.Errorf("session token %d from before the change still opens the account", i)
		}
	}
	// The phone's stale form is refused too, and changes nothing.
	if res := phone.Post("/account/password", url.Values{"current": {"a brand new passphrase"}, "password": {"the phone's own idea"}}); res.Status != http.StatusSeeOther {
		t.Errorf("a form from the signed-out phone: %d, want the way to sign in", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID); n != 1 {
		t.Errorf("%d sessions after the change, want the laptop's new one", n)
	}
	phone.Login("tina", "a brand new passphrase")
	if signedOut(phone) {
		t.Error("the new password does not sign in")
	}
}

// TestDisableEndsEverySession: an admin disabling an account signs it out
// of every browser at once; enabling it again does not bring those
// sessions back; a sign-in is needed.
func TestDisableEndsEverySession(t *testing.T) {
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "adam")
	u := env.CreateUser("trainee", "tina", "田娜")
	first, second := env.Client(), env.Client()
	first.Login("tina", apptest.Password)
	second.IP = "198.51.100.20"
	second.Login("tina", apptest.Password)
	if signedOut(first) || signedOut(second) {
		t.Fatal("tina is not signed in twice")
	}

	if res := admin.Post("/users/"+itoa(u.ID)+"/disable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.Status)
	}
	stale := []*apptest.Client{replay(env, first), replay(env, second)}
	for i, c := range []*apptest.Client{first, second} {
		if !signedOut(c) {
			t.Errorf("browser %d of the disabled account is still signed in", i+1)
		}
	}
	if n := env.Count(`SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID); n != 0 {
		t.Errorf("%d sessions of the disabled account left in the database", n)
	}

	if res := admin.Post("/users/"+itoa(u.ID)+"/enable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.Status)
	}
	for i, c := range stale {
		if !signedOut(c) {
			t.Errorf("session %d from before the disable came back with the enable", i+1)
		}
	}
	first.Login("tina", apptest.Password)
	if signedOut(first) {
		t.Error("the re-enabled account cannot sign in")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
