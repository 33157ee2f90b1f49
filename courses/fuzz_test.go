package courses

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzCourseForm: any form parses without panicking, and a form it accepts
// holds what the table's CHECK constraints require.
func FuzzCourseForm(f *testing.F) {
	f.Add("DX-2026-01", "民法典进社区", "policy", "30", "2026-12-01", "2026-12-31", "2026-11-01T09:00", "2026-11-30T18:00", "8", "80")
	f.Add("dx 01", "", "party", "-5", "2026-13-01", "yesterday", "2026-11-01 09:00:00", "", "1.25", "120%")
	f.Fuzz(func(t *testing.T, code, title, category, capacity, starts, ends, opens, closes, hours, rule string) {
		form := Form{Code: code, Title: title, Category: category, Capacity: capacity, StartsOn: starts, EndsOn: ends,
			EnrolOpens: opens, EnrolCloses: closes, CreditHours: hours, MinAttendance: rule}
		c, errs := form.Parse()
		if errs.Any() {
			return
		}
		switch {
		case !codePattern.MatchString(c.Code):
			t.Errorf("accepted code %q", c.Code)
		case c.Title == "" || utf8.RuneCountInString(c.Title) > 80:
			t.Errorf("accepted title %q", c.Title)
		case !slices.Contains(Categories, c.Category):
			t.Errorf("accepted category %q", c.Category)
		case c.Capacity < 1 || c.Capacity > 5000:
			t.Errorf("accepted capacity %d", c.Capacity)
		case c.EndsOn.Before(c.StartsOn) || !c.EnrolCloses.After(c.EnrolOpens):
			t.Errorf("accepted dates %v–%v, enrolment %v–%v", c.StartsOn, c.EndsOn, c.EnrolOpens, c.EnrolCloses)
		case c.CreditHours < 0 || c.CreditHours > 500 || c.MinAttendance < 0 || c.MinAttendance > 100:
			t.Errorf("accepted hours %v, rule %d", c.CreditHours, c.MinAttendance)
		}
	})
}

// FuzzSessionForm: a form it accepts plans one slot a week, each starting
// before it ends, none longer than 12 hours.
func FuzzSessionForm(f *testing.F) {
	f.Add("1", "2", "2026-12-01", "19:00", "21:00", "议事规则", "8")
	f.Add("x", "-1", "2026-02-30", "25:00", "19:00:00", "", "27")
	f.Fuzz(func(t *testing.T, lecturer, venue, date, start, end, topic, weeks string) {
		slots, errs := SessionForm{Lecturer: lecturer, Venue: venue, Date: date, Start: start, End: end, Topic: topic, Weeks: weeks}.Parse()
		if errs.Any() {
			return
		}
		if len(slots) < 1 || len(slots) > MaxRepeat {
			t.Fatalf("%d slots", len(slots))
		}
		for i, s := range slots {
			if !s.EndsAt.After(s.StartsAt) || s.EndsAt.Sub(s.StartsAt).Hours() > 12 || s.LecturerID <= 0 || s.VenueID <= 0 {
				t.Errorf("slot %d: %+v", i, s)
			}
			if i > 0 && s.StartsAt.Sub(slots[i-1].StartsAt).Hours() != 7*24 {
				t.Errorf("slot %d is not a week after the one before", i)
			}
		}
	})
}
