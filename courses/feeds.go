package courses

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/ical"
	"partyschool/lecturers"
	"partyschool/places"
	"partyschool/web"
)

// Feeds cover the sessions of published courses from two weeks back to a
// year ahead, the soonest feedLimit of them: enough for a phone's
// calendar, bounded for the server. The past window is short so that a
// busy team's or venue's history never crowds out what is ahead.
const (
	feedPast   = 14 * 24 * time.Hour
	feedLimit  = 2000
	feedFuture = 366 * 24 * time.Hour
	feedAlarm  = time.Hour
)

// feedURL is the absolute address of a feed, from BASE_URL (never from
// the request's Host header, which a client writes).
func (h *Handler) feedURL(kind string, id int64) string {
	return h.feedPath("/calendar/" + kind + "/" + strconv.FormatInt(id, 10) + ".ics")
}

func (h *Handler) feedPath(path string) string {
	return strings.TrimSuffix(h.BaseURL.String(), "/") + path
}

// CourseFeed is the calendar of one published course.
func (h *Handler) CourseFeed(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	course, err := h.Store.Get(c.UserContext(), id)
	if errors.Is(err, ErrNotFound) || err == nil && !course.Public() {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	return h.writeFeed(c, course.Title, TimetableFilter{CourseID: id})
}

// LecturerFeed is the calendar of one lecturer's public sessions.
func (h *Handler) LecturerFeed(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	l, err := h.Lecturers.Get(c.UserContext(), id)
	if errors.Is(err, lecturers.ErrNotFound) || err == nil && !l.Active {
		return web.NotFound() // an inactive lecturer is off the public roster
	}
	if err != nil {
		return err
	}
	// A mentor's post days are in their feed too, without the mentee's
	// name: this feed is public.
	var days []ical.Event
	if l.UserID != nil {
		if days, err = h.appointmentEvents(c, *l.UserID, "feed.postday.mentor", false); err != nil {
			return err
		}
	}
	return h.writeFeed(c, l.Name, TimetableFilter{LecturerID: id}, days...)
}

// appointmentEvents are a user's post days (and any other appointments)
// in the feed's window, as events; withNames adds whom they are with,
// for the user's private feed only.
func (h *Handler) appointmentEvents(c *fiber.Ctx, userID int64, summaryKey string, withNames bool) ([]ical.Event, error) {
	if h.Appointments == nil {
		return nil, nil
	}
	now := time.Now()
	list, err := h.Appointments.Appointments(c.UserContext(), userID, now.Add(-feedPast), now.Add(feedFuture))
	if err != nil {
		return nil, err
	}
	host := h.BaseURL.Hostname()
	events := make([]ical.Event, 0, len(list))
	for _, a := range list {
		e := ical.Event{
			UID:      "postday-" + strconv.FormatInt(a.ID, 10) + "@" + host,
			Start:    a.StartsAt,
			End:      a.EndsAt,
			Summary:  web.T(c, summaryKey, a.Title),
			Location: a.Place,
			Alarm:    feedAlarm,
		}
		if withNames {
			e.Description = web.T(c, "schedule.postday.with", a.With)
			e.URL = h.feedPath(a.Link)
		}
		events = append(events, e)
	}
	return events, nil
}

// TeamFeed is the calendar of one roster's public sessions.
func (h *Handler) TeamFeed(c *fiber.Ctx) error {
	team := c.Params("team")
	if !lecturers.ValidTeam(team) {
		return web.NotFound()
	}
	return h.writeFeed(c, web.T(c, "team."+team), TimetableFilter{Team: team})
}

// VenueFeed is the calendar of one venue's public sessions.
func (h *Handler) VenueFeed(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	v, err := h.Places.Venue(c.UserContext(), id)
	if errors.Is(err, places.ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	return h.writeFeed(c, strings.TrimSpace(v.CommunityName+" "+v.Name), TimetableFilter{VenueID: id})
}

// revision numbers a session's state for SEQUENCE: the seconds from the
// start of 2026 to its last change (of the session, its course or its
// lecturer), so every change raises it.
func revision(updated time.Time) int {
	return max(1, int(updated.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Seconds()))
}

// writeFeed answers with the iCalendar of the sessions f chooses among
// published courses. Each session's UID is its id at the school's host, so
// a calendar app updates an event when the session moves.
func (h *Handler) writeFeed(c *fiber.Ctx, name string, f TimetableFilter, extra ...ical.Event) error {
	now := time.Now()
	f.From, f.To = now.Add(-feedPast), now.Add(feedFuture)
	if f.Statuses == nil {
		f.Statuses = []string{StatusPublished}
	}
	f.Limit = feedLimit
	sessions, err := h.Store.Timetable(c.UserContext(), f)
	if err != nil {
		return err
	}
	cal := ical.Calendar{
		ProdID:   "-//partyschool//timetable//ZH",
		Name:     name + " · " + web.T(c, "timetable.title"),
		TimeZone: "Asia/Shanghai",
		Refresh:  6 * time.Hour,
		Events:   make([]ical.Event, 0, len(sessions)+len(extra)),
	}
	host := h.BaseURL.Hostname()
	for _, s := range sessions {
		summary := s.CourseTitle
		if s.Topic != "" {
			summary += "：" + s.Topic
		}
		alarm := feedAlarm
		if s.Cancelled() {
			// Said in the title too, for apps that ignore STATUS, and
			// no reminder for a session that will not take place.
			summary = web.T(c, "feed.cancelled") + summary
			alarm = 0
		}
		cal.Events = append(cal.Events, ical.Event{
			UID:         "session-" + strconv.FormatInt(s.ID, 10) + "@" + host,
			Start:       s.StartsAt,
			End:         s.EndsAt,
			Summary:     summary,
			Location:    s.Place(),
			Description: web.T(c, "feed.description", s.LecturerName, web.T(c, "team."+s.LecturerTeam), s.CourseCode),
			URL:         h.feedPath(courseURL(s.CourseID)),
			Updated:     s.UpdatedAt,
			Sequence:    revision(s.UpdatedAt),
			Alarm:       alarm,
			Cancelled:   s.Cancelled(),
		})
	}
	cal.Events = append(cal.Events, extra...)
	var buf bytes.Buffer
	if err := cal.Write(&buf, now); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="timetable.ics"`)
	return c.Send(buf.Bytes())
}

// traineeStatuses are the course statuses whose sessions a trainee's own
// schedule shows: a course they are on stays there after it closes.
var traineeStatuses = []string{StatusPublished, StatusClosed, StatusArchived}

// TraineeFeed is a trainee's private calendar: the sessions of the courses
// where they hold a seat. The address's secret token is the only key, so
// a wrong one answers 404 like any missing page, and the answer is not
// kept by shared caches.
func (h *Handler) TraineeFeed(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, name, err := h.Schedules.ByFeedToken(ctx, c.Params("token"))
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err // an outage: a calendar app retries, where a 404 could make it drop the feed
	}
	ids, err := h.Schedules.EnrolledCourseIDs(ctx, id)
	if err != nil {
		return err
	}
	days, err := h.appointmentEvents(c, id, "feed.postday", true)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return h.writeFeed(c, name, TimetableFilter{CourseIDs: ids, Statuses: traineeStatuses}, days...)
}

// traineeFeedURL is the address of a trainee's private feed.
func (h *Handler) traineeFeedURL(token string) string {
	return h.feedPath("/calendar/trainees/" + token + ".ics")
}
