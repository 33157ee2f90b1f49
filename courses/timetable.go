package courses

import (
	"errors"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/lecturers"
	"partyschool/places"
	"partyschool/web"
)

// listWeeks is how many weeks the list view and "my teaching" cover.
const listWeeks = 4

// maxShown bounds the sessions one timetable page lists; a page that
// reaches it says so and asks for a narrower filter.
const maxShown = 5000

// timetableQuery is the timetable's choice of sessions, as the URL holds it.
type timetableQuery struct {
	Lecturer  int64
	Venue     int64
	Course    int64
	Team      string
	Category  string
	Community int64
	View      string // "week" or "list"
}

// values writes the query back into a URL query, for links.
func (q timetableQuery) values() url.Values {
	v := url.Values{}
	for k, n := range map[string]int64{"lecturer": q.Lecturer, "venue": q.Venue, "course": q.Course, "community": q.Community} {
		if n != 0 {
			v.Set(k, strconv.FormatInt(n, 10))
		}
	}
	for k, s := range map[string]string{"team": q.Team, "category": q.Category} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.View == "list" {
		v.Set("view", "list")
	}
	return v
}

func timetableQueryOf(c *fiber.Ctx) timetableQuery {
	id := func(key string) int64 {
		n, err := strconv.ParseInt(c.Query(key), 10, 64)
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	q := timetableQuery{
		Lecturer: id("lecturer"), Venue: id("venue"), Course: id("course"), Community: id("community"),
		Team: c.Query("team"), Category: c.Query("category"), View: c.Query("view"),
	}
	if !lecturers.ValidTeam(q.Team) {
		q.Team = ""
	}
	if !slices.Contains(Categories, q.Category) {
		q.Category = ""
	}
	if q.View != "list" {
		q.View = "week"
	}
	return q
}

// timetableDay is one day of the timetable with its sessions.
type timetableDay struct {
	Date     time.Time
	Today    bool
	Sessions []Session
	Slots    template.HTML // the sessions as list items (see slotsHTML)
}

// timetablePage is what the timetable template shows.
type timetablePage struct {
	Query       timetableQuery
	Start, End  time.Time // the days shown: [Start, End)
	Days        []timetableDay
	DaysHTML    template.HTML // the days as the page shows them (see daysHTML)
	Count       int
	Truncated   bool   // more sessions than maxShown: the page shows the first
	Subject     string // whose timetable: a lecturer, a venue, a team or a course
	FeedURL     string
	PrevLink    string
	NextLink    string
	TodayLink   string
	WeekLink    string
	ListLink    string
	Categories  []string
	Teams       []string
	Communities []web.Option
	Staff       bool
	Mine        bool // "my teaching" or "my schedule": no filters, the viewer's own sessions
	Trainee     bool // "my schedule": a trainee's
	Courses     []Enrolled
}

// Timetable shows the sessions of one week, Monday first, or a list of the
// coming weeks: everything, or one lecturer's, venue's, team's or course's,
// filtered by category and community.
func (h *Handler) Timetable(c *fiber.Ctx) error {
	q := timetableQueryOf(c)
	now := time.Now()
	start := web.WeekStart(now)
	if t, ok := web.ParseDate(c.Query("week")); ok {
		start = web.WeekStart(t)
	}
	// The page marks today: it holds until midnight.
	key := publicKey(c, "timetable", q.values().Encode(), start.Format(web.DateLayout))
	return h.pages.serve(c, h.Store, key, false, func() (time.Time, error) {
		return web.Day(now).AddDate(0, 0, 1), h.timetable(c, q, start)
	})
}

// timetable renders the timetable of q from the week of start.
func (h *Handler) timetable(c *fiber.Ctx, q timetableQuery, start time.Time) error {
	d := timetablePage{Query: q, Start: start, Categories: Categories, Teams: lecturers.Teams, Staff: web.IsStaff(c)}
	p := web.NewPage(c, "timetable.title")
	subject, feed, err := h.subject(c, q)
	if err != nil {
		return err
	}
	d.Subject, d.FeedURL = subject, feed
	if subject != "" {
		p.Title = p.T("timetable.of", subject)
	}
	communities, err := h.Places.Communities(c.UserContext())
	if err != nil {
		return err
	}
	d.Communities = communityOptions(communities, q.Community)
	if err := h.fillDays(c, &d, TimetableFilter{
		LecturerID: q.Lecturer, VenueID: q.Venue, CourseID: q.Course, Team: q.Team,
		Category: q.Category, CommunityID: q.Community, Statuses: visibleStatuses(c),
	}); err != nil {
		return err
	}
	link := func(week time.Time, view string) string {
		v := q.values()
		v.Del("view")
		if view == "list" {
			v.Set("view", "list")
		}
		if !week.IsZero() {
			v.Set("week", week.Format(web.DateLayout))
		}
		if len(v) == 0 {
			return "/timetable"
		}
		return "/timetable?" + v.Encode()
	}
	step := 7
	if q.View == "list" {
		step = 7 * listWeeks
	}
	d.PrevLink = link(start.AddDate(0, 0, -step), q.View)
	d.NextLink = link(start.AddDate(0, 0, step), q.View)
	d.TodayLink = link(time.Time{}, q.View) + "#today" // this week, scrolled to today
	d.WeekLink, d.ListLink = link(start, "week"), link(start, "list")
	p.Data = d
	return web.Render(c, fiber.StatusOK, "courses/timetable", p)
}

// subject names whose timetable this is, with its calendar feed. An
// unknown lecturer, venue or course answers 404, as does a course the
// viewer may not see.
func (h *Handler) subject(c *fiber.Ctx, q timetableQuery) (name, feed string, err error) {
	ctx := c.UserContext()
	switch {
	case q.Course != 0:
		course, err := h.Store.Get(ctx, q.Course)
		if errors.Is(err, ErrNotFound) || err == nil && !course.Public() && !web.IsStaff(c) {
			return "", "", web.NotFound()
		}
		if err != nil {
			return "", "", err
		}
		return course.Title, h.feedURL("courses", q.Course), nil
	case q.Lecturer != 0:
		l, err := h.Lecturers.Get(ctx, q.Lecturer)
		if errors.Is(err, lecturers.ErrNotFound) || err == nil && !l.Active && !web.IsStaff(c) {
			return "", "", web.NotFound() // an inactive lecturer is off the public roster
		}
		if err != nil {
			return "", "", err
		}
		return l.Name, h.feedURL("lecturers", q.Lecturer), nil
	case q.Venue != 0:
		v, err := h.Places.Venue(ctx, q.Venue)
		if errors.Is(err, places.ErrNotFound) {
			return "", "", web.NotFound()
		}
		if err != nil {
			return "", "", err
		}
		name := v.Name
		if v.CommunityName != "" {
			name = v.CommunityName + " " + v.Name
		}
		return name, h.feedURL("venues", q.Venue), nil
	case q.Team != "":
		return web.T(c, "team."+q.Team), h.feedPath("/calendar/teams/" + q.Team + ".ics"), nil
	}
	return "", "", nil
}

// fillDays loads the sessions of the page's days into it: one week for
// the week view, listWeeks weeks for the list.
func (h *Handler) fillDays(c *fiber.Ctx, d *timetablePage, f TimetableFilter) error {
	days := 7
	if d.Query.View == "list" {
		days = 7 * listWeeks
	}
	d.End = d.Start.AddDate(0, 0, days)
	f.From, f.To = d.Start, d.End
	f.Limit = maxShown
	var sessions []Session
	var err error
	if f.CourseIDs != nil { // a trainee's: their courses' sessions are everyone's on them
		sessions, err = h.sessions.timetable(c.UserContext(), h.Store, &h.pages.counts, f)
	} else {
		sessions, err = h.Store.Timetable(c.UserContext(), f)
	}
	if err != nil {
		return err
	}
	d.Count = len(sessions)
	d.Truncated = len(sessions) == maxShown
	today := web.Day(time.Now())
	byDay := map[time.Time][]Session{}
	for _, s := range sessions {
		day := web.Day(s.StartsAt)
		byDay[day] = append(byDay[day], s)
	}
	// One's own schedule shows one's post days among the sessions.
	apptsByDay := map[time.Time][]Appointment{}
	if v := web.ViewerOf(c); d.Mine && h.Appointments != nil && v != nil {
		appts, err := h.Appointments.Appointments(c.UserContext(), v.ID, d.Start, d.End)
		if err != nil {
			return err
		}
		for _, a := range appts {
			day := web.Day(a.StartsAt)
			apptsByDay[day] = append(apptsByDay[day], a)
		}
	}
	for i := 0; i < days; i++ {
		day := d.Start.AddDate(0, 0, i)
		// The week view shows every day; the list only days with something on.
		if d.Query.View == "week" || len(byDay[day])+len(apptsByDay[day]) > 0 {
			d.Days = append(d.Days, timetableDay{
				Date: day, Today: day.Equal(today), Sessions: byDay[day],
				Slots: daySlots(web.LangOf(c), d.Query.View, byDay[day], apptsByDay[day], d.Mine && !d.Trainee),
			})
		}
	}
	d.DaysHTML = daysHTML(web.LangOf(c), d.Days)
	return nil
}

// MyTeaching is a lecturer's own schedule: the coming weeks of their
// sessions, drafts included, and their calendar feed.
func (h *Handler) MyTeaching(c *fiber.Ctx) error {
	p := web.NewPage(c, "timetable.mine")
	l, err := h.Lecturers.ByUser(c.UserContext(), web.ViewerOf(c).ID)
	if errors.Is(err, lecturers.ErrNotFound) {
		p.Data = timetablePage{Mine: true}
		return web.Render(c, fiber.StatusOK, "courses/timetable", p)
	}
	if err != nil {
		return err
	}
	start := web.WeekStart(time.Now())
	if t, ok := web.ParseDate(c.Query("week")); ok {
		start = web.WeekStart(t)
	}
	d := timetablePage{
		Query: timetableQuery{Lecturer: l.ID, View: "list"}, Start: start, Mine: true,
		Subject: l.Name, FeedURL: h.feedURL("lecturers", l.ID),
	}
	err = h.fillDays(c, &d, TimetableFilter{LecturerID: l.ID, Statuses: []string{StatusDraft, StatusPublished, StatusClosed}})
	if err != nil {
		return err
	}
	d.PrevLink = "/my/teaching?week=" + start.AddDate(0, 0, -7*listWeeks).Format(web.DateLayout)
	d.NextLink = "/my/teaching?week=" + start.AddDate(0, 0, 7*listWeeks).Format(web.DateLayout)
	d.TodayLink = "/my/teaching#today"
	p.Data = d
	return web.Render(c, fiber.StatusOK, "courses/timetable", p)
}

// scheduleNotices are my schedule's messages after a redirect, by ?done=.
var scheduleNotices = map[string]string{
	"profile": "trainees.profile.saved",
	"feed":    "schedule.feed.reset.done",
	"feedNew": "schedule.feed.new.done",
}

// MySchedule is a trainee's own schedule: the courses they are on, with
// waitlist places, and the sessions of those where they hold a seat, by
// week or as a list of the coming weeks, with their private feed.
func (h *Handler) MySchedule(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := web.ViewerOf(c)
	mine, err := h.Schedules.MyCourses(ctx, v.ID)
	if err != nil {
		return err
	}
	ids := []int64{} // none: an empty list shows no sessions, not everyone's
	for _, m := range mine {
		if m.EnrolmentStatus == "enrolled" {
			ids = append(ids, m.ID)
		}
	}
	token, err := h.Schedules.FeedToken(ctx, v.ID)
	if err != nil {
		return err
	}
	view := "list"
	if c.Query("view") == "week" {
		view = "week"
	}
	start := web.WeekStart(time.Now())
	if t, ok := web.ParseDate(c.Query("week")); ok {
		start = web.WeekStart(t)
	}
	d := timetablePage{
		Query: timetableQuery{View: view}, Start: start, Mine: true, Trainee: true,
		Subject: v.Name, Courses: mine,
	}
	if token != "" {
		d.FeedURL = h.traineeFeedURL(token)
	}
	if err := h.fillDays(c, &d, TimetableFilter{CourseIDs: ids, Statuses: traineeStatuses}); err != nil {
		return err
	}
	link := func(week time.Time, view string) string {
		return "/my/schedule?view=" + view + "&week=" + week.Format(web.DateLayout)
	}
	step := 7
	if view == "list" {
		step = 7 * listWeeks
	}
	d.PrevLink = link(start.AddDate(0, 0, -step), view)
	d.NextLink = link(start.AddDate(0, 0, step), view)
	d.TodayLink = "/my/schedule?view=" + view + "#today"
	d.WeekLink, d.ListLink = link(start, "week"), link(start, "list")
	p := web.NewPage(c, "schedule.title")
	if key := scheduleNotices[c.Query("done")]; key != "" {
		p.Notice = p.T(key)
	}
	p.Data = d
	c.Set(fiber.HeaderCacheControl, "no-store") // the feed's secret address is on it
	return web.Render(c, fiber.StatusOK, "courses/timetable", p)
}
