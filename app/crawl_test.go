package app_test

import (
	"maps"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/i18n"
	"partyschool/seed"
)

// rawKeys returns the first few untranslated keys on a page; file names
// such as roll.xlsx in links look like keys but are not.
func rawKeys(body string) []string {
	var out []string
	for _, k := range rawKey.FindAllString(body, -1) {
		switch path.Ext(k) {
		case ".xlsx", ".csv", ".ics", ".pdf", ".png", ".css", ".js":
			continue
		}
		if out = append(out, k); len(out) == 3 {
			break
		}
	}
	return out
}

// rawKey matches a catalogue key that reached the page untranslated: a
// word that starts like a key of the catalogue (its part before the first
// dot) and goes on like one.
var rawKey = func() *regexp.Regexp {
	prefixes := map[string]bool{}
	for _, k := range i18n.Keys(i18n.Chinese) {
		prefix, _, _ := strings.Cut(k, ".")
		prefixes[regexp.QuoteMeta(prefix)] = true
	}
	return regexp.MustCompile(`\b(?:` + strings.Join(slices.Sorted(maps.Keys(prefixes)), "|") + `)\.[a-z][a-z0-9_.]*[a-z0-9]\b`)
}()

// fullPhone finds a whole mainland mobile number on a page.
var fullPhone = regexp.MustCompile(`(?:^|[^0-9])(1[3-9][0-9]{9})(?:[^0-9]|$)`)

// phoneAllowed says where a whole phone number may be shown (SECURITY.md:
// masked wherever the full value is not needed): a form that edits it,
// the viewer's own or, for coordinators, a trainee's or lecturer's.
func phoneAllowed(path, who string) bool {
	switch {
	case path == "/my/profile":
		return true
	case who == "coordinator" || who == "admin":
		return strings.HasSuffix(path, "/edit") && (strings.HasPrefix(path, "/trainees/") || strings.HasPrefix(path, "/lecturers/"))
	}
	return false
}

// TestCrawlEveryPageInBothLanguages visits the pages of the demo school as
// each role, in Chinese and in English: no page fails, none shows a raw
// catalogue key or a whole phone number where a masked one will do, and
// reading changes no row.
func TestCrawlEveryPageInBothLanguages(t *testing.T) {
	env := apptest.NewDemo(t)
	id := func(query string) string {
		var n int64
		if err := env.DB.Get(&n, query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return strconv.FormatInt(n, 10)
	}
	course := id(`SELECT id FROM courses WHERE status = 'published' ORDER BY id LIMIT 1`)
	draft := id(`SELECT id FROM courses WHERE status = 'draft' ORDER BY id LIMIT 1`)
	session := id(`SELECT id FROM course_sessions ORDER BY id LIMIT 1`)
	// A session of the demo lecturer's that has begun, and its course: the
	// lecturer's own sheet, check-in and reports.
	taught := id(`SELECT s.id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id
	              WHERE u.username = 'lecturer' AND s.starts_at < now() ORDER BY s.starts_at DESC LIMIT 1`)
	taughtCourse := id(`SELECT course_id FROM course_sessions WHERE id = ` + taught)
	lecturer := id(`SELECT id FROM lecturers WHERE active ORDER BY id LIMIT 1`)
	venue := id(`SELECT id FROM venues ORDER BY id LIMIT 1`)
	// The demo trainee's mentoring pair, which the demo lecturer
	// supervises, and the pair that completed.
	pair := id(`SELECT p.id FROM mentoring_pairs p JOIN users u ON u.id = p.mentee_id WHERE u.username = 'trainee'`)
	donePair := id(`SELECT id FROM mentoring_pairs WHERE status = 'completed' ORDER BY id LIMIT 1`)
	pages := []string{
		"/", "/privacy", "/login", "/register", "/account",
		"/courses", "/courses?status=draft", "/courses/" + course, "/courses/" + draft, "/courses/new",
		"/courses/" + course + "/edit", "/courses/" + course + "/sessions/new", "/sessions/" + session + "/edit",
		"/timetable", "/timetable?view=list", "/timetable?lecturer=" + lecturer, "/timetable?venue=" + venue,
		"/timetable?team=senior", "/timetable?course=" + course, "/my/teaching", "/my/profile",
		"/lecturers", "/lecturers?status=all", "/lecturers/" + lecturer, "/lecturers/new", "/lecturers/" + lecturer + "/edit",
		"/lecturers/import", "/venues", "/venues/new", "/communities", "/venues/" + venue + "/edit", "/users", "/admin/settings",
		"/trainees", "/trainees?q=139&kind=party_member&page=2", "/trainees/new", "/trainees/import", "/trainees/import?course=" + course,
		"/trainees/" + id(`SELECT id FROM users WHERE role = 'trainee' ORDER BY id LIMIT 1`),
		"/trainees/" + id(`SELECT id FROM users WHERE role = 'trainee' ORDER BY id LIMIT 1`) + "/edit",
		"/courses/" + course + "/roll", "/courses/" + course + "/roll?q=%E7%8E%8B", "/courses/" + course + "/roll?q=2003", "/courses/" + draft + "/roll",
		"/my/hours", "/my/hours?year=2019", "/my/hours?year=99999", "/reports/credit-hours",
		"/checkin", "/checkin?s=" + session + "&c=123456", "/checkin?s=999999999&c=%EF%BC%91x", "/checkin?ok=" + session,
		"/reports/credit-hours?year=2024&community=1&branch=%E7%AC%AC%E4%B8%80&page=3",
		"/attendance/todo", "/attendance/todo?page=9", "/my/attendance",
		"/sessions/" + taught + "/attendance", "/sessions/" + taught + "/attendance?q=%E7%8E%8B", "/sessions/" + taught + "/attendance/report",
		"/sessions/" + taught + "/checkin", "/sessions/" + taught + "/checkin/code", "/sessions/" + taught + "/sign-in-sheet",
		"/courses/" + taughtCourse + "/attendance", "/courses/" + taughtCourse + "/attendance/chart.svg", "/my/schedule",
		"/trainees/" + id(`SELECT id FROM users WHERE role = 'trainee' ORDER BY id LIMIT 1`) + "/attendance",
		"/courses/" + taughtCourse + "/certificates", "/certificates", "/certificates?q=CCHY&course=%E7%A4%BE&year=2026&page=2",
		"/my/certificates", "/verify", "/admin/certificates",
		"/mentoring", "/mentoring?status=active&community=1&page=2", "/mentoring/new", "/mentoring/" + pair, "/mentoring/" + pair + "/edit",
		"/mentoring/" + donePair, "/my/mentees", "/my/mentoring", "/my/privacy", "/trainees/deletions", "/admin/audit", "/admin/audit?action=auth&who=%E6%B5%8B&from=2026-01-01&to=2026-12-31",
	}
	tables := []string{"users", "sessions", "lecturers", "courses", "course_sessions", "venues", "communities", "import_batches", "school_settings",
		"trainees", "enrolments", "attendance", "attendance_changes", "attendance_saves", "checkins", "checkin_failures", "feed_tokens",
		"certificates", "certificate_serials", "audit_log",
		"mentoring_pairs", "post_days", "post_day_changes", "mentoring_logs", "mentoring_comments", "mentoring_evaluations", "deletion_requests"}
	counts := func() map[string]int {
		out := map[string]int{}
		for _, table := range tables {
			out[table] = env.Count(`SELECT count(*) FROM ` + table)
		}
		return out
	}

	browsers := map[string]*apptest.Client{"anonymous": env.Client()}
	// The demo's own trainee and lecturer, who have courses and sessions;
	// a coordinator and an admin of the crawl's own.
	for _, role := range []string{"trainee", "lecturer"} {
		browsers[role] = env.Client()
		browsers[role].Login(role, seed.DemoPassword)
	}
	for _, role := range []string{"coordinator", "admin"} {
		browsers[role], _ = env.LoginAs(role, "crawl"+role)
	}
	before := counts()
	for who, c := range browsers {
		for _, lang := range []string{"zh-CN", "en"} {
			c.Cookies["ps_lang"] = lang
			for _, path := range pages {
				res := c.Get(path)
				switch res.Status {
				case http.StatusOK, http.StatusSeeOther, http.StatusForbidden, http.StatusNotFound:
				default:
					t.Errorf("%s (%s) GET %s: status %d", who, lang, path, res.Status)
				}
				// The completed pair belongs to other people than the demo
				// trainee and lecturer: 404 to them, like any pair not theirs.
				notTheirs := path == "/mentoring/"+donePair && (who == "trainee" || who == "lecturer")
				if path == "/mentoring/"+donePair && who == "trainee" && res.Status != http.StatusNotFound {
					t.Errorf("the demo trainee opened another trainee's pair: %d", res.Status)
				}
				if m := fullPhone.FindStringSubmatch(res.Body); m != nil && !phoneAllowed(path, who) {
					t.Errorf("%s (%s) GET %s shows the whole phone number %s", who, lang, path, m[1][:3]+"****"+m[1][7:])
				}
				if res.Status == http.StatusNotFound && !strings.Contains(path, draft) && !notTheirs {
					t.Errorf("%s (%s) GET %s: 404", who, lang, path)
				}
				if keys := rawKeys(res.Body); keys != nil {
					t.Errorf("%s (%s) GET %s shows raw keys %v", who, lang, path, keys)
				}
			}
		}
	}
	after := counts()
	for _, table := range tables {
		if table == "sessions" { // sign-in sessions are touched, not added
			continue
		}
		if before[table] != after[table] {
			t.Errorf("reading pages changed %s: %d rows, then %d", table, before[table], after[table])
		}
	}
}
