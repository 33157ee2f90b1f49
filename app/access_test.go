package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

// TestRoleGuards: a signed-in user lacking the role gets the 403 page; an
// anonymous visitor is sent to sign in.
func TestRoleGuards(t *testing.T) {
	env := apptest.New(t)
	trainee, _ := env.LoginAs("trainee", "tina")
	lecturer, _ := env.LoginAs("lecturer", "leo")
	coordinator, _ := env.LoginAs("coordinator", "carol")
	admin, _ := env.LoginAs("admin", "adam")

	type check struct {
		who    *apptest.Client
		path   string
		status int
	}
	checks := []check{
		{trainee, "/users", 403},
		{lecturer, "/users", 403},
		{coordinator, "/users", 200},
		{admin, "/users", 200},
		{trainee, "/admin/settings", 403},
		{coordinator, "/admin/settings", 403},
		{admin, "/admin/settings", 200},
		{trainee, "/account", 200},
		{env.Client(), "/account", 303},
		{env.Client(), "/users", 303},
	}
	for _, c := range checks {
		res := c.who.Get(c.path)
		if res.Status != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, res.Status, c.status)
		}
		if c.status == 403 && !strings.Contains(res.Body, "无权访问") {
			t.Errorf("GET %s: 403 without the 无权访问 page", c.path)
		}
	}
	// Forms too: a coordinator cannot change a role.
	victim := env.CreateUser("trainee", "victim", "受害者")
	res := coordinator.Post("/users/"+itoa(victim.ID)+"/role", url.Values{"role": {"admin"}})
	if res.Status != http.StatusForbidden {
		t.Errorf("coordinator changing a role: status %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM users WHERE id = $1 AND role = 'trainee'`, victim.ID) != 1 {
		t.Error("the role changed")
	}
}

func TestNavigationFitsTheRole(t *testing.T) {
	env := apptest.New(t)
	want := map[string][]string{
		"trainee":     {"首页", "我的账户"},
		"lecturer":    {"首页", "我的账户"},
		"coordinator": {"首页", "人员名单", "场地管理", "我的账户"},
		"admin":       {"首页", "人员名单", "场地管理", "系统设置", "我的账户"},
	}
	notFor := map[string][]string{
		"trainee":     {"人员名单", "场地管理", "系统设置"},
		"coordinator": {"系统设置"},
	}
	for role, labels := range want {
		c, _ := env.LoginAs(role, "nav"+role)
		body := c.Get("/").Body
		nav := body[strings.Index(body, `<nav class="site-nav"`):strings.Index(body, "</nav>")]
		for _, l := range labels {
			if !strings.Contains(nav, ">"+l+"</a>") {
				t.Errorf("%s: navigation lacks %s", role, l)
			}
		}
		for _, l := range notFor[role] {
			if strings.Contains(nav, l) {
				t.Errorf("%s: navigation shows %s", role, l)
			}
		}
	}
	anon := env.Client().Get("/").Body
	if !strings.Contains(anon, ">登录</a>") || strings.Contains(anon, "退出登录") {
		t.Error("anonymous navigation wrong")
	}
}

func TestAdminManagesUsers(t *testing.T) {
	env := apptest.New(t)
	admin, me := env.LoginAs("admin", "adam")
	target, tu := env.LoginAs("trainee", "tina")

	// Promote: the user's sessions end, they sign in again with the new role.
	res := admin.Post("/users/"+itoa(tu.ID)+"/role", url.Values{"role": {"lecturer"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("role change: %d %s", res.Status, res.Body)
	}
	if res := target.Get("/account"); res.Status != http.StatusSeeOther {
		t.Errorf("after a role change the old session still works: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM users WHERE id = $1 AND role = 'lecturer'`, tu.ID) != 1 {
		t.Error("role not changed")
	}

	// Disable: sign-in refused; enable: allowed again.
	target.Login("tina", apptest.Password)
	admin.Post("/users/"+itoa(tu.ID)+"/disable", nil)
	if res := target.Get("/account"); res.Status != http.StatusSeeOther {
		t.Errorf("disabled user's session survives: %d", res.Status)
	}
	if res := env.Client().Post("/login", url.Values{"username": {"tina"}, "password": {apptest.Password}}); res.Status != http.StatusForbidden {
		t.Errorf("disabled user signs in: %d", res.Status)
	}
	admin.Post("/users/"+itoa(tu.ID)+"/enable", nil)
	env.Client().Login("tina", apptest.Password)

	// An admin cannot demote or disable themself.
	if res := admin.Post("/users/"+itoa(me.ID)+"/role", url.Values{"role": {"trainee"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("self-demotion: %d", res.Status)
	}
	if res := admin.Post("/users/"+itoa(me.ID)+"/disable", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("self-disable: %d", res.Status)
	}
	// Bad input: unknown role, missing user, malformed id.
	if res := admin.Post("/users/"+itoa(tu.ID)+"/role", url.Values{"role": {"root"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown role: %d", res.Status)
	}
	if res := admin.Post("/users/999999/role", url.Values{"role": {"admin"}}); res.Status != http.StatusNotFound {
		t.Errorf("missing user: %d", res.Status)
	}
	if res := admin.Post("/users/abc/disable", nil); res.Status != http.StatusNotFound {
		t.Errorf("malformed id: %d", res.Status)
	}
	if res := admin.Post("/users/99999999999999999999/disable", nil); res.Status != http.StatusNotFound {
		t.Errorf("overflowing id: %d", res.Status)
	}
}

func TestUserListMasksPhonesAndSearches(t *testing.T) {
	env := apptest.New(t)
	coordinator, _ := env.LoginAs("coordinator", "carol")
	env.CreateUser("trainee", "lixy", "李秀英")
	env.DB.MustExec(`UPDATE users SET phone = '13912345678' WHERE username = 'lixy'`)
	body := coordinator.Get("/users").Body
	if strings.Contains(body, "13912345678") || !strings.Contains(body, "139****5678") {
		t.Error("the phone number is not masked in the list")
	}
	if strings.Contains(body, `action="/users/`) {
		t.Error("a coordinator sees the admin's role and disable forms")
	}
	if res := coordinator.Get("/users?q=13912345678"); !strings.Contains(res.Body, "李秀英") {
		t.Error("search by full phone number finds nobody")
	}
	if res := coordinator.Get("/users?q=" + url.QueryEscape("秀英")); !strings.Contains(res.Body, "李秀英") {
		t.Error("search by part of the name finds nobody")
	}
	if res := coordinator.Get("/users?q=%25"); res.Status != http.StatusOK || strings.Contains(res.Body, "李秀英") {
		t.Errorf("a %% search matched everyone or failed: %d", res.Status)
	}
	if res := coordinator.Get("/users?role=bogus&page=-3"); res.Status != http.StatusOK {
		t.Errorf("bad filter values: %d", res.Status)
	}
	if cc := coordinator.Get("/users").Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("personal-data page has Cache-Control %q, want no-store", cc)
	}
}

func TestChangePassword(t *testing.T) {
	env := apptest.New(t)
	c, u := env.LoginAs("trainee", "tina")
	other := env.Client()
	other.Login("tina", apptest.Password)

	res := c.Post("/account/password", url.Values{"current": {"wrong one"}, "password": {"short"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "当前密码不正确") || !strings.Contains(res.Body, "密码太短") {
		t.Fatalf("bad change: status %d", res.Status)
	}
	res = c.Post("/account/password", url.Values{"current": {apptest.Password}, "password": {"a brand new passphrase"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("change: %d", res.Status)
	}
	if page := c.Get(res.Location); page.Status != http.StatusOK || !strings.Contains(page.Body, "密码已修改") {
		t.Errorf("this browser is signed out or not told: %d", page.Status)
	}
	if res := other.Get("/account"); res.Status != http.StatusSeeOther {
		t.Errorf("the other device is still signed in: %d", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID); n != 1 {
		t.Errorf("%d sessions after the change, want 1", n)
	}
	env.Client().Login("tina", "a brand new passphrase")
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
