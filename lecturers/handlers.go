package lecturers

import (
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/places"
	"partyschool/web"
)

const perPage = 30

// Handler answers the roster pages. The roster is public — the school
// shows who teaches — but only coordinators see inactive lecturers, phone
// numbers (masked) and the buttons that change anything.
type Handler struct {
	Store    *Store
	Places   *places.Store
	Teaching Teaching
	Logger   *slog.Logger // records who exported the roster's personal data
}

// rosterPage is what the roster template shows.
type rosterPage struct {
	Lecturers  []Lecturer
	Counts     []TeamCount
	Topics     []string
	Teams      []string
	Filter     Filter
	Total      int
	Pager      web.Pager
	ExportXLSX string // the exports of the roster as filtered
	ExportCSV  string
	ExportFull string // the .xlsx with whole phone numbers
	Staff      bool
}

// filterOf reads the roster filter from the query string. Only staff may
// look at inactive lecturers.
func filterOf(c *fiber.Ctx) Filter {
	f := Filter{
		Team:   c.Query("team"),
		Topic:  web.Clean(c.Query("topic"), 80),
		Query:  web.Clean(c.Query("q"), 50),
		Status: c.Query("status"),
		Staff:  web.IsStaff(c),
	}
	if !ValidTeam(f.Team) {
		f.Team = ""
	}
	if f.Status != "inactive" && f.Status != "all" || !f.Staff {
		f.Status = "active"
	}
	return f
}

func (f Filter) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"team": f.Team, "topic": f.Topic, "q": f.Query} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Status != "active" {
		v.Set("status", f.Status)
	}
	return v
}

// exportURL is the address of the roster's export as filtered, with
// whole phone numbers or masked ones.
func exportURL(format string, f Filter, fullPhones bool) string {
	v := f.values()
	if fullPhones {
		v.Set("phones", "full")
	}
	u := "/lecturers/export." + format
	if q := v.Encode(); q != "" {
		u += "?" + q
	}
	return u
}

// Index shows the roster with counts per team and filters by team, topic
// and status.
func (h *Handler) Index(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := filterOf(c)
	page := web.PageNumber(c)
	f.Limit, f.Offset = perPage, (page-1)*perPage
	list, total, err := h.Store.List(ctx, f)
	if err != nil {
		return err
	}
	counts, err := h.Store.TeamCounts(ctx)
	if err != nil {
		return err
	}
	topics, err := h.Store.Topics(ctx)
	if err != nil {
		return err
	}
	d := rosterPage{
		Lecturers: list, Counts: counts, Topics: topics, Teams: Teams, Filter: f,
		Total: total, Staff: f.Staff,
		ExportXLSX: exportURL("xlsx", f, false), ExportCSV: exportURL("csv", f, false),
		ExportFull: exportURL("xlsx", f, true),
	}
	link := func(n int) string {
		v := f.values()
		v.Set("page", strconv.Itoa(n))
		return "/lecturers?" + v.Encode()
	}
	d.Pager = web.NewPager(page, total, perPage, link)
	p := web.NewPage(c, "lecturers.title")
	p.Data = d
	switch c.Query("done") {
	case "deleted":
		p.Notice = p.T("lecturers.deleted")
	case "imported":
		p.Notice = p.T("lecturers.import.done", c.QueryInt("n"))
	}
	return web.Render(c, fiber.StatusOK, "lecturers/index", p)
}

// lecturerPage is what a lecturer's page shows.
type lecturerPage struct {
	Lecturer *Lecturer
	Upcoming []Taught
	Hours    float64
	Year     int
	Staff    bool
}

// Show is a lecturer's page: who they are, their upcoming sessions and the
// hours they taught this year. The public sees active lecturers only.
func (h *Handler) Show(c *fiber.Ctx) error {
	l, err := h.lecturer(c)
	if err != nil {
		return err
	}
	return h.renderShow(c, fiber.StatusOK, l, "")
}

func (h *Handler) renderShow(c *fiber.Ctx, status int, l *Lecturer, alertKey string) error {
	staff := web.IsStaff(c)
	if !l.Active && !staff {
		return web.NotFound()
	}
	ctx := c.UserContext()
	upcoming, err := h.Teaching.Upcoming(ctx, l.ID, !staff, 20)
	if err != nil {
		return err
	}
	year := time.Now().In(web.Shanghai).Year()
	hours, err := h.Teaching.HoursTaught(ctx, l.ID, year)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "")
	p.Title = l.Name
	p.Data = lecturerPage{Lecturer: l, Upcoming: upcoming, Hours: hours, Year: year, Staff: staff}
	switch c.Query("done") {
	case "saved":
		p.Notice = p.T("lecturers.saved")
	case "deactivated":
		p.Notice = p.T("lecturers.deactivated")
	case "activated":
		p.Notice = p.T("lecturers.activated")
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey)
	}
	return web.Render(c, status, "lecturers/show", p)
}

// lecturer loads the lecturer named by the :id parameter, or answers 404.
func (h *Handler) lecturer(c *fiber.Ctx) (*Lecturer, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	l, err := h.Store.Get(c.UserContext(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, web.NotFound()
	}
	return l, err
}

// formPage is what the lecturer form shows.
type formPage struct {
	ID          int64 // 0 for a new lecturer
	Teams       []string
	Communities []places.Community
}

// New shows an empty lecturer form.
func (h *Handler) New(c *fiber.Ctx) error {
	return h.renderForm(c, fiber.StatusOK, 0, Form{Team: c.Query("team")}, nil)
}

// Edit shows a lecturer's form.
func (h *Handler) Edit(c *fiber.Ctx) error {
	l, err := h.lecturer(c)
	if err != nil {
		return err
	}
	return h.renderForm(c, fiber.StatusOK, l.ID, FormOf(l), nil)
}

func (h *Handler) renderForm(c *fiber.Ctx, status int, id int64, f Form, errs web.FieldErrors) error {
	communities, err := h.Places.Communities(c.UserContext())
	if err != nil {
		return err
	}
	title := "lecturers.new"
	if id != 0 {
		title = "lecturers.edit"
	}
	p := web.NewPage(c, title)
	p.Form, p.Errors = f, errs
	p.Data = formPage{ID: id, Teams: Teams, Communities: communities}
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	return web.Render(c, status, "lecturers/form", p)
}

func formFrom(c *fiber.Ctx) Form {
	return Form{
		Name:         web.FormValue(c, "name"),
		Team:         web.FormValue(c, "team"),
		Title:        web.FormValue(c, "title"),
		Organisation: web.FormValue(c, "organisation"),
		Community:    web.FormValue(c, "community"),
		Phone:        web.FormValue(c, "phone"),
		Topics:       web.FormValue(c, "topics"),
		Bio:          web.FormValue(c, "bio"),
		Username:     web.FormValue(c, "username"),
	}
}

// Create adds a lecturer to a roster.
func (h *Handler) Create(c *fiber.Ctx) error {
	form := formFrom(c)
	fields, errs := form.Parse()
	if errs.Any() {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, 0, form, errs)
	}
	id, err := h.Store.Create(c.UserContext(), fields)
	if field, key := fieldOf(err); key != "" {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, 0, form, web.FieldErrors{field: key})
	} else if err != nil {
		return err
	}
	return c.Redirect("/lecturers/"+strconv.FormatInt(id, 10)+"?done=saved", fiber.StatusSeeOther)
}

// Update saves a lecturer's details.
func (h *Handler) Update(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	form := formFrom(c)
	fields, errs := form.Parse()
	if errs.Any() {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, id, form, errs)
	}
	err = h.Store.Update(c.UserContext(), id, fields)
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if field, key := fieldOf(err); key != "" {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, id, form, web.FieldErrors{field: key})
	} else if err != nil {
		return err
	}
	return c.Redirect("/lecturers/"+strconv.FormatInt(id, 10)+"?done=saved", fiber.StatusSeeOther)
}

// fieldOf names the form field a store error belongs to, and its message.
func fieldOf(err error) (field, key string) {
	switch {
	case errors.Is(err, ErrPhoneTaken):
		return "phone", "lecturers.phone.taken"
	case errors.Is(err, ErrUnknownUser):
		return "username", "lecturers.user.unknown"
	case errors.Is(err, ErrUserLinked):
		return "username", "lecturers.user.linked"
	case errors.Is(err, ErrUnknownCommunity):
		return "community", "lecturers.community.invalid"
	}
	return "", ""
}

// Deactivate takes a lecturer off the active roster; their history stays.
func (h *Handler) Deactivate(c *fiber.Ctx) error { return h.setActive(c, false) }

// Activate puts a lecturer back on the active roster.
func (h *Handler) Activate(c *fiber.Ctx) error { return h.setActive(c, true) }

func (h *Handler) setActive(c *fiber.Ctx, active bool) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	if err := h.Store.SetActive(c.UserContext(), id, active); errors.Is(err, ErrNotFound) {
		return web.NotFound()
	} else if err != nil {
		return err
	}
	done := "deactivated"
	if active {
		done = "activated"
	}
	return c.Redirect("/lecturers/"+strconv.FormatInt(id, 10)+"?done="+done, fiber.StatusSeeOther)
}

// Delete removes a lecturer entered by mistake. One who has sessions is
// kept, with a message: deactivating keeps the history.
func (h *Handler) Delete(c *fiber.Ctx) error {
	l, err := h.lecturer(c)
	if err != nil {
		return err
	}
	err = h.Store.Delete(c.UserContext(), l.ID)
	if errors.Is(err, ErrHasSessions) {
		return h.renderShow(c, fiber.StatusUnprocessableEntity, l, "lecturers.delete.used")
	}
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	return c.Redirect("/lecturers?done=deleted", fiber.StatusSeeOther)
}
