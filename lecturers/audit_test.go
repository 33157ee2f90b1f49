package lecturers_test

import (
	"net/http"
	"testing"

	"partyschool/app/apptest"
)

// TestRosterExportIsAudited: each roster download is in the audit log with
// the coordinator, the format, the filter and whether whole phone numbers
// were asked for (SECURITY.md 24).
func TestRosterExportIsAudited(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, carol := env.LoginAs("coordinator", "carol")
	for _, path := range []string{"/lecturers/export.xlsx?team=senior", "/lecturers/export.csv?team=senior&phones=full"} {
		if res := coord.Get(path); res.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.Status)
		}
	}
	rows := env.Count(`SELECT count(*) FROM lecturers WHERE team = 'senior' AND active`)
	for _, e := range []struct {
		format string
		full   bool
	}{{"xlsx", false}, {"csv", true}} {
		n := env.Count(`SELECT count(*) FROM audit_log WHERE action = 'lecturer.export' AND actor_id = $1
			AND details->>'format' = $2 AND (details->>'full_phones')::bool = $3 AND (details->>'rows')::int = $4
			AND details->>'filter' = 'team=senior'`, carol.ID, e.format, e.full, rows)
		if n != 1 {
			t.Errorf("%s export (whole phones %v): %d audit entries, want 1", e.format, e.full, n)
		}
	}
}
