package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/app"
	"partyschool/app/apptest"
	"partyschool/dbtest"
)

// TestGracefulShutdown: a request in flight when the server is told to
// stop finishes with its answer; new connections are refused; Serve
// returns well within the shutdown timeout.
func TestGracefulShutdown(t *testing.T) {
	entered := make(chan struct{})
	slow := app.Route{Method: "GET", Path: "/slow", Access: app.Access{Public: true}, Handler: func(c *fiber.Ctx) error {
		close(entered)
		time.Sleep(500 * time.Millisecond)
		return c.SendString("finished")
	}}
	env := apptest.New(t)
	env.Config.Addr = "127.0.0.1:0"
	env = apptest.NewWithConfig(t, env.DB, env.Config, slow)

	ctx, stop := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- env.Server.Serve(ctx, func(addr string) { addrc <- addr }) }()
	addr := <-addrc

	type result struct {
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		inflight <- result{string(b), err}
	}()
	<-entered
	began := time.Now()
	stop() // as SIGTERM does in main

	r := <-inflight
	if r.err != nil || r.body != "finished" {
		t.Fatalf("the in-flight request got %q, %v; want it to finish", r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(app.ShutdownTimeout):
		t.Fatal("Serve did not return within the shutdown timeout")
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	client := http.Client{Timeout: 2 * time.Second}
	if _, err := client.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the stopped server still accepts connections")
	}
}

// TestRequestDeadlineReachesQueries: a query that would run past the
// request's deadline is cancelled in PostgreSQL and the visitor gets the
// friendly 503 page, promptly.
func TestRequestDeadlineReachesQueries(t *testing.T) {
	db := dbtest.New(t)
	stuck := app.Route{Method: "GET", Path: "/stuck", Access: app.Access{Public: true}, Handler: func(c *fiber.Ctx) error {
		_, err := db.ExecContext(c.UserContext(), `SELECT pg_sleep(30)`)
		return err
	}}
	env := apptest.New(t)
	env.Config.RequestTimeout = 300 * time.Millisecond
	env = apptest.NewWithConfig(t, db, env.Config, stuck)

	began := time.Now()
	res := env.Client().Get("/stuck")
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the request took %v; the deadline did not reach the query", took)
	}
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, "系统暂时不可用") {
		t.Errorf("status %d, want the 503 page", res.Status)
	}
	var running int
	db.Get(&running, `SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`)
	if running != 0 {
		t.Errorf("the query still runs in PostgreSQL after the request gave up")
	}
}
