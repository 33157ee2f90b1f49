package audit

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"partyschool/database"
)

// Store reads the log for the admin's search. Entries are written with
// Record, in the transaction of what they record.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store {
	return &Store{db: db}
}

// Results is one page of a search, newest first.
type Results struct {
	Lines []Line
	// Newer and Older tell whether there are matching entries on either
	// side of this page. The side a page was reached from is taken to
	// have some: its cursor came from a line of the page before.
	Newer, Older bool
}

// searchFrom joins who did it and, for an object "user N", whom it was
// done to (the CASE keeps the cast away from every other kind of object),
// and filters with fixed conditions that an empty value switches off.
const searchFrom = `
	FROM audit_log a
	LEFT JOIN users u ON u.id = a.actor_id
	LEFT JOIN users s ON s.id = CASE WHEN a.object ~ '^user [0-9]{1,18}$' THEN substr(a.object, 6)::bigint END
	WHERE ($1 = '' OR a.action = $1 OR a.action LIKE $2 || '.%')
	  AND ($3 = '' OR u.name ILIKE '%' || $3 || '%' OR u.username ILIKE '%' || $3 || '%')
	  AND ($4 = '' OR a.object ILIKE '%' || $4 || '%' OR s.name ILIKE '%' || $4 || '%')
	  AND ($5::timestamptz IS NULL OR a.at >= $5)
	  AND ($6::timestamptz IS NULL OR a.at < $6)`

// Search returns one page of the entries that match f, newest first.
// Pages are found from an entry (keyset), not by counting rows: the log
// only grows, at its newest end, so an offset would shift while someone
// reads it, and counting past millions of rows gets slow.
func (s *Store) Search(ctx context.Context, f Filter) (Results, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var from, until any
	if !f.From.IsZero() {
		from = f.From
	}
	if !f.Until.IsZero() {
		until = f.Until
	}
	args := []any{f.Action, database.EscapeLike(f.Action), database.EscapeLike(f.Actor), database.EscapeLike(f.Object), from, until}
	// The cursor is the entry the page continues from: (at, id) orders the
	// log, newest first, and an id alone would not (entries carry the time
	// their transaction began, so a later id may have an earlier time).
	page, order := ``, `ORDER BY a.at DESC, a.id DESC`
	switch {
	case f.After > 0:
		page, order = ` AND (a.at, a.id) > (SELECT at, id FROM audit_log WHERE id = $7)`, `ORDER BY a.at, a.id`
		args = append(args, f.After)
	case f.Before > 0:
		page = ` AND (a.at, a.id) < (SELECT at, id FROM audit_log WHERE id = $7)`
		args = append(args, f.Before)
	}
	var lines []Line
	err := s.db.SelectContext(ctx, &lines, `
		SELECT a.id, a.at, a.actor_id, u.name AS actor_name, a.action, a.object, s.name AS subject_name,
		       a.details, host(a.client_ip) AS client_ip`+searchFrom+page+`
		`+order+`
		LIMIT `+fmt.Sprint(f.Limit+1), args...)
	if err != nil {
		return Results{}, fmt.Errorf("search the audit log: %w", err)
	}
	r := Results{}
	more := len(lines) > f.Limit
	if more {
		lines = lines[:f.Limit]
	}
	if f.After > 0 {
		slices.Reverse(lines)
		r.Newer, r.Older = more, true
	} else {
		r.Older, r.Newer = more, f.Before > 0
	}
	r.Lines = lines
	return r, nil
}

// Actions lists the actions the log holds, for the search form to offer.
// The log may hold millions of entries but few actions: the recursive
// query hops from one action to the next through the (action, at) index
// instead of reading every row.
func (s *Store) Actions(ctx context.Context) ([]string, error) {
	var actions []string
	err := s.db.SelectContext(ctx, &actions, `
		WITH RECURSIVE next (action) AS (
			SELECT min(action) FROM audit_log
			UNION ALL
			SELECT (SELECT min(action) FROM audit_log WHERE action > next.action)
			FROM next WHERE next.action IS NOT NULL
		)
		SELECT action FROM next WHERE action IS NOT NULL LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("list audit actions: %w", err)
	}
	return actions, nil
}
