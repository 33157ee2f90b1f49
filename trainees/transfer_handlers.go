package trainees

import (
	"bytes"
	"context"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"partyschool/courses"
	"partyschool/i18n"
	"partyschool/sheets"
	"partyschool/web"
)

// importPage is what the import page shows: the upload form, or the
// preview of an uploaded file.
type importPage struct {
	Columns  []string
	Courses  []web.Option // the courses an import may enrol its rows in
	BatchID  int64
	Filename string
	Course   *courses.Course // the course the rows will be enrolled in, if any
	Rows     []ImportRow
	New      int // rows that create an account
	Matched  int // rows that match a trainee already registered
	Invalid  int
	Max      int // new accounts one import may create
	MaxRows  int // rows one file may have
}

// ImportForm shows the upload form; ?course= preselects the course.
// (Batches past their hour are deleted by the next upload, not here: a
// GET writes nothing.)
func (h *Handler) ImportForm(c *fiber.Ctx) error {
	chosen, _ := strconv.ParseInt(c.Query("course"), 10, 64)
	return h.renderImport(c, fiber.StatusOK, importPage{}, chosen, "")
}

// enrollable lists the courses an import may enrol trainees in: any
// course that is not archived.
var enrollable = []string{courses.StatusDraft, courses.StatusPublished, courses.StatusClosed}

func (h *Handler) renderImport(c *fiber.Ctx, status int, d importPage, chosen int64, alertKey string, args ...any) error {
	d.Columns, d.Max, d.MaxRows = ImportHeader(), MaxNewAccounts, MaxImportRows
	if d.Rows == nil {
		list, _, err := h.Courses.List(c.UserContext(), courses.CatalogueFilter{Statuses: enrollable, Limit: 200})
		if err != nil {
			return err
		}
		for _, co := range list {
			d.Courses = append(d.Courses, web.Option{
				Value: strconv.FormatInt(co.ID, 10), Label: co.Code + " " + co.Title, Selected: co.ID == chosen,
			})
		}
	}
	p := web.NewPage(c, "registry.import.title")
	p.Data = d
	if alertKey != "" {
		p.Alert = p.T(alertKey, args...)
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // a preview shows phone numbers
	return web.Render(c, status, "trainees/import", p)
}

// importUploadProblems maps what sheets refuses to the message the page
// shows. A file over sheets.MaxRows rows gets the message of one over
// MaxImportRows.
var importUploadProblems = []struct {
	err error
	key string
}{
	{sheets.ErrTooLarge, "registry.import.toolarge"},
	{sheets.ErrTooManyRows, "registry.import.toomany"},
	{sheets.ErrTooManyCols, "registry.import.format"},
	{sheets.ErrEmpty, "registry.import.empty"},
	{sheets.ErrCellTooLong, "registry.import.celllong"},
	{sheets.ErrFormat, "registry.import.format"},
}

// importTimedOut reports whether an import failed because the request ran
// out of time: then its transaction was rolled back and nothing written.
func importTimedOut(ctx context.Context, err error) bool {
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded))
}

// importTimeout is the answer to an import that ran out of time: 503 with
// a message saying what to do, not the generic error page.
func (h *Handler) importTimeout(c *fiber.Ctx, err error) error {
	h.Logger.Warn("trainee import timed out", "by", web.ViewerOf(c).ID, "request_id", web.RequestID(c), "err", err)
	return web.Fail(fiber.StatusServiceUnavailable, "registry.import.timeout", MaxNewAccounts)
}

// Preview reads an uploaded registry and shows every row with its
// problems, and whether it creates an account or matches a trainee
// already registered. Nothing is written: the checked rows wait in an
// import batch for the coordinator to confirm.
func (h *Handler) Preview(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var course *courses.Course
	chosen, _ := strconv.ParseInt(web.FormValue(c, "course"), 10, 64)
	if chosen != 0 {
		co, err := h.Courses.Get(ctx, chosen)
		if errors.Is(err, courses.ErrNotFound) || err == nil && co.Status == courses.StatusArchived {
			return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, 0, "registry.import.course.invalid")
		}
		if err != nil {
			return err
		}
		course = co
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, chosen, "registry.import.nofile")
	}
	table, err := sheets.ReadUpload(fh)
	for _, p := range importUploadProblems {
		if errors.Is(err, p.err) {
			return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, chosen, p.key, MaxImportRows)
		}
	}
	if err != nil {
		return err
	}
	rows, err := h.Store.CheckTable(ctx, table)
	var missing sheets.MissingColumnError
	var tooMany ErrTooManyRows
	switch {
	case errors.As(err, &missing):
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, chosen, "registry.import.no"+missing.Column)
	case errors.As(err, &tooMany):
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, chosen, "registry.import.toomanyrows", tooMany.Rows, MaxImportRows)
	case importTimedOut(ctx, err):
		return h.importTimeout(c, err)
	case err != nil:
		return err
	}
	if len(rows) == 0 {
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, chosen, "registry.import.norows")
	}
	d := importPage{Filename: web.Clean(fh.Filename, 200), Rows: rows, Course: course}
	for _, r := range rows {
		switch {
		case !r.OK():
			d.Invalid++
		case r.MatchID != 0:
			d.Matched++
		default:
			d.New++
		}
	}
	if d.New > MaxNewAccounts {
		return h.renderImport(c, fiber.StatusUnprocessableEntity, d, chosen, "registry.import.toomanyaccounts", MaxNewAccounts)
	}
	if d.New+d.Matched > 0 {
		if d.BatchID, err = h.Store.SaveBatch(ctx, web.ViewerOf(c).ID, d.Filename, chosen, rows); err != nil {
			return err
		}
	}
	return h.renderImport(c, fiber.StatusOK, d, chosen, "")
}

// importDonePage is what the page after an import shows.
type importDonePage struct {
	ImportResult
	LoginURL string
	Waiting  int // of the enrolments, on the waitlist
}

// Import writes the valid rows of a previewed batch, all in one
// transaction, and shows the new accounts' one-time passwords, once, as
// slips to print and hand out. A batch belongs to the coordinator who
// uploaded it: anyone else's answers like a missing one.
func (h *Handler) Import(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	res, err := h.Store.ImportBatch(c.UserContext(), id, v.ID)
	var changed ErrImportChanged
	switch {
	case errors.Is(err, ErrBatchExpired):
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, 0, "registry.import.expired")
	case errors.As(err, &changed):
		return h.renderImport(c, fiber.StatusConflict, importPage{}, 0, "registry.import.changed", changed.Rows)
	case errors.Is(err, ErrImportCourse):
		return h.renderImport(c, fiber.StatusConflict, importPage{}, 0, "registry.import.course.gone")
	case importTimedOut(c.UserContext(), err):
		return h.importTimeout(c, err)
	case err != nil:
		return err
	}
	var course int64
	if res.Course != nil {
		course = res.Course.ID
	}
	h.Logger.Info("trainees imported", "by", v.ID, "created", len(res.Created), "matched", len(res.Matched),
		"course", course, "enrolled", len(res.Enrolments), "request_id", web.RequestID(c))
	d := importDonePage{ImportResult: *res, LoginURL: h.loginURL()}
	for _, e := range res.Enrolments {
		if e.Status == StatusWaitlisted && !e.Already {
			d.Waiting++
		}
	}
	p := web.NewPage(c, "registry.import.done.title")
	p.Data = d
	p.Notice = p.T("registry.import.done", len(res.Created), len(res.Matched))
	c.Set(fiber.HeaderCacheControl, "no-store") // one-time passwords
	return web.Render(c, fiber.StatusOK, "trainees/import_done", p)
}

// Template downloads an empty registry with the header and one example row.
func (h *Handler) Template(c *fiber.Ctx) error {
	community := ""
	if list, err := h.Places.Communities(c.UserContext()); err != nil {
		return err
	} else if len(list) > 0 {
		community = list[0].Name
	}
	example := [][]string{{"张晓梅", "13800000000", "女", community, "社区居委会", i18n.T(i18n.Chinese, "kind."+KindPartyMember), "第一党支部"}}
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "学员名单", ImportHeader(), example); err != nil {
		return err
	}
	return web.SendXLSX(c, "学员名单模板.xlsx", buf.Bytes())
}
