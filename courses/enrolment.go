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
	// FillSeats gives free seats to the waitlist in order, after the
	// capacity is raised.
	FillSeats(ctx context.Context, courseID, by int64) ([]int64, error)
}

// Schedules gives my schedule and the trainee's calendar feed their
// courses; package trainees implements it.
type Schedules interface {
	MyCourses(ctx context.Context, traineeID int64) ([]Enrolled, error)
	// EnrolledCourseIDs lists the courses where the trainee has a seat.
	EnrolledCourseIDs(ctx context.Context, traineeID int64) ([]int64, error)
	// FeedToken is the secret of the trainee's feed, "" before they ask
	// for one.
	FeedToken(ctx context.Context, traineeID int64) (string, error)
	// ByFeedToken finds whose feed a token opens; an unknown token is
	// ErrNotFound, which the feed answers with 404.
	ByFeedToken(ctx context.Context, token string) (traineeID int64, name string, err error)
}

// Enrolled is a course a trainee is on, as my schedule lists it.
type Enrolled struct {
	Course
	EnrolmentStatus string `db:"enrolment_status"`
	Position        int    `db:"position"` // on the waitlist
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

// Appointment is a meeting outside the timetable that a person's own
// schedule and calendar feed show beside their sessions: a post day of
// shadow-post mentoring, which package mentoring keeps.
type Appointment struct {
	ID       int64 // unique among appointments of its kind, for the feed's UID
	StartsAt time.Time
	EndsAt   time.Time
	Title    string // what it is: 跟岗练兵 and the post
	With     string // the other person: the mentor, or the mentee
	Place    string
	Link     string // the page about it, for the people in it
}

// Appointments finds a user's appointments; package mentoring implements
// it.
type Appointments interface {
	// Appointments lists the user's appointments that start in [from, to).
	Appointments(ctx context.Context, userID int64, from, to time.Time) ([]Appointment, error)
}
