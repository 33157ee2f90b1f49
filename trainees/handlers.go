package trainees

import (
	"log/slog"
	"net/url"

	"partyschool/courses"
	"partyschool/places"
	"partyschool/settings"
)

// Handler answers the trainee pages: a trainee's own profile, enrolment
// and credit hours; the coordinators' registry, import, course rolls,
// sign-in sheets and credit-hour report.
type Handler struct {
	Store    *Store
	Courses  *courses.Store
	Places   *places.Store
	Settings *settings.Store
	Logger   *slog.Logger
	BaseURL  *url.URL // absolute links (the sign-in address on slips) come from here
}
