package lecturers

import (
	"context"
	"time"
)

// Taught is one session as a lecturer's page lists it.
type Taught struct {
	SessionID   int64     `db:"session_id"`
	CourseID    int64     `db:"course_id"`
	CourseTitle string    `db:"course_title"`
	Topic       string    `db:"topic"`
	VenueName   string    `db:"venue_name"`
	StartsAt    time.Time `db:"starts_at"`
	EndsAt      time.Time `db:"ends_at"`
}

// Teaching is what a lecturer's page needs from the timetable. The courses
// package owns sessions and provides it; the roster does not read their
// tables itself.
type Teaching interface {
	// Upcoming lists a lecturer's sessions that have not ended, soonest
	// first; publicOnly keeps those of published courses only.
	Upcoming(ctx context.Context, lecturerID int64, publicOnly bool, limit int) ([]Taught, error)
	// HoursTaught sums the hours of a lecturer's sessions that ended in
	// the given calendar year (Beijing time).
	HoursTaught(ctx context.Context, lecturerID int64, year int) (float64, error)
}
