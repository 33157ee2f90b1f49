package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

func TestRegistration(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	if res := c.Get("/register"); res.Status != http.StatusOK || !strings.Contains(res.Body, "学员注册") {
		t.Fatalf("register page: status %d", res.Status)
	}
	res := c.Post("/register", url.Values{"name": {"王小明"}, "phone": {"138 1234 5678"}, "username": {"WangXM"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("register: status %d\n%s", res.Status, res.Body)
	}
	var got struct {
		Role  string `db:"role"`
		Phone string `db:"phone"`
	}
	if err := env.DB.Get(&got, `SELECT role, phone FROM users WHERE username = 'wangxm'`); err != nil {
		t.Fatal(err)
	}
	if got.Role != "trainee" || got.Phone != "13812345678" {
		t.Errorf("registered %+v, want a trainee with phone 13812345678", got)
	}
	home := c.Get(res.Location)
	if !strings.Contains(home.Body, "注册成功，欢迎您，王小明") {
		t.Error("the new trainee is not signed in and welcomed")
	}
}

// TestRegistrationBadInput: every bad field gets its own message in
// Chinese, the form comes back as typed (never the password), status 422,
// and nothing is written.
func TestRegistrationBadInput(t *testing.T) {
	env := apptest.New(t)
	env.CreateUser("trainee", "taken", "已有")
	before := env.Count(`SELECT count(*) FROM users`)

	tests := []struct {
		name    string
		form    url.Values
		field   string
		message string
	}{
		{"empty name", url.Values{"name": {"  "}, "phone": {"13812345678"}, "username": {"newbie"}, "password": {"correct horse battery"}}, "name", "请填写姓名。"},
		{"malformed phone", url.Values{"name": {"王小明"}, "phone": {"1234567"}, "username": {"newbie"}, "password": {"correct horse battery"}}, "phone", "手机号格式不正确"},
		{"short password", url.Values{"name": {"王小明"}, "phone": {"13812345678"}, "username": {"newbie"}, "password": {"abc123"}}, "password", "密码太短，至少需要 8 个字符。"},
		{"common password", url.Values{"name": {"王小明"}, "phone": {"13812345678"}, "username": {"newbie"}, "password": {"12345678"}}, "password", "这个密码太常见"},
		{"taken username", url.Values{"name": {"王小明"}, "phone": {"13812345678"}, "username": {"Taken"}, "password": {"correct horse battery"}}, "username", "该用户名已被使用"},
		{"bad username", url.Values{"name": {"王小明"}, "phone": {"13812345678"}, "username": {"王"}, "password": {"correct horse battery"}}, "username", "用户名格式不正确"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Client().Post("/register", tt.form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.Status)
			}
			if !strings.Contains(res.Body, `id="`+tt.field+`-error">`) || !strings.Contains(res.Body, tt.message) {
				t.Errorf("no message %q at field %s", tt.message, tt.field)
			}
			if !strings.Contains(res.Body, "请按提示修改后再提交") {
				t.Error("no summary message above the form")
			}
			if tt.form.Get("name") == "王小明" && !strings.Contains(res.Body, `value="王小明"`) {
				t.Error("the name typed is not kept")
			}
			if strings.Contains(res.Body, `value="`+tt.form.Get("password")+`"`) {
				t.Error("the password is sent back to the browser")
			}
		})
	}
	// All four problems at once: four messages.
	res := env.Client().Post("/register", url.Values{"name": {""}, "phone": {"x"}, "username": {"taken"}, "password": {"short"}})
	for _, field := range []string{"name", "phone", "username", "password"} {
		if !strings.Contains(res.Body, `id="`+field+`-error"`) {
			t.Errorf("no message for %s when every field is wrong", field)
		}
	}
	if after := env.Count(`SELECT count(*) FROM users`); after != before {
		t.Errorf("bad registrations created %d users", after-before)
	}
	if n := env.Count(`SELECT count(*) FROM sessions`); n != 0 {
		t.Errorf("bad registrations created %d sessions", n)
	}
}

func TestRegistrationInEnglish(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	c.Header["Accept-Language"] = "en-GB,en;q=0.9"
	res := c.Post("/register", url.Values{"name": {""}, "phone": {"13812345678"}, "username": {"newbie"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Please enter your name.") {
		t.Errorf("English visitor: status %d, no English message", res.Status)
	}
}

func TestRegistrationClosed(t *testing.T) {
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "root1")
	if res := admin.Post("/admin/settings", url.Values{"school_name": {"长城花园社区党校"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("save settings: %d\n%s", res.Status, res.Body)
	}
	c := env.Client()
	if res := c.Get("/register"); res.Status != http.StatusForbidden || !strings.Contains(res.Body, "学员自助注册暂未开放") {
		t.Errorf("closed registration page: status %d", res.Status)
	}
	res := c.Post("/register", url.Values{"name": {"王小明"}, "phone": {"13812345678"}, "username": {"wangxm"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusForbidden {
		t.Errorf("closed registration accepted a POST: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM users WHERE username = 'wangxm'`) != 0 {
		t.Error("a user registered while registration was closed")
	}
	if home := c.Get("/"); strings.Contains(home.Body, `href="/register"`) || !strings.Contains(home.Body, "长城花园社区党校") {
		t.Error("home page still offers registration, or lacks the new school name")
	}
}
