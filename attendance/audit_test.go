package attendance_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestReportExportsAreAudited: every attendance workbook holds trainees'
// names, so each download is in the audit log, with who took it and which
// session, course or trainee it covers (SECURITY.md 24).
func TestReportExportsAreAudited(t *testing.T) {
	p := newReportPages(t)
	exports := []struct {
		path, object, role string
	}{
		{fmt.Sprintf("/sessions/%d/attendance.xlsx", p.sessions[0]), fmt.Sprintf("session %d", p.sessions[0]), "lecturer"},
		{fmt.Sprintf("/courses/%d/attendance.xlsx", p.course), fmt.Sprintf("course %d", p.course), "coordinator"},
		{fmt.Sprintf("/trainees/%d/attendance.xlsx", p.zhang), fmt.Sprintf("user %d", p.zhang), "coordinator"},
	}
	for _, e := range exports {
		c := p.asCoordinator
		if e.role == "lecturer" {
			c = p.asLecturer
		}
		if res := c.Get(e.path); res.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", e.path, res.Status)
		}
		n := p.env.Count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
			WHERE a.action = 'attendance.export' AND a.object = $1 AND u.role = $2 AND a.client_ip IS NOT NULL`, e.object, e.role)
		if n != 1 {
			t.Errorf("GET %s by a %s: %d audit entries, want 1", e.path, e.role, n)
		}
	}
	// A refused download is not an export.
	if res := p.asOther.Get(exports[0].path); res.Status != http.StatusNotFound {
		t.Fatalf("another lecturer's export: %d", res.Status)
	}
	if n := p.env.Count(`SELECT count(*) FROM audit_log WHERE action = 'attendance.export'`); n != len(exports) {
		t.Errorf("%d export entries, want %d", n, len(exports))
	}
}
