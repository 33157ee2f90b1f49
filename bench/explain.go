package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/database"
)

// explainer is one database connection on which PostgreSQL's auto_explain
// sends the plan of every statement back as a notice: the plans of the
// store's own SQL, and how many statements a call runs.
type explainer struct {
	db    *sqlx.DB
	mu    sync.Mutex
	plans []string
}

func newExplainer(ctx context.Context, url string) (*explainer, error) {
	dsn, err := database.WithSSLMode(url)
	if err != nil {
		return nil, err
	}
	base, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	e := &explainer{}
	conn := pq.ConnectorWithNoticeHandler(base, func(n *pq.Error) {
		e.mu.Lock()
		e.plans = append(e.plans, n.Message)
		e.mu.Unlock()
	})
	e.db = sqlx.NewDb(sql.OpenDB(conn), "postgres")
	e.db.SetMaxOpenConns(1) // every statement on the one configured session
	for _, s := range []string{
		`LOAD 'auto_explain'`,
		`SET auto_explain.log_min_duration = 0`,
		`SET auto_explain.log_analyze = on`,
		`SET auto_explain.log_buffers = on`,
		`SET auto_explain.log_level = notice`,
	} {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			e.db.Close()
			return nil, fmt.Errorf("%s: %w (auto_explain needs a superuser)", s, err)
		}
	}
	return e, nil
}

// capture runs f and returns the plans of the statements it ran.
func (e *explainer) capture(f func(db *sqlx.DB) error) ([]string, error) {
	e.mu.Lock()
	e.plans = nil
	e.mu.Unlock()
	err := f(e.db)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.plans, err
}

// reset forgets the plans captured so far: a capture's call may leave
// out what it ran before the call it is about.
func (e *explainer) reset() {
	e.mu.Lock()
	e.plans = nil
	e.mu.Unlock()
}

// planSummary keeps a plan's duration line and the plan itself, without
// the query text auto_explain repeats, cut to at most lines lines.
func planSummary(plan string, lines int) string {
	var keep []string
	inQuery := false
	for i, line := range strings.Split(strings.TrimSpace(plan), "\n") {
		switch {
		case i == 0:
			keep = append(keep, line)
		case strings.HasPrefix(line, "Query Text:"):
			inQuery = true
		case inQuery && (line == "" || line[0] == ' ' || line[0] == '\t'):
		default:
			inQuery = false
			keep = append(keep, line)
		}
	}
	if len(keep) > lines {
		keep = append(keep[:lines], "  …")
	}
	return strings.Join(keep, "\n")
}
