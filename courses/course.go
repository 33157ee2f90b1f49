// Package courses covers what the school teaches and when: courses, their
// sessions with a lecturer and a venue, the public catalogue, the
// timetable views and the iCalendar feeds.
package courses

import (
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partyschool/web"
)

// Course categories.
const (
	CategoryPolicy    = "policy"    // 政策宣讲
	CategoryPractice  = "practice"  // 实训
	CategoryExchange  = "exchange"  // 交流培训
	CategoryMentoring = "mentoring" // 跟岗练兵
)

// Categories lists the categories in the order the school presents them.
var Categories = []string{CategoryPolicy, CategoryPractice, CategoryExchange, CategoryMentoring}

// Course statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusClosed    = "closed"
	StatusArchived  = "archived"
)

// Statuses lists the statuses in their usual order.
var Statuses = []string{StatusDraft, StatusPublished, StatusClosed, StatusArchived}

// transitions says, for each status, which statuses a course may move to:
// publish a draft, unpublish or close a published course, reopen a closed
// one, archive a draft or a closed course. Archived is final.
var transitions = map[string][]string{
	StatusDraft:     {StatusPublished, StatusArchived},
	StatusPublished: {StatusDraft, StatusClosed},
	StatusClosed:    {StatusPublished, StatusArchived},
	StatusArchived:  {},
}

// NextStatuses returns the statuses a course in status may move to.
func NextStatuses(status string) []string { return transitions[status] }

// fromStatuses returns the statuses from which a course may move to to.
func fromStatuses(to string) []string {
	var out []string
	for _, from := range Statuses {
		for _, t := range transitions[from] {
			if t == to {
				out = append(out, from)
			}
		}
	}
	return out
}

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound         = errors.New("not found")
	ErrCodeTaken        = errors.New("course code taken")
	ErrBadTransition    = errors.New("status change not allowed")
	ErrUnknownCommunity = errors.New("unknown community")
	ErrSessionsOutside  = errors.New("sessions fall outside the course dates")
	ErrConflict         = errors.New("sessions conflict")
)

// Course is a course as stored, with its host community's name.
type Course struct {
	ID            int64     `db:"id"`
	Code          string    `db:"code"`
	Title         string    `db:"title"`
	Category      string    `db:"category"`
	Description   string    `db:"description"`
	CommunityID   *int64    `db:"community_id"`
	CommunityName string    `db:"community_name"`
	Capacity      int       `db:"capacity"`
	Enrolled      int       `db:"enrolled"` // seats taken
	StartsOn      time.Time `db:"starts_on"`
	EndsOn        time.Time `db:"ends_on"`
	EnrolOpens    time.Time `db:"enrol_opens"`
	EnrolCloses   time.Time `db:"enrol_closes"`
	CreditHours   float64   `db:"credit_hours"`
	MinAttendance int       `db:"min_attendance"`
	Status        string    `db:"status"`
	Sessions      int       `db:"sessions"` // how many sessions it has
	UpdatedAt     time.Time `db:"updated_at"`
}

// Full reports whether every seat is taken.
func (c *Course) Full() bool { return c.Enrolled >= c.Capacity }

// SeatsLeft is how many seats are free.
func (c *Course) SeatsLeft() int { return max(c.Capacity-c.Enrolled, 0) }

// Public reports whether anyone may see the course.
func (c *Course) Public() bool { return c.Status == StatusPublished }

// EnrolmentState says where the course stands in its enrolment window at t:
// "unpublished" (a draft), "upcoming", "open" or "closed".
func (c *Course) EnrolmentState(t time.Time) string {
	switch {
	case c.Status == StatusDraft:
		return "unpublished"
	case c.Status != StatusPublished || !t.Before(c.EnrolCloses):
		return "closed"
	case t.Before(c.EnrolOpens):
		return "upcoming"
	}
	return "open"
}

// Contains reports whether t falls on one of the course's days (Beijing time).
func (c *Course) Contains(t time.Time) bool {
	d := web.Day(t)
	return !d.Before(dateOf(c.StartsOn)) && !d.After(dateOf(c.EndsOn))
}

// dateOf reads a DATE column (which lib/pq returns as midnight UTC) as that
// day in Beijing time.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, web.Shanghai)
}

// Fields is a course as entered, checked and ready to store.
type Fields struct {
	Code          string
	Title         string
	Category      string
	Description   string
	CommunityID   *int64
	Capacity      int
	StartsOn      time.Time
	EndsOn        time.Time
	EnrolOpens    time.Time
	EnrolCloses   time.Time
	CreditHours   float64
	MinAttendance int
}

// Form is the course form as typed.
type Form struct {
	Code          string
	Title         string
	Category      string
	Description   string
	Community     string
	Capacity      string
	StartsOn      string
	EndsOn        string
	EnrolOpens    string
	EnrolCloses   string
	CreditHours   string
	MinAttendance string
}

// FormOf fills the form from a stored course, for editing.
func FormOf(c *Course) Form {
	f := Form{
		Code: c.Code, Title: c.Title, Category: c.Category, Description: c.Description,
		Capacity:      strconv.Itoa(c.Capacity),
		StartsOn:      dateOf(c.StartsOn).Format(web.DateLayout),
		EndsOn:        dateOf(c.EndsOn).Format(web.DateLayout),
		EnrolOpens:    c.EnrolOpens.In(web.Shanghai).Format(web.DateTimeLayout),
		EnrolCloses:   c.EnrolCloses.In(web.Shanghai).Format(web.DateTimeLayout),
		CreditHours:   strconv.FormatFloat(c.CreditHours, 'f', -1, 64),
		MinAttendance: strconv.Itoa(c.MinAttendance),
	}
	if c.CommunityID != nil {
		f.Community = strconv.FormatInt(*c.CommunityID, 10)
	}
	return f
}

var codePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,19}$`)

// Parse checks the form and returns the course, or one message key per bad
// field.
func (f Form) Parse() (Fields, web.FieldErrors) {
	errs := web.FieldErrors{}
	out := Fields{
		Code:        strings.ToUpper(strings.TrimSpace(f.Code)),
		Title:       strings.TrimSpace(f.Title),
		Category:    strings.TrimSpace(f.Category),
		Description: strings.TrimSpace(f.Description),
	}
	switch {
	case out.Code == "":
		errs.Add("code", "courses.code.required")
	case !codePattern.MatchString(out.Code):
		errs.Add("code", "courses.code.invalid")
	}
	switch n := utf8.RuneCountInString(out.Title); {
	case web.Blank(out.Title):
		errs.Add("title", "courses.title.required")
	case n > 80:
		errs.Add("title", "courses.title.long")
	}
	if !slices.Contains(Categories, out.Category) {
		errs.Add("category", "courses.category.invalid")
	}
	if utf8.RuneCountInString(out.Description) > 4000 {
		errs.Add("description", "courses.description.long")
	}
	if c := strings.TrimSpace(f.Community); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			errs.Add("community", "courses.community.invalid")
		} else {
			out.CommunityID = &id
		}
	}
	capacity, err := strconv.Atoi(strings.TrimSpace(f.Capacity))
	switch {
	case strings.TrimSpace(f.Capacity) == "":
		errs.Add("capacity", "courses.capacity.required")
	case err != nil || capacity < 1 || capacity > 5000:
		errs.Add("capacity", "courses.capacity.invalid")
	}
	out.Capacity = capacity

	var ok bool
	if out.StartsOn, ok = web.ParseDate(f.StartsOn); !ok {
		errs.Add("starts_on", "courses.date.invalid")
	}
	if out.EndsOn, ok = web.ParseDate(f.EndsOn); !ok {
		errs.Add("ends_on", "courses.date.invalid")
	} else if out.EndsOn.Before(out.StartsOn) {
		errs.Add("ends_on", "courses.ends.before")
	} else if out.EndsOn.Sub(out.StartsOn) > 366*24*time.Hour {
		errs.Add("ends_on", "courses.ends.far")
	}
	if out.EnrolOpens, ok = web.ParseDateTime(f.EnrolOpens); !ok {
		errs.Add("enrol_opens", "courses.datetime.invalid")
	}
	if out.EnrolCloses, ok = web.ParseDateTime(f.EnrolCloses); !ok {
		errs.Add("enrol_closes", "courses.datetime.invalid")
	} else if !out.EnrolCloses.After(out.EnrolOpens) {
		errs.Add("enrol_closes", "courses.enrol.order")
	}

	hours, err := strconv.ParseFloat(strings.TrimSpace(f.CreditHours), 64)
	switch {
	case strings.TrimSpace(f.CreditHours) == "":
		errs.Add("credit_hours", "courses.hours.required")
	case err != nil || math.IsNaN(hours) || hours < 0 || hours > 500 || math.Round(hours*10) != hours*10:
		errs.Add("credit_hours", "courses.hours.invalid")
	}
	out.CreditHours = hours

	out.MinAttendance = 80
	if s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.MinAttendance), "%")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			errs.Add("min_attendance", "courses.attendance.invalid")
		}
		out.MinAttendance = n
	}
	return out, errs
}
