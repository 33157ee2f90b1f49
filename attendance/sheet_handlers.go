package attendance

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partyschool/courses"
	"partyschool/settings"
	"partyschool/trainees"
	"partyschool/web"
)

// historyLimit is how many changes the sheet lists; walkInLimit how many
// trainees one walk-in search lists.
const (
	historyLimit = 200
	walkInLimit  = 20
	maxReason    = 200 // the CHECK on attendance_changes.reason
)

// sheetPage is what a session's attendance sheet shows.
type sheetPage struct {
	Session    *courses.Session
	Rows       []sheetRow
	Counts     []statusCount
	Unmarked   int
	History    []historyRow
	Statuses   []string
	Key        string // the sheet form's idempotency key, new on every render
	Reason     string // as typed, when a save was refused
	Staff      bool
	Cancelled  bool
	Locked     bool // past the lock period
	ReadOnly   bool // cancelled, or locked for a lecturer
	NeedReason bool // staff changing marks after the lock
	NotOpen    bool // before the sheet opens: only excused marks
	CanAdd     bool // walk-ins and 代签 are taken now
	LockDays   int
	LockedAt   time.Time
	// The walk-in search.
	Query     string
	Found     []walkIn
	More      bool
	SeatsLeft int
}

// sheetRow is one trainee on the sheet, with the form's values.
type sheetRow struct {
	Row
	Seated    bool   // has a seat on the course: may be marked
	Checked   string // the status the form shows chosen
	NoteValue string
	AssistKey string // the key of the row's 代签 form
}

// statusCount is how many rows have a status.
type statusCount struct {
	Status string
	N      int
}

// historyRow is one change as the history lists it.
type historyRow struct {
	Trainee string
	Old     string // "" when there was no mark
	New     string
	Note    string
	Source  string
	Reason  string
	By      string
	At      time.Time
}

// walkIn is a trainee the walk-in search found and where they stand.
type walkIn struct {
	trainees.Trainee
	Standing string // enrolled, waitlisted, withdrawn or ""
	Marked   string // their mark on this session, if any
	Key      string // the key of the row's form
}

// sheetForm is a sheet as posted, kept to show it again when refused.
type sheetForm struct {
	Statuses map[int64]string
	Notes    map[int64]string
	Reason   string
}

// sheetURL is the address of a session's sheet.
func sheetURL(sessionID int64) string {
	return "/sessions/" + strconv.FormatInt(sessionID, 10) + "/attendance"
}

// sheetFor loads the sheet of the session named by :id. A lecturer
// reaches only the sessions they teach; anyone else's answers like a
// missing one.
func (h *Handler) sheetFor(c *fiber.Ctx) (*Sheet, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	if err := h.mayTeach(c, id); err != nil {
		return nil, err
	}
	sh, err := h.Store.Sheet(c.UserContext(), h.Courses, id)
	if errors.Is(err, ErrNotFound) {
		return nil, web.NotFound()
	}
	return sh, err
}

// rules is where a sheet stands now for the viewer.
type rules struct {
	Staff, Cancelled, Locked, NotOpen bool
	LockDays, GraceMinutes            int
	LockedAt                          time.Time
	Opens                             time.Duration // how long before the start the sheet takes marks
}

// readOnly reports whether the viewer may not change the sheet at all.
func (r rules) readOnly() bool { return r.Cancelled || r.Locked && !r.Staff }

// canAdd reports whether walk-ins and 代签 are taken: while the sheet is
// open and before the lock.
func (r rules) canAdd() bool { return !r.Cancelled && !r.Locked && !r.NotOpen }

// rulesOf works out the sheet's rules from the school settings.
func (h *Handler) rulesOf(c *fiber.Ctx, s *courses.Session) (rules, error) {
	sc, err := h.Settings.Get(c.UserContext())
	if err != nil {
		return rules{}, err
	}
	return rulesAt(s, sc, web.IsStaff(c), time.Now()), nil
}

func rulesAt(s *courses.Session, sc settings.School, staff bool, now time.Time) rules {
	return rules{
		Staff:        staff,
		Cancelled:    s.Cancelled(),
		Locked:       Locked(s.EndsAt, now, sc.AttendanceLockDays),
		NotOpen:      now.Before(SheetOpens(s.StartsAt, sc.CheckinOpensMinutes)),
		Opens:        time.Duration(sc.CheckinOpensMinutes) * time.Minute,
		LockDays:     sc.AttendanceLockDays,
		GraceMinutes: sc.CheckinGraceMinutes,
		LockedAt:     s.EndsAt.AddDate(0, 0, sc.AttendanceLockDays),
	}
}

// Sheet shows a session's attendance sheet: everyone with a seat, each
// with the four marks to tap and a note, who recorded each mark, the
// counts, the walk-in search (?q=) and the history of changes.
func (h *Handler) Sheet(c *fiber.Ctx) error {
	sh, err := h.sheetFor(c)
	if err != nil {
		return err
	}
	return h.renderSheet(c, fiber.StatusOK, sh, nil, "")
}

// renderSheet shows the sheet, with the form as posted and alert's
// message when a change was refused, else the notice of ?done=.
func (h *Handler) renderSheet(c *fiber.Ctx, status int, sh *Sheet, posted *sheetForm, alert string, args ...any) error {
	ctx := c.UserContext()
	s := sh.Session
	r, err := h.rulesOf(c, s)
	if err != nil {
		return err
	}
	d := sheetPage{
		Session: s, Statuses: Statuses, Key: NewKey(), Staff: r.Staff,
		Cancelled: r.Cancelled, Locked: r.Locked, ReadOnly: r.readOnly(),
		NeedReason: r.Locked && r.Staff && !r.Cancelled, NotOpen: r.NotOpen, CanAdd: r.canAdd(),
		LockDays: r.LockDays, LockedAt: r.LockedAt,
		Query: strings.TrimSpace(web.Clean(c.Query("q"), 50)),
	}
	if posted != nil {
		d.Reason = posted.Reason
	}
	standing, err := h.Store.Standings(ctx, s.CourseID, rowIDs(sh))
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, row := range sh.Rows {
		sr := sheetRow{Row: row, Seated: standing[row.TraineeID] == "enrolled", Checked: row.Status, NoteValue: row.Note}
		if posted != nil && sr.Seated {
			sr.Checked, sr.NoteValue = posted.Statuses[row.TraineeID], posted.Notes[row.TraineeID]
		}
		if sr.Seated && row.Status == "" && d.CanAdd {
			sr.AssistKey = NewKey()
		}
		if sr.Checked == "" {
			d.Unmarked++
		} else {
			counts[sr.Checked]++
		}
		d.Rows = append(d.Rows, sr)
	}
	for _, st := range Statuses {
		d.Counts = append(d.Counts, statusCount{Status: st, N: counts[st]})
	}
	changes, err := h.Store.History(ctx, s.ID, historyLimit)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		hr := historyRow{Trainee: ch.TraineeName, New: ch.NewStatus, Note: ch.Note, Source: ch.Source,
			Reason: ch.Reason, By: ch.ChangedBy, At: ch.ChangedAt}
		if ch.OldStatus != nil {
			hr.Old = *ch.OldStatus
		}
		d.History = append(d.History, hr)
	}
	if d.CanAdd {
		if err := h.findWalkIns(ctx, &d, sh); err != nil {
			return err
		}
	}

	p := web.NewPage(c, "")
	p.Title = p.T("attendance.sheet.title", s.CourseTitle)
	p.Path = sheetURL(s.ID) // a refused POST renders here: language and text size come back to the sheet
	p.Scripts = []string{"js/attendance.js"}
	p.Data = d
	if alert != "" {
		p.Alert = p.T(alert, args...)
	} else if status == fiber.StatusOK {
		p.Notice = sheetNotice(c, p, sh)
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // names, communities and marks
	return web.Render(c, status, "attendance/sheet", p)
}

// findWalkIns runs the walk-in search of ?q=: trainees by name or phone
// digits, with where each stands on the course and the seats left.
func (h *Handler) findWalkIns(ctx context.Context, d *sheetPage, sh *Sheet) error {
	course, err := h.Courses.Get(ctx, sh.Session.CourseID)
	if err != nil {
		return err
	}
	d.SeatsLeft = course.SeatsLeft()
	if d.Query == "" {
		return nil
	}
	// Coordinators search the registry; a lecturer finds a walk-in by
	// whole name or whole phone number only (SECURITY.md 2 and 23).
	var list []trainees.Trainee
	if d.Staff {
		var total int
		list, total, err = h.Trainees.List(ctx, trainees.Filter{Query: d.Query, Limit: walkInLimit})
		d.More = total > len(list)
	} else {
		list, err = h.Trainees.FindExact(ctx, d.Query, walkInLimit)
	}
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, t := range list {
		ids[i] = t.ID
	}
	standing, err := h.Store.Standings(ctx, sh.Session.CourseID, ids)
	if err != nil {
		return err
	}
	marks := map[int64]string{}
	for _, r := range sh.Rows {
		marks[r.TraineeID] = r.Status
	}
	for _, t := range list {
		d.Found = append(d.Found, walkIn{Trainee: t, Standing: standing[t.ID], Marked: marks[t.ID], Key: NewKey()})
	}
	return nil
}

// sheetNotice words what the change before the redirect did, from
// ?done= and ?t= (the trainee it was about, whose name is looked up on
// the sheet: the URL holds ids only).
func sheetNotice(c *fiber.Ctx, p *web.Page, sh *Sheet) string {
	done := c.Query("done")
	if done == "saved" {
		n, err := strconv.Atoi(c.Query("n"))
		if err != nil || n <= 0 {
			return p.T("attendance.sheet.saved.none")
		}
		return p.T("attendance.sheet.saved", n)
	}
	id, err := strconv.ParseInt(c.Query("t"), 10, 64)
	if err != nil {
		return ""
	}
	for _, r := range sh.Rows {
		if r.TraineeID != id {
			continue
		}
		mark := p.T("attendance.status.none")
		if r.Status != "" {
			mark = p.T("attendance.status." + r.Status)
		}
		switch done {
		case "walkin":
			return p.T("attendance.sheet.walkin.done", r.Name)
		case "assisted":
			return p.T("attendance.sheet.assist.done", r.Name, mark)
		case "already":
			return p.T("attendance.sheet.assist.already", r.Name, mark)
		case "marked":
			return p.T("attendance.sheet.marked", r.Name, mark)
		}
	}
	return ""
}

// wantsJSON reports whether the request is the sheet's script, which
// reads the answer as JSON.
func wantsJSON(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
}

// refuse answers a change the sheet cannot take, status 422, nothing
// written: the sheet with the message, or the message as JSON.
func (h *Handler) refuse(c *fiber.Ctx, sh *Sheet, posted *sheetForm, key string, args ...any) error {
	if wantsJSON(c) {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{
			"saved": false, "error": web.T(c, key, args...),
		})
	}
	return h.renderSheet(c, fiber.StatusUnprocessableEntity, sh, posted, key, args...)
}

// refusal is the message key (and its argument) of an error Apply
// returns, or "" for an error that is not the visitor's to fix.
func refusal(err error, r rules) (string, []any) {
	switch {
	case errors.Is(err, ErrCancelled):
		return "attendance.sheet.refused.cancelled", nil
	case errors.Is(err, ErrNotStarted):
		return "attendance.sheet.refused.notopen", nil
	case errors.Is(err, ErrLocked):
		return "attendance.sheet.refused.locked", []any{r.LockDays}
	case errors.Is(err, ErrReasonNeeded):
		return "attendance.sheet.refused.reason", nil
	case errors.Is(err, ErrNotOnSession):
		return "attendance.sheet.refused.notonsession", nil
	case errors.Is(err, ErrKeyReused):
		return "attendance.sheet.refused.expired", nil
	case errors.Is(err, ErrBadMark):
		return "attendance.sheet.refused.badstatus", nil
	case errors.As(err, new(*ConflictError)):
		return "attendance.sheet.refused.conflict", nil
	}
	return "", nil
}

// postedForm returns the posted fields, each a string of its own (not a
// view into Fiber's buffers), from a urlencoded or a multipart body.
func postedForm(c *fiber.Ctx) map[string]string {
	out := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		out[web.Clean(string(k), 100)] = web.Clean(string(v), web.MaxFormValue)
	})
	if len(out) == 0 {
		if mf, err := c.MultipartForm(); err == nil {
			for k, vs := range mf.Value {
				if len(vs) > 0 {
					out[web.Clean(k, 100)] = web.Clean(vs[0], web.MaxFormValue)
				}
			}
		}
	}
	return out
}

// SaveSheet saves a sheet in one transaction: the chosen mark and note of
// each row (all=present marks the rows left unmarked present). The form's
// key makes a retry harmless: a save seen before answers success and
// applies nothing again. A plain form is redirected back to the sheet; the
// sheet's script (Accept: application/json) gets {saved, changed, replay}
// or {error}. Bad input is refused whole with 422.
// A save reads the sheet as Store.Posting (no names, one statement); the
// whole sheet is read only to show it again with a refusal.
func (h *Handler) SaveSheet(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sh, err := h.Store.Posting(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	if !web.IsStaff(c) && !sh.TaughtBy(web.ViewerOf(c).ID) {
		return web.NotFound() // as mayTeach: another lecturer's session is not there
	}
	fields := postedForm(c)
	seated := make(map[int64]string, len(sh.Rows))
	for _, r := range sh.Rows {
		if r.Standing != "" {
			seated[r.TraineeID] = r.Standing
		}
	}
	form := &sheetForm{Statuses: map[int64]string{}, Notes: map[int64]string{}, Reason: strings.TrimSpace(fields["reason"])}
	bad := ""
	for name, v := range fields {
		rest, isStatus := strings.CutPrefix(name, "status_")
		if !isStatus {
			rest, _ = strings.CutPrefix(name, "note_")
		}
		if rest == name {
			continue
		}
		id, err := strconv.ParseInt(rest, 10, 64)
		switch {
		case err != nil || seated[id] != "enrolled":
			if isStatus || strings.TrimSpace(v) != "" {
				bad = "attendance.sheet.refused.notonsession"
			}
		case isStatus && !ValidStatus(v):
			bad = "attendance.sheet.refused.badstatus"
		case isStatus:
			form.Statuses[id] = v
		default:
			form.Notes[id] = strings.TrimSpace(v)
		}
	}
	// A row the visitor left as the sheet showed it (was_ and wasnote_)
	// is not sent on: a colleague may have changed it since, and an old
	// form must not undo that. A changed row carries what the sheet showed,
	// so that a change made meanwhile is refused, not overwritten.
	var marks []Mark
	for _, r := range sh.Rows {
		id := r.TraineeID
		note := form.Notes[id]
		status := form.Statuses[id]
		was, shown := fields["was_"+strconv.FormatInt(id, 10)]
		expect := &Expected{Status: was, Note: fields["wasnote_"+strconv.FormatInt(id, 10)]}
		if !shown {
			expect = nil // a form from before the sheet said what it showed
		}
		if status == "" && fields["all"] == StatusPresent && seated[id] == "enrolled" && (!shown && r.Status == "" || shown && was == "") {
			status = StatusPresent // 全部出勤: the rows the sheet showed unmarked
			form.Statuses[id] = status
		}
		switch {
		case utf8.RuneCountInString(note) > maxNote:
			bad = "attendance.sheet.refused.notelong"
		case status == "" && note != "" && note != r.Note:
			bad = "attendance.sheet.refused.notenostatus"
		case status == "":
		case shown && status == expect.Status && note == expect.Note:
			// unchanged by this visitor
		default:
			marks = append(marks, Mark{TraineeID: id, Status: status, Note: note, Expect: expect})
		}
	}
	r, err := h.rulesOf(c, &sh.Session)
	if err != nil {
		return err
	}
	key := fields["key"]
	switch {
	case utf8.RuneCountInString(form.Reason) > maxReason:
		bad = "attendance.sheet.refused.reasonlong"
	case !ValidKey(key):
		bad = "attendance.sheet.refused.expired"
	}
	if bad != "" {
		return h.refuseSave(c, form, bad)
	}
	saved, err := h.Store.Apply(ctx, Save{
		SessionID: sh.Session.ID, Key: key, Marks: marks, By: web.ViewerOf(c).ID, Staff: r.Staff,
		Reason: form.Reason, Source: SourceSheet, LockDays: r.LockDays, Opens: r.Opens,
	})
	if err != nil {
		msg, args := refusal(err, r)
		if msg == "" {
			return err
		}
		return h.refuseSave(c, form, msg, args...)
	}
	if wantsJSON(c) {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(fiber.Map{"saved": true, "changed": saved.Changed, "replay": saved.Replay})
	}
	v := url.Values{"done": {"saved"}, "n": {strconv.Itoa(saved.Changed)}}
	return c.Redirect(sheetURL(sh.Session.ID)+"?"+v.Encode(), fiber.StatusSeeOther)
}

// refuseSave is refuse for a save: the sheet's script gets the message,
// a plain form the whole sheet again, read for it.
func (h *Handler) refuseSave(c *fiber.Ctx, posted *sheetForm, key string, args ...any) error {
	if wantsJSON(c) {
		return h.refuse(c, nil, posted, key, args...)
	}
	sh, err := h.sheetFor(c)
	if err != nil {
		return err
	}
	return h.refuse(c, sh, posted, key, args...)
}

// rowIDs lists the trainees on a sheet.
func rowIDs(sh *Sheet) []int64 {
	ids := make([]int64, len(sh.Rows))
	for i, r := range sh.Rows {
		ids[i] = r.TraineeID
	}
	return ids
}

// addForm reads the walk-in and 代签 forms: the trainee and the key.
// Either missing or malformed is refused with the sheet's message.
func addForm(c *fiber.Ctx) (traineeID int64, key string, bad string) {
	traineeID, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("trainee_id")), 10, 64)
	if err != nil || traineeID <= 0 {
		return 0, "", "attendance.sheet.walkin.unknown"
	}
	key = web.Clean(c.FormValue("key"), 100)
	if !ValidKey(key) {
		return 0, "", "attendance.sheet.refused.expired"
	}
	return traineeID, key, ""
}

// addRefusal says why a walk-in or 代签 cannot be taken now, or "".
func addRefusal(r rules) (string, []any) {
	switch {
	case r.Cancelled:
		return "attendance.sheet.refused.cancelled", nil
	case r.Locked && !r.Staff:
		return "attendance.sheet.refused.locked", []any{r.LockDays}
	case r.Locked:
		return "attendance.sheet.walkin.locked", nil
	case r.NotOpen:
		return "attendance.sheet.refused.notopen", nil
	}
	return "", nil
}

// backToSheet redirects to the sheet with a notice about a trainee.
func backToSheet(c *fiber.Ctx, sessionID int64, done string, traineeID int64) error {
	v := url.Values{"done": {done}, "t": {strconv.FormatInt(traineeID, 10)}}
	return c.Redirect(sheetURL(sessionID)+"?"+v.Encode()+"#sheet", fiber.StatusSeeOther)
}

// AddWalkIn takes someone who came without a seat (form field
// trainee_id): they are enrolled while a seat is free and marked present,
// the history saying 临时加入. A full course is refused, and a walk-in
// never ends half-done: on the waitlist, or enrolled without their mark.
func (h *Handler) AddWalkIn(c *fiber.Ctx) error {
	sh, err := h.sheetFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	s := sh.Session
	traineeID, key, bad := addForm(c)
	if bad != "" {
		return h.refuse(c, sh, nil, bad)
	}
	r, err := h.rulesOf(c, s)
	if err != nil {
		return err
	}
	if msg, args := addRefusal(r); msg != "" {
		return h.refuse(c, sh, nil, msg, args...)
	}
	standing, err := h.Store.Standings(ctx, s.CourseID, []int64{traineeID})
	if err != nil {
		return err
	}
	switch standing[traineeID] {
	case trainees.StatusEnrolled:
		for _, row := range sh.Rows {
			if row.TraineeID == traineeID && row.Status != "" {
				return backToSheet(c, s.ID, "already", traineeID)
			}
		}
		// On the course already (since the page was shown): just marked.
		return h.assist(c, sh, r, traineeID, key, SourceSheet, "marked")
	case trainees.StatusWaitlisted:
		return h.refuse(c, sh, nil, "attendance.sheet.walkin.waitlisted")
	}
	by := web.ViewerOf(c).ID
	_, err = h.Store.ApplyWalkIn(ctx, Save{
		SessionID: s.ID, Key: key, By: by, Staff: r.Staff, Source: SourceWalkIn, LockDays: r.LockDays, Opens: r.Opens,
		Marks: []Mark{{TraineeID: traineeID, Status: StatusPresent, Expect: &Expected{}}},
	}, s.CourseID)
	switch {
	case errors.Is(err, trainees.ErrNotFound), errors.Is(err, trainees.ErrNotTrainee):
		return h.refuse(c, sh, nil, "attendance.sheet.walkin.unknown")
	case errors.Is(err, trainees.ErrNoSeat), errors.Is(err, ErrNotOnSession):
		return h.refuse(c, sh, nil, "attendance.sheet.walkin.full")
	case errors.Is(err, trainees.ErrWaiting):
		return h.refuse(c, sh, nil, "attendance.sheet.walkin.waitlisted")
	case errors.Is(err, trainees.ErrNotRunning), errors.Is(err, trainees.ErrArchived):
		return h.refuse(c, sh, nil, "attendance.sheet.walkin.archived")
	case errors.Is(err, trainees.ErrCourseNotFound):
		return web.NotFound()
	case errors.As(err, new(*ConflictError)): // marked meanwhile
		return backToSheet(c, s.ID, "already", traineeID)
	case err != nil:
		msg, args := refusal(err, r)
		if msg == "" {
			return err
		}
		return h.refuse(c, sh, nil, msg, args...)
	}
	return backToSheet(c, s.ID, "walkin", traineeID)
}

// Assist marks a trainee with a seat present for them (代签: no
// smartphone to check in with). Someone marked already is left as they
// are.
func (h *Handler) Assist(c *fiber.Ctx) error {
	sh, err := h.sheetFor(c)
	if err != nil {
		return err
	}
	traineeID, key, bad := addForm(c)
	if bad != "" {
		return h.refuse(c, sh, nil, bad)
	}
	r, err := h.rulesOf(c, sh.Session)
	if err != nil {
		return err
	}
	if msg, args := addRefusal(r); msg != "" {
		return h.refuse(c, sh, nil, msg, args...)
	}
	for _, row := range sh.Rows {
		if row.TraineeID == traineeID && row.Status != "" {
			return backToSheet(c, sh.Session.ID, "already", traineeID)
		}
	}
	return h.assist(c, sh, r, traineeID, key, SourceAssisted, "assisted")
}

// assist marks a trainee present, made as source says, and goes back to
// the sheet with the notice done. Present, not late by the clock: 代签
// is often done at the break, long after the trainee arrived; the
// lecturer changes it if they were late. A mark made meanwhile (a
// check-in) is kept.
func (h *Handler) assist(c *fiber.Ctx, sh *Sheet, r rules, traineeID int64, key, source, done string) error {
	_, err := h.Store.Apply(c.UserContext(), Save{
		SessionID: sh.Session.ID, Key: key, By: web.ViewerOf(c).ID, Staff: r.Staff, Source: source,
		LockDays: r.LockDays, Opens: r.Opens,
		Marks: []Mark{{TraineeID: traineeID, Status: StatusPresent, Expect: &Expected{}}},
	})
	if errors.As(err, new(*ConflictError)) {
		return backToSheet(c, sh.Session.ID, "already", traineeID)
	}
	if err != nil {
		msg, args := refusal(err, r)
		if msg == "" {
			return err
		}
		return h.refuse(c, sh, nil, msg, args...)
	}
	return backToSheet(c, sh.Session.ID, done, traineeID)
}
