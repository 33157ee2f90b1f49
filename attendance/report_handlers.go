package attendance

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/audit"
	"partyschool/courses"
	"partyschool/i18n"
	"partyschool/sheets"
	"partyschool/trainees"
	"partyschool/web"
)

// todoPerPage is how many sessions a page of the to-do list shows.
const todoPerPage = 30

// reportCourse loads the course of :id for its report: coordinators and
// admins may see any, a lecturer only one they teach a session of;
// anyone else's answers like a missing one.
func (h *Handler) reportCourse(c *fiber.Ctx) (*courses.Course, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.UserContext()
	course, err := h.Courses.Get(ctx, id)
	if errors.Is(err, courses.ErrNotFound) {
		return nil, web.NotFound()
	}
	if err != nil {
		return nil, err
	}
	if !web.IsStaff(c) {
		teaches, err := h.Courses.Teaches(ctx, course.ID, web.ViewerOf(c).ID)
		if err != nil {
			return nil, err
		}
		if !teaches {
			return nil, web.NotFound()
		}
	}
	return course, nil
}

// statusGroup is the trainees of a session with one status ("" for
// those not marked).
type statusGroup struct {
	Status   string
	LabelKey string
	Lines    []ReportLine
}

// sessionReportPage is what a session's report shows.
type sessionReportPage struct {
	Report    *SessionReport
	Rate      Rate
	Groups    []statusGroup // the trainees with a seat, by status
	Withdrawn []ReportLine  // marked, then withdrawn: listed, not counted
	Export    string
}

// SessionReport is a session's attendance: how many trainees with a seat
// were present, late, excused, absent or not marked, the rate once the
// session has ended, and their names under each status.
func (h *Handler) SessionReport(c *fiber.Ctx) error {
	s, err := h.sessionFor(c)
	if err != nil {
		return err
	}
	r, err := h.Store.SessionReport(c.UserContext(), s)
	if err != nil {
		return err
	}
	d := sessionReportPage{Report: r, Rate: r.Rate(), Export: "/sessions/" + strconv.FormatInt(s.ID, 10) + "/attendance.xlsx"}
	for _, st := range append(append([]string{}, Statuses...), "") {
		g := statusGroup{Status: st, LabelKey: Cell{Status: st}.LabelKey(), Lines: []ReportLine{}}
		for _, l := range r.Lines {
			if l.Seated && l.Status == st {
				g.Lines = append(g.Lines, l)
			}
		}
		d.Groups = append(d.Groups, g)
	}
	for _, l := range r.Lines {
		if !l.Seated {
			d.Withdrawn = append(d.Withdrawn, l)
		}
	}
	p := web.NewPage(c, "")
	p.Title = p.T("attendance.report.session.title", web.DayLabel(p.Lang, s.StartsAt))
	p.Data = d
	c.Set(fiber.HeaderCacheControl, "no-store") // names and marks
	return web.Render(c, fiber.StatusOK, "attendance/report_session", p)
}

// sessionHeader is the header row of a session's export.
var sessionHeader = []string{"姓名", "社区", "状态", "备注", "记录人", "时间"}

// ExportSessionReport downloads a session's attendance: everyone on the
// report by name, without phone numbers. Each export is logged.
func (h *Handler) ExportSessionReport(c *fiber.Ctx) error {
	s, err := h.sessionFor(c)
	if err != nil {
		return err
	}
	r, err := h.Store.SessionReport(c.UserContext(), s)
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(r.Lines))
	for _, l := range r.Lines {
		status := zh(Cell{Status: l.Status}.LabelKey())
		if !l.Seated {
			status += zh("attendance.report.withdrawn.suffix")
		}
		at := ""
		if l.RecordedAt != nil {
			at = l.RecordedAt.In(web.Shanghai).Format("2006-01-02 15:04")
		}
		rows = append(rows, []string{l.Name, l.CommunityName, status, l.Note, l.RecordedBy, at})
	}
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "课次考勤", sessionHeader, rows); err != nil {
		return err
	}
	if err := audit.Record(c.UserContext(), h.Store.db, audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "attendance.export",
		Object: fmt.Sprintf("session %d", s.ID), Details: map[string]any{"course": s.CourseID, "rows": len(rows)}, ClientIP: web.ClientIP(c)}); err != nil {
		return err
	}
	h.Logger.Info("session attendance exported", "by", web.ViewerOf(c).ID, "session", s.ID, "course", s.CourseID,
		"rows", len(rows), "request_id", web.RequestID(c))
	name := fmt.Sprintf("考勤-%s-%s.xlsx", s.CourseCode, s.StartsAt.In(web.Shanghai).Format("20060102-1504"))
	return web.SendXLSX(c, name, buf.Bytes())
}

// zh is a catalogue text in Chinese: the exports are in Chinese whatever
// the reader's language, like their headers.
func zh(key string, args ...any) string { return i18n.T(i18n.Chinese, key, args...) }

// courseReportPage is what a course's report shows.
type courseReportPage struct {
	Report      *CourseReport
	Chart       string
	ChartWidth  int
	ChartHeight int
	Export      string
	Staff       bool // trainees' names link to their attendance
}

// CourseReport is a course's attendance: the matrix of its trainees with
// a seat against its held sessions, each trainee's rate with those below
// the certificate rule marked, each session's totals, and the chart.
func (h *Handler) CourseReport(c *fiber.Ctx) error {
	course, err := h.reportCourse(c)
	if err != nil {
		return err
	}
	r, err := h.Store.CourseReport(c.UserContext(), course)
	if err != nil {
		return err
	}
	base := "/courses/" + strconv.FormatInt(course.ID, 10) + "/attendance"
	p := web.NewPage(c, "")
	p.Title = p.T("attendance.report.course.title", course.Title)
	p.Data = courseReportPage{
		Report: r, Chart: base + "/chart.svg", Export: base + ".xlsx", Staff: web.IsStaff(c),
		ChartWidth: ChartWidth(len(r.Sessions)), ChartHeight: ChartHeight,
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, fiber.StatusOK, "attendance/report_course", p)
}

// ExportCourseReport downloads a course's matrix: a row per trainee with
// a seat, a column per held session, then the trainee's counts, rate and
// whether it meets the rule; the last two rows are each session's
// totals. Each export is logged.
func (h *Handler) ExportCourseReport(c *fiber.Ctx) error {
	course, err := h.reportCourse(c)
	if err != nil {
		return err
	}
	r, err := h.Store.CourseReport(c.UserContext(), course)
	if err != nil {
		return err
	}
	header := []string{"姓名", "社区"}
	for i, s := range r.Sessions {
		header = append(header, fmt.Sprintf("第%d次 %s", i+1, s.StartsAt.In(web.Shanghai).Format("1/2 15:04")))
	}
	header = append(header, "到课次数", "应到次数", "到课率", fmt.Sprintf("结业要求（%d%%）", course.MinAttendance))
	rows := make([][]string, 0, len(r.Rows)+2)
	for _, tr := range r.Rows {
		row := []string{tr.Name, tr.CommunityName}
		for _, cell := range tr.Cells {
			row = append(row, zh(cell.LabelKey()))
		}
		meets := zh("attendance.report.meets")
		if tr.Below {
			meets = zh("attendance.report.below.mark")
		} else if !tr.Rate.Known() {
			meets = ""
		}
		rows = append(rows, append(row, strconv.Itoa(tr.Rate.Attended), strconv.Itoa(tr.Rate.Of), tr.Rate.String(), meets))
	}
	attended := []string{zh("attendance.report.col.attended"), ""}
	rates := []string{zh("attendance.report.col.rate"), ""}
	for _, s := range r.Sessions {
		rate := s.Tally.Rate()
		attended = append(attended, fmt.Sprintf("%d/%d", rate.Attended, rate.Of))
		rates = append(rates, rate.String())
	}
	rows = append(rows,
		append(attended, strconv.Itoa(r.Overall.Attended), strconv.Itoa(r.Overall.Of), "", ""),
		append(rates, "", "", r.Overall.String(), ""))
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "课程考勤", header, rows); err != nil {
		return err
	}
	if err := audit.Record(c.UserContext(), h.Store.db, audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "attendance.export",
		Object: fmt.Sprintf("course %d", course.ID), Details: map[string]any{"code": course.Code, "trainees": len(r.Rows), "sessions": len(r.Sessions)}, ClientIP: web.ClientIP(c)}); err != nil {
		return err
	}
	h.Logger.Info("course attendance exported", "by", web.ViewerOf(c).ID, "course", course.ID, "code", course.Code,
		"trainees", len(r.Rows), "sessions", len(r.Sessions), "request_id", web.RequestID(c))
	return web.SendXLSX(c, "课程考勤-"+course.Code+".xlsx", buf.Bytes())
}

// CourseChart is a course's attendance chart, the rate of each held
// session, as SVG drawn on the server.
func (h *Handler) CourseChart(c *fiber.Ctx) error {
	course, err := h.reportCourse(c)
	if err != nil {
		return err
	}
	r, err := h.Store.CourseReport(c.UserContext(), course)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	return c.Send(Chart(web.LangOf(c), r))
}

// traineeReportPage is what a trainee's attendance shows.
type traineeReportPage struct {
	Trainee *trainees.Trainee // nil on the trainee's own page
	Report  *TraineeReport
	Export  string
}

// TraineeReport is one trainee's attendance, for coordinators: every
// course they are or were on, its sessions with their marks, the rate and
// the credit hours earned.
func (h *Handler) TraineeReport(c *fiber.Ctx) error {
	t, err := h.reportTrainee(c)
	if err != nil {
		return err
	}
	r, err := h.Store.TraineeReport(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "")
	p.Title = p.T("attendance.report.trainee.title", t.Name)
	p.Data = traineeReportPage{Trainee: t, Report: r, Export: "/trainees/" + strconv.FormatInt(t.ID, 10) + "/attendance.xlsx"}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, fiber.StatusOK, "attendance/report_trainee", p)
}

// reportTrainee loads the trainee of :id; an account that is not a
// trainee's is a missing page.
func (h *Handler) reportTrainee(c *fiber.Ctx) (*trainees.Trainee, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	t, err := h.Trainees.Get(c.UserContext(), id)
	if errors.Is(err, trainees.ErrNotFound) {
		return nil, web.NotFound()
	}
	return t, err
}

// traineeHeader is the header row of a trainee's export.
var traineeHeader = []string{"课程编号", "课程名称", "上课时间", "课次主题", "状态", "备注", "课程到课率", "结业要求", "已获学时"}

// ExportTraineeReport downloads a trainee's attendance: a row per held
// or cancelled session, with its course's rate and hours. Each export is
// logged.
func (h *Handler) ExportTraineeReport(c *fiber.Ctx) error {
	t, err := h.reportTrainee(c)
	if err != nil {
		return err
	}
	r, err := h.Store.TraineeReport(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, course := range r.Courses {
		for _, s := range course.Sessions {
			status := zh(s.Cell().LabelKey())
			if s.Cancelled {
				status = zh("attendance.report.cancelled")
			}
			rows = append(rows, []string{
				course.Code, course.Title, s.StartsAt.In(web.Shanghai).Format("2006-01-02 15:04"), s.Topic, status, s.Note,
				course.Rate.String(), fmt.Sprintf("%d%%", course.MinAttendance), strconv.FormatFloat(course.Earned, 'f', -1, 64),
			})
		}
	}
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "学员考勤", traineeHeader, rows); err != nil {
		return err
	}
	if err := audit.Record(c.UserContext(), h.Store.db, audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "attendance.export",
		Object: fmt.Sprintf("user %d", t.ID), Details: map[string]any{"courses": len(r.Courses), "rows": len(rows)}, ClientIP: web.ClientIP(c)}); err != nil {
		return err
	}
	h.Logger.Info("trainee attendance exported", "by", web.ViewerOf(c).ID, "trainee", t.ID,
		"courses", len(r.Courses), "rows", len(rows), "request_id", web.RequestID(c))
	return web.SendXLSX(c, fmt.Sprintf("学员考勤-%s-%s.xlsx", t.Name, time.Now().In(web.Shanghai).Format("20060102")), buf.Bytes())
}

// MyAttendance is the signed-in trainee's own attendance: only theirs,
// whatever the request says.
func (h *Handler) MyAttendance(c *fiber.Ctx) error {
	r, err := h.Store.TraineeReport(c.UserContext(), web.ViewerOf(c).ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "attendance.report.my.title")
	p.Data = traineeReportPage{Report: r}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, fiber.StatusOK, "attendance/report_trainee", p)
}

// todoRow is a session of the to-do list and whether its sheet is locked
// (only coordinators may still record it, with a reason).
type todoRow struct {
	TodoItem
	Locked bool
}

// todoPage is what the to-do list shows.
type todoPage struct {
	Rows     []todoRow
	Total    int
	Pager    web.Pager
	Staff    bool
	LockDays int
}

// Todo lists the sessions that have ended with a trainee still unmarked:
// a lecturer's own, or everyone's for coordinators, the latest first, each
// linking to its sheet.
func (h *Handler) Todo(c *fiber.Ctx) error {
	ctx := c.UserContext()
	staff := web.IsStaff(c)
	var lecturer int64
	if !staff {
		lecturer = web.ViewerOf(c).ID
	}
	sc, err := h.Settings.Get(ctx)
	if err != nil {
		return err
	}
	page := web.PageNumber(c)
	items, total, err := h.Store.Todo(ctx, lecturer, todoPerPage, (page-1)*todoPerPage)
	if err != nil {
		return err
	}
	d := todoPage{Rows: make([]todoRow, len(items)), Total: total, Staff: staff, LockDays: sc.AttendanceLockDays}
	now := time.Now()
	for i, it := range items {
		d.Rows[i] = todoRow{TodoItem: it, Locked: Locked(it.EndsAt, now, sc.AttendanceLockDays)}
	}
	d.Pager = web.NewPager(page, total, todoPerPage, func(n int) string {
		return "/attendance/todo?page=" + strconv.Itoa(n)
	})
	p := web.NewPage(c, "attendance.todo.title")
	p.Data = d
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, fiber.StatusOK, "attendance/todo", p)
}
