package courses

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partyschool/web"
)

// Session is one meeting of a course, with the names the pages show.
type Session struct {
	ID             int64      `db:"id"`
	CourseID       int64      `db:"course_id"`
	CourseCode     string     `db:"course_code"`
	CourseTitle    string     `db:"course_title"`
	CourseStatus   string     `db:"course_status"`
	Category       string     `db:"category"`
	LecturerID     int64      `db:"lecturer_id"`
	LecturerName   string     `db:"lecturer_name"`
	LecturerTeam   string     `db:"lecturer_team"`
	VenueID        int64      `db:"venue_id"`
	VenueName      string     `db:"venue_name"`
	VenueAddress   string     `db:"venue_address"`
	VenueSeats     *int       `db:"venue_seats"`
	VenueCommunity string     `db:"venue_community"`
	StartsAt       time.Time  `db:"starts_at"`
	EndsAt         time.Time  `db:"ends_at"`
	Topic          string     `db:"topic"`
	CancelledAt    *time.Time `db:"cancelled_at"`
	CancelReason   string     `db:"cancel_reason"`
	UpdatedAt      time.Time  `db:"updated_at"`
}

// TooSmallFor reports whether the venue has fewer seats than capacity
// (a venue whose seats are not recorded is never too small).
func (s *Session) TooSmallFor(capacity int) bool {
	return s.VenueSeats != nil && *s.VenueSeats < capacity
}

// Cancelled reports whether the session was called off (停课).
func (s *Session) Cancelled() bool { return s.CancelledAt != nil }

// Place is the venue as one line: its community, name and address.
func (s *Session) Place() string {
	parts := []string{}
	for _, p := range []string{s.VenueCommunity, s.VenueName} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	place := strings.Join(parts, " ")
	if s.VenueAddress != "" {
		place += "（" + s.VenueAddress + "）"
	}
	return place
}

// Slot is one planned meeting: who, where and when.
type Slot struct {
	LecturerID int64
	VenueID    int64
	StartsAt   time.Time
	EndsAt     time.Time
	Topic      string
}

// Conflict is a planned slot that cannot be booked, and why: the session
// already in the way, or the course's dates.
type Conflict struct {
	Slot    Slot
	Reason  string   // catalogue key: courses.conflict.lecturer, .venue or .outside
	Blocker *Session // the session in the way, for lecturer and venue conflicts
}

// MaxRepeat is the most weeks one form may schedule at once.
const MaxRepeat = 26

// SessionForm is the session form as typed: one meeting, or the same
// weekday and time for several weeks.
type SessionForm struct {
	Lecturer string
	Venue    string
	Date     string
	Start    string
	End      string
	Topic    string
	Weeks    string // how many weeks in a row, 1 for a single session
}

// FormOfSession fills the form from a stored session, for editing.
func FormOfSession(s *Session) SessionForm {
	start := s.StartsAt.In(web.Shanghai)
	return SessionForm{
		Lecturer: strconv.FormatInt(s.LecturerID, 10),
		Venue:    strconv.FormatInt(s.VenueID, 10),
		Date:     start.Format(web.DateLayout),
		Start:    start.Format(web.ClockLayout),
		End:      s.EndsAt.In(web.Shanghai).Format(web.ClockLayout),
		Topic:    s.Topic,
		Weeks:    "1",
	}
}

// Parse checks the form and returns the slots it plans, one per week, or
// one message key per bad field. Whether the lecturer and venue exist and
// are free is the store's to say.
func (f SessionForm) Parse() ([]Slot, web.FieldErrors) {
	errs := web.FieldErrors{}
	var base Slot
	var err error
	if base.LecturerID, err = strconv.ParseInt(strings.TrimSpace(f.Lecturer), 10, 64); err != nil || base.LecturerID <= 0 {
		errs.Add("lecturer", "sessions.lecturer.required")
	}
	if base.VenueID, err = strconv.ParseInt(strings.TrimSpace(f.Venue), 10, 64); err != nil || base.VenueID <= 0 {
		errs.Add("venue", "sessions.venue.required")
	}
	day, okDay := web.ParseDate(f.Date)
	if !okDay {
		errs.Add("date", "courses.date.invalid")
	}
	start, okStart := web.ParseClock(f.Start)
	if !okStart {
		errs.Add("start", "sessions.time.invalid")
	}
	end, okEnd := web.ParseClock(f.End)
	switch {
	case !okEnd:
		errs.Add("end", "sessions.time.invalid")
	case okStart && end <= start:
		errs.Add("end", "sessions.end.before")
	case okStart && end-start > 12*60:
		errs.Add("end", "sessions.too.long")
	}
	base.Topic = strings.TrimSpace(f.Topic)
	if utf8.RuneCountInString(base.Topic) > 100 {
		errs.Add("topic", "sessions.topic.long")
	}
	weeks := 1
	if w := strings.TrimSpace(f.Weeks); w != "" {
		weeks, err = strconv.Atoi(w)
		if err != nil || weeks < 1 || weeks > MaxRepeat {
			errs.Add("weeks", "sessions.weeks.invalid")
		}
	}
	if errs.Any() {
		return nil, errs
	}
	slots := make([]Slot, 0, weeks)
	for w := 0; w < weeks; w++ {
		d := day.AddDate(0, 0, 7*w)
		s := base
		s.StartsAt, s.EndsAt = web.At(d, start), web.At(d, end)
		slots = append(slots, s)
	}
	return slots, errs
}
