package certificates_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"partyschool/certificates"
	"partyschool/dbtest"
)

// graduation is a course of four held sessions (and one cancelled, one
// to come) with five trainees whose marks give known rates under an 80 %
// rule: 4/4, 3/4 with an excuse, 3/4, 2/4 and none.
type graduation struct {
	db       *sqlx.DB
	store    *certificates.Store
	course   int64
	trainees []int64 // in the order above
	coord    int64
}

func newGraduation(t *testing.T) *graduation {
	t.Helper()
	db := dbtest.New(t)
	g := &graduation{db: db, store: certificates.NewStore(db)}
	id := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	g.coord = id(`INSERT INTO users (username, name, role, password_hash) VALUES ('coord', '王秀兰', 'coordinator', '$argon2id$x') RETURNING id`)
	lecturer := id(`INSERT INTO lecturers (name, team) VALUES ('李建国', 'expert') RETURNING id`)
	venue := id(`INSERT INTO venues (name) VALUES ('邻里驿站') RETURNING id`)
	g.course = id(`
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, min_attendance, status)
		VALUES ('GRAD-1', '社区治理专题培训', 'policy', 10, current_date - 20, current_date + 10, now() - interval '40 days', now() - interval '21 days', 8, 80, 'published')
		RETURNING id`)
	var sessions []int64
	for i, offset := range []string{"-10 days", "-8 days", "-6 days", "-4 days", "-3 days", "+3 days"} {
		sessions = append(sessions, id(`
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, cancelled_at)
			VALUES ($1, $2, $3, now() + $4::interval, now() + $4::interval + interval '2 hours', CASE WHEN $5 THEN now() END)
			RETURNING id`, g.course, lecturer, venue, offset, i == 4))
	}
	names := []string{"李建忠", "王丽华", "张志刚", "刘海燕", "陈国庆"}
	marks := [][]string{
		{"present", "present", "late", "present"},
		{"present", "excused", "present", "present"},
		{"present", "absent", "present", "present"},
		{"present", "absent", "absent", "present"},
		{},
	}
	for i, name := range names {
		u := id(`INSERT INTO users (username, name, role, password_hash) VALUES ($1, $2, 'trainee', '$argon2id$x') RETURNING id`, fmt.Sprintf("trainee%d", i), name)
		db.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, g.course, u)
		for j, m := range marks[i] {
			db.MustExec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, $3)`, sessions[j], u, m)
		}
		g.trainees = append(g.trainees, u)
	}
	// A mark on the cancelled session must not count.
	db.MustExec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'present')`, sessions[4], g.trainees[3])
	return g
}

func TestEligibilityAgainstHandComputedRates(t *testing.T) {
	g := newGraduation(t)
	ctx := context.Background()
	decisions, err := g.store.Eligibility(ctx, g.course)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]struct {
		rate     float64
		eligible bool
	}{
		g.trainees[0]: {100, true},
		g.trainees[1]: {75, false}, // the excuse does not count by default
		g.trainees[2]: {75, false},
		g.trainees[3]: {50, false},
		g.trainees[4]: {0, false},
	}
	for _, d := range decisions {
		w := want[d.TraineeID]
		if d.Held != 4 || d.Rate != w.rate || d.Eligible != w.eligible || d.Required != 80 {
			t.Errorf("%s: held %d, rate %v, eligible %v; want 4 held, %v, %v", d.Name, d.Held, d.Rate, d.Eligible, w.rate, w.eligible)
		}
	}
	// When the course counts 请假, 王丽华 reaches 100 %.
	g.db.MustExec(`UPDATE courses SET excused_counts = true WHERE id = $1`, g.course)
	decisions, _ = g.store.Eligibility(ctx, g.course)
	for _, d := range decisions {
		if d.TraineeID == g.trainees[1] && (!d.Eligible || d.Rate != 100) {
			t.Errorf("with excuses counted 王丽华 is %+v, want eligible at 100", d)
		}
	}
}

// TestConcurrentIssuingMakesEachCertificateOnce: two browsers issue the
// same course at once, twice each; every eligible trainee has one valid
// certificate and the serials run 1, 2, … without a gap.
func TestConcurrentIssuingMakesEachCertificateOnce(t *testing.T) {
	g := newGraduation(t)
	g.db.MustExec(`UPDATE courses SET min_attendance = 70 WHERE id = $1`, g.course) // three qualify
	ctx := context.Background()
	errs := dbtest.Concurrently(4, func(i int) error {
		_, err := g.store.Issue(ctx, g.course, g.coord, "127.0.0.1")
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var numbers []int
	if err := g.db.Select(&numbers, `SELECT number FROM certificates ORDER BY number`); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(numbers) != "[1 2 3]" {
		t.Errorf("serial numbers %v, want [1 2 3]", numbers)
	}
	var n int
	g.db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'certificate.issue'`)
	if n != 1 {
		t.Errorf("%d issue entries in the audit log, want 1 (the other issues found nothing to do)", n)
	}
	// The database holds the rule too.
	var serial string
	g.db.Get(&serial, `SELECT serial FROM certificates ORDER BY number LIMIT 1`)
	if _, err := g.db.Exec(`
		INSERT INTO certificates (prefix, year, number, serial, code, kind, trainee_id, course_id, trainee_name, course_title, starts_on, ends_on, credit_hours, issued_on)
		SELECT prefix, year, 99, 'X-1', 'abcdefghijklmnopqrstuvwxyz', kind, trainee_id, course_id, trainee_name, course_title, starts_on, ends_on, credit_hours, issued_on
		FROM certificates WHERE serial = $1`, serial); err == nil {
		t.Error("the database took a second valid certificate for one trainee and course")
	}
}

func TestRevokeReissueAndVerify(t *testing.T) {
	g := newGraduation(t)
	ctx := context.Background()
	issued, err := g.store.Issue(ctx, g.course, g.coord, "")
	if err != nil || len(issued.Serials) != 1 {
		t.Fatalf("issue: %+v, %v", issued, err)
	}
	var first certificates.Certificate
	if err := g.db.Get(&first, `SELECT id, serial, code FROM certificates`); err != nil {
		t.Fatal(err)
	}
	if c, err := g.store.Verify(ctx, "192.0.2.1", first.Serial, first.Code); err != nil || c.Status != certificates.StatusValid || c.TraineeName != "李建忠" {
		t.Fatalf("verify: %+v, %v", c, err)
	}
	if _, err := g.store.Verify(ctx, "192.0.2.1", first.Serial, "aaaaaaaaaaaaaaaaaaaaaaaaaa"); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("a wrong code: %v", err)
	}
	if _, err := g.store.Verify(ctx, "192.0.2.1", "CCHY-2026-999999", first.Code); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("an unknown serial: %v", err)
	}
	// A corrected name: re-issue gives a new serial, the old one is superseded.
	g.db.MustExec(`UPDATE users SET name = '李健忠' WHERE id = $1`, g.trainees[0])
	serial, err := g.store.Reissue(ctx, first.ID, g.coord, "")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := g.store.Get(ctx, first.ID)
	if old.Status != certificates.StatusSuperseded || old.SupersededBy == nil || *old.SupersededBy != serial {
		t.Errorf("the old certificate is %+v, want superseded by %s", old, serial)
	}
	var name string
	g.db.Get(&name, `SELECT trainee_name FROM certificates WHERE serial = $1`, serial)
	if name != "李健忠" {
		t.Errorf("the new certificate says %s", name)
	}
	var second int64
	g.db.Get(&second, `SELECT id FROM certificates WHERE serial = $1`, serial)
	if err := g.store.Revoke(ctx, second, g.coord, "  ", ""); !errors.Is(err, certificates.ErrReasonNeeded) {
		t.Errorf("revoke without a reason: %v", err)
	}
	if err := g.store.Revoke(ctx, second, g.coord, "学时记录有误", ""); err != nil {
		t.Fatal(err)
	}
	if err := g.store.Revoke(ctx, second, g.coord, "again", ""); !errors.Is(err, certificates.ErrNotValid) {
		t.Errorf("revoking twice: %v", err)
	}
	var actions []string
	g.db.Select(&actions, `SELECT action FROM audit_log ORDER BY id`)
	if fmt.Sprint(actions) != "[certificate.issue certificate.reissue certificate.revoke]" {
		t.Errorf("audit log %v", actions)
	}
	if _, err := g.db.Exec(`DELETE FROM audit_log`); err == nil {
		t.Error("the audit log took a DELETE")
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"李建忠": "李*忠", "王丽": "王*", "欧阳小明": "欧**明", "张": "*"} {
		if got := certificates.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestVerificationThrottleHoldsInParallel: a burst of wrong codes from one
// address at once is counted like one in a row: 20 are checked, the rest
// refused unchecked; an IPv6 household's /64 is one address.
func TestVerificationThrottleHoldsInParallel(t *testing.T) {
	g := newGraduation(t)
	ctx := context.Background()
	errs := dbtest.Concurrently(60, func(i int) error {
		_, err := g.store.Verify(ctx, "198.51.100.7", "CCHY-2026-000001", "wrongwrongwrongwrongwrongw")
		return err
	})
	checked, throttled := 0, 0
	for _, err := range errs {
		switch {
		case errors.Is(err, certificates.ErrNotFound):
			checked++
		case errors.Is(err, certificates.ErrThrottled):
			throttled++
		default:
			t.Fatal(err)
		}
	}
	if checked != 20 || throttled != 40 {
		t.Errorf("%d checked and %d throttled, want 20 and 40", checked, throttled)
	}
	for i := range 21 {
		_, err := g.store.Verify(ctx, fmt.Sprintf("2001:db8:1:2::%x", i+1), "CCHY-2026-000001", "wrongwrongwrongwrongwrongw")
		if i == 20 && !errors.Is(err, certificates.ErrThrottled) {
			t.Errorf("the 21st failure from one IPv6 /64: %v, want throttled", err)
		}
	}
	if _, err := g.store.Verify(ctx, "203.0.113.9", "CCHY-2026-000001", "wrongwrongwrongwrongwrongw"); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("another address: %v, want checked", err)
	}
}
