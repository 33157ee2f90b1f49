package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/app"
	"partyschool/auth"
	"partyschool/certificates"
	"partyschool/dbtest"
	"partyschool/proctest"
	"partyschool/seed"
)

func init() {
	auth.SetHashParams(auth.HashParams{Memory: 64, Time: 1, Threads: 1})
}

func TestMain(m *testing.M) {
	code := m.Run()
	proctest.Cleanup()
	os.Exit(code)
}

// buildBinary compiles the real partyschool binary once for the tests that
// run it as a process: the outage and SIGTERM tests need its own main, its
// own signal handling and its own connection pool, not a server in the test.
func buildBinary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, ".")
}

// process is the real binary serving a database.
type process struct {
	URL string

	cmd    *exec.Cmd
	log    *proctest.Buffer
	exited chan struct{} // closed when the process has exited
	err    error         // how it exited, once exited is closed
}

// serveBinary starts `partyschool serve` on a free port, with the extra
// environment given, and waits until /readyz answers 200. It serves as an
// unprivileged role of its own (dbtest.RuntimeURL), as deployed, and
// migrates as ownerURL's role, whose connection owner is. When the test
// ends the process is killed if it still runs; a failed test gets its log.
func serveBinary(t *testing.T, owner *sqlx.DB, ownerURL string, extraEnv ...string) *process {
	t.Helper()
	bin := buildBinary(t)
	runtimeURL := dbtest.RuntimeURL(t, owner, ownerURL)
	addr := proctest.FreeAddr(t)
	p := &process{URL: "http://" + addr, log: new(proctest.Buffer), exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = append(os.Environ(), "DATABASE_URL="+runtimeURL, "MIGRATION_DATABASE_URL="+ownerURL,
		"ADDR="+addr, "BASE_URL="+p.URL, "LOG_LEVEL=warn")
	p.cmd.Env = append(p.cmd.Env, extraEnv...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start partyschool serve: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("server log:\n%s", p.log.String())
		}
	})
	if !waitFor(30*time.Second, func() bool { return p.status("/readyz") == http.StatusOK }) {
		t.Fatalf("GET /readyz did not answer 200 within 30s")
	}
	if strings.Contains(p.log.String(), "audit log is not protected") {
		t.Errorf("serving as an unprivileged role, the server says the audit log is not protected")
	}
	return p
}

// status is the status of a GET, 0 when the request failed.
func (p *process) status(path string) int {
	client := http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(p.URL + path)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// addUser creates an account with the binary's own command, the way the
// README tells an administrator to.
func addUser(t *testing.T, databaseURL, role, username, password string) {
	t.Helper()
	cmd := exec.Command(buildBinary(t), "user", "add", "--role", role, "--username", username)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("partyschool user add: %v\n%s", err, out)
	}
}

// browser is an HTTP client with cookies that signs in and posts forms
// with its CSRF token, as a browser does.
type browser struct {
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string, timeout time.Duration) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{base: base, client: &http.Client{
		Jar:     jar,
		Timeout: timeout,
		// The answer to a form is its redirect, not the page it leads to.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// answer is what the server said, or err when it said nothing.
type answer struct {
	status int
	body   string
	took   time.Duration
	err    error
}

func (b *browser) do(req *http.Request) answer {
	began := time.Now()
	res, err := b.client.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(began)}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: string(body), err: err, took: time.Since(began)}
}

func (b *browser) get(path string) answer {
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// post submits a form; the CSRF token comes from the browser's cookie, as
// the hidden field of every form repeats it.
func (b *browser) post(path string, form url.Values) answer {
	u, _ := url.Parse(b.base)
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "ps_csrf" {
			f.Set("_csrf", c.Value)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in and fails the test unless the server redirects.
func (b *browser) login(t *testing.T, username, password string) {
	t.Helper()
	if a := b.get("/login"); a.status != http.StatusOK {
		t.Fatalf("GET /login: %d %v", a.status, a.err)
	}
	a := b.post("/login", url.Values{"username": {username}, "password": {password}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d %v", username, a.status, a.err)
	}
}

// waitFor polls ok until it holds or the time is up.
func waitFor(limit time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signal sends sig to the process.
func (p *process) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
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

// addGraduates adds a course with n trainees holding a valid certificate
// each, straight in the database, and returns the course's id.
func addGraduates(t *testing.T, db *sqlx.DB, n int) int64 {
	t.Helper()
	var course int64
	if err := db.Get(&course, `
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
		VALUES ('DRILL-1', '停机演练培训班', 'policy', 1000, current_date - 30, current_date - 1,
		        now() - interval '60 days', now() - interval '31 days', 8, 'closed')
		RETURNING id`); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`
		INSERT INTO users (username, name, role, password_hash)
		SELECT 'grad' || i, '学员' || i, 'trainee', '$argon2id$x' FROM generate_series(1, $1) AS i`, n)
	db.MustExec(`
		INSERT INTO certificates (prefix, year, number, serial, code, kind, trainee_id, course_id, trainee_name,
		                          course_title, starts_on, ends_on, credit_hours, issued_on)
		SELECT 'DRILL', 2026, i, 'DRILL-2026-' || lpad(i::text, 6, '0'),
		       translate(substr(md5(i::text) || md5((-i)::text), 1, 26), '0189', 'ghij'), 'course',
		       u.id, $1, u.name, '停机演练培训班', current_date - 30, current_date - 1, 8, current_date
		FROM generate_series(1, $2) AS i JOIN users u ON u.username = 'grad' || i`, course, n)
	return course
}

// TestSIGTERMDrainsRequests stops the real binary the way a service
// manager does, with requests in flight (SECURITY.md 19, issue 9 item 3).
// The requests are held inside PostgreSQL by table locks the test takes:
// a page, an export, a save and a streamed PDF of 600 certificates. After
// SIGTERM new connections are refused at once, the held requests finish
// with their answers once the locks go (the PDF whole), the save is kept,
// and the process exits cleanly and promptly.
func TestSIGTERMDrainsRequests(t *testing.T) {
	const password = "shutdown drill passphrase"
	db, dbURL := dbtest.NewWithURL(t)
	addUser(t, dbURL, "coordinator", "drill", password)
	srv := serveBinary(t, db, dbURL, "REQUEST_TIMEOUT=30s")
	staff := newBrowser(t, srv.URL, time.Minute)
	staff.login(t, "drill", password)
	visitor := newBrowser(t, srv.URL, time.Minute)

	ctx := context.Background()
	// A course with 600 certificates: printing them all is one PDF
	// streamed after the handler returns, the slowest answer there is.
	course := addGraduates(t, db, 600)
	_, noFont := certificates.FindFont(os.Getenv("CERT_FONT"))
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `LOCK TABLE courses, communities, lecturers IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	held := []struct {
		what string
		send func() answer
		want int
	}{
		{"GET /courses", func() answer { return visitor.get("/courses") }, http.StatusOK},
		{"GET /lecturers/export.xlsx", func() answer { return staff.get("/lecturers/export.xlsx") }, http.StatusOK},
		{"POST /communities", func() answer {
			return staff.post("/communities", url.Values{"name": {"停机演练社区"}, "district": {"shutdown"}})
		}, http.StatusSeeOther},
	}
	if noFont == nil {
		held = append(held, struct {
			what string
			send func() answer
			want int
		}{"GET the course's 600 certificates", func() answer {
			a := staff.get("/courses/" + strconv.FormatInt(course, 10) + "/certificates.pdf")
			// Whole: the last page, the cross-reference table, the end.
			if a.err == nil && (!strings.Contains(a.body, "/Type /Pages /Count 600 ") || !strings.HasSuffix(strings.TrimSpace(a.body), "%%EOF")) {
				a.err = fmt.Errorf("the PDF is cut short: %d bytes", len(a.body))
			}
			return a
		}, http.StatusOK})
	} else if os.Getenv("CERT_FONT_REQUIRED") != "" {
		t.Fatalf("no font for the certificate PDF: %v", noFont)
	}
	answers := make([]chan answer, len(held))
	for i, h := range held {
		answers[i] = make(chan answer, 1)
		go func() { answers[i] <- h.send() }()
	}
	// Every request has reached PostgreSQL and waits for a lock.
	waiting := func() bool {
		var n int
		err := db.GetContext(ctx, &n, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		return err == nil && n == len(held)
	}
	if !waitFor(20*time.Second, waiting) {
		t.Fatalf("the requests did not all reach the locks")
	}

	srv.signal(t, syscall.SIGTERM)
	stopped := time.Now()
	addr := strings.TrimPrefix(srv.URL, "http://")
	refused := waitFor(5*time.Second, func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		conn.Close()
		return false
	})
	if !refused {
		t.Error("new connections are still accepted 5s after SIGTERM")
	}
	select {
	case <-srv.exited:
		t.Fatalf("the server exited with requests in flight: %v", srv.err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	for i, h := range held {
		select {
		case a := <-answers[i]:
			if a.err != nil || a.status != h.want {
				t.Errorf("%s in flight at SIGTERM: %d %v, want %d", h.what, a.status, a.err, h.want)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s in flight at SIGTERM: no answer within 30s", h.what)
		}
	}
	select {
	case <-srv.exited:
		if srv.err != nil {
			t.Errorf("after SIGTERM the server exited with %v, want a clean exit", srv.err)
		}
	case <-time.After(app.ShutdownTimeout):
		t.Fatalf("the server did not exit within its shutdown timeout (%v)", app.ShutdownTimeout)
	}
	if took := time.Since(stopped); took > 10*time.Second {
		t.Errorf("the server took %v to exit after its last request", took)
	}
	var saved int
	if err := db.GetContext(ctx, &saved, `SELECT count(*) FROM communities WHERE name = '停机演练社区'`); err != nil || saved != 1 {
		t.Errorf("the save in flight at SIGTERM: %d rows (%v), want 1", saved, err)
	}
}
