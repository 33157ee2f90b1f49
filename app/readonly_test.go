package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/seed"
)

// Tables whose rows a GET may change, by design: sign-in sessions (their
// last use), the audit log (downloads of personal data are recorded,
// SECURITY.md) and the failed verifications a throttle counts; and the
// one column a GET may change elsewhere: a certificate's verifications
// are counted.
var (
	changedByReading = []string{"sessions", "audit_log", "verify_failures"}
	countedByReading = map[string]string{"certificates": "verifications"}
)

// TestEveryGETRouteChangesNoRow walks the route table and requests every
// GET route, with the ids of real demo records in its parameters, as
// every role: no row of any other table changes — not its count, not its
// contents (issue 9: reading is never writing).
func TestEveryGETRouteChangesNoRow(t *testing.T) {
	env := apptest.NewDemo(t)
	id := func(query string) string {
		t.Helper()
		var s string
		if err := env.DB.Get(&s, query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return s
	}
	trainee := env.Client()
	trainee.Login("trainee", seed.DemoPassword)
	trainee.Post("/my/schedule/feed", url.Values{}) // a private feed to read
	// What each parameter of each path stands for, by the path's start.
	params := map[string]string{
		"/courses/:id":                  id(`SELECT s.course_id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id WHERE u.username = 'lecturer' AND s.starts_at < now() ORDER BY s.starts_at DESC LIMIT 1`),
		"/sessions/:id":                 id(`SELECT s.id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id WHERE u.username = 'lecturer' AND s.starts_at < now() ORDER BY s.starts_at DESC LIMIT 1`),
		"/calendar/trainees/:token.ics": id(`SELECT f.token FROM feed_tokens f JOIN users u ON u.id = f.user_id WHERE u.username = 'trainee'`),
		"/calendar/courses/:id.ics":     id(`SELECT id FROM courses WHERE status = 'published' ORDER BY id LIMIT 1`),
		"/calendar/lecturers/:id.ics":   id(`SELECT l.id FROM lecturers l JOIN users u ON u.id = l.user_id WHERE u.username = 'lecturer07'`),
		"/calendar/teams/:team.ics":     "grassroots",
		"/calendar/venues/:id.ics":      id(`SELECT id FROM venues ORDER BY id LIMIT 1`),
		"/trainees/:id":                 id(`SELECT id FROM users WHERE username = 'trainee'`),
		"/lecturers/export.:format":     "xlsx",
		"/lecturers/:id":                id(`SELECT id FROM lecturers WHERE active ORDER BY id LIMIT 1`),
		"/venues/:id":                   id(`SELECT id FROM venues ORDER BY id LIMIT 1`),
		"/certificates/:id.pdf":         id(`SELECT c.id FROM certificates c JOIN users u ON u.id = c.trainee_id WHERE c.status = 'valid' ORDER BY c.id LIMIT 1`),
		"/my/certificates/:id.pdf":      id(`SELECT c.id FROM certificates c JOIN users u ON u.id = c.trainee_id WHERE c.status = 'valid' ORDER BY c.id LIMIT 1`),
		"/verify/:serial":               id(`SELECT serial FROM certificates ORDER BY id LIMIT 1`),
		"/mentoring/:id":                id(`SELECT p.id FROM mentoring_pairs p JOIN users u ON u.id = p.mentee_id WHERE u.username = 'trainee'`),
	}
	param := regexp.MustCompile(`:[a-z]+`)
	var paths []string
	gets := 0
	for _, r := range env.Server.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		gets++
		path := r.Path
		if strings.Contains(path, ":") {
			value := ""
			for prefix, v := range params {
				if strings.HasPrefix(path, prefix) && len(prefix) > len(value) {
					value = v
				}
			}
			if value == "" {
				t.Errorf("GET %s: the test knows no record for its parameter", path)
				continue
			}
			path = param.ReplaceAllString(path, value)
		}
		paths = append(paths, path)
	}

	tables := []string{}
	if err := env.DB.Select(&tables, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`); err != nil {
		t.Fatal(err)
	}
	// A digest of each table's rows, in a stable order.
	digests := func() map[string]string {
		out := map[string]string{}
		for _, table := range tables {
			if slices.Contains(changedByReading, table) {
				continue
			}
			var d string
			row := "to_jsonb(t)"
			if col, ok := countedByReading[table]; ok {
				row += " - '" + col + "'"
			}
			q := `SELECT count(*) || ':' || coalesce(md5(string_agg((` + row + `)::text, '|' ORDER BY (` + row + `)::text)), '') FROM ` + table + ` t`
			if err := env.DB.Get(&d, q); err != nil {
				t.Fatalf("digest %s: %v", table, err)
			}
			out[table] = d
		}
		return out
	}

	browsers := map[string]*apptest.Client{"anonymous": env.Client(), "trainee": trainee}
	browsers["lecturer"] = env.Client()
	browsers["lecturer"].Login("lecturer", seed.DemoPassword)
	for _, role := range []string{"coordinator", "admin"} {
		browsers[role], _ = env.LoginAs(role, "reader"+role)
	}
	before := digests()
	for who, c := range browsers {
		for _, path := range paths {
			if res := c.Get(path); res.Status >= 500 {
				t.Errorf("%s GET %s: %d", who, path, res.Status)
			}
		}
	}
	after := digests()
	for _, table := range tables {
		if before[table] != after[table] {
			t.Errorf("reading every GET route changed table %s", table)
		}
	}
	if len(paths) != gets || gets < 50 {
		t.Errorf("%d GET routes walked of %d", len(paths), gets)
	}
}
