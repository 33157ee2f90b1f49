package trainees_test

import (
	"net/http"
	"testing"
)

// TestExportsAreAudited: the roll and the credit-hour report hold
// trainees' names and numbers, so each download is in the audit log, with
// the coordinator who took it (SECURITY.md 24).
func TestExportsAreAudited(t *testing.T) {
	s := newRollSchool(t, 2)
	s.enrol(t, "trainee02", "trainee03")
	if res := s.coord.Get(s.roll + ".xlsx"); res.Status != http.StatusOK {
		t.Fatalf("roll export: %d", res.Status)
	}
	n := s.env.Count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.action = 'course_roll.export' AND a.object = 'course ' || $1 AND u.username = 'carol'
		  AND (a.details->>'rows')::int = 2`, s.course)
	if n != 1 {
		t.Errorf("%d roll export entries, want 1 by carol with 2 rows", n)
	}

	if res := s.coord.Get("/reports/credit-hours.xlsx?year=2026"); res.Status != http.StatusOK {
		t.Fatalf("credit-hour export: %d", res.Status)
	}
	n = s.env.Count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.action = 'credit_hours.export' AND u.username = 'carol' AND (a.details->>'year')::int = 2026`)
	if n != 1 {
		t.Errorf("%d credit-hour export entries, want 1 by carol for 2026", n)
	}

	// A trainee is refused, and nothing is recorded.
	trainee, _ := s.env.LoginAs("trainee", "nosy")
	if res := trainee.Get("/reports/credit-hours.xlsx"); res.Status != http.StatusForbidden {
		t.Fatalf("a trainee's export: %d", res.Status)
	}
	if n := s.env.Count(`SELECT count(*) FROM audit_log WHERE action IN ('course_roll.export', 'credit_hours.export')`); n != 2 {
		t.Errorf("%d export entries, want 2", n)
	}
}
