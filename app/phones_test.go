package app_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

// TestExportsMaskPhones downloads every export, sheet and feed of the
// demo school as a coordinator and searches each (inside the .xlsx
// files too) for a whole phone number: they need none, so none may carry
// one (SECURITY.md, personal data). The lecturer roster's export with
// whole numbers, chosen on purpose and audited, is the one exception and
// is not fetched here.
func TestExportsMaskPhones(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "phones")
	id := func(query string) string {
		t.Helper()
		var n int64
		if err := env.DB.Get(&n, query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return strconv.FormatInt(n, 10)
	}
	// The session with the most marks, and its course.
	session := id(`SELECT session_id FROM attendance GROUP BY session_id ORDER BY count(*) DESC, session_id LIMIT 1`)
	course := id(`SELECT course_id FROM course_sessions WHERE id = ` + session)
	trainee := id(`SELECT id FROM users WHERE username = 'trainee'`)
	lecturer := id(`SELECT id FROM lecturers WHERE user_id IS NOT NULL ORDER BY id LIMIT 1`)
	paths := []string{
		"/courses/" + course + "/roll.xlsx",
		"/sessions/" + session + "/attendance.xlsx",
		"/sessions/" + session + "/sign-in-sheet",
		"/courses/" + course + "/attendance.xlsx",
		"/trainees/" + trainee + "/attendance.xlsx",
		"/reports/credit-hours.xlsx",
		"/lecturers/export.xlsx",
		"/lecturers/export.csv",
		"/certificates.xlsx",
		"/mentoring.xlsx",
		"/calendar/courses/" + course + ".ics",
		"/calendar/lecturers/" + lecturer + ".ics",
	}
	for _, path := range paths {
		res := coord.Get(path)
		if res.Status != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.Status)
			continue
		}
		text := res.Body
		if strings.HasPrefix(res.Body, "PK") { // .xlsx is zipped XML
			text = unzipText(t, path, res.Body)
		}
		if m := fullPhone.FindStringSubmatch(text); m != nil {
			t.Errorf("GET %s holds the whole phone number %s", path, m[1][:3]+"****"+m[1][7:])
		}
		if !strings.Contains(text, "****") && (strings.Contains(path, "roll") || strings.Contains(path, "lecturers/export")) {
			t.Errorf("GET %s shows no masked number: does it list phones at all?", path)
		}
	}
}

// unzipText returns the text of every part of an .xlsx file.
func unzipText(t *testing.T, name, body string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("%s is not a zip: %v", name, err)
	}
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}
