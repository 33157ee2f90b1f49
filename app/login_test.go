package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/auth"
)

func TestLoginSuccessAndFailure(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "anna", "安娜")

	c := env.Client()
	res := c.Post("/login", url.Values{"username": {"Anna "}, "password": {apptest.Password}})
	if res.Status != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("login: status %d, location %q", res.Status, res.Location)
	}
	home := c.Get("/")
	if !strings.Contains(home.Body, "安娜") || !strings.Contains(home.Body, "退出登录") {
		t.Errorf("after login the header does not show the user and the sign-out button")
	}

	// A wrong password and an unknown user get the same answer.
	wrong := env.Client().Post("/login", url.Values{"username": {"anna"}, "password": {"not the password"}})
	unknown := env.Client().Post("/login", url.Values{"username": {"nobody"}, "password": {"not the password"}})
	for name, r := range map[string]*apptest.Response{"wrong password": wrong, "unknown user": unknown} {
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", name, r.Status)
		}
		if !strings.Contains(r.Body, "用户名或密码错误") {
			t.Errorf("%s: the page does not say 用户名或密码错误", name)
		}
		if strings.Contains(r.Body, "not the password") {
			t.Errorf("%s: the password is echoed back", name)
		}
	}
	if n := env.Count(`SELECT count(*) FROM sessions`); n != 1 {
		t.Errorf("%d sessions, want 1 (only the successful login)", n)
	}
}

func TestLoginDisabledUser(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "anna", "安娜")
	env.DB.MustExec(`UPDATE users SET disabled_at = now() WHERE username = 'anna'`)
	res := env.Client().Post("/login", url.Values{"username": {"anna"}, "password": {apptest.Password}})
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "该账户已停用") {
		t.Errorf("disabled login: status %d", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM sessions`); n != 0 {
		t.Errorf("a disabled user got a session")
	}
}

// TestNewTokenAtLogin: a session token planted or left before sign-in is
// never the one the signed-in user gets (no session fixation).
func TestNewTokenAtLogin(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "anna", "安娜")
	env.CreateUser("trainee", "bob", "鲍勃")

	c := env.Client()
	c.Login("bob", apptest.Password)
	before := c.Cookies["ps_session"]
	csrfBefore := c.Cookies["ps_csrf"]
	c.Login("anna", apptest.Password)
	after := c.Cookies["ps_session"]
	if after == "" || after == before {
		t.Fatalf("session token not renewed at login: before %q after %q", before, after)
	}
	if c.Cookies["ps_csrf"] == csrfBefore {
		t.Error("CSRF token not renewed at login")
	}
	// The old token is dead on the server, not only replaced in the browser.
	old := env.Client()
	old.Cookies["ps_session"] = before
	if res := old.Get("/account"); res.Status != http.StatusSeeOther {
		t.Errorf("the pre-login token still opens /account: status %d", res.Status)
	}

	// A made-up token is simply ignored.
	planted := env.Client()
	planted.Cookies["ps_session"] = "planted-by-an-attacker"
	planted.Login("anna", apptest.Password)
	if planted.Cookies["ps_session"] == "planted-by-an-attacker" {
		t.Error("login kept a planted token")
	}
}

func TestSessionCookieFlags(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "anna", "安娜")
	c := env.Client()
	c.Get("/login")
	res := c.Post("/login", url.Values{"username": {"anna"}, "password": {apptest.Password}})
	var cookie string
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "ps_session=") {
			cookie = v
		}
	}
	for _, want := range []string{"httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(strings.ToLower(cookie), want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(strings.ToLower(cookie), "secure") {
		t.Error("Secure set on a plain-http deployment: the browser would drop the cookie")
	}
}

func TestSessionExpiry(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("trainee", "anna")
	if res := c.Get("/account"); res.Status != http.StatusOK {
		t.Fatalf("/account: %d", res.Status)
	}
	env.DB.MustExec(`UPDATE sessions SET last_seen_at = now() - interval '2 hours'`)
	res := c.Get("/account")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login?next=%2Faccount") {
		t.Errorf("idle session: status %d location %q, want a redirect to the login page", res.Status, res.Location)
	}
	if _, ok := c.Cookies["ps_session"]; ok {
		t.Error("the stale cookie was not cleared")
	}
}

func TestLogout(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("trainee", "anna")
	token := c.Cookies["ps_session"]
	res := c.Post("/logout", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("logout: status %d", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM sessions`); n != 0 {
		t.Errorf("%d sessions after logout, want 0", n)
	}
	if _, ok := c.Cookies["ps_session"]; ok {
		t.Error("session cookie not cleared")
	}
	replay := env.Client()
	replay.Cookies["ps_session"] = token
	if res := replay.Get("/account"); res.Status != http.StatusSeeOther {
		t.Errorf("the logged-out token still works: %d", res.Status)
	}
	// Logout is a POST: a GET must not sign anyone out.
	c2, _ := env.LoginAs("trainee", "bob")
	if res := c2.Get("/logout"); res.Status != http.StatusNotFound {
		t.Errorf("GET /logout: status %d, want 404", res.Status)
	}
	if env.Count(`SELECT count(*) FROM sessions`) != 1 {
		t.Error("GET /logout ended a session")
	}
}

func TestCSRFRejection(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "anna", "安娜")
	form := url.Values{"name": {"王小明"}, "phone": {"13812345678"}, "username": {"wangxm"}, "password": {"correct horse battery"}}

	cases := map[string]func(c *apptest.Client) *apptest.Response{
		"no token": func(c *apptest.Client) *apptest.Response {
			return c.PostRaw("/register", form)
		},
		"wrong token": func(c *apptest.Client) *apptest.Response {
			f := url.Values{"_csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}
			for k, v := range form {
				f[k] = v
			}
			return c.PostRaw("/register", f)
		},
		"no cookie": func(c *apptest.Client) *apptest.Response {
			token := c.Cookies["ps_csrf"]
			delete(c.Cookies, "ps_csrf")
			f := url.Values{"_csrf": {token}}
			for k, v := range form {
				f[k] = v
			}
			return c.PostRaw("/register", f)
		},
		"cross-site": func(c *apptest.Client) *apptest.Response {
			c.Header["Sec-Fetch-Site"] = "cross-site"
			return c.Post("/register", form)
		},
		"sibling subdomain": func(c *apptest.Client) *apptest.Response {
			c.Header["Sec-Fetch-Site"] = "same-site"
			return c.Post("/register", form)
		},
		"made-up cookie and field": func(c *apptest.Client) *apptest.Response {
			c.Cookies["ps_csrf"] = "x"
			f := url.Values{"_csrf": {"x"}}
			for k, v := range form {
				f[k] = v
			}
			return c.PostRaw("/register", f)
		},
		"token in the query string": func(c *apptest.Client) *apptest.Response {
			return c.PostRaw("/register?_csrf="+c.Cookies["ps_csrf"], form)
		},
	}
	for name, send := range cases {
		c := env.Client()
		c.Get("/register")
		res := send(c)
		if res.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.Status)
		}
		if !strings.Contains(res.Body, "页面已过期") {
			t.Errorf("%s: the page does not explain the CSRF failure", name)
		}
	}
	if n := env.Count(`SELECT count(*) FROM users WHERE username = 'wangxm'`); n != 0 {
		t.Errorf("a forged form created a user")
	}
	// Same-site form with the token works.
	c := env.Client()
	c.Get("/register")
	c.Header["Sec-Fetch-Site"] = "same-origin"
	if res := c.Post("/register", form); res.Status != http.StatusSeeOther {
		t.Errorf("genuine registration: status %d", res.Status)
	}

	// A logout forged from another site does not sign out.
	victim, _ := env.LoginAs("trainee", "bob")
	if res := victim.PostRaw("/logout", nil); res.Status != http.StatusForbidden {
		t.Errorf("forged logout: status %d", res.Status)
	}
}

func TestOpenRedirectAfterLogin(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "anna", "安娜")
	login := func(next string) string {
		t.Helper()
		res := env.Client().Post("/login", url.Values{"username": {"anna"}, "password": {apptest.Password}, "next": {next}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("next=%q: status %d", next, res.Status)
		}
		return res.Location
	}
	// SECURITY.md 10: each of these would leave the site; all land home.
	for _, next := range []string{"//evil.example", "/\\evil.example", "https:evil.example", "https://evil.example", "\t//evil.example", "javascript:alert(1)"} {
		if got := login(next); got != "/" {
			t.Errorf("next=%q redirected to %q, want /", next, got)
		}
	}
	// Escaped characters keep a path local: the browser asks this site for it.
	if got := login("/%2F%2Fevil.example"); got != "/%2F%2Fevil.example" {
		t.Errorf("escaped path redirected to %q", got)
	}
	if got := login("/account"); got != "/account" {
		t.Errorf("next=/account redirected to %q", got)
	}
}

func TestComeBackAfterLogin(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("coordinator", "carol", "卡罗")
	c := env.Client()
	res := c.Get("/users?role=trainee")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("anonymous /users: status %d", res.Status)
	}
	login := c.Get(res.Location)
	if !strings.Contains(login.Body, `name="next" value="/users?role=trainee"`) {
		t.Fatalf("the login form does not carry the way back:\n%s", res.Location)
	}
	res = c.Post("/login", url.Values{"username": {"carol"}, "password": {apptest.Password}, "next": {"/users?role=trainee"}})
	if res.Location != "/users?role=trainee" {
		t.Errorf("after login went to %q", res.Location)
	}
}

func TestLoginThrottling(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "anna", "安娜")

	attacker := env.Client()
	attacker.IP = "203.0.113.7"
	for i := range 5 {
		res := attacker.Post("/login", url.Values{"username": {"anna"}, "password": {"guess"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d", i+1, res.Status)
		}
	}
	// Now even the right password waits, with a clear message.
	res := attacker.Post("/login", url.Values{"username": {"anna"}, "password": {apptest.Password}})
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "登录失败次数过多") {
		t.Fatalf("6th attempt: status %d", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM sessions`); n != 0 {
		t.Error("a throttled login got a session")
	}
	// The account is throttled from every address, but other accounts at
	// the attacker's address are not (yet).
	other := env.Client()
	other.IP = "198.51.100.1"
	if res := other.Post("/login", url.Values{"username": {"anna"}, "password": {apptest.Password}}); res.Status != http.StatusTooManyRequests {
		t.Errorf("account throttle bypassed from another address: %d", res.Status)
	}
	env.CreateUser("trainee", "bob", "鲍勃")
	if res := attacker.Post("/login", url.Values{"username": {"bob"}, "password": {apptest.Password}}); res.Status != http.StatusSeeOther {
		t.Errorf("bob from the same address: status %d, want a normal login", res.Status)
	}
}

// TestClassroomSharesAnAddress: forty trainees behind one address, each
// mistyping once before getting it right, are not locked out; a guessing
// script at that address making a hundred failures is.
func TestClassroomSharesAnAddress(t *testing.T) {
	env := apptest.New(t)
	const classroom = "192.0.2.10"
	for i := range 40 {
		name := "trainee" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		env.CreateUser("trainee", name, "学员")
		c := env.Client()
		c.IP = classroom
		if res := c.Post("/login", url.Values{"username": {name}, "password": {"typo"}}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s typo: %d", name, res.Status)
		}
		if res := c.Post("/login", url.Values{"username": {name}, "password": {apptest.Password}}); res.Status != http.StatusSeeOther {
			t.Fatalf("%s in the classroom is locked out: status %d", name, res.Status)
		}
	}
	env.DB.MustExec(`INSERT INTO login_failures (username, client_ip) SELECT 'guess' || g, $1::inet FROM generate_series(1, 100) g`, classroom)
	c := env.Client()
	c.IP = classroom
	env.CreateUser("trainee", "latecomer", "学员")
	if res := c.Post("/login", url.Values{"username": {"latecomer"}, "password": {apptest.Password}}); res.Status != http.StatusTooManyRequests {
		t.Errorf("address with 140 failures is not throttled: %d", res.Status)
	}
}

// TestForwardedForIgnoredWithoutTrustedProxy: without a configured proxy,
// a client cannot pick its own address by sending X-Forwarded-For.
func TestForwardedForIgnoredWithoutTrustedProxy(t *testing.T) {
	env := apptest.New(t)
	env.Config.TrustedProxies = nil
	plain := apptest.NewWithConfig(t, env.DB, env.Config)
	plain.CreateUser("trainee", "anna", "安娜")
	for i := range 5 {
		c := plain.Client()
		c.IP = "10.1.1." + string(rune('1'+i))
		c.Post("/login", url.Values{"username": {"anna"}, "password": {"guess"}})
	}
	var addrs int
	plain.DB.Get(&addrs, `SELECT count(DISTINCT client_ip) FROM login_failures`)
	if addrs != 1 {
		t.Errorf("failures recorded from %d addresses; the forged header was believed", addrs)
	}
}

// TestForwardedForRightmostUntrusted: behind a trusted proxy the client is
// the rightmost address the proxies did not add themselves; what the
// client wrote further left is ignored.
func TestForwardedForRightmostUntrusted(t *testing.T) {
	env := apptest.New(t) // trusts the test connection (0.0.0.0) as a proxy
	env.CreateUser("trainee", "anna", "安娜")
	c := env.Client()
	c.IP = "10.9.9.1, 203.0.113.5" // the client forged 10.9.9.1; the proxy saw 203.0.113.5
	c.Post("/login", url.Values{"username": {"anna"}, "password": {"guess"}})
	var ip string
	env.DB.Get(&ip, `SELECT host(client_ip) FROM login_failures`)
	if ip != "203.0.113.5" {
		t.Errorf("failure recorded from %s, want 203.0.113.5", ip)
	}

	// Two proxies in a row: the inner one is trusted too.
	env.Config.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"}
	chained := apptest.NewWithConfig(t, env.DB, env.Config)
	env.DB.MustExec(`DELETE FROM login_failures`)
	c = chained.Client()
	c.IP = "198.51.100.23, 10.1.2.3"
	c.Post("/login", url.Values{"username": {"anna"}, "password": {"guess"}})
	env.DB.Get(&ip, `SELECT host(client_ip) FROM login_failures`)
	if ip != "198.51.100.23" {
		t.Errorf("failure recorded from %s, want 198.51.100.23", ip)
	}
}

// TestChangePasswordIsThrottled: a stolen session cannot guess the
// current password without limit.
func TestChangePasswordIsThrottled(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("trainee", "tina")
	for range 5 {
		c.Post("/account/password", url.Values{"current": {"guess"}, "password": {"a brand new passphrase"}})
	}
	res := c.Post("/account/password", url.Values{"current": {apptest.Password}, "password": {"a brand new passphrase"}})
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "登录失败次数过多") {
		t.Errorf("6th try: status %d, want 429", res.Status)
	}
	var hash string
	env.DB.Get(&hash, `SELECT password_hash FROM users WHERE username = 'tina'`)
	if ok, _ := auth.CheckPassword(context.Background(), hash, apptest.Password); !ok {
		t.Error("the password changed while throttled")
	}
}
