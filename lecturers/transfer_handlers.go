package lecturers

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/audit"
	"partyschool/sheets"
	"partyschool/web"
)

// importPage is what the import page shows: the upload form, or the
// preview of an uploaded file.
type importPage struct {
	Columns  []string
	BatchID  int64
	Filename string
	Rows     []ImportRow
	Valid    int
	Invalid  int
}

// ImportForm shows the upload form.
func (h *Handler) ImportForm(c *fiber.Ctx) error {
	return h.renderImport(c, fiber.StatusOK, importPage{}, "")
}

func (h *Handler) renderImport(c *fiber.Ctx, status int, d importPage, alertKey string, args ...any) error {
	d.Columns = Header()
	p := web.NewPage(c, "lecturers.import.title")
	p.Data = d
	if alertKey != "" {
		p.Alert = p.T(alertKey, args...)
	}
	return web.Render(c, status, "lecturers/import", p)
}

// uploadProblems maps what sheets refuses to the message the page shows.
var uploadProblems = []struct {
	err error
	key string
}{
	{sheets.ErrTooLarge, "lecturers.import.toolarge"},
	{sheets.ErrTooManyRows, "lecturers.import.toomany"},
	{sheets.ErrTooManyCols, "lecturers.import.format"},
	{sheets.ErrEmpty, "lecturers.import.empty"},
	{sheets.ErrCellTooLong, "lecturers.import.celllong"},
	{sheets.ErrFormat, "lecturers.import.format"},
}

// Preview reads an uploaded roster and shows every row with its problems.
// Nothing is written to the roster: the checked rows wait in an import
// batch for the coordinator to confirm.
func (h *Handler) Preview(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, "lecturers.import.nofile")
	}
	table, err := sheets.ReadUpload(fh)
	for _, p := range uploadProblems {
		if errors.Is(err, p.err) {
			return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, p.key)
		}
	}
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rows, err := h.Store.CheckTable(ctx, table)
	var missing sheets.MissingColumnError
	if errors.As(err, &missing) {
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, "lecturers.import.no"+missing.Column)
	}
	if err != nil {
		return err
	}
	d := importPage{Filename: web.Clean(fh.Filename, 200), Rows: rows}
	for _, r := range rows {
		if r.OK() {
			d.Valid++
		} else {
			d.Invalid++
		}
	}
	if d.Valid > 0 {
		if d.BatchID, err = h.Store.SaveBatch(ctx, web.ViewerOf(c).ID, d.Filename, rows); err != nil {
			return err
		}
	}
	return h.renderImport(c, fiber.StatusOK, d, "")
}

// Import writes the valid rows of a previewed batch, all in one
// transaction. A batch belongs to the coordinator who uploaded it: anyone
// else's answers like a missing one.
func (h *Handler) Import(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	n, err := h.Store.ImportBatch(c.UserContext(), id, web.ViewerOf(c).ID)
	var changed ErrImportChanged
	switch {
	case errors.Is(err, ErrBatchExpired):
		return h.renderImport(c, fiber.StatusUnprocessableEntity, importPage{}, "lecturers.import.expired")
	case errors.As(err, &changed):
		return h.renderImport(c, fiber.StatusConflict, importPage{}, "lecturers.import.changed", changed.Duplicates)
	case err != nil:
		return err
	}
	return c.Redirect("/lecturers?done=imported&n="+strconv.Itoa(n), fiber.StatusSeeOther)
}

// Template downloads an empty roster with the header and one example row.
func (h *Handler) Template(c *fiber.Ctx) error {
	example := [][]string{{"王建华", "专家讲师", "市委党校副教授", "市委党校", "", "13800000000", "基层党建、政策解读", "长期从事基层党建研究。"}}
	return sendSheet(c, "xlsx", "讲师名单模板", Header(), example)
}

// Export downloads the roster as filtered on the roster page, phone
// numbers masked unless ?phones=full asks for them (to contact people).
// Each export is logged with who took it and whether numbers were whole.
func (h *Handler) Export(c *fiber.Ctx) error {
	format := c.Params("format")
	if format != "xlsx" && format != "csv" {
		return web.NotFound()
	}
	f := filterOf(c)
	full := c.Query("phones") == "full"
	header, rows, err := h.Store.ExportRows(c.UserContext(), f, full)
	if err != nil {
		return err
	}
	if err := audit.Record(c.UserContext(), h.Store.db, audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "lecturer.export",
		Object: "lecturer roster", Details: map[string]any{"rows": len(rows), "format": format, "full_phones": full, "filter": f.values().Encode()}, ClientIP: web.ClientIP(c)}); err != nil {
		return err
	}
	h.Logger.Info("roster exported", "by", web.ViewerOf(c).ID, "rows", len(rows), "format", format,
		"full_phones", full, "filter", f.values().Encode(), "request_id", web.RequestID(c))
	return sendSheet(c, format, "讲师名单-"+time.Now().In(web.Shanghai).Format("20060102"), header, rows)
}

// sendSheet answers with a spreadsheet download.
func sendSheet(c *fiber.Ctx, format, name string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	var err error
	if format == "csv" {
		err = sheets.WriteCSV(&buf, header, rows)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		err = sheets.WriteXLSX(&buf, "讲师名单", header, rows)
		c.Set(fiber.HeaderContentType, web.XLSXType)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, web.AttachmentName(name+"."+format))
	return c.Send(buf.Bytes())
}
