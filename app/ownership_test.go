package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"partyschool/app/apptest"
	"partyschool/seed"
)

// TestOthersRecordsAnswer404 is the object-level half of the access
// matrix (SECURITY.md 1): for each kind of record that belongs to
// someone, another user of the same role gets 404 — the same answer as a
// record that does not exist, so ids cannot be probed — and the owner
// gets it.
func TestOthersRecordsAnswer404(t *testing.T) {
	env := apptest.NewDemo(t)
	id := func(query string, args ...any) string {
		t.Helper()
		var n int64
		if err := env.DB.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return strconv.FormatInt(n, 10)
	}
	signIn := func(username string) *apptest.Client {
		c := env.Client()
		c.Login(username, seed.DemoPassword)
		return c
	}
	// The demo `lecturer` (李建国) and `trainee`, and two of their peers
	// with nothing to do with the records below.
	owner := map[string]*apptest.Client{"lecturer": signIn("lecturer"), "trainee": signIn("trainee"), "mentor": signIn("lecturer07")}
	other := map[string]*apptest.Client{"lecturer": signIn("lecturer02"), "trainee": signIn("trainee02"), "mentor": signIn("lecturer03")}

	session := id(`SELECT s.id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id
		WHERE u.username = 'lecturer' AND s.starts_at < now() AND s.cancelled_at IS NULL ORDER BY s.starts_at DESC LIMIT 1`)
	// A course all of whose sessions are the demo lecturer's.
	course := id(`SELECT s.course_id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id
		GROUP BY s.course_id HAVING bool_and(u.username = 'lecturer') ORDER BY s.course_id LIMIT 1`)
	var certificate string
	if err := env.DB.Get(&certificate, `SELECT c.id FROM certificates c JOIN users u ON u.id = c.trainee_id
		WHERE c.status = 'valid' ORDER BY c.id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	certOwner := id(`SELECT trainee_id FROM certificates WHERE id = $1`, certificate)
	pair := id(`SELECT p.id FROM mentoring_pairs p JOIN users u ON u.id = p.mentee_id WHERE u.username = 'trainee'`)
	day := id(`SELECT id FROM post_days WHERE pair_id = $1 AND starts_at < now() ORDER BY starts_at DESC LIMIT 1`, pair)
	const missing = "987654321"

	type check struct {
		who, method, path string
		form              url.Values
	}
	checks := []check{
		{"lecturer", "GET", "/sessions/" + session + "/attendance", nil},
		{"lecturer", "GET", "/sessions/" + session + "/attendance/report", nil},
		{"lecturer", "GET", "/sessions/" + session + "/attendance.xlsx", nil},
		{"lecturer", "GET", "/sessions/" + session + "/sign-in-sheet", nil},
		{"lecturer", "GET", "/sessions/" + session + "/checkin", nil},
		{"lecturer", "POST", "/sessions/" + session + "/attendance", url.Values{"key": {"ownership-check-key-0001"}}},
		{"lecturer", "GET", "/courses/" + course + "/attendance", nil},
		{"lecturer", "GET", "/mentoring/" + pair, nil}, // the demo lecturer supervises the pair
		{"trainee", "GET", "/mentoring/" + pair, nil},
		{"trainee", "POST", "/mentoring/days/" + day + "/log", url.Values{"did": {"x"}}},
		{"mentor", "GET", "/mentoring/" + pair, nil},
		{"mentor", "POST", "/mentoring/days/" + day + "/countersign", nil},
		{"mentor", "POST", "/mentoring/" + pair + "/evaluation", url.Values{"comment": {"x"}}},
	}
	for _, ch := range checks {
		do := func(c *apptest.Client, path string) int {
			if ch.method == http.MethodGet {
				return c.Get(path).Status
			}
			return c.Post(path, ch.form).Status
		}
		if got := do(other[ch.who], ch.path); got != http.StatusNotFound {
			t.Errorf("another %s: %s %s answered %d, want 404", ch.who, ch.method, ch.path, got)
		}
		// The same request for a record that does not exist answers the same.
		if got := do(other[ch.who], replaceID(ch.path, missing)); got != http.StatusNotFound {
			t.Errorf("another %s: %s %s (missing) answered %d, want 404", ch.who, ch.method, replaceID(ch.path, missing), got)
		}
		if ch.method == http.MethodGet {
			if got := do(owner[ch.who], ch.path); got != http.StatusOK {
				t.Errorf("the %s's own %s answered %d", ch.who, ch.path, got)
			}
		}
	}
	// A trainee's certificate, to anyone but its trainee.
	var ownerName string
	if err := env.DB.Get(&ownerName, `SELECT username FROM users WHERE id = $1`, certOwner); err != nil {
		t.Fatal(err)
	}
	stranger := "trainee02"
	if ownerName == stranger {
		stranger = "trainee03"
	}
	if got := signIn(stranger).Get("/my/certificates/" + certificate + ".pdf").Status; got != http.StatusNotFound {
		t.Errorf("another trainee's certificate answered %d, want 404", got)
	}
	if got := signIn(stranger).Get("/my/certificates/" + missing + ".pdf").Status; got != http.StatusNotFound {
		t.Errorf("a missing certificate answered %d, want 404", got)
	}
	// A private feed with a token that is nobody's.
	if got := env.Client().Get("/calendar/trainees/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics").Status; got != http.StatusNotFound {
		t.Errorf("an unknown feed token answered %d, want 404", got)
	}
}

// replaceID puts id in place of the first number in path.
func replaceID(path, id string) string {
	start := -1
	for i, r := range path {
		if r >= '0' && r <= '9' {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			return path[:start] + id + path[i:]
		}
	}
	if start >= 0 {
		return path[:start] + id
	}
	return path
}
