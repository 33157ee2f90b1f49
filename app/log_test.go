package app

import "testing"

// TestLoggedPathHidesFeedSecrets: the request log keeps the route of a
// trainee's private feed, never its secret.
func TestLoggedPathHidesFeedSecrets(t *testing.T) {
	secret := "wTD-60pAWmkTOGT4idMswASukagzY2uLoiEElqZ5cMo"
	for path, want := range map[string]string{
		"/calendar/trainees/" + secret + ".ics": "/calendar/trainees/…",
		"/calendar/courses/12.ics":              "/calendar/courses/12.ics",
		"/courses/3":                            "/courses/3",
	} {
		if got := loggedPath(path); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", path, got, want)
		}
	}
}
