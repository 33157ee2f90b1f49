package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"partyschool/dbtest"
	"partyschool/proctest"
)

// Time limits, so that a hang fails the test instead of blocking it.
const (
	startTimeout = 30 * time.Second // the server answering /readyz; Chromium or a tab opening
	stopTimeout  = 30 * time.Second // the server exiting after SIGTERM
	stepTimeout  = 15 * time.Second // one browser step: a page load, a click, a form filled in
)

// The phone of every journey: 360 CSS pixels wide like the smallest common
// Android phones, two device pixels per CSS pixel.
const (
	phoneWidth  = 360
	phoneHeight = 740
	phoneScale  = 2
)

// overflowTolerance is how many CSS pixels a page may be wider than the
// phone, for rounding.
const overflowTolerance = 1

func TestMain(m *testing.M) {
	code := m.Run()
	proctest.Cleanup()
	os.Exit(code)
}

// moduleRoot returns the directory of go.mod: the parent of this package,
// where `go test` runs it.
func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatalf("find the module root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("find the module root: %v", err)
	}
	return root
}

// buildBinary compiles the real partyschool binary, once for all the tests.
func buildBinary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, moduleRoot(t))
}

// server is the real binary, serving a database of its own.
type server struct {
	URL string
	DB  *sqlx.DB // the server's database, for a test to set the scene

	cmd    *exec.Cmd
	log    *proctest.Buffer // what the server wrote to stdout and stderr
	exited chan struct{}    // closed when the process has exited
	err    error            // how it exited, once exited is closed
}

// startServer builds the binary, loads the demo data into a fresh
// database, serves it on a free port and waits until it is ready. When the
// test ends it stops the server with SIGTERM and fails the test unless the
// server exits cleanly in time; a failed test gets the server's log.
func startServer(t *testing.T) *server {
	t.Helper()
	bin := buildBinary(t)
	db, dbURL := dbtest.NewWithURL(t)
	addr := proctest.FreeAddr(t)
	s := &server{URL: "http://" + addr, DB: db, log: new(proctest.Buffer), exited: make(chan struct{})}
	env := append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"ADDR="+addr,
		"BASE_URL="+s.URL,
		"LOG_LEVEL=warn",
	)

	seed := exec.Command(bin, "seed", "--demo")
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("partyschool seed --demo: %v\n%s", err, out)
	}

	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = env
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start partyschool serve: %v", err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.stop(t) })
	s.waitReady(t)
	return s
}

// waitReady polls /readyz until it answers 200.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	timeout := time.After(startTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(s.URL + "/readyz")
		last := ""
		if err != nil {
			last = err.Error()
		} else {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		}
		select {
		case <-s.exited:
			t.Fatalf("the server exited before it was ready: %v", s.err)
		case <-timeout:
			t.Fatalf("GET /readyz did not answer 200 within %s; the last answer was %s", startTimeout, last)
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM and waits for a clean exit: the graceful shutdown.
func (s *server) stop(t *testing.T) {
	t.Helper()
	defer func() {
		if t.Failed() {
			log := s.log.String()
			if log == "" {
				log = "(nothing at LOG_LEVEL=warn)"
			}
			t.Logf("server log:\n%s", log)
		}
	}()
	select {
	case <-s.exited:
		t.Errorf("the server exited before the test ended: %v", s.err)
		return
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("send SIGTERM to the server: %v", err)
	}
	select {
	case <-s.exited:
		if s.err != nil {
			t.Errorf("after SIGTERM the server exited with %v, want a clean exit", s.err)
		}
	case <-time.After(stopTimeout):
		t.Errorf("the server did not exit within %s of SIGTERM", stopTimeout)
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// chromiumPath finds the browser: CHROMIUM_PATH, or else the usual names on
// PATH. Without one the test is skipped, or fails under E2E=1 (as in CI),
// which asks for the end-to-end tests to run.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("CHROMIUM_PATH=%s: %v", p, err)
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const msg = "no Chromium: set CHROMIUM_PATH, or install chromium, chromium-browser or google-chrome on PATH"
	if os.Getenv("E2E") == "1" {
		t.Fatal(msg + " (E2E=1 requires the end-to-end tests)")
	}
	t.Skip(msg + "; skipping the end-to-end tests (with E2E=1 this fails)")
	return ""
}

// startBrowser starts headless Chromium and returns the context of its
// first tab; each visitor's tab is a child of it. The browser closes when
// the test ends; a failed test gets the end of its output.
func startBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	output := new(proctest.Buffer)
	// Some of these are among the defaults already; they are repeated
	// because the test needs them. The machine may have no network, so
	// nothing may reach out, and no /dev/shm to speak of.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The visitors are Chinese: the app answers in the language the
		// browser asks for, and headless Chromium asks for English.
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.CombinedOutput(output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() {
			t.Logf("end of Chromium's output:\n%s", tail(withoutDBus(output.String()), 4000))
		}
	})
	within(t, startTimeout, "start Chromium", func() error { return chromedp.Do(ctx) })
	return ctx
}

// within runs f and fails the test if f fails or has not returned after d.
// It bounds the first chromedp call on a context, which cannot have a
// deadline of its own: the browser or tab it opens lives as long as the
// context of that call.
func within(t testing.TB, d time.Duration, what string, f func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(d):
		t.Fatalf("%s: no answer within %s", what, d)
	}
}

// withoutDBus drops Chromium's complaints about the missing D-Bus, which
// every headless run on a server has and which say nothing about a failure.
func withoutDBus(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// site is a running server and a browser to visit it with.
type site struct {
	*server
	browser context.Context
}

// newSite starts the server and the browser for the test; without
// Chromium it skips the test before building anything.
func newSite(t *testing.T) *site {
	t.Helper()
	chromium := chromiumPath(t)
	srv := startServer(t)
	return &site{server: srv, browser: startBrowser(t, chromium)}
}

// visitor is one person on a phone: a tab in a browser context of its own,
// so that it shares no cookie with any other visitor.
type visitor struct {
	t      *testing.T
	ctx    context.Context
	base   string
	name   string // starts the name of each screenshot
	outDir string
	shots  int
}

// newVisitor opens a tab at the size of a phone; name starts the names of
// its screenshots.
func (s *site) newVisitor(t *testing.T, name string) *visitor {
	t.Helper()
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	within(t, startTimeout, "open a tab at phone size", func() error {
		return chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight,
			chromedp.EmulateScale(phoneScale), chromedp.EmulateMobile))
	})
	return &visitor{t: t, ctx: ctx, base: s.URL, name: name, outDir: outputDir(t)}
}

// run runs the action within stepTimeout and returns its result. If it
// fails, the test fails, saying what the visitor did and what they saw.
func run[T any](v *visitor, what string, a chromedp.Action[T]) T {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, a)
	if err != nil {
		v.fatalf("%s: %v", what, explain(err))
	}
	return res
}

// explain turns a step's timeout into words.
func explain(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("nothing happened within %s (%w)", stepTimeout, err)
	}
	return err
}

// do runs the steps as one, like run.
func (v *visitor) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	v.t.Helper()
	run(v, what, chromedp.Steps(steps...))
}

// page is what the visitor sees of the page in the tab.
type page struct {
	Status    int64    `json:"-"` // of the HTML document, when a step loaded one
	URL       string   `json:"url"`
	Title     string   `json:"title"`
	H1        string   `json:"h1"`
	ErrorPage bool     `json:"errorPage"` // the layout's error page
	Alert     string   `json:"alert"`
	Notice    string   `json:"notice"`   // the layout's message after a success
	User      string   `json:"user"`     // the name in the header
	Badge     string   `json:"badge"`    // the role badge in the header
	Nav       []string `json:"nav"`      // the links and buttons of the main navigation, in order
	Current   string   `json:"current"`  // the navigation link marked as the current page
	TextSize  string   `json:"textSize"` // the footer's button that changes the text size
	LargeText bool     `json:"largeText"`
	FontSize  float64  `json:"fontSize"` // of the body, in CSS pixels
	Width     int      `json:"width"`    // of the document, in CSS pixels
	Wide      []string `json:"wide"`     // when the page is too wide: elements past the phone's right edge
	Main      string   `json:"main"`     // the start of the main text
}

// Path is the path of the page's URL.
func (p page) Path() string {
	u, err := url.Parse(p.URL)
	if err != nil {
		return p.URL
	}
	return u.Path
}

var pageJS = fmt.Sprintf(`(() => {
	const text = (el) => el ? el.innerText.trim() : "";
	const limit = %d;
	const width = document.documentElement.scrollWidth;
	const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
		Array.from(el.classList, (c) => "." + c).join("");
	return {
		url: location.href,
		title: document.title,
		h1: text(document.querySelector("main h1")),
		errorPage: document.querySelector(".error-page") !== null,
		alert: text(document.querySelector("main .alert")),
		notice: text(document.querySelector("main .notice")),
		user: text(document.querySelector(".site-header .who-name")),
		badge: text(document.querySelector(".site-header .who .badge")),
		nav: Array.from(document.querySelectorAll("nav.site-nav a"), text)
			.concat(Array.from(document.querySelectorAll(".site-header .logout-button"), text)),
		current: text(document.querySelector('nav.site-nav [aria-current="page"]')),
		textSize: text(document.querySelector('.site-footer form[action="/preferences/text-size"] button')),
		largeText: document.body.classList.contains("large-text"),
		fontSize: parseFloat(getComputedStyle(document.body).fontSize),
		width: width,
		wide: width <= limit ? [] : Array.from(document.querySelectorAll("body *"))
			.filter((el) => el.getBoundingClientRect().right > limit).slice(0, 8).map(describe),
		main: text(document.querySelector("main")).slice(0, 300),
	};
})()`, phoneWidth+overflowTolerance)

// look reads the page in the tab.
func (v *visitor) look() page {
	v.t.Helper()
	return run(v, "read the page", chromedp.Evaluate[page](pageJS))
}

// open loads the path as if typed into the address bar.
func (v *visitor) open(path string) page {
	v.t.Helper()
	resp := run(v, "open "+path, chromedp.NavigateResponse(v.base+path))
	p := v.look()
	p.Status = resp.Status
	return p
}

// click clicks the element and waits for the page it loads.
func (v *visitor) click(what, selector string) page {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		v.fatalf("%s: %v", what, explain(err))
	}
	p := v.look()
	p.Status = resp.Status
	return p
}

// signIn fills in the sign-in form of the page in the tab, sends it, and
// returns the page it leads to.
func (v *visitor) signIn(username, password string) page {
	v.t.Helper()
	v.do("fill in the sign-in form",
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	return v.click("send the sign-in form as "+username, `form[action="/login"] button[type="submit"]`)
}

// checkPage checks what every page must be: an answer with the status
// want, a heading, and no wider than the phone. It saves a screenshot.
func (v *visitor) checkPage(p page, name string, want int64) {
	v.t.Helper()
	v.screenshot(name)
	if p.Status != want {
		v.t.Errorf("%s answered %d, want %d; the page shows %q", p.URL, p.Status, want, p.Main)
	}
	if p.H1 == "" {
		v.t.Errorf("%s has no heading (h1); the page shows %q", p.URL, p.Main)
	}
	if want < 400 && p.ErrorPage {
		v.t.Errorf("%s is the error page %q: %s", p.URL, p.H1, p.Alert)
	}
	if p.Width > phoneWidth+overflowTolerance {
		v.t.Errorf("%s is %d px wide on a %d px phone, so it scrolls sideways; past the edge: %s",
			p.URL, p.Width, phoneWidth, strings.Join(p.Wide, ", "))
	}
}

// screenshot saves a full-page PNG of the tab as NAME-NN-name.png in the
// output directory, and logs its path.
func (v *visitor) screenshot(name string) string {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		v.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	v.shots++
	path := filepath.Join(v.outDir, fmt.Sprintf("%s-%02d-%s.png", v.name, v.shots, name))
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		v.t.Errorf("save screenshot: %v", err)
		return ""
	}
	v.t.Logf("screenshot %s", path)
	return path
}

// fatalf fails the test with the message and what the visitor sees.
func (v *visitor) fatalf(format string, args ...any) {
	v.t.Helper()
	v.t.Fatalf("%s\n%s", fmt.Sprintf(format, args...), v.describe())
}

// describe says where the visitor is and what the page shows, for a
// failure message, with a screenshot.
func (v *visitor) describe() string {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[page](pageJS))
	if err != nil {
		return fmt.Sprintf("(the page could not be read: %v)", err)
	}
	return fmt.Sprintf("the visitor is on %s titled %q, which shows %q (screenshot %s)",
		p.URL, p.Title, p.Main, v.screenshot("failed"))
}

// outputDir is where screenshots go: E2E_OUTPUT, or else e2e/output/ in
// the module.
func outputDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("E2E_OUTPUT")
	if dir == "" {
		dir = filepath.Join(moduleRoot(t), "e2e", "output")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	return dir
}
