package mentoring

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/attendance"
	"partyschool/audit"
	"partyschool/certificates"
	"partyschool/i18n"
	"partyschool/places"
	"partyschool/settings"
	"partyschool/sheets"
	"partyschool/web"
)

// Handler serves the mentoring pages. Who may use each route is declared
// in the route table; the handlers add the pair's own rule: only its
// people (and coordinators) see it, anyone else gets 404.
type Handler struct {
	Store    *Store
	Settings *settings.Store
	Places   *places.Store
	Certs    *certificates.Store // the 跟岗练兵 certificate of a completed pair
	Logger   *slog.Logger
}

// listPage is what the coordinator's list shows.
type listPage struct {
	Status      string
	Community   int64
	Communities []web.Option
	Tabs        []statusTab
	Pairs       []Pair
	Total       int
	Pager       web.Pager
	Export      string
	Mine        bool // my mentees or my mentoring: no filter, no export
}

// statusTab is one status of the list's filter, with its count.
type statusTab struct {
	Status string // "" for all
	N      int
	Href   string
	Active bool
}

// Index lists the pairs by status and community, with progress.
func (h *Handler) Index(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := Filter{Status: c.Query("status")}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		f.Status = ""
	}
	f.CommunityID, _ = strconv.ParseInt(c.Query("community"), 10, 64)
	page := web.PageNumber(c)
	f.Limit, f.Offset = 50, (page-1)*50
	pairs, total, err := h.Store.List(ctx, f)
	if err != nil {
		return err
	}
	counts, err := h.Store.Counts(ctx)
	if err != nil {
		return err
	}
	communities, err := h.Places.Communities(ctx)
	if err != nil {
		return err
	}
	query := func(status string, n int) string {
		v := url.Values{}
		if status != "" {
			v.Set("status", status)
		}
		if f.CommunityID != 0 {
			v.Set("community", strconv.FormatInt(f.CommunityID, 10))
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return ""
		}
		return "?" + v.Encode()
	}
	d := listPage{Status: f.Status, Community: f.CommunityID, Pairs: pairs, Total: total,
		Export: "/mentoring.xlsx" + query(f.Status, 0)}
	all := 0
	for _, st := range Statuses {
		all += counts[st]
	}
	d.Tabs = append(d.Tabs, statusTab{N: all, Href: "/mentoring" + query("", 0), Active: f.Status == ""})
	for _, st := range Statuses {
		d.Tabs = append(d.Tabs, statusTab{Status: st, N: counts[st], Href: "/mentoring" + query(st, 0), Active: f.Status == st})
	}
	for _, cm := range communities {
		d.Communities = append(d.Communities, web.Option{Value: strconv.FormatInt(cm.ID, 10), Label: cm.Name, Selected: cm.ID == f.CommunityID})
	}
	d.Pager = web.NewPager(page, total, 50, func(n int) string { return "/mentoring" + query(f.Status, n) })
	p := web.NewPage(c, "mentoring.title")
	p.Data = d
	return web.Render(c, fiber.StatusOK, "mentoring/index", p)
}

// Mine lists the viewer's own pairs: a lecturer's mentees (and the pairs
// they supervise), a trainee's mentoring.
func (h *Handler) Mine(c *fiber.Ctx) error {
	v := web.ViewerOf(c)
	pairs, total, err := h.Store.List(c.UserContext(), Filter{Person: v.ID, Limit: 200})
	if err != nil {
		return err
	}
	title := "mentoring.mine.mentee"
	if v.Is(web.RoleLecturer) {
		title = "mentoring.mine.mentor"
	}
	p := web.NewPage(c, title)
	p.Data = listPage{Pairs: pairs, Total: total, Mine: true}
	return web.Render(c, fiber.StatusOK, "mentoring/index", p)
}

// Export writes the pairs of the list's filter, with progress and
// credit hours, to .xlsx. Names only: no phone numbers.
func (h *Handler) Export(c *fiber.Ctx) error {
	f := Filter{Status: c.Query("status"), Limit: maxList}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		f.Status = ""
	}
	f.CommunityID, _ = strconv.ParseInt(c.Query("community"), 10, 64)
	pairs, _, err := h.Store.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	t := func(key string, args ...any) string { return web.T(c, key, args...) }
	header := []string{t("mentoring.mentee"), t("mentoring.mentor"), t("mentoring.mentor_post"), t("mentoring.community"),
		t("mentoring.post"), t("mentoring.supervisor"), t("mentoring.starts_on"), t("mentoring.ends_on"), t("mentoring.status"),
		t("mentoring.export.days"), t("mentoring.export.attended"), t("mentoring.export.rate"), t("mentoring.export.logs"),
		t("mentoring.export.countersigned"), t("mentoring.export.hours")}
	rows := make([][]string, 0, len(pairs))
	for _, p := range pairs {
		rows = append(rows, []string{p.MenteeName, p.MentorName, p.MentorPost, p.CommunityName, p.Post, p.SupervisorName,
			p.StartsOn.Format(web.DateLayout), p.EndsOn.Format(web.DateLayout), web.T(c, "mentoring.status."+p.Status),
			strconv.Itoa(p.Days), strconv.Itoa(p.Attended), strconv.Itoa(p.Rate()) + "%", strconv.Itoa(p.Logs),
			strconv.Itoa(p.Countersigned), strconv.FormatFloat(p.Hours, 'f', -1, 64)})
	}
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, t("mentoring.title"), header, rows); err != nil {
		return err
	}
	v := web.ViewerOf(c)
	err = audit.Record(c.UserContext(), h.Store.db, audit.Entry{ActorID: v.ID, Action: "mentoring.export",
		Object: "mentoring pairs", Details: map[string]any{"rows": len(rows), "status": f.Status, "community": f.CommunityID},
		ClientIP: web.ClientIP(c)})
	if err != nil {
		return err
	}
	return web.SendXLSX(c, "跟岗练兵-"+time.Now().In(web.Shanghai).Format("20060102")+".xlsx", buf.Bytes())
}

// formPage is what the pair form shows.
type formPage struct {
	Action      string
	Creating    bool
	MenteeName  string
	Mentors     []web.Option
	Supervisors []web.Option
	Communities []web.Option
	Cancel      string
}

// New shows an empty pair form.
func (h *Handler) New(c *fiber.Ctx) error {
	today := web.Day(time.Now())
	f := PairForm{
		StartsOn:     today.Format(web.DateLayout),
		EndsOn:       today.AddDate(0, 0, 27).Format(web.DateLayout),
		RequiredRate: strconv.Itoa(DefaultRate),
		Mentee:       web.Clean(c.Query("mentee"), 40),
	}
	return h.renderForm(c, fiber.StatusOK, nil, f, web.FieldErrors{})
}

// Create saves a new pair.
func (h *Handler) Create(c *fiber.Ctx) error {
	f := pairFormOf(c)
	in, errs := f.Parse(true)
	if errs.Any() {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, nil, f, errs)
	}
	id, err := h.Store.Create(c.UserContext(), in, web.ViewerOf(c).ID, web.ClientIP(c))
	var fe *FieldError
	if errors.As(err, &fe) {
		errs.Add(fe.Field, fe.Key)
		return h.renderForm(c, fiber.StatusUnprocessableEntity, nil, f, errs)
	}
	if err != nil {
		return err
	}
	return c.Redirect(pairPath(id)+"?done=created", fiber.StatusSeeOther)
}

// Edit shows the form of a pair that is not over.
func (h *Handler) Edit(c *fiber.Ctx) error {
	p, _, err := h.pair(c)
	if err != nil {
		return err
	}
	if p.Final() {
		return c.Redirect(pairPath(p.ID), fiber.StatusSeeOther)
	}
	return h.renderForm(c, fiber.StatusOK, p, FormOfPair(p), web.FieldErrors{})
}

// Update saves the pair form.
func (h *Handler) Update(c *fiber.Ctx) error {
	p, _, err := h.pair(c)
	if err != nil {
		return err
	}
	f := pairFormOf(c)
	f.Mentee = p.MenteeName
	in, errs := f.Parse(false)
	if errs.Any() {
		return h.renderForm(c, fiber.StatusUnprocessableEntity, p, f, errs)
	}
	err = h.Store.Update(c.UserContext(), p.ID, in, web.ViewerOf(c).ID, web.ClientIP(c))
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		errs.Add(fe.Field, fe.Key)
		return h.renderForm(c, fiber.StatusUnprocessableEntity, p, f, errs)
	case errors.Is(err, ErrNotActive):
		return h.back(c, p.ID, "", "mentoring.error.final")
	case err != nil:
		return err
	}
	return c.Redirect(pairPath(p.ID)+"?done=saved", fiber.StatusSeeOther)
}

// pairFormOf reads the pair form.
func pairFormOf(c *fiber.Ctx) PairForm {
	return PairForm{
		Mentor:       web.FormValue(c, "mentor"),
		Mentee:       web.FormValue(c, "mentee"),
		Supervisor:   web.FormValue(c, "supervisor"),
		Community:    web.FormValue(c, "community"),
		MentorPost:   web.FormValue(c, "mentor_post"),
		Post:         web.FormValue(c, "post"),
		StartsOn:     web.FormValue(c, "starts_on"),
		EndsOn:       web.FormValue(c, "ends_on"),
		Goals:        web.Clean(c.FormValue("goals"), 4000),
		RequiredRate: web.FormValue(c, "required_rate"),
	}
}

// renderForm shows the pair form; p is nil for a new pair.
func (h *Handler) renderForm(c *fiber.Ctx, status int, p *Pair, f PairForm, errs web.FieldErrors) error {
	ctx := c.UserContext()
	var keepMentor, keepSupervisor int64
	if p != nil {
		keepMentor, keepSupervisor = p.MentorID, p.SupervisorID
	}
	mentors, err := h.Store.Mentors(ctx, keepMentor)
	if err != nil {
		return err
	}
	supervisors, err := h.Store.Supervisors(ctx, keepSupervisor)
	if err != nil {
		return err
	}
	communities, err := h.Places.Communities(ctx)
	if err != nil {
		return err
	}
	d := formPage{Action: "/mentoring", Creating: p == nil, Cancel: "/mentoring"}
	title := "mentoring.new"
	if p != nil {
		d.Action, d.MenteeName, d.Cancel = pairPath(p.ID), p.MenteeName, pairPath(p.ID)
		title = "mentoring.edit"
	}
	d.Mentors = personOptions(mentors, f.Mentor, web.LangOf(c))
	d.Supervisors = personOptions(supervisors, f.Supervisor, web.LangOf(c))
	for _, cm := range communities {
		id := strconv.FormatInt(cm.ID, 10)
		d.Communities = append(d.Communities, web.Option{Value: id, Label: cm.Name, Selected: id == f.Community})
	}
	pg := web.NewPage(c, title)
	pg.Form, pg.Errors, pg.Data = f, errs, d
	if errs.Any() {
		pg.Alert = pg.T("form.fix")
	}
	return web.Render(c, status, "mentoring/form", pg)
}

// personOptions lists people for a select, the chosen one selected.
func personOptions(people []Person, chosen, lang string) []web.Option {
	out := make([]web.Option, 0, len(people))
	for _, p := range people {
		id := strconv.FormatInt(p.ID, 10)
		label := p.Name
		if p.Detail != "" {
			label += "（" + p.Detail + "）"
		} else if p.Role != web.RoleLecturer {
			label += "（" + i18n.T(lang, "role."+p.Role) + "）"
		}
		out = append(out, web.Option{Value: id, Label: label, Selected: id == chosen})
	}
	return out
}

// pairPath is the address of a pair's page.
func pairPath(id int64) string { return "/mentoring/" + strconv.FormatInt(id, 10) }

// pair loads the pair of the path's :id for a viewer who may see it;
// anyone else, like a missing pair, gets 404.
func (h *Handler) pair(c *fiber.Ctx) (*Pair, Role, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, Role{}, err
	}
	return h.pairFor(c, id)
}

// pairFor loads a pair for the viewer, or 404.
func (h *Handler) pairFor(c *fiber.Ctx, id int64) (*Pair, Role, error) {
	p, err := h.Store.Get(c.UserContext(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, Role{}, web.NotFound()
	}
	if err != nil {
		return nil, Role{}, err
	}
	r := p.RoleOf(web.ViewerOf(c))
	if !r.Sees() {
		return nil, Role{}, web.NotFound()
	}
	return p, r, nil
}

// day loads the post day of the path's :id and its pair, for a viewer
// who may see the pair, or 404.
func (h *Handler) day(c *fiber.Ctx) (int64, *Pair, Role, error) {
	dayID, err := web.PathID(c)
	if err != nil {
		return 0, nil, Role{}, err
	}
	pairID, err := h.Store.PairOfDay(c.UserContext(), dayID)
	if errors.Is(err, ErrNotFound) {
		return 0, nil, Role{}, web.NotFound()
	}
	if err != nil {
		return 0, nil, Role{}, err
	}
	p, r, err := h.pairFor(c, pairID)
	return dayID, p, r, err
}

// pairView is what the pair page shows.
type pairView struct {
	Pair         *Pair
	Role         Role
	Days         []PostDay
	Evaluation   *Evaluation
	Statuses     []string // the four marks
	Weekdays     []string
	LockDays     int
	Now          time.Time
	DaysForm     DaysForm
	LogDay       int64 // the day whose log form came back with errors
	LogForm      LogForm
	EvalForm     EvaluationForm
	Scores       []scoreRow
	Outside      []time.Time // post days a form could not add
	Taken        []time.Time
	Errors       web.FieldErrors
	Certificate  *certificates.Certificate // of a completed pair, once issued
	EvalOpen     bool                      // the evaluation form came back with errors
	ScoreChoices []string                  // 1 to 5
}

// scoreRow is one goal of the evaluation with its score.
type scoreRow struct {
	Index int
	Goal  string
	Score string
}

// Show is the pair page: its facts, the timeline of post days with marks,
// logs and comments, the evaluation, and the forms the viewer may use.
func (h *Handler) Show(c *fiber.Ctx) error {
	p, r, err := h.pair(c)
	if err != nil {
		return err
	}
	notices := map[string]string{
		"created": "mentoring.done.created", "saved": "mentoring.done.saved", "status": "mentoring.done.status",
		"days": "mentoring.done.days", "deleted": "mentoring.done.deleted", "marked": "mentoring.done.marked",
		"log": "mentoring.done.log", "signed": "mentoring.done.signed", "comment": "mentoring.done.comment",
		"evaluated": "mentoring.done.evaluated", "confirmed": "mentoring.done.confirmed", "same": "mentoring.done.same",
		"issued": "mentoring.done.issued", "already": "mentoring.done.already",
	}
	return h.renderPair(c, fiber.StatusOK, p, r, pairView{}, notices[c.Query("done")], "")
}

// renderPair shows the pair page, with v carrying any form that came back
// with errors.
func (h *Handler) renderPair(c *fiber.Ctx, status int, p *Pair, r Role, v pairView, notice, alert string) error {
	ctx := c.UserContext()
	days, err := h.Store.Days(ctx, p.ID)
	if err != nil {
		return err
	}
	ev, err := h.Store.Evaluation(ctx, p.ID)
	if err != nil {
		return err
	}
	sc, err := h.Settings.Get(ctx)
	if err != nil {
		return err
	}
	v.Pair, v.Role, v.Days, v.Evaluation = p, r, days, ev
	if p.Status == StatusCompleted && h.Certs != nil {
		v.Certificate, err = h.Certs.OfPair(ctx, p.ID)
		if errors.Is(err, certificates.ErrNotFound) {
			v.Certificate, err = nil, nil
		}
		if err != nil {
			return err
		}
	}
	v.Statuses, v.Weekdays, v.LockDays, v.Now = attendance.Statuses, Weekdays, sc.AttendanceLockDays, time.Now()
	v.ScoreChoices = []string{"1", "2", "3", "4", "5"}
	if v.DaysForm.From == "" {
		from := web.Day(time.Now())
		if from.Before(p.StartsOn) {
			from = web.Day(p.StartsOn)
		}
		v.DaysForm = DaysForm{From: from.Format(web.DateLayout), Start: "09:00", End: "12:00", Weekdays: Workdays}
	}
	if v.EvalForm.Scores == nil && ev != nil {
		for _, s := range ev.Scores {
			v.EvalForm.Scores = append(v.EvalForm.Scores, strconv.FormatInt(s, 10))
		}
		v.EvalForm.Comment = ev.Comment
	}
	for i, g := range p.Goals {
		row := scoreRow{Index: i, Goal: g}
		if i < len(v.EvalForm.Scores) {
			row.Score = v.EvalForm.Scores[i]
		}
		v.Scores = append(v.Scores, row)
	}
	pg := web.NewPage(c, "")
	pg.Title = p.MenteeName + " · " + p.Title()
	if notice != "" {
		pg.Notice = pg.T(notice)
	}
	if alert != "" {
		pg.Alert = alert
	}
	pg.Errors = v.Errors
	pg.Data = v
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, status, "mentoring/pair", pg)
}

// back answers a form on the pair page: a notice after success (303 to
// the page), or the page again with the message (422).
func (h *Handler) back(c *fiber.Ctx, pairID int64, done, alertKey string) error {
	if alertKey == "" {
		return c.Redirect(pairPath(pairID)+"?done="+done, fiber.StatusSeeOther)
	}
	p, r, err := h.pairFor(c, pairID)
	if err != nil {
		return err
	}
	return h.renderPair(c, fiber.StatusUnprocessableEntity, p, r, pairView{}, "", web.T(c, alertKey))
}

// SetStatus starts, completes or ends a pair (coordinators).
func (h *Handler) SetStatus(c *fiber.Ctx) error {
	p, _, err := h.pair(c)
	if err != nil {
		return err
	}
	status := web.FormValue(c, "status")
	reason := web.Clean(strings.TrimSpace(c.FormValue("reason")), 600)
	if len([]rune(reason)) > maxReason {
		return h.back(c, p.ID, "", "mentoring.error.reason.long")
	}
	err = h.Store.SetStatus(c.UserContext(), p.ID, status, reason, web.ViewerOf(c).ID, web.ClientIP(c))
	return h.answer(c, p.ID, err, "status", map[error]string{
		ErrMenteeBusy: "mentoring.error.busy", ErrTransition: "mentoring.error.transition",
		ErrBelowRule: "mentoring.error.below", ErrNotConfirmed: "mentoring.error.unconfirmed",
		ErrReasonNeeded: "mentoring.error.reason",
	})
}

// AddDays adds post days to a pair (coordinators and the pair's mentor).
func (h *Handler) AddDays(c *fiber.Ctx) error {
	p, r, err := h.pair(c)
	if err != nil {
		return err
	}
	if !r.Staff && !r.Mentor {
		return web.NotFound()
	}
	f := DaysForm{
		From: web.FormValue(c, "from"), To: web.FormValue(c, "to"), Start: web.FormValue(c, "start"),
		End: web.FormValue(c, "end"), Place: web.FormValue(c, "place"),
	}
	for _, w := range c.Request().PostArgs().PeekMulti("weekday") {
		f.Weekdays = append(f.Weekdays, web.Clean(string(w), 2))
	}
	slots, place, errs := f.Parse()
	if errs.Any() {
		return h.renderDaysError(c, p, r, f, errs, nil)
	}
	_, err = h.Store.AddDays(c.UserContext(), p.ID, slots, place, web.ViewerOf(c).ID, web.ClientIP(c))
	var de *DaysError
	switch {
	case errors.As(err, &de):
		return h.renderDaysError(c, p, r, f, web.FieldErrors{"from": "mentoring.error.days.refused"}, de)
	case errors.Is(err, ErrNotActive):
		return h.back(c, p.ID, "", "mentoring.error.final")
	case err != nil:
		return err
	}
	return h.back(c, p.ID, "days", "")
}

// renderDaysError shows the pair page with the days form and its errors.
func (h *Handler) renderDaysError(c *fiber.Ctx, p *Pair, r Role, f DaysForm, errs web.FieldErrors, de *DaysError) error {
	v := pairView{DaysForm: f}
	if de != nil {
		v.Outside, v.Taken = de.Outside, de.Taken
	}
	return h.renderPairErrors(c, p, r, v, errs)
}

// renderPairErrors shows the pair page at 422 with the field errors of
// the one form among its several that came back.
func (h *Handler) renderPairErrors(c *fiber.Ctx, p *Pair, r Role, v pairView, errs web.FieldErrors) error {
	v.Errors = errs
	return h.renderPair(c, fiber.StatusUnprocessableEntity, p, r, v, "", web.T(c, "form.fix"))
}

// DeleteDay removes a post day without a mark or log (coordinators and
// the pair's mentor).
func (h *Handler) DeleteDay(c *fiber.Ctx) error {
	dayID, p, r, err := h.day(c)
	if err != nil {
		return err
	}
	if !r.Staff && !r.Mentor {
		return web.NotFound()
	}
	err = h.Store.DeleteDay(c.UserContext(), dayID, web.ViewerOf(c).ID, web.ClientIP(c))
	switch {
	case errors.Is(err, ErrDayHasRecords):
		return h.back(c, p.ID, "", "mentoring.error.day.records")
	case errors.Is(err, ErrNotActive):
		return h.back(c, p.ID, "", "mentoring.error.final")
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case err != nil:
		return err
	}
	return h.back(c, p.ID, "deleted", "")
}

// Mark records a post day's attendance: the pair's mentor, or a
// coordinator (after the lock, only a coordinator, with a reason).
func (h *Handler) Mark(c *fiber.Ctx) error {
	dayID, p, r, err := h.day(c)
	if err != nil {
		return err
	}
	if !r.Mentor && !r.Staff {
		return web.NotFound()
	}
	sc, err := h.Settings.Get(c.UserContext())
	if err != nil {
		return err
	}
	note := web.Clean(strings.TrimSpace(c.FormValue("note")), 800)
	reason := web.Clean(strings.TrimSpace(c.FormValue("reason")), 800)
	changed, err := h.Store.Mark(c.UserContext(), MarkInput{
		PostDayID: dayID, Status: web.FormValue(c, "status"), Note: note, Reason: reason,
		By: web.ViewerOf(c).ID, Staff: r.Staff, LockDays: sc.AttendanceLockDays,
	}, web.ClientIP(c))
	done := "marked"
	if !changed {
		done = "same"
	}
	return h.answer(c, p.ID, err, done, map[error]string{
		ErrBadMark: "mentoring.error.mark", ErrNotActive: "mentoring.error.inactive", ErrNotStarted: "mentoring.error.notstarted",
		ErrLocked: "mentoring.error.locked", ErrReasonNeeded: "mentoring.error.reason",
	})
}

// WriteLog saves the mentee's log of a post day.
func (h *Handler) WriteLog(c *fiber.Ctx) error {
	dayID, p, r, err := h.day(c)
	if err != nil {
		return err
	}
	if !r.Mentee {
		return web.NotFound()
	}
	f := LogForm{
		Did:       web.Clean(c.FormValue("did"), 4*maxDid),
		Learned:   web.Clean(c.FormValue("learned"), 4*maxLearned),
		Questions: web.Clean(c.FormValue("questions"), 4*maxQuestion),
	}
	clean, errs := f.Parse()
	if errs.Any() {
		return h.renderPairErrors(c, p, r, pairView{LogDay: dayID, LogForm: f}, errs)
	}
	err = h.Store.WriteLog(c.UserContext(), dayID, web.ViewerOf(c).ID, clean)
	return h.answer(c, p.ID, err, "log", map[error]string{
		ErrNotActive: "mentoring.error.inactive", ErrNotStarted: "mentoring.error.log.early",
		ErrCountersigned: "mentoring.error.log.signed", ErrNotFound: "error.notfound",
	})
}

// Countersign is the mentor's signature under a log.
func (h *Handler) Countersign(c *fiber.Ctx) error {
	dayID, p, r, err := h.day(c)
	if err != nil {
		return err
	}
	if !r.Mentor {
		return web.NotFound()
	}
	err = h.Store.Countersign(c.UserContext(), dayID, web.ViewerOf(c).ID)
	return h.answer(c, p.ID, err, "signed", map[error]string{
		ErrNotActive: "mentoring.error.inactive", ErrNoLog: "mentoring.error.nolog", ErrCountersigned: "mentoring.error.log.signed",
	})
}

// Comment adds a remark under a log: the mentor, the supervisor or a
// coordinator.
func (h *Handler) Comment(c *fiber.Ctx) error {
	dayID, p, r, err := h.day(c)
	if err != nil {
		return err
	}
	if !r.Reviews() {
		return web.NotFound()
	}
	body := strings.TrimSpace(web.Clean(c.FormValue("body"), 4*maxComment))
	switch {
	case web.Blank(body):
		return h.back(c, p.ID, "", "mentoring.error.comment")
	case len([]rune(body)) > maxComment:
		return h.back(c, p.ID, "", "mentoring.error.comment.long")
	}
	err = h.Store.AddComment(c.UserContext(), dayID, web.ViewerOf(c).ID, body)
	if errors.Is(err, ErrNoLog) {
		return h.back(c, p.ID, "", "mentoring.error.nolog")
	}
	if err != nil {
		return err
	}
	return h.back(c, p.ID, "comment", "")
}

// Evaluate saves the mentor's scores and comment.
func (h *Handler) Evaluate(c *fiber.Ctx) error {
	p, r, err := h.pair(c)
	if err != nil {
		return err
	}
	if !r.Mentor {
		return web.NotFound()
	}
	f := EvaluationForm{Comment: web.Clean(c.FormValue("comment"), 4*maxEvalText)}
	for i := range p.Goals {
		f.Scores = append(f.Scores, web.FormValue(c, "score_"+strconv.Itoa(i)))
	}
	scores, comment, errs := f.Parse(len(p.Goals))
	if errs.Any() {
		return h.renderPairErrors(c, p, r, pairView{EvalForm: f, EvalOpen: true}, errs)
	}
	err = h.Store.Evaluate(c.UserContext(), p.ID, scores, comment, web.ViewerOf(c).ID)
	return h.answer(c, p.ID, err, "evaluated", map[error]string{
		ErrNotActive: "mentoring.error.inactive", ErrConfirmed: "mentoring.error.confirmed", ErrWrongScores: "mentoring.error.score",
	})
}

// Confirm is the supervisor's (or a coordinator's) confirmation of the
// evaluation.
func (h *Handler) Confirm(c *fiber.Ctx) error {
	p, r, err := h.pair(c)
	if err != nil {
		return err
	}
	if !r.Supervisor && !r.Staff {
		return web.NotFound()
	}
	err = h.Store.Confirm(c.UserContext(), p.ID, web.ViewerOf(c).ID, web.ClientIP(c))
	return h.answer(c, p.ID, err, "confirmed", map[error]string{
		ErrNotActive: "mentoring.error.inactive", ErrConfirmed: "mentoring.error.confirmed", ErrNoEvaluation: "mentoring.error.noevaluation",
	})
}

// IssueCertificate issues the 跟岗练兵 certificate of a completed pair
// (coordinators); a second click finds it issued.
func (h *Handler) IssueCertificate(c *fiber.Ctx) error {
	p, _, err := h.pair(c)
	if err != nil {
		return err
	}
	_, issued, err := h.Certs.IssuePair(c.UserContext(), p.ID, web.ViewerOf(c).ID, web.ClientIP(c))
	switch {
	case errors.Is(err, certificates.ErrPairNotCompleted):
		return h.back(c, p.ID, "", "mentoring.error.certificate")
	case err != nil:
		return err
	case !issued:
		return h.back(c, p.ID, "already", "")
	}
	return h.back(c, p.ID, "issued", "")
}

// answer ends a form on the pair page: the store's refusals listed come
// back as the page with their message (422), success as the page with
// the done notice (303); any other error goes up.
func (h *Handler) answer(c *fiber.Ctx, pairID int64, err error, done string, refusals map[error]string) error {
	for e, key := range refusals {
		if errors.Is(err, e) {
			return h.back(c, pairID, "", key)
		}
	}
	if err != nil {
		return err
	}
	return h.back(c, pairID, done, "")
}
