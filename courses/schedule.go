package courses

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partyschool/lecturers"
	"partyschool/places"
	"partyschool/web"
)

// sessionForm is what the session form shows.
type sessionForm struct {
	Course    *Course
	SessionID int64         // 0 when adding
	Teams     []teamOptions // the lecturers to choose from, by roster
	Venues    []places.Venue
	Conflicts []Conflict
	MaxRepeat int
}

// NewSessions shows the form that schedules one session or a weekly series.
func (h *Handler) NewSessions(c *fiber.Ctx) error {
	course, err := h.course(c)
	if err != nil {
		return err
	}
	form := SessionForm{Weeks: "1", Start: "19:00", End: "21:00", Date: dateOf(course.StartsOn).Format(web.DateLayout)}
	return h.renderSessionForm(c, fiber.StatusOK, course, 0, form, nil, nil)
}

// CreateSessions books the planned sessions, all or none; a refusal lists
// every conflict with the session in the way.
func (h *Handler) CreateSessions(c *fiber.Ctx) error {
	course, err := h.course(c)
	if err != nil {
		return err
	}
	form := sessionFormFrom(c)
	slots, errs := form.Parse()
	if errs.Any() {
		return h.renderSessionForm(c, fiber.StatusUnprocessableEntity, course, 0, form, errs, nil)
	}
	conflicts, err := h.Store.AddSessions(c.UserContext(), course.ID, slots)
	if done, err := h.bookingResult(c, course, 0, form, conflicts, err); done || err != nil {
		return err
	}
	return c.Redirect(courseURL(course.ID)+"?done=sessions", fiber.StatusSeeOther)
}

// EditSession shows one session's form.
func (h *Handler) EditSession(c *fiber.Ctx) error {
	s, course, err := h.session(c)
	if err != nil {
		return err
	}
	return h.renderSessionForm(c, fiber.StatusOK, course, s.ID, FormOfSession(s), nil, nil)
}

// UpdateSession moves or changes one session.
func (h *Handler) UpdateSession(c *fiber.Ctx) error {
	s, course, err := h.session(c)
	if err != nil {
		return err
	}
	form := sessionFormFrom(c)
	form.Weeks = "1"
	slots, errs := form.Parse()
	if errs.Any() {
		return h.renderSessionForm(c, fiber.StatusUnprocessableEntity, course, s.ID, form, errs, nil)
	}
	conflicts, err := h.Store.UpdateSession(c.UserContext(), s.ID, slots[0])
	if done, err := h.bookingResult(c, course, s.ID, form, conflicts, err); done || err != nil {
		return err
	}
	return c.Redirect(courseURL(course.ID)+"?done=session", fiber.StatusSeeOther)
}

// bookingResult answers a refused booking with the form and its reasons;
// done is false when the booking went through.
func (h *Handler) bookingResult(c *fiber.Ctx, course *Course, sessionID int64, form SessionForm, conflicts []Conflict, err error) (bool, error) {
	var field, key string
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, ErrNotFound):
		return true, web.NotFound()
	case errors.Is(err, ErrConflict) && len(conflicts) == 0:
		// The database refused a clash with a booking made at the same
		// moment, which is gone again by the time we look.
		return true, h.renderSessionForm(c, fiber.StatusUnprocessableEntity, course, sessionID, form, web.FieldErrors{"date": "sessions.conflicts.race"}, nil)
	case errors.Is(err, ErrConflict):
		return true, h.renderSessionForm(c, fiber.StatusUnprocessableEntity, course, sessionID, form, web.FieldErrors{}, conflicts)
	case errors.Is(err, ErrUnknownLecturer):
		field, key = "lecturer", "sessions.lecturer.unknown"
	case errors.Is(err, ErrUnknownVenue):
		field, key = "venue", "sessions.venue.unknown"
	case errors.Is(err, ErrArchived):
		field, key = "date", "courses.archived"
	default:
		return true, err
	}
	return true, h.renderSessionForm(c, fiber.StatusUnprocessableEntity, course, sessionID, form, web.FieldErrors{field: key}, nil)
}

// DeleteSession removes a session.
func (h *Handler) DeleteSession(c *fiber.Ctx) error {
	s, course, err := h.session(c)
	if err != nil {
		return err
	}
	err = h.Store.DeleteSession(c.UserContext(), s.ID)
	if errors.Is(err, ErrSessionHasRecord) {
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "sessions.delete.used")
	}
	if errors.Is(err, ErrArchived) {
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "courses.archived")
	}
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	return c.Redirect(courseURL(course.ID)+"?done=sessionDeleted", fiber.StatusSeeOther)
}

// CancelSession calls a session off (停课) with an optional reason; it
// stays on the timetable and in calendar feeds, marked as cancelled.
func (h *Handler) CancelSession(c *fiber.Ctx) error {
	s, course, err := h.session(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(web.FormValue(c, "reason"))
	if utf8.RuneCountInString(reason) > 200 {
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "sessions.reason.long")
	}
	err = h.Store.CancelSession(c.UserContext(), s.ID, reason)
	if errors.Is(err, ErrNotFound) { // deleted meanwhile
		return web.NotFound()
	}
	if errors.Is(err, ErrArchived) {
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "courses.archived")
	}
	if err != nil {
		return err
	}
	return c.Redirect(courseURL(course.ID)+"?done=cancelled", fiber.StatusSeeOther)
}

// RestoreSession takes a cancellation back, unless the lecturer or the
// venue was booked meanwhile: then the page names the booking in the way.
func (h *Handler) RestoreSession(c *fiber.Ctx) error {
	s, course, err := h.session(c)
	if err != nil {
		return err
	}
	conflicts, err := h.Store.RestoreSession(c.UserContext(), s.ID)
	switch {
	case errors.Is(err, ErrNotFound): // deleted meanwhile
		return web.NotFound()
	case errors.Is(err, ErrArchived):
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "courses.archived")
	case errors.Is(err, ErrConflict) && len(conflicts) > 0 && conflicts[0].Blocker != nil:
		b := conflicts[0].Blocker
		p := web.NewPage(c, "")
		when := web.DayLabel(p.Lang, b.StartsAt) + " " + b.StartsAt.In(web.Shanghai).Format(web.ClockLayout) +
			"–" + b.EndsAt.In(web.Shanghai).Format(web.ClockLayout)
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "sessions.restore.conflict",
			p.T(conflicts[0].Reason, b.LecturerName, b.VenueName)+" "+b.CourseTitle+" "+when)
	case errors.Is(err, ErrConflict):
		return h.renderShow(c, fiber.StatusUnprocessableEntity, course, "sessions.conflicts.race")
	case err != nil:
		return err
	}
	return c.Redirect(courseURL(course.ID)+"?done=restored", fiber.StatusSeeOther)
}

// teamOptions is one roster's lecturers in the session form.
type teamOptions struct {
	Team    string
	Options []web.Option
}

// byTeam groups the lecturers (sorted by team) by roster, so a city's
// hundreds of lecturers are a list one can find someone in; chosen is the
// form's current lecturer.
func byTeam(options []lecturers.Option, chosen string) []teamOptions {
	var out []teamOptions
	for _, o := range options {
		if len(out) == 0 || out[len(out)-1].Team != o.Team {
			out = append(out, teamOptions{Team: o.Team})
		}
		id := strconv.FormatInt(o.ID, 10)
		last := &out[len(out)-1]
		last.Options = append(last.Options, web.Option{Value: id, Label: o.Name, Selected: id == chosen})
	}
	return out
}

// session loads the session named by :id and its course.
func (h *Handler) session(c *fiber.Ctx) (*Session, *Course, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, nil, err
	}
	ctx := c.UserContext()
	s, err := h.Store.Session(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, web.NotFound()
	}
	if err != nil {
		return nil, nil, err
	}
	course, err := h.Store.Get(ctx, s.CourseID)
	if err != nil {
		return nil, nil, err
	}
	return s, course, nil
}

func (h *Handler) renderSessionForm(c *fiber.Ctx, status int, course *Course, sessionID int64, form SessionForm, errs web.FieldErrors, conflicts []Conflict) error {
	ctx := c.UserContext()
	var keepLecturer, keepVenue int64
	if sessionID != 0 {
		keepLecturer, _ = strconv.ParseInt(form.Lecturer, 10, 64)
		keepVenue, _ = strconv.ParseInt(form.Venue, 10, 64)
	}
	options, err := h.Lecturers.Options(ctx, keepLecturer)
	if err != nil {
		return err
	}
	venues, err := h.Places.Venues(ctx)
	if err != nil {
		return err
	}
	usable := venues[:0]
	for _, v := range venues {
		if v.Active || v.ID == keepVenue {
			usable = append(usable, v)
		}
	}
	title := "sessions.new"
	if sessionID != 0 {
		title = "sessions.edit"
	}
	p := web.NewPage(c, title)
	p.Form, p.Errors = form, errs
	p.Data = sessionForm{Course: course, SessionID: sessionID, Teams: byTeam(options, form.Lecturer), Venues: usable, Conflicts: conflicts, MaxRepeat: MaxRepeat}
	switch {
	case len(conflicts) > 0:
		p.Alert = p.T("sessions.conflicts", len(conflicts))
	case errs.Any():
		p.Alert = p.T("form.fix")
	}
	return web.Render(c, status, "courses/session_form", p)
}

func sessionFormFrom(c *fiber.Ctx) SessionForm {
	return SessionForm{
		Lecturer: web.FormValue(c, "lecturer"),
		Venue:    web.FormValue(c, "venue"),
		Date:     web.FormValue(c, "date"),
		Start:    web.FormValue(c, "start"),
		End:      web.FormValue(c, "end"),
		Topic:    web.FormValue(c, "topic"),
		Weeks:    web.FormValue(c, "weeks"),
	}
}
