// Package apptest runs the whole application against a fresh test
// database and drives it like a browser: cookies, CSRF tokens and forms,
// through Fiber's app.Test. Page tests of every domain use it.
package apptest

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/app"
	"partyschool/auth"
	"partyschool/dbtest"
	"partyschool/seed"
)

// Password is the password of every user that CreateUser makes.
const Password = "correct horse battery"

func init() {
	// Real costs would make each sign-in in the tests take tens of
	// milliseconds under the race detector; the algorithm is the same.
	auth.SetHashParams(auth.HashParams{Memory: 64, Time: 1, Threads: 1})
}

// Env is one application on its own database.
type Env struct {
	T      testing.TB
	DB     *sqlx.DB
	Server *app.Server
	Config app.Config
}

// New starts an application on a fresh database. Requests may come
// "through a proxy": X-Forwarded-For is trusted from the test connection,
// so tests can play clients at different addresses.
func New(t testing.TB, extra ...app.Route) *Env {
	t.Helper()
	db := dbtest.New(t)
	cfg, err := app.LoadConfig(func(key string) string {
		switch key {
		case "BASE_URL":
			return "http://partyschool.test"
		case "TRUSTED_PROXIES":
			return "0.0.0.0"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewWithConfig(t, db, cfg, extra...)
}

// NewWithConfig starts an application with the given configuration.
func NewWithConfig(t testing.TB, db *sqlx.DB, cfg app.Config, extra ...app.Route) *Env {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	srv, err := app.New(cfg, db, logger, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, DB: db, Server: srv, Config: cfg}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// CreateUser adds an account with Password.
func (e *Env) CreateUser(role, username, name string) *auth.User {
	e.T.Helper()
	u, err := auth.NewStore(e.DB).CreateUser(context.Background(), auth.NewUser{
		Username: username, Name: name, Role: role, Password: Password, Phone: PhoneOf(username),
	})
	if err != nil {
		e.T.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// PhoneOf is the made-up mobile number CreateUser gives username: distinct
// usernames get distinct numbers (phones are unique), in the 138 range.
func PhoneOf(username string) string {
	h := fnv.New32a()
	h.Write([]byte(username))
	return fmt.Sprintf("138%08d", h.Sum32()%100000000)
}

// Count returns the result of a SELECT count(*) ... query.
func (e *Env) Count(query string, args ...any) int {
	e.T.Helper()
	var n int
	if err := e.DB.Get(&n, query, args...); err != nil {
		e.T.Fatalf("count %q: %v", query, err)
	}
	return n
}

// Client is a browser: it keeps cookies and sends the CSRF token with forms.
type Client struct {
	env     *Env
	Cookies map[string]string
	IP      string            // sent as X-Forwarded-For when set
	Header  map[string]string // extra headers on every request
}

// Client returns a browser with no cookies.
func (e *Env) Client() *Client {
	return &Client{env: e, Cookies: map[string]string{}, Header: map[string]string{}}
}

// Response is what a request returned, read whole.
type Response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

// Do sends a request and records the cookies it sets.
func (c *Client) Do(req *http.Request) *Response {
	c.env.T.Helper()
	for k, v := range c.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if c.IP != "" {
		req.Header.Set("X-Forwarded-For", c.IP)
	}
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	res, err := c.env.Server.Fiber.Test(req, -1)
	if err != nil {
		c.env.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.env.T.Fatal(err)
	}
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())) {
			delete(c.Cookies, ck.Name)
		} else {
			c.Cookies[ck.Name] = ck.Value
		}
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(body), Location: res.Header.Get("Location")}
}

// Get fetches a page.
func (c *Client) Get(path string) *Response {
	c.env.T.Helper()
	return c.Do(httptest.NewRequest(http.MethodGet, path, nil))
}

// Post submits a form with this browser's CSRF token, fetching the home
// page first when the browser has none yet.
func (c *Client) Post(path string, form url.Values) *Response {
	c.env.T.Helper()
	if c.Cookies["ps_csrf"] == "" {
		c.Get("/")
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if _, ok := f["_csrf"]; !ok {
		f.Set("_csrf", c.Cookies["ps_csrf"])
	}
	return c.PostRaw(path, f)
}

// PostRaw submits a form exactly as given (no CSRF token added).
func (c *Client) PostRaw(path string, form url.Values) *Response {
	c.env.T.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Login signs in and fails the test unless it worked.
func (c *Client) Login(username, password string) {
	c.env.T.Helper()
	res := c.Post("/login", url.Values{"username": {username}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		c.env.T.Fatalf("login %s: status %d, want 303\n%s", username, res.Status, res.Body)
	}
}

// LoginAs creates a user of the role and signs this browser in as them.
func (e *Env) LoginAs(role, username string) (*Client, *auth.User) {
	e.T.Helper()
	u := e.CreateUser(role, username, "测试"+username)
	c := e.Client()
	c.Login(username, Password)
	return c, u
}

// Upload submits a multipart form with one file, as a browser's file
// input does, with this browser's CSRF token.
func (c *Client) Upload(path, field, filename string, content []byte, form url.Values) *Response {
	c.env.T.Helper()
	if c.Cookies["ps_csrf"] == "" {
		c.Get("/")
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", c.Cookies["ps_csrf"])
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	part, err := w.CreateFormFile(field, filename)
	if err != nil {
		c.env.T.Fatal(err)
	}
	part.Write(content)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// NewDemo is New on a database holding the demo school: its communities,
// venues, rosters and a term of courses with sessions.
func NewDemo(t testing.TB) *Env {
	t.Helper()
	env := New(t)
	if _, err := seed.Demo(context.Background(), env.DB); err != nil {
		t.Fatalf("load the demo data: %v", err)
	}
	return env
}
