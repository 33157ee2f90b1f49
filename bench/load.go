package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Load is what one load run measured.
type Load struct {
	RPS      float64
	P50, P99 time.Duration
	Errors   int
}

// Post is what runLoadPost sends: a body made fresh for every request
// (a new idempotency key, say), its content type and what it accepts.
type Post struct {
	ContentType string
	Accept      string // "" sends no Accept header
	Body        func() []byte
}

// runLoad requests url from conns connections, each waiting for its answer
// before asking again, for d; every connection keeps its own cookies, like
// a browser, starting with cookies (a signed-in session, or none). Only 200
// answers count; anything else, a redirect to the login page included, is
// an error.
func runLoad(ctx context.Context, url string, conns int, d time.Duration, cookies []*http.Cookie) (Load, error) {
	return load(ctx, url, conns, d, cookies, nil)
}

// runLoadPost is runLoad with POST requests of post's bodies, one made
// for each request. Only 200 answers count here too.
func runLoadPost(ctx context.Context, url string, conns int, d time.Duration, cookies []*http.Cookie, post Post) (Load, error) {
	return load(ctx, url, conns, d, cookies, &post)
}

// load is runLoad (GET) when post is nil, else runLoadPost.
func load(ctx context.Context, url string, conns int, d time.Duration, cookies []*http.Cookie, post *Post) (Load, error) {
	method := http.MethodGet
	if post != nil {
		method = http.MethodPost
	}
	u, err := neturl.Parse(url)
	if err != nil {
		return Load{}, err
	}
	// Answers are read in large pieces: a week's timetable is some 400 KB,
	// and the load generator shares the cores with what it measures.
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
		ReadBufferSize: 64 << 10}
	defer transport.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()

	var mu sync.Mutex
	var all []time.Duration
	errors := 0
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			jar.SetCookies(u, cookies)
			client := &http.Client{Transport: transport, Jar: jar, Timeout: 10 * time.Second, CheckRedirect: noRedirects}
			var mine []time.Duration
			bad := 0
			buf := make([]byte, 256<<10)
			for ctx.Err() == nil {
				var body io.Reader
				if post != nil {
					body = bytes.NewReader(post.Body())
				}
				// Not bound to ctx: a request in flight at the end
				// completes and counts, as the elapsed time does.
				req, err := http.NewRequest(method, url, body)
				if err != nil {
					bad++
					break
				}
				if post != nil {
					req.Header.Set("Content-Type", post.ContentType)
					if post.Accept != "" {
						req.Header.Set("Accept", post.Accept)
					}
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				io.CopyBuffer(discard{}, res.Body, buf)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			errors += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(all) == 0 {
		return Load{Errors: errors}, fmt.Errorf("%s %s: no successful request (%d errors)", method, url, errors)
	}
	slices.Sort(all)
	return Load{
		RPS:    float64(len(all)) / elapsed.Seconds(),
		P50:    percentile(all, 0.50),
		P99:    percentile(all, 0.99),
		Errors: errors,
	}, nil
}

// discard is io.Discard without its ReadFrom, which would read through
// a small buffer of its own instead of the one given to io.CopyBuffer.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// signIn signs in at base as a browser does (the login form's CSRF cookie,
// then the form with its token) and returns the browser's cookies.
func signIn(ctx context.Context, base, username, password string) ([]*http.Cookie, error) {
	u, err := neturl.Parse(base)
	if err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: noRedirects}
	do := func(req *http.Request) (int, error) {
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	if err != nil {
		return nil, err
	}
	if _, err := do(req); err != nil {
		return nil, fmt.Errorf("GET /login: %w", err)
	}
	token := cookieValue(jar.Cookies(u), "ps_csrf")
	if token == "" {
		return nil, fmt.Errorf("GET /login set no ps_csrf cookie")
	}
	form := neturl.Values{"username": {username}, "password": {password}, "_csrf": {token}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, err := do(req)
	if err != nil {
		return nil, fmt.Errorf("POST /login: %w", err)
	}
	cookies := jar.Cookies(u)
	if status != http.StatusSeeOther || cookieValue(cookies, "ps_session") == "" {
		return nil, fmt.Errorf("sign in as %s: status %d, want 303 with a ps_session cookie", username, status)
	}
	return cookies, nil
}

func cookieValue(cookies []*http.Cookie, name string) string {
	for _, c := range cookies {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// percentile returns the p-th quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// medianLoad returns the median of each figure on its own (throughput,
// p50, p99), and the errors of all runs.
func medianLoad(runs []Load) Load {
	pick := func(f func(Load) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	out := Load{
		RPS: pick(func(l Load) float64 { return l.RPS }),
		P50: time.Duration(pick(func(l Load) float64 { return float64(l.P50) })),
		P99: time.Duration(pick(func(l Load) float64 { return float64(l.P99) })),
	}
	for _, r := range runs {
		out.Errors += r.Errors
	}
	return out
}

// median returns the median of durations.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
