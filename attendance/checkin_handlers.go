package attendance

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"
	"golang.org/x/text/width"

	"partyschool/courses"
	"partyschool/web"
)

// checkinRules reads the school's check-in settings.
func (h *Handler) checkinRules(ctx context.Context) (Rules, error) {
	school, err := h.Settings.Get(ctx)
	if err != nil {
		return Rules{}, err
	}
	return Rules{OpensMinutes: school.CheckinOpensMinutes, GraceMinutes: school.CheckinGraceMinutes}, nil
}

// displayURL is the address of a session's check-in display.
func displayURL(sessionID int64) string {
	return "/sessions/" + strconv.FormatInt(sessionID, 10) + "/checkin"
}

// checkinURL is the absolute address a QR code carries: the trainee's
// check-in form with the session and the code filled in. It is built from
// BASE_URL, never from the request (SECURITY.md 15).
func (h *Handler) checkinURL(query url.Values) string {
	u := url.URL{Path: "/checkin"}
	if h.BaseURL != nil {
		u = *h.BaseURL
		u.Path = strings.TrimRight(u.Path, "/") + "/checkin"
		u.RawPath, u.Fragment = "", ""
	}
	u.RawQuery = query.Encode()
	return u.String()
}

// qrImage is a QR code of text as a PNG data: URI, which the CSP allows
// as an image.
func qrImage(text string) (template.URL, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, 256)
	if err != nil {
		return "", fmt.Errorf("QR code: %w", err)
	}
	// Our own bytes, base64-encoded: nothing a visitor wrote.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// The states of a check-in display.
const (
	stateOpen      = "open"      // trainees can check in: the code is on show
	stateReady     = "ready"     // within the window, not opened yet
	stateClosed    = "closed"    // within the window, closed: it can be reopened
	stateEarly     = "early"     // before the window
	stateEnded     = "ended"     // the session is over
	stateCancelled = "cancelled" // the session is called off
)

// displayState is what a display shows of ck.
func displayState(ck *Checkin, r Rules) string {
	from, to := r.Window(ck.StartsAt, ck.EndsAt)
	switch {
	case ck.Cancelled:
		return stateCancelled
	case ck.Now.After(to):
		return stateEnded
	case ck.Now.Before(from):
		return stateEarly
	case ck.Open():
		return stateOpen
	case ck.Opened:
		return stateClosed
	}
	return stateReady
}

// displayPage is what the check-in display shows: no names, only counts,
// since it is on the wall of a room.
type displayPage struct {
	Session     *courses.Session
	Checkin     *Checkin
	State       string
	CanOpen     bool
	From, To    time.Time // the check-in window
	Code        string
	QR          template.URL
	SecondsLeft int
	Address     string // where to type the code, for those who do not scan
}

// CheckinDisplay is the page for the room's screen or projector (it
// works on a phone as well): the course, the time, and while check-in is
// open a QR code of the check-in address with the code in it, the code in
// huge digits, when it changes, and how many have checked in. A script
// keeps it current; without one, the refresh link does.
func (h *Handler) CheckinDisplay(c *fiber.Ctx) error {
	s, err := h.sessionFor(c)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "checkin.display.title")
	if key := displayNotices[c.Query("done")]; key != "" {
		p.Notice = p.T(key)
	}
	return h.renderDisplay(c, fiber.StatusOK, p, s)
}

// displayNotices are the messages after opening and closing, by ?done=.
var displayNotices = map[string]string{
	"opened": "checkin.opened",
	"closed": "checkin.closed",
}

// renderDisplay shows the display of session s on page p.
func (h *Handler) renderDisplay(c *fiber.Ctx, status int, p *web.Page, s *courses.Session) error {
	ctx := c.UserContext()
	r, err := h.checkinRules(ctx)
	if err != nil {
		return err
	}
	ck, err := h.Store.Checkin(ctx, s.ID)
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	d := displayPage{Session: s, Checkin: ck, State: displayState(ck, r), Address: h.checkinURL(nil)}
	d.From, d.To = r.Window(ck.StartsAt, ck.EndsAt)
	d.CanOpen = d.State == stateReady || d.State == stateClosed
	if d.State == stateOpen {
		d.Code, d.SecondsLeft = ck.Code(), ck.SecondsLeft()
		if d.QR, err = qrImage(h.codeURL(s.ID, d.Code)); err != nil {
			return err
		}
	}
	p.Path = displayURL(s.ID) // a refused POST renders here
	p.Data = d
	p.Scripts = []string{"js/checkin.js"}
	c.Set(fiber.HeaderCacheControl, "no-store") // a live code
	return web.Render(c, status, "attendance/checkin_display", p)
}

// codeURL is what the QR code of a session's current code says.
func (h *Handler) codeURL(sessionID int64, code string) string {
	return h.checkinURL(url.Values{"s": {strconv.FormatInt(sessionID, 10)}, "c": {code}})
}

// codeJSON is the display's refresh: the code, its QR code, the seconds it
// has left and the counts. Nothing else: no names, no secret.
type codeJSON struct {
	Open        bool   `json:"open"`
	Code        string `json:"code"`
	QR          string `json:"qr"`
	SecondsLeft int    `json:"seconds_left"`
	CheckedIn   int    `json:"checked_in"`
	Enrolled    int    `json:"enrolled"`
}

// CheckinCode answers the display page's refresh with codeJSON.
func (h *Handler) CheckinCode(c *fiber.Ctx) error {
	s, err := h.sessionFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r, err := h.checkinRules(ctx)
	if err != nil {
		return err
	}
	ck, err := h.Store.Checkin(ctx, s.ID)
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	out := codeJSON{CheckedIn: ck.CheckedIn, Enrolled: ck.Enrolled, SecondsLeft: ck.SecondsLeft()}
	if displayState(ck, r) == stateOpen {
		out.Open, out.Code = true, ck.Code()
		qr, err := qrImage(h.codeURL(s.ID, out.Code))
		if err != nil {
			return err
		}
		out.QR = string(qr)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// OpenCheckin opens self check-in of a session: its lecturer or a
// coordinator, within the check-in window.
func (h *Handler) OpenCheckin(c *fiber.Ctx) error {
	s, err := h.sessionFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r, err := h.checkinRules(ctx)
	if err != nil {
		return err
	}
	err = h.Store.OpenCheckin(ctx, s.ID, web.ViewerOf(c).ID, r)
	p := web.NewPage(c, "checkin.display.title")
	switch {
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case errors.Is(err, ErrCancelled):
		p.Alert = p.T("checkin.open.cancelled")
		return h.renderDisplay(c, fiber.StatusUnprocessableEntity, p, s)
	case errors.Is(err, ErrOutsideWindow):
		from, to := r.Window(s.StartsAt, s.EndsAt)
		p.Alert = p.T("checkin.open.window", r.OpensMinutes, windowText(p.Lang, from, to))
		return h.renderDisplay(c, fiber.StatusUnprocessableEntity, p, s)
	case err != nil:
		return err
	}
	h.Logger.Info("check-in opened", "session", s.ID, "by", web.ViewerOf(c).ID, "request_id", web.RequestID(c))
	return c.Redirect(displayURL(s.ID)+"?done=opened", fiber.StatusSeeOther)
}

// CloseCheckin closes self check-in of a session.
func (h *Handler) CloseCheckin(c *fiber.Ctx) error {
	s, err := h.sessionFor(c)
	if err != nil {
		return err
	}
	if err := h.Store.CloseCheckin(c.UserContext(), s.ID); err != nil {
		return err
	}
	h.Logger.Info("check-in closed", "session", s.ID, "by", web.ViewerOf(c).ID, "request_id", web.RequestID(c))
	return c.Redirect(displayURL(s.ID)+"?done=closed", fiber.StatusSeeOther)
}

// windowText words a check-in window: 12月1日 周二 08:30–11:00.
func windowText(lang string, from, to time.Time) string {
	clock := func(t time.Time) string { return t.In(web.Shanghai).Format(web.ClockLayout) }
	return web.DayLabel(lang, from) + " " + clock(from) + "–" + clock(to)
}

// checkinForm is what the trainee's check-in page shows: the form, or
// what a check-in did.
type checkinForm struct {
	SessionID int64            // from the QR code: the session to check in to
	Session   *courses.Session // its course and time, to show
	Code      string
	Done      *checkinDone
}

// checkinDone is the trainee's mark after a check-in.
type checkinDone struct {
	Session  *courses.Session
	Mark     *OwnMark
	Fresh    bool // made by this check-in
	Attended bool // present or late
}

// CheckinForm is the trainee's check-in page: one field for the six-digit
// code, or, from the QR code (?s=&c=), the session named and the code
// filled in, with one button to confirm. A GET never records anything.
// After a check-in (?ok=) it shows the trainee's mark.
func (h *Handler) CheckinForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := web.NewPage(c, "checkin.title")
	if ok, err := strconv.ParseInt(c.Query("ok"), 10, 64); err == nil && ok > 0 {
		done, err := h.doneOf(ctx, ok, web.ViewerOf(c).ID, c.Query("already") == "")
		if err != nil {
			return err
		}
		if done != nil {
			p.Data = checkinForm{Done: done}
			switch {
			case done.Fresh:
				p.Title = p.T("checkin.done.fresh")
			case done.Attended:
				p.Title = p.T("checkin.done.already")
			default:
				p.Title = p.T("checkin.done.kept")
			}
			return web.Render(c, fiber.StatusOK, "attendance/checkin_form", p)
		}
	}
	f := checkinForm{Code: normaliseCode(web.Clean(c.Query("c"), 64))}
	if len(f.Code) > codeDigits {
		f.Code = ""
	}
	if id, err := strconv.ParseInt(c.Query("s"), 10, 64); err == nil && id > 0 {
		if err := h.namedSession(ctx, &f, id, web.ViewerOf(c).ID); err != nil {
			return err
		}
	}
	p.Data = f
	return web.Render(c, fiber.StatusOK, "attendance/checkin_form", p)
}

// namedSession fills in the session the QR code names, if the trainee has
// a seat on its course. Any other session, a draft course's included,
// leaves the plain form: its course, time and topic are not shown, and a
// missing session looks the same.
func (h *Handler) namedSession(ctx context.Context, f *checkinForm, id, traineeID int64) error {
	seated, err := h.Store.Seated(ctx, id, traineeID)
	if err != nil || !seated {
		return err
	}
	s, err := h.Courses.Session(ctx, id)
	if errors.Is(err, courses.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	f.SessionID, f.Session = s.ID, s
	return nil
}

// doneOf is the trainee's mark on a session, or nil if they have none.
func (h *Handler) doneOf(ctx context.Context, sessionID, traineeID int64, fresh bool) (*checkinDone, error) {
	mark, err := h.Store.MarkOf(ctx, sessionID, traineeID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := h.Courses.Session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return &checkinDone{
		Session: s, Mark: mark, Attended: Attended(mark.Status),
		Fresh: fresh && mark.Source == SourceSelf && Attended(mark.Status),
	}, nil
}

// normaliseCode reads a typed code: full-width digits (a Chinese input
// method's) become ASCII, spaces and dashes go.
func normaliseCode(s string) string {
	s = width.Narrow.String(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		return r
	}, s)
}

// validCodeFormat reports whether s is six ASCII digits.
func validCodeFormat(s string) bool {
	if len(s) != codeDigits {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkinRefusals are the messages of refused check-ins.
var checkinRefusals = []struct {
	err error
	key string
}{
	{ErrBadCode, "checkin.err.code"},
	{ErrCheckinEnded, "checkin.err.ended"}, // before ErrCheckinClosed, which it wraps
	{ErrCheckinClosed, "checkin.err.closed"},
	{ErrNotOnSession, "checkin.err.notenrolled"},
	{ErrCancelled, "checkin.err.cancelled"},
	{ErrOutsideWindow, "checkin.err.window"},
}

// CheckIn records a trainee's own check-in (see Store.CheckIn) and shows
// the mark; a refused one is the form again with the reason, 422, or 429
// after too many failures.
func (h *Handler) CheckIn(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := web.NewPage(c, "checkin.title")
	p.Path = "/checkin"
	f := checkinForm{Code: normaliseCode(web.Clean(c.FormValue("code"), 64))}
	viewer := web.ViewerOf(c).ID
	// The session the form names is tried even without a seat, to say so;
	// it is shown again only to a trainee with one.
	named, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("s")), 10, 64)
	if err != nil || named < 0 {
		named = 0
	}
	if named > 0 {
		if err := h.namedSession(ctx, &f, named, viewer); err != nil {
			return err
		}
	}
	refuse := func(status int) error {
		p.Data = f
		return web.Render(c, status, "attendance/checkin_form", p)
	}
	if !validCodeFormat(f.Code) {
		p.Errors = web.FieldErrors{"code": "checkin.code.format"}
		return refuse(fiber.StatusUnprocessableEntity)
	}
	r, err := h.checkinRules(ctx)
	if err != nil {
		return err
	}
	out, err := h.Store.CheckIn(ctx, Attempt{TraineeID: viewer, SessionID: named, Code: f.Code}, r)
	if errors.Is(err, ErrThrottled) {
		minutes := int(math.Ceil(out.RetryAfter.Minutes()))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(out.RetryAfter.Seconds()))))
		p.Alert = p.T("checkin.err.throttled", minutes)
		return refuse(fiber.StatusTooManyRequests)
	}
	for _, rf := range checkinRefusals {
		if !errors.Is(err, rf.err) {
			continue
		}
		p.Alert = p.T(rf.key)
		if rf.err == ErrOutsideWindow && out.SessionID > 0 {
			s, serr := h.Courses.Session(ctx, out.SessionID)
			if serr != nil {
				return serr
			}
			from, to := r.Window(s.StartsAt, s.EndsAt)
			p.Alert = p.T("checkin.err.window.at", windowText(p.Lang, from, to))
		}
		return refuse(fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	next := "/checkin?ok=" + strconv.FormatInt(out.SessionID, 10)
	if out.Already {
		next += "&already=1"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}
