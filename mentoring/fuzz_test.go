package mentoring_test

import (
	"testing"
	"time"
	"unicode/utf8"

	"partyschool/mentoring"
)

// FuzzPairForm: whatever is typed, the form never panics, and what it
// accepts fits the table's checks (migration 00009).
func FuzzPairForm(f *testing.F) {
	f.Add("3", "13800000001", "", "1", "社区党委副书记", "党建工作岗", "2026-11-01", "2026-11-28", "熟悉流程\n组织党日", "80")
	f.Add("x", "", "-1", "0", " ", "", "2026-13-01", "1999-01-01", "\n\n", "101%")
	f.Add("1", "ＴＲＡＩＮＥＥ", "2", "", "书记", "岗", "2026-01-01", "2027-01-03", "a\nb\nc\nd\ne\nf\ng\nh\ni", "８０")
	f.Fuzz(func(t *testing.T, mentor, mentee, supervisor, community, mentorPost, post, from, to, goals, rate string) {
		in, errs := mentoring.PairForm{Mentor: mentor, Mentee: mentee, Supervisor: supervisor, Community: community,
			MentorPost: mentorPost, Post: post, StartsOn: from, EndsOn: to, Goals: goals, RequiredRate: rate}.Parse(true)
		if errs.Any() {
			return
		}
		if in.MentorID <= 0 || in.MenteeKey == "" || in.SupervisorID < 0 || in.CommunityID < 0 {
			t.Errorf("accepted people %+v", in)
		}
		if n := utf8.RuneCountInString(in.Post); n < 1 || n > 40 {
			t.Errorf("accepted post %q", in.Post)
		}
		if in.EndsOn.Before(in.StartsOn) || in.EndsOn.Sub(in.StartsOn) > 366*24*time.Hour {
			t.Errorf("accepted period %v – %v", in.StartsOn, in.EndsOn)
		}
		if len(in.Goals) < 1 || len(in.Goals) > 8 {
			t.Errorf("accepted %d goals", len(in.Goals))
		}
		for _, g := range in.Goals {
			if utf8.RuneCountInString(g) > 100 || !utf8.ValidString(g) {
				t.Errorf("accepted goal %q", g)
			}
		}
		if in.RequiredRate < 1 || in.RequiredRate > 100 {
			t.Errorf("accepted rate %d", in.RequiredRate)
		}
	})
}

// FuzzDaysForm: the post-day form never panics, and the days it accepts
// are at most 130, each 1 minute to 12 hours long, in date order.
func FuzzDaysForm(f *testing.F) {
	f.Add("2026-11-02", "2026-11-27", "1,2,3,4,5", "14:00", "18:00", "党群服务中心")
	f.Add("2026-11-02", "", "", "08:00:00", "20:00", "")
	f.Add("2026-02-30", "2027-12-31", "0,8,x", "25:00", "24:00", "x")
	f.Fuzz(func(t *testing.T, from, to, weekdays, start, end, place string) {
		var days []string
		for _, w := range []byte(weekdays) {
			days = append(days, string(w))
		}
		slots, _, errs := mentoring.DaysForm{From: from, To: to, Weekdays: days, Start: start, End: end, Place: place}.Parse()
		if errs.Any() {
			return
		}
		if len(slots) < 1 || len(slots) > 130 {
			t.Fatalf("accepted %d days", len(slots))
		}
		for i, s := range slots {
			if d := s.EndsAt.Sub(s.StartsAt); d <= 0 || d > 12*time.Hour {
				t.Errorf("accepted a day of %v", d)
			}
			if i > 0 && !s.StartsAt.After(slots[i-1].StartsAt) {
				t.Errorf("days out of order at %d", i)
			}
		}
	})
}
