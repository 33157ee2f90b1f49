package app_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

// rawKey matches a catalogue key that reached the page untranslated.
var rawKey = regexp.MustCompile(`\b(?:courses|sessions|timetable|lecturers|venues|calendar|feed|category|team|nav|form|home|users|account|settings|error)\.[a-z][a-z0-9_.]*[a-z0-9]\b`)

// TestCrawlEveryPageInBothLanguages visits the pages of the demo school as
// each role, in Chinese and in English: no page fails, none shows a raw
// catalogue key, and reading changes no row.
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
	lecturer := id(`SELECT id FROM lecturers WHERE active ORDER BY id LIMIT 1`)
	venue := id(`SELECT id FROM venues ORDER BY id LIMIT 1`)
	pages := []string{
		"/", "/privacy", "/login", "/register", "/account",
		"/courses", "/courses?status=draft", "/courses/" + course, "/courses/" + draft, "/courses/new",
		"/courses/" + course + "/edit", "/courses/" + course + "/sessions/new", "/sessions/" + session + "/edit",
		"/timetable", "/timetable?view=list", "/timetable?lecturer=" + lecturer, "/timetable?venue=" + venue,
		"/timetable?team=senior", "/timetable?course=" + course, "/my/teaching", "/my/profile",
		"/lecturers", "/lecturers?status=all", "/lecturers/" + lecturer, "/lecturers/new", "/lecturers/" + lecturer + "/edit",
		"/lecturers/import", "/venues", "/venues/new", "/communities", "/venues/" + venue + "/edit", "/users", "/admin/settings",
	}
	tables := []string{"users", "sessions", "lecturers", "courses", "course_sessions", "venues", "communities", "import_batches", "school_settings"}
	counts := func() map[string]int {
		out := map[string]int{}
		for _, table := range tables {
			out[table] = env.Count(`SELECT count(*) FROM ` + table)
		}
		return out
	}

	browsers := map[string]*apptest.Client{"anonymous": env.Client()}
	for _, role := range []string{"trainee", "lecturer", "coordinator", "admin"} {
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
				if res.Status == http.StatusNotFound && !strings.Contains(path, draft) {
					t.Errorf("%s (%s) GET %s: 404", who, lang, path)
				}
				if keys := rawKey.FindAllString(res.Body, 3); keys != nil {
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
