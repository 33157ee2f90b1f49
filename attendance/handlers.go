package attendance

import (
	"log/slog"
	"net/url"

	"partyschool/courses"
	"partyschool/settings"
	"partyschool/trainees"
)

// Handler answers the attendance pages: a session's sheet and its
// history, self check-in (the display and the trainee's side), assisted
// check-in, the reports and the to-do list of unmarked sessions.
type Handler struct {
	Store    *Store
	Courses  *courses.Store
	Trainees *trainees.Store
	Settings *settings.Store
	Logger   *slog.Logger
	BaseURL  *url.URL // absolute links (the check-in QR code) come from here, never from the request
}
