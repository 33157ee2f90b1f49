package audit_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/audit"
	"partyschool/database"
	"partyschool/dbtest"
	"partyschool/web"
)

// addUser adds an account straight into the table (the audit log needs
// only its name) and returns its id.
func addUser(t *testing.T, db *sqlx.DB, username, name string) int64 {
	t.Helper()
	var id int64
	err := db.Get(&id, `INSERT INTO users (username, name, role, password_hash) VALUES ($1, $2, 'trainee', '$argon2id$test') RETURNING id`, username, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// addEntry adds an entry at a given time, as only a test can: the
// application's entries take the time of their transaction.
func addEntry(t *testing.T, db *sqlx.DB, at time.Time, actor int64, action, object string) int64 {
	t.Helper()
	var a *int64
	if actor > 0 {
		a = &actor
	}
	var id int64
	err := db.Get(&id, `INSERT INTO audit_log (at, actor_id, action, object, client_ip) VALUES ($1, $2, $3, $4, '192.0.2.1') RETURNING id`, at, a, action, object)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// objects returns the objects of the lines, in order.
func objects(lines []audit.Line) []string {
	out := []string{}
	for _, l := range lines {
		out = append(out, l.Object)
	}
	return out
}

// TestSearchFilters: each filter of the search, alone, finds exactly the
// entries it names; action prefixes go by whole parts and their
// underscores are no wildcards; days are Beijing days.
func TestSearchFilters(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := audit.NewStore(db)
	anna := addUser(t, db, "anna", "安娜")
	ben := addUser(t, db, "benwang", "王本")
	// 16:30 UTC on 1 March is 00:30 on 2 March in Beijing.
	march1Late := time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC) // 23:30 Beijing, 1 March
	march2Early := time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC)
	addEntry(t, db, march1Late, anna, "auth.login", "login-anna")
	addEntry(t, db, march2Early, anna, "auth.login_failed", "failed-anna")
	addEntry(t, db, march2Early.Add(time.Hour), ben, "user.role", "user 999999")
	addEntry(t, db, march2Early.Add(2*time.Hour), anna, "user.disable", "user "+itoa(ben))
	addEntry(t, db, march2Early.Add(3*time.Hour), 0, "certificate.issue", "CCHY-2026-000001")
	addEntry(t, db, march2Early.Add(4*time.Hour), ben, "authority.check", "authority")

	day := func(s string) time.Time {
		d, ok := web.ParseDate(s)
		if !ok {
			t.Fatalf("date %s", s)
		}
		return d
	}
	tests := []struct {
		name string
		f    audit.Filter
		want []string // objects, newest first
	}{
		{"everything", audit.Filter{}, []string{"authority", "CCHY-2026-000001", "user " + itoa(ben), "user 999999", "failed-anna", "login-anna"}},
		{"an action", audit.Filter{Action: "auth.login"}, []string{"login-anna"}},
		{"a prefix", audit.Filter{Action: "auth"}, []string{"failed-anna", "login-anna"}},
		{"half a part is no prefix", audit.Filter{Action: "aut"}, []string{}},
		{"an underscore is no wildcard", audit.Filter{Action: "certificat_"}, []string{}},
		{"another prefix", audit.Filter{Action: "user"}, []string{"user " + itoa(ben), "user 999999"}},
		{"actor by name", audit.Filter{Actor: "本"}, []string{"authority", "user 999999"}},
		{"actor by username", audit.Filter{Actor: "ANNA"}, []string{"user " + itoa(ben), "failed-anna", "login-anna"}},
		{"object text", audit.Filter{Object: "cchy-2026"}, []string{"CCHY-2026-000001"}},
		{"object by the name of the user it names", audit.Filter{Object: "王本"}, []string{"user " + itoa(ben)}},
		{"a percent sign is no wildcard", audit.Filter{Object: "%"}, []string{}},
		{"until the end of 1 March, Beijing", audit.Filter{Until: day("2026-03-01").AddDate(0, 0, 1)}, []string{"login-anna"}},
		{"from 2 March, Beijing", audit.Filter{From: day("2026-03-02"), Action: "auth"}, []string{"failed-anna"}},
		{"filters together", audit.Filter{Actor: "anna", Action: "user"}, []string{"user " + itoa(ben)}},
	}
	for _, tt := range tests {
		res, err := s.Search(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := objects(res.Lines); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}

	res, err := s.Search(ctx, audit.Filter{Action: "user.disable"})
	if err != nil || len(res.Lines) != 1 {
		t.Fatalf("user.disable: %v, %v", res.Lines, err)
	}
	l := res.Lines[0]
	if l.Actor == nil || *l.Actor != "安娜" || l.Subject == nil || *l.Subject != "王本" || l.ClientIP == nil || *l.ClientIP != "192.0.2.1" {
		t.Errorf("a line names %v about %v from %v, want 安娜 about 王本 from 192.0.2.1", l.Actor, l.Subject, l.ClientIP)
	}

	actions, err := s.Actions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "auth.login|auth.login_failed|authority.check|certificate.issue|user.disable|user.role"
	if got := strings.Join(actions, "|"); got != want {
		t.Errorf("actions %s, want %s", got, want)
	}
}

// TestSearchPages: newest first, a page at a time, forwards and back; an
// entry added while someone pages does not shift the pages.
func TestSearchPages(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := audit.NewStore(db)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Two entries at each instant: the id breaks the tie.
	for i := range 120 {
		addEntry(t, db, start.Add(time.Duration(i/2)*time.Minute), 0, "test.entry", "e"+itoa(int64(i)))
	}
	expect := func(from, to int) string { // objects e<from> down to e<to>
		var out []string
		for i := from; i >= to; i-- {
			out = append(out, "e"+itoa(int64(i)))
		}
		return strings.Join(out, "|")
	}
	page := func(f audit.Filter) audit.Results {
		t.Helper()
		f.Limit = 50
		res, err := s.Search(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := page(audit.Filter{})
	if got := strings.Join(objects(first.Lines), "|"); got != expect(119, 70) || first.Newer || !first.Older {
		t.Fatalf("first page: %s newer %v older %v", got, first.Newer, first.Older)
	}
	addEntry(t, db, time.Now(), 0, "test.entry", "new")
	second := page(audit.Filter{Before: first.Lines[49].ID})
	if got := strings.Join(objects(second.Lines), "|"); got != expect(69, 20) || !second.Newer || !second.Older {
		t.Fatalf("second page: %s newer %v older %v", got, second.Newer, second.Older)
	}
	last := page(audit.Filter{Before: second.Lines[49].ID})
	if got := strings.Join(objects(last.Lines), "|"); got != expect(19, 0) || last.Older {
		t.Fatalf("last page: %s older %v", got, last.Older)
	}
	back := page(audit.Filter{After: last.Lines[0].ID})
	if got := strings.Join(objects(back.Lines), "|"); got != expect(69, 20) || !back.Newer || !back.Older {
		t.Errorf("back from the last page: %s newer %v older %v", got, back.Newer, back.Older)
	}
	top := page(audit.Filter{After: first.Lines[0].ID})
	if got := strings.Join(objects(top.Lines), "|"); got != "new" || top.Newer {
		t.Errorf("newer than the first page: %s newer %v, want the one added since", got, top.Newer)
	}
}

// TestPrune: the owner's prune deletes exactly the entries older than the
// retention, as the setting says it then, and records that it did; a
// prune with nothing to do records nothing.
func TestPrune(t *testing.T) {
	db := dbtest.New(t) // connected as the owner (a superuser)
	ctx := context.Background()
	now := time.Now()
	old := addEntry(t, db, now.AddDate(-4, 0, 0), 0, "test.entry", "four years")
	justOld := addEntry(t, db, now.AddDate(-3, 0, -1), 0, "test.entry", "three years and a day")
	kept := addEntry(t, db, now.AddDate(-3, 0, 1), 0, "test.entry", "a day short of three years")
	recent := addEntry(t, db, now.Add(-time.Minute), 0, "test.entry", "a minute")

	p, err := audit.Prune(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if p.Deleted != 2 || p.RetentionYears != 3 {
		t.Errorf("prune: %+v, want 2 deleted at 3 years", p)
	}
	var left []int64
	db.Select(&left, `SELECT id FROM audit_log WHERE action = 'test.entry' ORDER BY id`)
	if len(left) != 2 || left[0] != kept || left[1] != recent {
		t.Errorf("left %v, want %d and %d (not %d, %d)", left, kept, recent, old, justOld)
	}
	var entry struct {
		Actor   *int64 `db:"actor_id"`
		Deleted string `db:"deleted"`
		Years   string `db:"years"`
	}
	err = db.Get(&entry, `SELECT actor_id, details->>'deleted' AS deleted, details->>'retention_years' AS years FROM audit_log WHERE action = 'audit_log.prune'`)
	if err != nil || entry.Actor != nil || entry.Deleted != "2" || entry.Years != "3" {
		t.Errorf("the prune's own entry: %+v, %v; want the system's, 2 deleted at 3 years", entry, err)
	}

	db.MustExec(`UPDATE school_settings SET audit_retention_years = 1`)
	if p, err := audit.Prune(ctx, db); err != nil || p.Deleted != 1 {
		t.Errorf("prune at one year: %+v, %v; want the 3-year-old entry deleted", p, err)
	}
	before := count(t, db, `SELECT count(*) FROM audit_log`)
	if p, err := audit.Prune(ctx, db); err != nil || p.Deleted != 0 {
		t.Errorf("prune with nothing to do: %+v, %v", p, err)
	}
	if after := count(t, db, `SELECT count(*) FROM audit_log`); after != before {
		t.Errorf("a prune that deleted nothing added %d entries", after-before)
	}
}

// TestOwnerCannotRemoveRecentEntries: the trigger still refuses the owner
// everything but deleting expired entries: a recent entry cannot be
// deleted, and no entry changed or truncated.
func TestOwnerCannotRemoveRecentEntries(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	old := addEntry(t, db, time.Now().AddDate(-5, 0, 0), 0, "test.entry", "old")
	recent := addEntry(t, db, time.Now(), 0, "test.entry", "recent")
	for _, stmt := range []string{
		`DELETE FROM audit_log WHERE id = ` + itoa(recent),
		`DELETE FROM audit_log`, // the old entry with the recent: all or nothing
		`UPDATE audit_log SET object = 'changed' WHERE id = ` + itoa(old),
		`TRUNCATE audit_log`,
	} {
		_, err := db.ExecContext(ctx, stmt)
		if !appendOnly(err) {
			t.Errorf("%s as the owner: %v, want the append-only refusal", stmt, err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE object IN ('old', 'recent')`); n != 2 {
		t.Errorf("%d of the 2 entries left", n)
	}
	// Lowering the retention below a year is refused by the schema.
	if _, err := db.ExecContext(ctx, `UPDATE school_settings SET audit_retention_years = 0`); !database.IsViolation(err, database.CheckViolation) {
		t.Errorf("a retention of 0 years: %v, want a check violation", err)
	}
}

// TestServingRoleCannotPrune: the role the server runs as cannot prune,
// not even expired entries, and not even when someone has granted it
// DELETE by hand: the trigger lets only the owner through.
func TestServingRoleCannotPrune(t *testing.T) {
	ctx := context.Background()
	owner, ownerURL := dbtest.NewWithURL(t)
	db, err := database.Open(ctx, dbtest.RuntimeURL(t, owner, ownerURL))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	addEntry(t, owner, time.Now().AddDate(-5, 0, 0), 0, "test.entry", "old")

	if _, err := audit.Prune(ctx, db); !refused(err) {
		t.Errorf("prune as the serving role: %v, want a refused privilege", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM audit_log WHERE object = 'old'`); !refused(err) || appendOnly(err) {
		t.Errorf("deleting an expired entry as the serving role: %v, want a refused privilege", err)
	}
	var role string
	if err := db.Get(&role, `SELECT current_user`); err != nil {
		t.Fatal(err)
	}
	owner.MustExec(`GRANT DELETE ON audit_log TO ` + pq.QuoteIdentifier(role))
	if _, err := db.ExecContext(ctx, `DELETE FROM audit_log WHERE object = 'old'`); !appendOnly(err) {
		t.Errorf("deleting an expired entry as a serving role granted DELETE: %v, want the append-only refusal", err)
	}
	if n := count(t, owner, `SELECT count(*) FROM audit_log WHERE object = 'old'`); n != 1 {
		t.Error("the serving role removed an entry")
	}
}

// refused reports whether err is PostgreSQL refusing a privilege (42501).
func refused(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "42501"
}

// appendOnly reports whether err is the append-only trigger's refusal.
func appendOnly(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "42501" && strings.Contains(pqErr.Message, "append-only")
}

func count(t *testing.T, db *sqlx.DB, query string) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query); err != nil {
		t.Fatal(err)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestMaskPhones(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"打错了 13812345678,13912345678。", "打错了 138****5678,139****5678。"},
		{"CCHY-2026-000123", "CCHY-2026-000123"},
		{"138123456789", "138123456789"}, // twelve digits: no phone number
		{"12345678901", "12345678901"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := audit.MaskPhones(tt.in); got != tt.want {
			t.Errorf("MaskPhones(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
