package courses

import (
	"context"
	"time"
)

// Enrolments tells the course page where the viewer stands on a course.
// Package trainees keeps enrolments and implements it; the course page
// only shows the answer and posts the enrol and withdraw forms there.
type Enrolments interface {
	Standing(ctx context.Context, courseID, traineeID int64) (Standing, error)
	// Waiting is how many trainees are on the course's waitlist.
	Waiting(ctx context.Context, courseID int64) (int, error)
}

// Standing is a trainee's place on a course.
type Standing struct {
	Status   string // "" (never enrolled), "enrolled", "waitlisted" or "withdrawn"
	Position int    // 1 for the first on the waitlist
	Waiting  int    // how many are on the waitlist
	Clashes  []Clash
}

// Clash is a session of the course that overlaps a session of another
// course the trainee is on.
type Clash struct {
	StartsAt    time.Time `db:"starts_at"`
	EndsAt      time.Time `db:"ends_at"`
	OtherCourse string    `db:"other_course"`
	OtherID     int64     `db:"other_id"`
	OtherStarts time.Time `db:"other_starts"`
	OtherEnds   time.Time `db:"other_ends"`
}
