package courses

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/i18n"
	"partyschool/lecturers"
	"partyschool/places"
	"partyschool/web"
)

const perPage = 20

// Handler answers the catalogue, course, session, timetable and feed
// pages. The catalogue and timetable are public and show published
// courses; coordinators see every status and the buttons that change them.
type Handler struct {
	Store     *Store
	Lecturers *lecturers.Store
	Places    *places.Store
	BaseURL   *url.URL // absolute links in feeds come from here, never from the request
	// Enrolments and Schedules come from package trainees.
	Enrolments Enrolments
	Schedules  Schedules
	// Appointments come from package mentoring: post days in one's own
	// schedule and calendar.
	Appointments Appointments

	pages    publicPages  // the timetable and catalogue as visitors not signed in see them
	sessions keptSessions // each course's sessions, for my schedule
}

// visibleStatuses are the course statuses the viewer may see.
func visibleStatuses(c *fiber.Ctx) []string {
	if web.IsStaff(c) {
		return Statuses
	}
	return []string{StatusPublished}
}

// catalogue is what the course list shows.
type catalogue struct {
	Cards       []card
	Categories  []string
	Statuses    []string
	Communities []web.Option
	Category    string
	Community   int64
	Status      string
	Query       string
	Total       int
	Pager       web.Pager
	Staff       bool
}

// card is a course as the catalogue shows it. Its words are worked out
// here, not by a dozen template calls a card: html/template's reflective
// calls were most of the page's cost (bench/NOTES.md).
type card struct {
	ID        int64
	Title     string
	Category  string // its label
	Status    string // its label, "" when published
	Open      bool   // enrolment is open now
	Seats     string // while open: the seats left, or that it is full
	DatesFrom string // "2026-12-01 –"
	DatesTo   string
	Meta      []string // host community, credit hours, sessions
	Next      string   // "下次上课：…", or ""
}

// cardOf words a listed course in lang at now.
func cardOf(lang string, l *Listed, now time.Time) card {
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	c := card{
		ID: l.ID, Title: l.Title, Category: t("category." + l.Category),
		Open:      l.EnrolmentState(now) == "open",
		DatesFrom: dateOf(l.StartsOn).Format(web.DateLayout) + " –",
		DatesTo:   dateOf(l.EndsOn).Format(web.DateLayout),
	}
	if l.Status != StatusPublished {
		c.Status = t("courses.status." + l.Status)
	}
	if c.Open {
		c.Seats = t("courses.card.seats", l.SeatsLeft())
		if l.Full() {
			c.Seats = t("courses.card.full")
		}
	}
	if l.CommunityName != "" {
		c.Meta = append(c.Meta, l.CommunityName)
	}
	c.Meta = append(c.Meta, t("courses.hours.value", strconv.FormatFloat(l.CreditHours, 'f', -1, 64)),
		t("courses.sessions.count", l.Sessions))
	if l.NextSession != nil {
		c.Next = t("courses.next", web.DayLabel(lang, *l.NextSession)+" "+l.NextSession.In(web.Shanghai).Format(web.ClockLayout))
	}
	return c
}

// communityOptions is the community filter's choices, chosen marked.
func communityOptions(list []places.Community, chosen int64) []web.Option {
	out := make([]web.Option, len(list))
	for i, m := range list {
		out[i] = web.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name, Selected: m.ID == chosen}
	}
	return out
}

// Index is the catalogue: published courses by category and community;
// coordinators may also list drafts, closed and archived courses.
func (h *Handler) Index(c *fiber.Ctx) error {
	d := catalogue{
		Categories: Categories, Statuses: Statuses, Staff: web.IsStaff(c),
		Category: c.Query("category"), Query: web.Clean(c.Query("q"), 50),
	}
	page := web.PageNumber(c)
	if !slices.Contains(Categories, d.Category) {
		d.Category = ""
	}
	d.Community, _ = strconv.ParseInt(c.Query("community"), 10, 64)
	key := publicKey(c, "catalogue", d.Category, d.Query, strconv.FormatInt(d.Community, 10), strconv.Itoa(page))
	// The catalogue shows the seats left: an enrolment changes it too.
	return h.pages.serve(c, h.Store, key, true, func() (time.Time, error) { return h.index(c, d, page) })
}

// index renders the catalogue's page; it holds until the time it returns
// (see until).
func (h *Handler) index(c *fiber.Ctx, d catalogue, page int) (time.Time, error) {
	ctx := c.UserContext()
	f := CatalogueFilter{Statuses: []string{StatusPublished}, Category: d.Category, CommunityID: d.Community, Query: d.Query}
	if d.Staff {
		d.Status = c.Query("status")
		switch {
		case slices.Contains(Statuses, d.Status):
			f.Statuses = []string{d.Status}
		default:
			d.Status = ""
			f.Statuses = []string{StatusDraft, StatusPublished, StatusClosed}
		}
	}
	f.Limit, f.Offset = perPage, (page-1)*perPage
	now := time.Now()
	listed, total, err := h.Store.List(ctx, f)
	if err != nil {
		return time.Time{}, err
	}
	d.Total = total
	lang := web.LangOf(c)
	for i := range listed {
		d.Cards = append(d.Cards, cardOf(lang, &listed[i], now))
	}
	communities, err := h.Places.Communities(ctx)
	if err != nil {
		return time.Time{}, err
	}
	d.Communities = communityOptions(communities, d.Community)
	link := func(n int) string {
		v := url.Values{}
		for k, s := range map[string]string{"category": d.Category, "q": d.Query, "status": d.Status} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if d.Community != 0 {
			v.Set("community", strconv.FormatInt(d.Community, 10))
		}
		v.Set("page", strconv.Itoa(n))
		return "/courses?" + v.Encode()
	}
	d.Pager = web.NewPager(page, d.Total, perPage, link)
	p := web.NewPage(c, "courses.title")
	p.Data = d
	return until(listed, now), web.Render(c, fiber.StatusOK, "courses/index", p)
}

// until is when a catalogue page of listed, worked out at now, may first
// read differently with no change to the data: at the next midnight (the
// order puts courses that have ended last), when an enrolment window
// opens or closes, or when a session ends (the next session moves on).
func until(listed []Listed, now time.Time) time.Time {
	t := web.Day(now).AddDate(0, 0, 1)
	sooner := func(u time.Time) {
		if u.After(now) && u.Before(t) {
			t = u
		}
	}
	for _, l := range listed {
		sooner(l.EnrolOpens)
		sooner(l.EnrolCloses)
		if l.NextEnd != nil {
			sooner(*l.NextEnd)
		}
	}
	return t
}

// coursePage is what a course's page shows.
type coursePage struct {
	Course   *Course
	Sessions []Session
	Next     []string
	Staff    bool
	Now      time.Time
	FeedURL  string
	Trainee  bool      // the viewer is a trainee: the page offers enrolment
	Standing *Standing // the trainee's place on the course, or the waitlist's length for staff
	LoginURL string    // for visitors: sign in, then come back here
	// LecturerID is the viewer's roster id when they are a lecturer: their
	// own sessions link to their sheets; Teaches says they teach some of
	// the course, whose attendance report is then theirs to read.
	LecturerID int64
	Teaches    bool
}

// Show is a course's page with its sessions. A course that is not
// published answers 404 to everyone but coordinators and its lecturers.
// Why a session was cancelled is for staff: the reason may be personal.
func (h *Handler) Show(c *fiber.Ctx) error {
	course, err := h.course(c)
	if err != nil {
		return err
	}
	return h.renderShow(c, fiber.StatusOK, course, "")
}

func (h *Handler) renderShow(c *fiber.Ctx, status int, course *Course, alertKey string, args ...any) error {
	sessions, err := h.Store.Sessions(c.UserContext(), course.ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "")
	p.Title = course.Title
	d := coursePage{
		Course: course, Sessions: sessions, Next: NextStatuses(course.Status),
		Staff: web.IsStaff(c), Now: time.Now(), FeedURL: h.feedURL("courses", course.ID),
	}
	if err := h.standing(c, &d); err != nil {
		return err
	}
	p.Data = d
	if key := doneNotices[c.Query("done")]; key != "" {
		p.Notice = p.T(key)
		if c.Query("done") == "waitlisted" && d.Standing != nil {
			p.Notice = p.T(key, d.Standing.Position)
		}
	}
	if key := enrolProblems[c.Query("problem")]; key != "" && alertKey == "" {
		p.Alert = p.T(key)
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey, args...)
	}
	return web.Render(c, status, "courses/show", p)
}

// standing fills in the enrolment part of the course page: a trainee's
// place on the course and clashes, the waitlist's length for staff, the
// way to sign in for a visitor.
func (h *Handler) standing(c *fiber.Ctx, d *coursePage) error {
	v := web.ViewerOf(c)
	if v.Is(web.RoleLecturer) {
		l, err := h.Lecturers.ByUser(c.UserContext(), v.ID)
		if err != nil && !errors.Is(err, lecturers.ErrNotFound) {
			return err
		}
		if l != nil {
			d.LecturerID = l.ID
			for _, s := range d.Sessions {
				d.Teaches = d.Teaches || s.LecturerID == l.ID
			}
		}
	}
	switch {
	case h.Enrolments == nil:
	case v == nil:
		d.LoginURL = "/login?next=" + url.QueryEscape("/courses/"+strconv.FormatInt(d.Course.ID, 10))
	case v.Is(web.RoleTrainee):
		st, err := h.Enrolments.Standing(c.UserContext(), d.Course.ID, v.ID)
		if err != nil {
			return err
		}
		d.Trainee, d.Standing = true, &st
	case d.Staff:
		n, err := h.Enrolments.Waiting(c.UserContext(), d.Course.ID)
		if err != nil {
			return err
		}
		d.Standing = &Standing{Waiting: n}
	}
	return nil
}

// enrolProblems are the reasons an enrolment was refused, by ?problem=.
var enrolProblems = map[string]string{
	"upcoming": "enrol.problem.upcoming",
	"closed":   "enrol.problem.closed",
}

// doneNotices are the messages shown after a redirect, by ?done= value.
var doneNotices = map[string]string{
	"enrolled":       "enrol.done.enrolled",
	"waitlisted":     "enrol.done.waitlisted",
	"already":        "enrol.done.already",
	"withdrawn":      "enrol.done.withdrawn",
	"saved":          "courses.saved",
	"status":         "courses.status.changed",
	"sessions":       "sessions.added",
	"session":        "sessions.saved",
	"sessionDeleted": "sessions.deleted",
	"cancelled":      "sessions.cancelled",
	"restored":       "sessions.restored",
}

// course loads the course named by :id, as the viewer may see it: a
// course that is not public answers 404 unless the viewer is staff or
// teaches one of its sessions.
func (h *Handler) course(c *fiber.Ctx) (*Course, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.UserContext()
	course, err := h.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, web.NotFound()
	}
	if err != nil || course.Public() || web.IsStaff(c) {
		return course, err
	}
	if v := web.ViewerOf(c); v.Is(web.RoleLecturer) {
		teaches, err := h.Store.Teaches(ctx, course.ID, v.ID)
		if err != nil || teaches {
			return course, err
		}
	}
	// A trainee keeps seeing a course they are on after it closes.
	if v := web.ViewerOf(c); v.Is(web.RoleTrainee) && h.Enrolments != nil && course.Status != StatusDraft {
		st, err := h.Enrolments.Standing(ctx, course.ID, v.ID)
		if err != nil || st.Status == "enrolled" || st.Status == "waitlisted" {
			return course, err
		}
	}
	return nil, web.NotFound()
}

// CourseOf loads the course named by :id for a staff page (a roll, the
// certificates): an unknown or malformed id is 404.
func CourseOf(c *fiber.Ctx, s *Store) (*Course, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	course, err := s.Get(c.UserContext(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, web.NotFound()
	}
	return course, err
}

// courseForm is what the course form shows.
type courseForm struct {
	ID          int64
	Categories  []string
	Communities []places.Community
}

// New shows an empty course form with the usual defaults, or, with
// ?from=ID, a copy of that course to run again (a new term, say): every
// detail but the code, which must be new; sessions are booked afresh.
func (h *Handler) New(c *fiber.Ctx) error {
	form := Form{MinAttendance: "80", Category: c.Query("category")}
	if from, err := strconv.ParseInt(c.Query("from"), 10, 64); err == nil && from > 0 {
		course, err := h.Store.Get(c.UserContext(), from)
		if errors.Is(err, ErrNotFound) {
			return web.NotFound()
		}
		if err != nil {
			return err
		}
		form = FormOf(course)
		form.Code = ""
	}
	return h.renderForm(c, fiber.StatusOK, 0, form, nil)
}

// Edit shows a course's form.
func (h *Handler) Edit(c *fiber.Ctx) error {
	course, err := h.course(c)
	if err != nil {
		return err
	}
	return h.renderForm(c, fiber.StatusOK, course.ID, FormOf(course), nil)
}

func (h *Handler) renderForm(c *fiber.Ctx, status int, id int64, f Form, errs web.FieldErrors) error {
	communities, err := h.Places.Communities(c.UserContext())
	if err != nil {
		return err
	}
	title := "courses.new"
	if id != 0 {
		title = "courses.edit"
	}
	p := web.NewPage(c, title)
	p.Form, p.Errors = f, errs
	p.Data = courseForm{ID: id, Categories: Categories, Communities: communities}
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	return web.Render(c, status, "courses/form", p)
}

func courseFormFrom(c *fiber.Ctx) Form {
	return Form{
		Code:          web.FormValue(c, "code"),
		Title:         web.FormValue(c, "title"),
		Category:      web.FormValue(c, "category"),
		Description:   web.FormValue(c, "description"),
		Community:     web.FormValue(c, "community"),
		Capacity:      web.FormValue(c, "capacity"),
		StartsOn:      web.FormValue(c, "starts_on"),
		EndsOn:        web.FormValue(c, "ends_on"),
		EnrolOpens:    web.FormValue(c, "enrol_opens"),
		EnrolCloses:   web.FormValue(c, "enrol_closes"),
		CreditHours:   web.FormValue(c, "credit_hours"),
		MinAttendance: web.FormValue(c, "min_attendance"),
	}
}

// courseFieldOf names the form field a store error belongs to.
func courseFieldOf(err error) (field, key string) {
	switch {
	case errors.Is(err, ErrCodeTaken):
		return "code", "courses.code.taken"
	case errors.Is(err, ErrUnknownCommunity):
		return "community", "courses.community.invalid"
	case errors.Is(err, ErrSessionsOutside):
		return "ends_on", "courses.dates.sessions"
	case errors.Is(err, ErrBelowEnrolled):
		return "capacity", "courses.capacity.below"
	}
	return "", ""
}

// Create adds a draft course; it becomes public when published.
func (h *Handler) Create(c *fiber.Ctx) error {
	form := courseFormFrom(c)
	fields, errs := form.Parse()
	if errs.Any() {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, 0, form, errs)
	}
	id, err := h.Store.Create(c.UserContext(), fields, web.ViewerOf(c).ID)
	if field, key := courseFieldOf(err); key != "" {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, 0, form, web.FieldErrors{field: key})
	} else if err != nil {
		return err
	}
	return c.Redirect(courseURL(id)+"?done=saved", fiber.StatusSeeOther)
}

// Update saves a course's details.
func (h *Handler) Update(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	form := courseFormFrom(c)
	fields, errs := form.Parse()
	if errs.Any() {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, id, form, errs)
	}
	err = h.Store.Update(c.UserContext(), id, fields)
	switch field, key := courseFieldOf(err); {
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case errors.Is(err, ErrArchived):
		return h.renderForm(c, fiber.StatusUnprocessableEntity, id, form, web.FieldErrors{"code": "courses.archived"})
	case key != "":
		return h.renderForm(c, fiber.StatusUnprocessableEntity, id, form, web.FieldErrors{field: key})
	case err != nil:
		return err
	}
	if h.Enrolments != nil {
		// A raised capacity goes to the waitlist first, in order.
		if _, err := h.Enrolments.FillSeats(c.UserContext(), id, web.ViewerOf(c).ID); err != nil {
			return err
		}
	}
	return c.Redirect(courseURL(id)+"?done=saved", fiber.StatusSeeOther)
}

// SetStatus publishes, unpublishes, closes, reopens or archives a course.
func (h *Handler) SetStatus(c *fiber.Ctx) error {
	course, err := h.course(c)
	if err != nil {
		return err
	}
	to := c.FormValue("status")
	err = h.Store.SetStatus(c.UserContext(), course.ID, to)
	if errors.Is(err, ErrBadTransition) {
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "courses.status.refused")
	}
	if err != nil {
		return err
	}
	return c.Redirect(courseURL(course.ID)+"?done=status", fiber.StatusSeeOther)
}

func courseURL(id int64) string { return "/courses/" + strconv.FormatInt(id, 10) }
