package app_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"partyschool/app"
	"partyschool/app/apptest"
	"partyschool/seed"
)

func TestHomePage(t *testing.T) {
	env := apptest.New(t)
	if _, err := seed.Demo(context.Background(), env.DB); err != nil {
		t.Fatal(err)
	}
	res := env.Client().Get("/")
	if res.Status != http.StatusOK {
		t.Fatalf("home: %d", res.Status)
	}
	for _, want := range []string{`<html lang="zh-CN">`, "社区党校 · 社区实训基地", "政策宣讲", "跟岗练兵", "专家讲师", "草根讲师", "夕阳红讲师", "长城花园社区", "红色议事厅", "邻里驿站", `name="viewport"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := apptest.New(t)
	for _, path := range []string{"/", "/login", "/no-such-page", "/static/css/app.css"} {
		res := env.Client().Get(path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"object-src 'none'", "frame-ancestors 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code", path)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", path)
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", path)
		}
	}
	if cc := env.Client().Get("/static/css/app.css").Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("static asset Cache-Control %q", cc)
	}
	c, _ := env.LoginAs("trainee", "tina")
	if cc := c.Get("/").Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("signed-in page Cache-Control %q, want no-store", cc)
	}
}

func TestSecureCookiesUnderHTTPS(t *testing.T) {
	env := apptest.New(t)
	u, _ := url.Parse("https://dangxiao.example.org")
	env.Config.BaseURL = u
	secure := apptest.NewWithConfig(t, env.DB, env.Config)
	res := secure.Client().Get("/login")
	for _, c := range res.Header.Values("Set-Cookie") {
		if !strings.Contains(strings.ToLower(c), "secure") {
			t.Errorf("cookie without Secure under https: %s", c)
		}
		if strings.HasPrefix(c, "ps_csrf") || strings.HasPrefix(c, "ps_session") {
			t.Errorf("cookie without the __Host- prefix under https: %s", c)
		}
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS under https")
	}
}

func TestNotFoundAndBadInput(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	res := c.Get("/no/such/page")
	if res.Status != http.StatusNotFound || !strings.Contains(res.Body, "页面不存在") || !strings.Contains(res.Body, `class="site-header"`) {
		t.Errorf("404: status %d, not the layout's 404 page", res.Status)
	}
	// Oversized bodies are refused by the server before any handler runs;
	// app.Test cannot show that, a real listener can.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go env.Server.Fiber.Listener(ln)
	t.Cleanup(func() { env.Server.Fiber.Shutdown() })
	// Announce an 8 MB body: the server answers 413 before reading it.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nname=", 8<<20)
	big, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	big.Body.Close()
	if big.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("8 MB body: status %d, want 413", big.StatusCode)
	}
	if big.Header.Get("X-Request-Id") == "" || big.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("the 413 answer lacks the request id or the security headers: %v", big.Header)
	}
	for _, dir := range []string{"/static/", "/static/css/", "/static/css"} {
		if res := c.Get(dir); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", dir, res.Status)
		}
	}
	// A name of invisible characters is no name.
	res = c.Post("/register", url.Values{"name": {"\u200b\u3000"}, "phone": {"13812345678"}, "username": {"zwsp"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请填写姓名") {
		t.Errorf("zero-width name: status %d", res.Status)
	}
	// Invalid UTF-8 and NUL bytes never reach PostgreSQL as errors.
	res = c.Post("/login", url.Values{"username": {"a\x00\xff\xfeb"}, "password": {"x\x00"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("garbage login: status %d, want 422", res.Status)
	}
	res = c.Post("/register", url.Values{"name": {"\xff\x00"}, "phone": {"\x00"}, "username": {"\xfe"}, "password": {"\x00\x00\x00\x00\x00\x00\x00\x00\x00"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("garbage registration: status %d, want 422", res.Status)
	}
}

// TestInternalErrorPage: an unexpected error and a panic both give the
// 500 page with a request id and never the error's text; the process
// carries on.
func TestInternalErrorPage(t *testing.T) {
	env := apptest.New(t,
		app.Route{Method: "GET", Path: "/boom", Access: app.Access{Public: true}, Handler: func(c *fiber.Ctx) error {
			return errors.New("pq: relation \"secret_table\" does not exist")
		}},
		app.Route{Method: "GET", Path: "/panic", Access: app.Access{Public: true}, Handler: func(c *fiber.Ctx) error {
			panic("secret panic text")
		}},
	)
	for _, path := range []string{"/boom", "/panic"} {
		res := env.Client().Get(path)
		if res.Status != http.StatusInternalServerError {
			t.Errorf("%s: status %d", path, res.Status)
		}
		id := res.Header.Get("X-Request-Id")
		if id == "" || !strings.Contains(res.Body, id) {
			t.Errorf("%s: the page does not show the request id %q", path, id)
		}
		if strings.Contains(res.Body, "secret") {
			t.Errorf("%s: the error text leaks into the page", path)
		}
	}
	if res := env.Client().Get("/"); res.Status != http.StatusOK {
		t.Errorf("after a panic the app answers %d", res.Status)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	env := apptest.New(t)
	if res := env.Client().Get("/healthz"); res.Status != 200 {
		t.Errorf("/healthz: %d", res.Status)
	}
	if res := env.Client().Get("/readyz"); res.Status != 200 {
		t.Errorf("/readyz: %d", res.Status)
	}
	// The same app on a database server that does not answer. (Stopping
	// the real server mid-run is the outage test of the hardening work.)
	gone, err := sqlx.Open("postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	env = apptest.NewWithConfig(t, gone, env.Config)
	if res := env.Client().Get("/healthz"); res.Status != 200 {
		t.Errorf("/healthz without database: %d", res.Status)
	}
	if res := env.Client().Get("/readyz"); res.Status != 503 {
		t.Errorf("/readyz without database: %d, want 503", res.Status)
	}
	res := env.Client().Get("/")
	if res.Status != 503 || !strings.Contains(res.Body, "系统暂时不可用") {
		t.Errorf("home without database: %d, want the friendly 503 page", res.Status)
	}
}

func TestLanguageAndTextSize(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	res := c.Post("/preferences/language", url.Values{"lang": {"en"}, "next": {"/login"}})
	if res.Status != http.StatusSeeOther || res.Location != "/login" {
		t.Fatalf("switch language: %d %q", res.Status, res.Location)
	}
	page := c.Get("/login")
	if !strings.Contains(page.Body, `<html lang="en">`) || !strings.Contains(page.Body, "Sign in") {
		t.Error("the language switch is not remembered")
	}
	if res := c.Post("/preferences/language", url.Values{"lang": {"xx"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: %d", res.Status)
	}
	if res := c.Post("/preferences/language", url.Values{"lang": {"zh-CN"}, "next": {"//evil.example"}}); res.Location != "/" {
		t.Errorf("language switch redirected to %q", res.Location)
	}

	c.Post("/preferences/text-size", url.Values{"size": {"large"}, "next": {"/"}})
	if !strings.Contains(c.Get("/").Body, `<body class="large-text">`) {
		t.Error("large-text mode not applied")
	}
	c.Post("/preferences/text-size", url.Values{"size": {"normal"}})
	if strings.Contains(c.Get("/").Body, `class="large-text"`) {
		t.Error("large-text mode not switched off")
	}
}

func TestAdminSettingsValidation(t *testing.T) {
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "adam")
	res := admin.Post("/admin/settings", url.Values{"school_name": {"  "}, "registration_open": {"on"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请填写学校名称") {
		t.Errorf("empty school name: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM school_settings WHERE school_name = '社区党校 · 社区实训基地'`) != 1 {
		t.Error("a rejected form changed the settings")
	}
}
