package trainees

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partyschool/audit"
	"partyschool/courses"
	"partyschool/i18n"
	"partyschool/sheets"
	"partyschool/web"
)

// searchLimit is how many trainees one roll search lists.
const searchLimit = 20

// rollPage is what a course's roll shows.
type rollPage struct {
	Course   *courses.Course
	Roll     Roll
	Free     int  // seats free
	CanFill  bool // seats are free and people wait
	Archived bool // the roll can be read and exported, not changed
	Sessions []courses.Session
	Query    string
	Found    []found
	More     bool // the search matched more than it lists
}

// found is a trainee the roll's search found, and where they stand on
// the course: Status "" when they are not on it.
type found struct {
	Trainee
	Status   string
	Position int
}

// rollURL is the address of a course's roll.
func rollURL(courseID int64) string {
	return "/courses/" + strconv.FormatInt(courseID, 10) + "/roll"
}

// rollCourse loads the course named by :id; an unknown one is 404.
func (h *Handler) rollCourse(c *fiber.Ctx) (*courses.Course, error) {
	return courses.CourseOf(c, h.Courses)
}

// Roll is a course's roll for coordinators: the seat counts, who is
// enrolled, the waitlist in order, a search to add trainees, and links to
// the export and the sessions' sign-in sheets.
func (h *Handler) Roll(c *fiber.Ctx) error {
	course, err := h.rollCourse(c)
	if err != nil {
		return err
	}
	return h.renderRoll(c, fiber.StatusOK, course, "")
}

// renderRoll shows the roll with the notice of ?done=, or with alertKey's
// message when a change was refused.
func (h *Handler) renderRoll(c *fiber.Ctx, status int, course *courses.Course, alertKey string) error {
	ctx := c.UserContext()
	roll, err := h.Store.Roll(ctx, course.ID)
	if err != nil {
		return err
	}
	sessions, err := h.Courses.Sessions(ctx, course.ID)
	if err != nil {
		return err
	}
	d := rollPage{
		Course: course, Roll: roll, Free: max(course.Capacity-len(roll.Enrolled), 0),
		Archived: course.Status == courses.StatusArchived,
		Sessions: []courses.Session{},
		Query:    strings.TrimSpace(web.Clean(c.Query("q"), 50)),
	}
	d.CanFill = !d.Archived && d.Free > 0 && len(roll.Waitlisted) > 0
	for _, s := range sessions {
		if !s.Cancelled() {
			d.Sessions = append(d.Sessions, s)
		}
	}
	if d.Query != "" {
		list, total, err := h.Store.List(ctx, Filter{Query: d.Query, Limit: searchLimit})
		if err != nil {
			return err
		}
		d.More = total > len(list)
		on := onRoll(roll)
		for _, t := range list {
			f := found{Trainee: t}
			if e, ok := on[t.ID]; ok {
				f.Status, f.Position = e.Status, e.Position
			}
			d.Found = append(d.Found, f)
		}
	}
	p := web.NewPage(c, "")
	p.Title = p.T("roll.title", course.Title)
	p.Path = rollURL(course.ID) // a refused POST renders here: language and text size come back to the roll
	p.Data = d
	if status == fiber.StatusOK {
		if p.Notice, err = h.rollNotice(ctx, c, p, roll); err != nil {
			return err
		}
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey)
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // names, phones and communities
	return web.Render(c, status, "trainees/roll", p)
}

// onRoll indexes the roll by trainee.
func onRoll(r Roll) map[int64]RollEntry {
	out := make(map[int64]RollEntry, len(r.Enrolled)+len(r.Waitlisted))
	for _, list := range [][]RollEntry{r.Enrolled, r.Waitlisted} {
		for _, e := range list {
			out[e.TraineeID] = e
		}
	}
	return out
}

// rollNotice words what the change before the redirect did, from ?done=,
// ?t= (the trainee it was about) and ?p= (whom it promoted). The URL holds
// ids only, never names; the names are looked up now. A notice whose
// trainee cannot be found is left out.
func (h *Handler) rollNotice(ctx context.Context, c *fiber.Ctx, p *web.Page, roll Roll) (string, error) {
	done := c.Query("done")
	if done == "" {
		return "", nil
	}
	on := onRoll(roll)
	name := func(id int64) (string, error) {
		if e, ok := on[id]; ok {
			return e.Name, nil
		}
		t, err := h.Store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return t.Name, nil
	}
	var promoted []string
	for _, s := range strings.Split(c.Query("p"), ",") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 || len(promoted) >= 50 {
			continue
		}
		n, err := name(id)
		if err != nil {
			return "", err
		}
		if n != "" {
			promoted = append(promoted, n)
		}
	}
	promotedNames := strings.Join(promoted, p.T("roll.sep"))
	if done == "filled" {
		if len(promoted) == 0 {
			return p.T("roll.filled.none"), nil
		}
		return p.T("roll.filled", len(promoted), promotedNames), nil
	}
	id, err := strconv.ParseInt(c.Query("t"), 10, 64)
	if err != nil || id <= 0 {
		return "", nil
	}
	who, err := name(id)
	if err != nil || who == "" {
		return "", err
	}
	e, isOn := on[id]
	switch done {
	case "added":
		if isOn && e.Status == StatusWaitlisted { // the seat went meanwhile
			return p.T("roll.waitlisted", who, e.Position), nil
		}
		return p.T("roll.added", who), nil
	case "waitlisted":
		if isOn && e.Status == StatusWaitlisted {
			return p.T("roll.waitlisted", who, e.Position), nil
		}
		return p.T("roll.added", who), nil // promoted meanwhile
	case "already":
		if isOn && e.Status == StatusWaitlisted {
			return p.T("roll.already.waitlisted", who, e.Position), nil
		}
		return p.T("roll.already.enrolled", who), nil
	case "removed":
		if len(promoted) > 0 {
			return p.T("roll.removed.promoted", who, promotedNames), nil
		}
		return p.T("roll.removed", who), nil
	case "gone":
		return p.T("roll.gone", who), nil
	case "promoted":
		return p.T("roll.promoted", who), nil
	}
	return "", nil
}

// backToRoll redirects to the roll with a notice: done, the trainee it
// was about, whom it promoted, and the search the coordinator was in.
func backToRoll(c *fiber.Ctx, courseID int64, done string, traineeID int64, promoted []int64) error {
	v := url.Values{}
	v.Set("done", done)
	if traineeID > 0 {
		v.Set("t", strconv.FormatInt(traineeID, 10))
	}
	if len(promoted) > 0 {
		ids := make([]string, len(promoted))
		for i, id := range promoted {
			ids[i] = strconv.FormatInt(id, 10)
		}
		v.Set("p", strings.Join(ids, ","))
	}
	if q := strings.TrimSpace(web.Clean(c.FormValue("q"), 50)); q != "" {
		v.Set("q", q)
	}
	return c.Redirect(rollURL(courseID)+"?"+v.Encode(), fiber.StatusSeeOther)
}

// refuseRoll answers a change the roll cannot take with the roll and
// the reason, status 422; nothing was changed.
func (h *Handler) refuseRoll(c *fiber.Ctx, courseID int64, alertKey string) error {
	course, err := h.Courses.Get(c.UserContext(), courseID)
	if errors.Is(err, courses.ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	return h.renderRoll(c, fiber.StatusUnprocessableEntity, course, alertKey)
}

// rollTrainee reads the course from :id and the trainee from :trainee;
// an unknown or malformed trainee is 404, like a missing one.
func (h *Handler) rollTrainee(c *fiber.Ctx) (courseID, traineeID int64, err error) {
	if courseID, err = web.PathID(c); err != nil {
		return 0, 0, err
	}
	traineeID, err = strconv.ParseInt(c.Params("trainee"), 10, 64)
	if err != nil || traineeID <= 0 {
		return 0, 0, web.NotFound()
	}
	// Anyone the roll lists may be acted on, whatever their role now; a
	// stranger to the course is a missing page.
	on, err := h.Store.WasOnRoll(c.UserContext(), courseID, traineeID)
	if err != nil {
		return 0, 0, err
	}
	if !on {
		return 0, 0, web.NotFound()
	}
	return courseID, traineeID, nil
}

// AddToRoll puts a trainee (form field trainee_id) on the course: in a
// seat while there is one, else on the waitlist, which the notice says
// with the place. Someone on the course already is left as they are.
func (h *Handler) AddToRoll(c *fiber.Ctx) error {
	courseID, err := web.PathID(c)
	if err != nil {
		return err
	}
	traineeID, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("trainee_id")), 10, 64)
	if err != nil || traineeID <= 0 {
		return web.NotFound()
	}
	out, err := h.Store.Enrol(c.UserContext(), courseID, traineeID, web.ViewerOf(c).ID, true)
	switch {
	case errors.Is(err, ErrCourseNotFound), errors.Is(err, ErrNotFound), errors.Is(err, ErrNotTrainee):
		return web.NotFound()
	case errors.Is(err, ErrArchived):
		return h.refuseRoll(c, courseID, "roll.archived")
	case err != nil:
		return err
	}
	done := "added"
	switch {
	case out.Already:
		done = "already"
	case out.Status == StatusWaitlisted:
		done = "waitlisted"
	}
	return backToRoll(c, courseID, done, traineeID, nil)
}

// RemoveFromRoll takes a trainee off the course or its waitlist; a seat
// freed goes to the first trainee waiting, whom the notice names.
func (h *Handler) RemoveFromRoll(c *fiber.Ctx) error {
	courseID, traineeID, err := h.rollTrainee(c)
	if err != nil {
		return err
	}
	promoted, err := h.Store.Withdraw(c.UserContext(), courseID, traineeID, web.ViewerOf(c).ID, true)
	switch {
	case errors.Is(err, ErrCourseNotFound):
		return web.NotFound()
	case errors.Is(err, ErrNotOnCourse): // removed already: a second click, another tab
		return backToRoll(c, courseID, "gone", traineeID, nil)
	case errors.Is(err, ErrArchived):
		return h.refuseRoll(c, courseID, "roll.archived")
	case err != nil:
		return err
	}
	return backToRoll(c, courseID, "removed", traineeID, promoted)
}

// PromoteOnRoll gives a waiting trainee a free seat, out of turn; with
// no seat free it says how to make one.
func (h *Handler) PromoteOnRoll(c *fiber.Ctx) error {
	courseID, traineeID, err := h.rollTrainee(c)
	if err != nil {
		return err
	}
	err = h.Store.Promote(c.UserContext(), courseID, traineeID, web.ViewerOf(c).ID)
	switch {
	case errors.Is(err, ErrCourseNotFound):
		return web.NotFound()
	case errors.Is(err, ErrNoSeat):
		return h.refuseRoll(c, courseID, "roll.noseat")
	case errors.Is(err, ErrNotOnCourse):
		return h.refuseRoll(c, courseID, "roll.notwaiting")
	case errors.Is(err, ErrArchived):
		return h.refuseRoll(c, courseID, "roll.archived")
	case err != nil:
		return err
	}
	return backToRoll(c, courseID, "promoted", traineeID, nil)
}

// FillRoll gives the free seats to the waitlist, in order.
func (h *Handler) FillRoll(c *fiber.Ctx) error {
	course, err := h.rollCourse(c)
	if err != nil {
		return err
	}
	// FillSeats itself does not look at the status: an archived course's
	// roll is history and stays as it is.
	if course.Status == courses.StatusArchived {
		return h.renderRoll(c, fiber.StatusUnprocessableEntity, course, "roll.archived")
	}
	promoted, err := h.Store.FillSeats(c.UserContext(), course.ID, web.ViewerOf(c).ID)
	if errors.Is(err, ErrCourseNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	return backToRoll(c, course.ID, "filled", 0, promoted)
}

// rollHeader is the export's header row.
var rollHeader = []string{"序号", "姓名", "手机号", "社区", "工作单位", "类型", "状态"}

// ExportRoll downloads the roll as a spreadsheet: the enrolled by name,
// then the waitlist in order, phone numbers masked. Each export is
// logged with who took it.
func (h *Handler) ExportRoll(c *fiber.Ctx) error {
	course, err := h.rollCourse(c)
	if err != nil {
		return err
	}
	roll, err := h.Store.Roll(c.UserContext(), course.ID)
	if err != nil {
		return err
	}
	t := func(key string, args ...any) string { return i18n.T(i18n.Chinese, key, args...) }
	rows := make([][]string, 0, len(roll.Enrolled)+len(roll.Waitlisted))
	for _, list := range [][]RollEntry{roll.Enrolled, roll.Waitlisted} {
		for i := range list {
			e := &list[i]
			status := t("roll.status.enrolled")
			if e.Status == StatusWaitlisted {
				status = t("roll.position", e.Position)
			}
			rows = append(rows, []string{
				strconv.Itoa(len(rows) + 1), e.Name, e.PhoneMasked(), e.CommunityName,
				e.Organisation, t("kind." + e.Kind), status,
			})
		}
	}
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "学员名单", rollHeader, rows); err != nil {
		return err
	}
	if err := audit.Record(c.UserContext(), h.Store.db, audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "course_roll.export",
		Object: fmt.Sprintf("course %d", course.ID), Details: map[string]any{"code": course.Code, "rows": len(rows)}, ClientIP: web.ClientIP(c)}); err != nil {
		return err
	}
	h.Logger.Info("roll exported", "by", web.ViewerOf(c).ID, "course", course.ID, "code", course.Code,
		"rows", len(rows), "request_id", web.RequestID(c))
	return web.SendXLSX(c, "学员名单-"+course.Code+".xlsx", buf.Bytes())
}

// signInSheet is what the sign-in sheet shows.
type signInSheet struct {
	Session *courses.Session
	Course  *courses.Course
	Rows    []sheetRow // the enrolled, by name
	Staff   bool
}

// sheetRow is one line of the sign-in sheet: no phone number on paper.
type sheetRow struct {
	No        int
	Name      string
	Community string
}

// SignInSheet is a session's printable sign-in sheet (签到表): the
// enrolled trainees by name with a column to sign in, on A4. Coordinators
// may print any session's; a lecturer only their own sessions', anyone
// else's answering like a missing one. Phone numbers are not on it.
func (h *Handler) SignInSheet(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	s, err := h.Courses.Session(ctx, id)
	if errors.Is(err, courses.ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	staff := web.IsStaff(c)
	if !staff {
		teaches, err := h.Store.TeachesSession(ctx, s.ID, web.ViewerOf(c).ID)
		if err != nil {
			return err
		}
		if !teaches {
			return web.NotFound()
		}
	}
	course, err := h.Courses.Get(ctx, s.CourseID)
	if err != nil {
		return err
	}
	roll, err := h.Store.Roll(ctx, course.ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "")
	p.Title = p.T("roll.sheet.title", course.Title)
	rows := make([]sheetRow, len(roll.Enrolled))
	for i, e := range roll.Enrolled {
		rows[i] = sheetRow{No: i + 1, Name: e.Name, Community: e.CommunityName}
	}
	p.Data = signInSheet{Session: s, Course: course, Rows: rows, Staff: staff}
	c.Set(fiber.HeaderCacheControl, "no-store") // names and communities
	return web.Render(c, fiber.StatusOK, "trainees/sign_in_sheet", p)
}
