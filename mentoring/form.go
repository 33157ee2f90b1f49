package mentoring

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"partyschool/attendance"
	"partyschool/web"
)

// PairForm is the pair form as typed.
type PairForm struct {
	Mentor       string
	Mentee       string // the mentee's phone number or username; fixed once the pair exists
	Supervisor   string
	Community    string
	MentorPost   string
	Post         string
	StartsOn     string
	EndsOn       string
	Goals        string // one per line
	RequiredRate string
}

// PairInput is a valid pair form: what the store saves. The mentee is
// found by MenteeKey when a pair is created.
type PairInput struct {
	MentorID     int64
	MenteeKey    string
	SupervisorID int64
	CommunityID  int64
	MentorPost   string
	Post         string
	StartsOn     time.Time
	EndsOn       time.Time
	Goals        []string
	RequiredRate int
}

// FormOfPair fills the form with a pair, to edit it.
func FormOfPair(p *Pair) PairForm {
	f := PairForm{
		Mentor:       strconv.FormatInt(p.MentorID, 10),
		Mentee:       p.MenteeName,
		MentorPost:   p.MentorPost,
		Post:         p.Post,
		StartsOn:     p.StartsOn.Format(web.DateLayout),
		EndsOn:       p.EndsOn.Format(web.DateLayout),
		Goals:        strings.Join(p.Goals, "\n"),
		RequiredRate: strconv.Itoa(p.RequiredRate),
	}
	if p.SupervisorID != 0 {
		f.Supervisor = strconv.FormatInt(p.SupervisorID, 10)
	}
	if p.CommunityID != 0 {
		f.Community = strconv.FormatInt(p.CommunityID, 10)
	}
	return f
}

// Parse checks the form. With creating false the mentee is not read: a
// pair keeps its mentee.
func (f PairForm) Parse(creating bool) (PairInput, web.FieldErrors) {
	errs := web.FieldErrors{}
	in := PairInput{
		MentorPost: strings.TrimSpace(f.MentorPost),
		Post:       strings.TrimSpace(f.Post),
	}
	var ok bool
	if in.MentorID, ok = positiveID(f.Mentor); !ok {
		errs.Add("mentor", "mentoring.error.mentor")
	}
	if creating {
		in.MenteeKey = strings.ToLower(strings.TrimSpace(width.Narrow.String(f.Mentee)))
		if in.MenteeKey == "" {
			errs.Add("mentee", "mentoring.error.mentee.required")
		}
	}
	if s := strings.TrimSpace(f.Supervisor); s != "" {
		if in.SupervisorID, ok = positiveID(s); !ok {
			errs.Add("supervisor", "mentoring.error.supervisor")
		}
	}
	if s := strings.TrimSpace(f.Community); s != "" {
		if in.CommunityID, ok = positiveID(s); !ok {
			errs.Add("community", "mentoring.error.community")
		}
	}
	for field, v := range map[string]string{"mentor_post": in.MentorPost, "post": in.Post} {
		switch n := utf8.RuneCountInString(v); {
		case web.Blank(v):
			errs.Add(field, "mentoring.error."+field+".required")
		case n > maxPost:
			errs.Add(field, "mentoring.error.post.long")
		}
	}
	start, okStart := web.ParseDate(f.StartsOn)
	end, okEnd := web.ParseDate(f.EndsOn)
	switch {
	case !okStart:
		errs.Add("starts_on", "mentoring.error.date")
	case !okEnd:
		errs.Add("ends_on", "mentoring.error.date")
	case end.Before(start):
		errs.Add("ends_on", "mentoring.error.end.before")
	case end.Sub(start) > maxPeriod*24*time.Hour:
		errs.Add("ends_on", "mentoring.error.period.long")
	}
	in.StartsOn, in.EndsOn = start, end
	for _, line := range strings.Split(f.Goals, "\n") {
		if g := strings.TrimSpace(line); !web.Blank(g) {
			in.Goals = append(in.Goals, g)
		}
	}
	switch {
	case len(in.Goals) == 0:
		errs.Add("goals", "mentoring.error.goals.required")
	case len(in.Goals) > maxGoals:
		errs.Add("goals", "mentoring.error.goals.many")
	}
	for _, g := range in.Goals {
		if utf8.RuneCountInString(g) > maxGoal {
			errs.Add("goals", "mentoring.error.goals.long")
		}
	}
	in.RequiredRate = DefaultRate
	if s := strings.TrimSpace(width.Narrow.String(f.RequiredRate)); s != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
		if err != nil || n < 1 || n > 100 {
			errs.Add("required_rate", "mentoring.error.rate")
		}
		in.RequiredRate = n
	}
	return in, errs
}

// positiveID reads an id from a form value.
func positiveID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// DaysForm adds post days: one date, or every chosen weekday from one
// date to another, at the same hours and place.
type DaysForm struct {
	From     string
	To       string
	Weekdays []string // "1" Monday … "7" Sunday
	Start    string
	End      string
	Place    string
}

// Slot is one post day to add.
type Slot struct {
	StartsAt, EndsAt time.Time
}

// Workdays are the weekdays a pattern takes when none is ticked.
var Workdays = []string{"1", "2", "3", "4", "5"}

// Weekdays lists every weekday as the form offers them, Monday first.
var Weekdays = []string{"1", "2", "3", "4", "5", "6", "7"}

// Parse checks the form and lists the days it adds.
func (f DaysForm) Parse() ([]Slot, string, web.FieldErrors) {
	errs := web.FieldErrors{}
	place := strings.TrimSpace(f.Place)
	if utf8.RuneCountInString(place) > maxPlace {
		errs.Add("place", "mentoring.error.place.long")
	}
	from, ok := web.ParseDate(f.From)
	if !ok {
		errs.Add("from", "mentoring.error.date")
	}
	to := from
	if strings.TrimSpace(f.To) != "" {
		if to, ok = web.ParseDate(f.To); !ok {
			errs.Add("to", "mentoring.error.date")
		} else if to.Before(from) {
			errs.Add("to", "mentoring.error.end.before")
		} else if to.Sub(from) > maxPeriod*24*time.Hour {
			errs.Add("to", "mentoring.error.period.long")
		}
	}
	start, okStart := web.ParseClock(f.Start)
	end, okEnd := web.ParseClock(f.End)
	switch {
	case !okStart:
		errs.Add("start", "mentoring.error.clock")
	case !okEnd:
		errs.Add("end", "mentoring.error.clock")
	case end <= start:
		errs.Add("end", "mentoring.error.clock.order")
	case end-start > 12*60:
		errs.Add("end", "mentoring.error.clock.long")
	}
	if errs.Any() {
		return nil, place, errs
	}
	days := map[time.Weekday]bool{}
	for _, w := range f.Weekdays {
		if n, err := strconv.Atoi(w); err == nil && n >= 1 && n <= 7 {
			days[time.Weekday(n%7)] = true
		}
	}
	var slots []Slot
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		// One date needs no weekday; a range takes the ticked ones.
		if !from.Equal(to) && !days[d.Weekday()] {
			continue
		}
		slots = append(slots, Slot{StartsAt: web.At(d, start), EndsAt: web.At(d, end)})
	}
	switch {
	case len(slots) == 0:
		errs.Add("weekdays", "mentoring.error.days.none")
	case len(slots) > maxDays:
		errs.Add("to", "mentoring.error.days.many")
	}
	return slots, place, errs
}

// MarkInput is a post day's mark as the mentor (or a coordinator) sets it.
type MarkInput struct {
	PostDayID int64
	Status    string
	Note      string
	Reason    string // why, after the lock (coordinators only)
	By        int64  // who
	Staff     bool   // a coordinator: may change after the lock, with a reason
	LockDays  int    // the school's lock period
}

// check refuses a mark that is not one of the four, and trims the texts.
func (m *MarkInput) check() error {
	if !attendance.ValidStatus(m.Status) {
		return ErrBadMark
	}
	m.Note = strings.TrimSpace(m.Note)
	m.Reason = strings.TrimSpace(m.Reason)
	if utf8.RuneCountInString(m.Note) > maxNote || utf8.RuneCountInString(m.Reason) > maxReason {
		return ErrBadMark
	}
	return nil
}

// maxText is the longest each part of a log may be.
var maxText = map[string]int{"did": maxDid, "learned": maxLearned, "questions": maxQuestion}

// LogForm is the mentee's log as typed.
type LogForm struct {
	Did       string
	Learned   string
	Questions string
}

// Parse checks the log.
func (f LogForm) Parse() (LogForm, web.FieldErrors) {
	errs := web.FieldErrors{}
	out := LogForm{Did: strings.TrimSpace(f.Did), Learned: strings.TrimSpace(f.Learned), Questions: strings.TrimSpace(f.Questions)}
	if web.Blank(out.Did) {
		errs.Add("did", "mentoring.error.log.did")
	}
	for field, text := range map[string]string{"did": out.Did, "learned": out.Learned, "questions": out.Questions} {
		if utf8.RuneCountInString(text) > maxText[field] {
			errs.Add(field, "mentoring.error.text.long")
		}
	}
	return out, errs
}

// EvaluationForm is the mentor's evaluation as typed: a score per goal.
type EvaluationForm struct {
	Scores  []string
	Comment string
}

// Parse checks the evaluation of a pair with goals goals.
func (f EvaluationForm) Parse(goals int) ([]int64, string, web.FieldErrors) {
	errs := web.FieldErrors{}
	scores := make([]int64, goals)
	for i := range goals {
		n := 0
		if i < len(f.Scores) {
			n, _ = strconv.Atoi(strings.TrimSpace(f.Scores[i]))
		}
		if n < 1 || n > 5 {
			errs.Add("score_"+strconv.Itoa(i), "mentoring.error.score")
		}
		scores[i] = int64(n)
	}
	comment := strings.TrimSpace(f.Comment)
	switch {
	case web.Blank(comment):
		errs.Add("comment", "mentoring.error.evaluation.comment")
	case utf8.RuneCountInString(comment) > maxEvalText:
		errs.Add("comment", "mentoring.error.text.long")
	}
	return scores, comment, errs
}
