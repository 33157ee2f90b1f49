package certificates

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/width"

	"partyschool/audit"
	"partyschool/courses"
	"partyschool/i18n"
	"partyschool/settings"
	"partyschool/sheets"
	"partyschool/web"
)

// Handler answers the certificate pages: a course's certificates for
// coordinators, the register and its export, a trainee's own
// certificates, the public verification and the admin's settings.
type Handler struct {
	Store    *Store
	Courses  *courses.Store
	Settings *settings.Store
	// Font draws the PDFs; nil when the server has no Chinese font, and
	// then every PDF answers 503 and the pages say why.
	Font    *Font
	BaseURL *url.URL // the verification links printed on certificates come from here, never from the request
	Logger  *slog.Logger
}

// registerPerPage is how many certificates a page of the register lists.
const registerPerPage = 30

// secondsPerCertificate is roughly how long one page of a batch takes to
// draw and send, on a slow connection: the print-all note's estimate.
// Drawing takes about 0.2 ms a page (bench/NOTES.md); a page is 4 KB.
const secondsPerCertificate = 0.005

// noFont is the answer of every PDF when the server has no Chinese font.
func noFont() error { return web.Fail(fiber.StatusServiceUnavailable, "certificates.nofont") }

// ChineseDate writes a date as certificates do: 2026年12月1日.
func ChineseDate(t time.Time) string {
	y, m, d := t.Date()
	return fmt.Sprintf("%d年%d月%d日", y, int(m), d)
}

// formatHours writes credit hours without trailing zeros: 8, 7.5.
func formatHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// Placeholders are what the wording may contain, each replaced on printing.
var Placeholders = []string{"{name}", "{course}", "{from}", "{to}", "{hours}", "{school}"}

// Fill replaces the wording's placeholders with what p says.
func Fill(wording string, p Printed) string {
	return strings.NewReplacer(
		"{name}", p.TraineeName,
		"{course}", p.CourseTitle,
		"{from}", ChineseDate(p.StartsOn),
		"{to}", ChineseDate(p.EndsOn),
		"{hours}", formatHours(p.CreditHours),
		"{school}", p.SchoolName,
	).Replace(wording)
}

// VerifyURL is the address that verifies a certificate: its QR code.
func VerifyURL(base *url.URL, serial, code string) string {
	return strings.TrimSuffix(base.String(), "/") + "/verify/" + url.PathEscape(serial) + "?c=" + url.QueryEscape(code)
}

// printed works out what one certificate shows.
func (h *Handler) printed(c *Certificate, wording, school string) Printed {
	p := Printed{
		Kind: c.Kind, Serial: c.Serial, TraineeName: c.TraineeName, CourseTitle: c.CourseTitle,
		StartsOn: c.StartsOn, EndsOn: c.EndsOn, CreditHours: c.CreditHours, SchoolName: school,
		IssuedOn: c.IssuedOn, VerifyURL: VerifyURL(h.BaseURL, c.Serial, c.Code),
	}
	if c.Kind == "mentoring" {
		wording = MentoringWording // the school's wording speaks of courses
	}
	p.Wording = Fill(wording, p)
	return p
}

// MentoringWording is the body of a 跟岗练兵 certificate, with the
// placeholders of the school's wording.
const MentoringWording = "{name}同志于{from}至{to}在{course}跟岗练兵，完成规定的跟岗任务，共计{hours}学时，经考核合格，准予结业。特发此证。"

// printing is what the PDFs of a request need: the settings as a layout,
// the wording and the school's name.
type printing struct {
	layout  Layout
	wording string
	school  string
}

func (h *Handler) printing(c *fiber.Ctx) (printing, error) {
	ctx := c.UserContext()
	st, err := h.Store.Settings(ctx)
	if err != nil {
		return printing{}, err
	}
	sc, err := h.Settings.Get(ctx)
	if err != nil {
		return printing{}, err
	}
	return printing{
		layout:  Layout{OffsetXmm: st.OffsetX, OffsetYmm: st.OffsetY, Seal: st.Seal},
		wording: st.Wording, school: sc.Name,
	}, nil
}

// checkGlyphs refuses, before a byte is sent, certificates with a
// character the font cannot draw (a rare character in a name), naming
// the certificate and the characters.
func (h *Handler) checkGlyphs(certs []Printed) error {
	for _, p := range certs {
		if m := h.Font.Missing(p.TraineeName + p.CourseTitle + p.SchoolName + p.Wording + p.Serial); len(m) > 0 {
			return web.Fail(fiber.StatusUnprocessableEntity, "certificates.glyphs", p.Serial, string(m))
		}
	}
	return nil
}

// sendPDF renders certs into memory and sends them: one certificate, so
// that a failure still gets its error page.
func (h *Handler) sendPDF(c *fiber.Ctx, certs []Printed, l Layout, filename string, entry audit.Entry) error {
	if err := h.checkGlyphs(certs); err != nil {
		return err
	}
	release, err := holdRender(c)
	if err != nil {
		return err
	}
	defer release()
	var buf bytes.Buffer
	if err := h.Font.Write(&buf, certs, l); err != nil {
		return fmt.Errorf("render %s: %w", filename, err)
	}
	// The download is recorded once it is made, not before.
	if entry.Action != "" {
		if err := h.Store.Audit(c.UserContext(), entry); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, web.AttachmentName(filename))
	return c.Send(buf.Bytes())
}

// renders holds a place for each PDF being drawn.
var renders = make(chan struct{}, 2)

// holdRender waits, until the request's deadline, for one of the places
// for a PDF being drawn, and returns the function that gives it back. At
// most two PDFs are drawn at once: each keeps a core busy, and a crowd of
// clicks, or a course printed from several tabs, must not take them all.
func holdRender(c *fiber.Ctx) (release func(), err error) {
	select {
	case renders <- struct{}{}:
		return func() { <-renders }, nil
	case <-c.UserContext().Done():
		return nil, web.Fail(fiber.StatusServiceUnavailable, "certificates.print.busy")
	}
}

// coursePage is what a course's certificates page shows.
type coursePage struct {
	Course        *courses.Course
	Decisions     []decisionRow
	Held          int
	Eligible      int // qualify, with or without a certificate
	ToIssue       int // qualify and have none yet
	ExcusedCounts bool
	Certificates  []Certificate
	Valid         int // valid certificates: what 打印全部 prints
	Estimate      int // seconds
	NoFont        bool
	Progress      bool // printing them takes long enough to show its progress
}

// decisionRow is one trainee's decision, with the reason worded.
type decisionRow struct {
	Decision
	Reason string
}

// course loads the course of :id; an unknown one is 404.
func (h *Handler) course(c *fiber.Ctx) (*courses.Course, error) {
	return courses.CourseOf(c, h.Courses)
}

// Course is a course's certificates for coordinators: who qualifies and
// who does not, with the numbers and why; the certificates issued, each
// to download, revoke or re-issue; issuing and printing them all.
func (h *Handler) Course(c *fiber.Ctx) error {
	course, err := h.course(c)
	if err != nil {
		return err
	}
	return h.renderCourse(c, fiber.StatusOK, course, "")
}

func (h *Handler) renderCourse(c *fiber.Ctx, status int, course *courses.Course, alertKey string, args ...any) error {
	ctx := c.UserContext()
	decisions, err := h.Store.Eligibility(ctx, course.ID)
	if err != nil {
		return err
	}
	excused, err := h.Store.ExcusedCounts(ctx, course.ID)
	if errors.Is(err, ErrCourseNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	certs, err := h.Store.OfCourse(ctx, course.ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "")
	p.Title = p.T("certificates.course.title", course.Title)
	p.Path = courseURL(course.ID)
	d := coursePage{Course: course, ExcusedCounts: excused, Certificates: certs, NoFont: h.Font == nil,
		Decisions: make([]decisionRow, len(decisions))}
	for i, dec := range decisions {
		d.Held = dec.Held
		row := decisionRow{Decision: dec}
		switch {
		case dec.Held == 0:
			row.Reason = p.T("certificates.reason.noheld")
		case dec.Eligible && dec.Certificate != nil:
			row.Reason = p.T("certificates.reason.issued", *dec.Certificate)
		case dec.Eligible:
			row.Reason = p.T("certificates.reason.eligible")
		default:
			row.Reason = p.T("certificates.reason.below", dec.Counted, dec.Held, formatHours(dec.Rate), dec.Required)
		}
		if dec.Eligible {
			d.Eligible++
			if dec.Certificate == nil {
				d.ToIssue++
			}
		}
		d.Decisions[i] = row
	}
	for _, ct := range certs {
		if ct.Status == StatusValid {
			d.Valid++
		}
	}
	d.Estimate = max(1, int(math.Ceil(float64(d.Valid)*secondsPerCertificate)))
	d.Progress = d.Valid >= progressFrom
	if d.Progress {
		p.Scripts = append(p.Scripts, "js/certprint.js")
	}
	p.Data = d
	if status == fiber.StatusOK {
		p.Notice = courseNotice(c, p)
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey, args...)
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // names and attendance
	return web.Render(c, status, "certificates/course", p)
}

// courseURL is the address of a course's certificates.
func courseURL(id int64) string {
	return "/courses/" + strconv.FormatInt(id, 10) + "/certificates"
}

// serialPattern is what a serial looks like; anything else in ?s= is
// not worded back.
var serialPattern = regexp.MustCompile(`^[A-Z]{2,8}-\d{4}-\d{6,}$`)

// courseNotice words what the change before the redirect did.
func courseNotice(c *fiber.Ctx, p *web.Page) string {
	serial := c.Query("s")
	if !serialPattern.MatchString(serial) {
		serial = ""
	}
	n, _ := strconv.Atoi(c.Query("n"))
	already, _ := strconv.Atoi(c.Query("already"))
	switch c.Query("done") {
	case "issued":
		if n == 0 {
			return p.T("certificates.issued.none", already)
		}
		return p.T("certificates.issued", n)
	case "revoked":
		if serial != "" {
			return p.T("certificates.revoked", serial)
		}
	case "reissued":
		if serial != "" {
			return p.T("certificates.reissued", serial)
		}
	case "notvalid":
		return p.T("certificates.notvalid")
	}
	return ""
}

// Issue gives a certificate to every trainee of the course who qualifies
// and has none yet.
func (h *Handler) Issue(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	out, err := h.Store.Issue(c.UserContext(), id, web.ViewerOf(c).ID, web.ClientIP(c))
	if errors.Is(err, ErrCourseNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	v := url.Values{"done": {"issued"}, "n": {strconv.Itoa(len(out.Serials))}, "already": {strconv.Itoa(out.Already)}}
	return c.Redirect(courseURL(id)+"?"+v.Encode(), fiber.StatusSeeOther)
}

// certificate loads the certificate of :id; an unknown one is 404.
func (h *Handler) certificate(c *fiber.Ctx) (*Certificate, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	ct, err := h.Store.Get(c.UserContext(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, web.NotFound()
	}
	return ct, err
}

// back redirects to the certificate's course page with a notice.
func back(c *fiber.Ctx, ct *Certificate, done, serial string) error {
	to := "/certificates"
	if ct.CourseID != nil {
		to = courseURL(*ct.CourseID)
	}
	v := url.Values{"done": {done}}
	if serial != "" {
		v.Set("s", serial)
	}
	return c.Redirect(to+"?"+v.Encode(), fiber.StatusSeeOther)
}

// Revoke withdraws a valid certificate; a reason is required.
func (h *Handler) Revoke(c *fiber.Ctx) error {
	ct, err := h.certificate(c)
	if err != nil {
		return err
	}
	err = h.Store.Revoke(c.UserContext(), ct.ID, web.ViewerOf(c).ID, web.FormValue(c, "reason"), web.ClientIP(c))
	switch {
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case errors.Is(err, ErrNotValid): // revoked already: a second click, another tab
		return back(c, ct, "notvalid", "")
	case errors.Is(err, ErrReasonNeeded):
		if ct.CourseID == nil {
			return web.Fail(fiber.StatusUnprocessableEntity, "certificates.revoke.reason.required")
		}
		course, err := h.Courses.Get(c.UserContext(), *ct.CourseID)
		if err != nil {
			return err
		}
		return h.renderCourse(c, fiber.StatusUnprocessableEntity, course, "certificates.revoke.reason.required")
	case err != nil:
		return err
	}
	return back(c, ct, "revoked", ct.Serial)
}

// Reissue replaces a valid certificate with a new one, with a new serial.
func (h *Handler) Reissue(c *fiber.Ctx) error {
	ct, err := h.certificate(c)
	if err != nil {
		return err
	}
	serial, err := h.Store.Reissue(c.UserContext(), ct.ID, web.ViewerOf(c).ID, web.ClientIP(c))
	switch {
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case errors.Is(err, ErrNotValid):
		return back(c, ct, "notvalid", "")
	case err != nil:
		return err
	}
	return back(c, ct, "reissued", serial)
}

// Download is one valid certificate's PDF, for staff; each download is
// in the audit log.
func (h *Handler) Download(c *fiber.Ctx) error {
	ct, err := h.certificate(c)
	if err != nil {
		return err
	}
	if ct.Status != StatusValid {
		return web.Fail(fiber.StatusGone, "certificates.download.notvalid")
	}
	if h.Font == nil {
		return noFont()
	}
	pr, err := h.printing(c)
	if err != nil {
		return err
	}
	return h.sendPDF(c, []Printed{h.printed(ct, pr.wording, pr.school)}, pr.layout, "证书-"+ct.Serial+".pdf",
		audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "certificate.download", Object: ct.Serial,
			Details: map[string]any{"serials": 1}, ClientIP: web.ClientIP(c)})
}

// progressFrom is the number of certificates from which the course page
// shows the progress of printing them all.
const progressFrom = 200

// PrintCourse streams the valid certificates of a course as one PDF, a
// page each, however many there are: each page is sent as soon as it is
// drawn (see Font.Write), so the server's memory does not grow with the
// course. With ?t=, a token the course page makes, PrintProgress tells
// how far it has got. Every download is in the audit log.
func (h *Handler) PrintCourse(c *fiber.Ctx) error {
	course, err := h.course(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	all, err := h.Store.OfCourse(ctx, course.ID)
	if err != nil {
		return err
	}
	if h.Font == nil {
		return noFont()
	}
	pr, err := h.printing(c)
	if err != nil {
		return err
	}
	var certs []Printed
	for i := range all {
		if all[i].Status == StatusValid {
			certs = append(certs, h.printed(&all[i], pr.wording, pr.school))
		}
	}
	if len(certs) == 0 {
		return web.Fail(fiber.StatusNotFound, "certificates.print.none")
	}
	// Whatever can be refused is refused now, with an error page: once
	// the first byte is sent, a failure can only cut the PDF short.
	if err := h.checkGlyphs(certs); err != nil {
		return err
	}
	run, err := h.Font.prepare(certs, pr.layout)
	if err != nil {
		return fmt.Errorf("print the certificates of course %d: %w", course.ID, err)
	}
	release, err := holdRender(c)
	if err != nil {
		return err
	}
	// Recorded before the first byte is sent: a download cut short has
	// still sent certificates.
	viewer := web.ViewerOf(c).ID
	err = h.Store.Audit(ctx, audit.Entry{ActorID: viewer, Action: "certificate.download_all",
		Object: fmt.Sprintf("course %d", course.ID), Details: map[string]any{"code": course.Code, "serials": len(certs)},
		ClientIP: web.ClientIP(c)})
	if err != nil {
		release()
		return err
	}
	job := startPrintJob(strings.Clone(c.Query("t")), viewer, course.ID, len(certs))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, web.AttachmentName("证书-"+course.Code+".pdf"))
	logger, id := h.Logger, course.ID
	// The writer runs after this handler has returned, on fasthttp's
	// goroutine: it must not touch c, nor the request's context, which is
	// cancelled by then.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer release()
		err := run.write(w, job.progress)
		job.finish(err)
		if err != nil && logger != nil {
			// Usually the browser went away; the PDF it has is cut short.
			logger.Warn("print course certificates: stream ended", "course", id, "pages", len(certs), "err", err)
		}
	})
	return nil
}

// registerPage is what the register shows.
type registerPage struct {
	Filter       Filter
	Years        []web.Option
	Certificates []Certificate
	Total        int
	Pager        web.Pager
	Export       string
}

// filterOf reads the register's filter from the query string.
func filterOf(c *fiber.Ctx) Filter {
	f := Filter{
		Query:  strings.TrimSpace(width.Narrow.String(web.Clean(c.Query("q"), 50))),
		Course: strings.TrimSpace(web.Clean(c.Query("course"), 100)),
	}
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 2000 && y <= 2999 {
		f.Year = y
	}
	if id, err := strconv.ParseInt(c.Query("trainee"), 10, 64); err == nil && id > 0 {
		f.TraineeID = id
	}
	return f
}

func (f Filter) values() url.Values {
	v := url.Values{}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if f.Course != "" {
		v.Set("course", f.Course)
	}
	if f.Year != 0 {
		v.Set("year", strconv.Itoa(f.Year))
	}
	if f.TraineeID != 0 {
		v.Set("trainee", strconv.FormatInt(f.TraineeID, 10))
	}
	return v
}

// Index is the certificate register: every certificate, the latest
// first, searched by serial or name, course and year, a page at a time.
func (h *Handler) Index(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := filterOf(c)
	page := web.PageNumber(c)
	f.Limit, f.Offset = registerPerPage, (page-1)*registerPerPage
	list, total, err := h.Store.Register(ctx, f)
	if err != nil {
		return err
	}
	years, err := h.Store.Years(ctx)
	if err != nil {
		return err
	}
	d := registerPage{Filter: f, Certificates: list, Total: total}
	for _, y := range years {
		d.Years = append(d.Years, web.Option{Value: strconv.Itoa(y), Label: strconv.Itoa(y), Selected: y == f.Year})
	}
	d.Pager = web.NewPager(page, total, registerPerPage, func(n int) string {
		v := f.values()
		v.Set("page", strconv.Itoa(n))
		return "/certificates?" + v.Encode()
	})
	d.Export = "/certificates.xlsx"
	if v := f.values(); len(v) > 0 {
		d.Export += "?" + v.Encode()
	}
	p := web.NewPage(c, "certificates.register.title")
	p.Data = d
	c.Set(fiber.HeaderCacheControl, "no-store") // names
	return web.Render(c, fiber.StatusOK, "certificates/index", p)
}

// registerHeader is the export's header row.
var registerHeader = []string{"证书编号", "姓名", "课程", "开始日期", "结束日期", "学时", "发证日期", "状态"}

// Export downloads the register, as filtered, as a spreadsheet; each
// export is in the audit log.
func (h *Handler) Export(c *fiber.Ctx) error {
	f := filterOf(c)
	f.Limit = maxExport
	list, _, err := h.Store.Register(c.UserContext(), f)
	if err != nil {
		return err
	}
	rows := make([][]string, len(list))
	for i, ct := range list {
		rows[i] = []string{ct.Serial, ct.TraineeName, ct.CourseTitle, ct.StartsOn.Format(time.DateOnly),
			ct.EndsOn.Format(time.DateOnly), formatHours(ct.CreditHours), ct.IssuedOn.Format(time.DateOnly),
			i18n.T(i18n.Chinese, "certificates.status."+ct.Status)}
	}
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "证书台账", registerHeader, rows); err != nil {
		return err
	}
	details := map[string]any{"rows": len(rows)}
	for k, v := range f.values() {
		details[k] = v[0]
	}
	err = h.Store.Audit(c.UserContext(), audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "certificate.export",
		Object: "register", Details: details, ClientIP: web.ClientIP(c)})
	if err != nil {
		return err
	}
	return web.SendXLSX(c, "证书台账-"+time.Now().In(web.Shanghai).Format("20060102")+".xlsx", buf.Bytes())
}

// minePage is what a trainee's certificates page shows.
type minePage struct {
	Certificates []mine
	NoFont       bool
}

// mine is one of a trainee's certificates, with its verification link.
type mine struct {
	Certificate
	VerifyPath string
}

// Mine lists the signed-in trainee's certificates with their status;
// valid ones can be downloaded.
func (h *Handler) Mine(c *fiber.Ctx) error {
	list, err := h.Store.OfTrainee(c.UserContext(), web.ViewerOf(c).ID)
	if err != nil {
		return err
	}
	d := minePage{NoFont: h.Font == nil, Certificates: make([]mine, len(list))}
	for i, ct := range list {
		d.Certificates[i] = mine{Certificate: ct,
			VerifyPath: "/verify/" + url.PathEscape(ct.Serial) + "?c=" + url.QueryEscape(ct.Code)}
	}
	p := web.NewPage(c, "certificates.mine.title")
	p.Data = d
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, fiber.StatusOK, "certificates/mine", p)
}

// DownloadMine is the signed-in trainee's own valid certificate as PDF.
// Someone else's answers like a missing one.
func (h *Handler) DownloadMine(c *fiber.Ctx) error {
	ct, err := h.certificate(c)
	if err != nil {
		return err
	}
	if ct.TraineeID != web.ViewerOf(c).ID {
		return web.NotFound()
	}
	if ct.Status != StatusValid {
		return web.Fail(fiber.StatusGone, "certificates.download.notvalid")
	}
	if h.Font == nil {
		return noFont()
	}
	pr, err := h.printing(c)
	if err != nil {
		return err
	}
	// A trainee's own download is not an export of others' data: no audit.
	return h.sendPDF(c, []Printed{h.printed(ct, pr.wording, pr.school)}, pr.layout, "证书-"+ct.Serial+".pdf", audit.Entry{})
}

// verifyPage is what the verification page shows: only what
// SECURITY.md 21 allows.
type verifyPage struct {
	Serial      string // as typed, for the form
	Result      string // "" (the form), valid, revoked, superseded, notfound, throttled
	Kind        string // course or mentoring
	Name        string // masked
	CourseTitle string
	Hours       float64
	IssuedOn    time.Time
	School      string
	NewSerial   string // what supersedes it
}

// normalSerial tidies a typed serial: full-width letters and digits made
// narrow, upper case, no spaces.
func normalSerial(s string) string {
	s = width.Narrow.String(web.Clean(s, 64))
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// normalCode tidies a typed verification code.
func normalCode(s string) string {
	s = width.Narrow.String(web.Clean(s, 128))
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

func (h *Handler) renderVerify(c *fiber.Ctx, status int, d verifyPage) error {
	p := web.NewPage(c, "certificates.verify.title")
	// The layout's forms come back here, not to the serial typed, so
	// that a page never says whether that serial exists.
	p.Path = "/verify"
	p.Data = d
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Robots-Tag", "noindex")
	return web.Render(c, status, "certificates/verify", p)
}

// VerifyForm is the public form to type a serial and its code; sent, it
// leads to the serial's verification.
func (h *Handler) VerifyForm(c *fiber.Ctx) error {
	if _, sent := c.Queries()["serial"]; sent {
		serial := normalSerial(c.Query("serial"))
		code := normalCode(c.Query("c"))
		if serial != "" {
			return c.Redirect("/verify/"+url.PathEscape(serial)+"?c="+url.QueryEscape(code), fiber.StatusSeeOther)
		}
	}
	return h.renderVerify(c, fiber.StatusOK, verifyPage{})
}

// Verify is the public verification of a certificate from its QR code:
// genuine, revoked or superseded, with the masked name, the course, the
// hours, the date and the school. An unknown serial and a wrong code get
// the same page; failures are counted per client address, and an address
// with too many is refused without a lookup.
func (h *Handler) Verify(c *fiber.Ctx) error {
	ctx := c.UserContext()
	serial, code := normalSerial(c.Params("serial")), normalCode(c.Query("c"))
	d := verifyPage{Serial: serial}
	ct, err := h.Store.Verify(ctx, web.ClientIP(c), serial, code)
	switch {
	case errors.Is(err, ErrThrottled):
		d.Result = "throttled"
		c.Set(fiber.HeaderRetryAfter, "600")
		return h.renderVerify(c, fiber.StatusTooManyRequests, d)
	case errors.Is(err, ErrNotFound):
		d.Result = "notfound"
		return h.renderVerify(c, fiber.StatusNotFound, d)
	case err != nil:
		return err
	}
	sc, err := h.Settings.Get(ctx)
	if err != nil {
		return err
	}
	d.Result, d.Kind, d.Name, d.CourseTitle, d.Hours, d.IssuedOn, d.School =
		ct.Status, ct.Kind, MaskName(ct.TraineeName), ct.CourseTitle, ct.CreditHours, ct.IssuedOn, sc.Name
	if ct.Status == StatusSuperseded && ct.SupersededBy != nil {
		d.NewSerial = *ct.SupersededBy
	}
	return h.renderVerify(c, fiber.StatusOK, d)
}

// SettingsForm is the certificate settings form as typed.
type SettingsForm struct {
	Prefix  string
	Wording string
	OffsetX string
	OffsetY string
}

// settingsFormOf fills the form from the stored settings.
func settingsFormOf(st Settings) SettingsForm {
	return SettingsForm{
		Prefix: st.Prefix, Wording: st.Wording,
		OffsetX: strconv.FormatFloat(st.OffsetX, 'f', -1, 64),
		OffsetY: strconv.FormatFloat(st.OffsetY, 'f', -1, 64),
	}
}

// MaxOffsetMm is the largest print calibration, either way.
const MaxOffsetMm = 20

var (
	prefixPattern      = regexp.MustCompile(`^[A-Z]{2,8}$`)
	placeholderPattern = regexp.MustCompile(`\{[^{}]*\}`)
)

// Parse validates the form into settings (without the seal).
func (f SettingsForm) Parse() (Settings, web.FieldErrors) {
	errs := web.FieldErrors{}
	var st Settings
	st.Prefix = strings.ToUpper(strings.TrimSpace(width.Narrow.String(f.Prefix)))
	if !prefixPattern.MatchString(st.Prefix) {
		errs.Add("prefix", "certificates.settings.prefix.invalid")
	}
	st.Wording = strings.TrimSpace(strings.ReplaceAll(f.Wording, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(st.Wording); {
	case web.Blank(st.Wording):
		errs.Add("wording", "certificates.settings.wording.required")
	case n > 400:
		errs.Add("wording", "certificates.settings.wording.long")
	}
	for _, ph := range placeholderPattern.FindAllString(st.Wording, -1) {
		known := false
		for _, k := range Placeholders {
			known = known || ph == k
		}
		if !known {
			errs.Add("wording", "certificates.settings.wording.placeholder")
		}
	}
	if rest := placeholderPattern.ReplaceAllString(st.Wording, ""); strings.ContainsAny(rest, "{}") {
		errs.Add("wording", "certificates.settings.wording.brace")
	}
	for _, o := range []struct {
		field, typed string
		into         *float64
	}{{"offset_x", f.OffsetX, &st.OffsetX}, {"offset_y", f.OffsetY, &st.OffsetY}} {
		typed := strings.TrimSpace(width.Narrow.String(o.typed))
		typed = strings.ReplaceAll(typed, "−", "-") // the minus sign
		v, err := strconv.ParseFloat(typed, 64)
		switch {
		case typed == "":
			errs.Add(o.field, "certificates.settings.offset.required")
		case err != nil || strings.Trim(typed, "-0123456789.") != "" || strings.LastIndex(typed, "-") > 0 ||
			v < -MaxOffsetMm || v > MaxOffsetMm || math.Abs(v*10-math.Round(v*10)) > 1e-9:
			errs.Add(o.field, "certificates.settings.offset.invalid")
		default:
			*o.into = math.Round(v*10) / 10
			if *o.into == 0 {
				*o.into = 0 // not -0
			}
		}
	}
	return st, errs
}

// settingsPage is what the certificate settings page shows.
type settingsPage struct {
	Placeholders []placeholder
	Preview      string // the wording filled in with a sample, when asked for
	HasSeal      bool
	NoFont       bool
	FontName     string
}

// placeholder is one placeholder of the wording and its explanation.
type placeholder struct{ Token, Key string }

// samplePrinted is the made-up certificate the preview fills in.
func samplePrinted(school string) Printed {
	y := time.Now().In(web.Shanghai).Year()
	return Printed{Kind: "course", Serial: "CCHY-" + strconv.Itoa(y) + "-000001", TraineeName: "李秀英",
		CourseTitle: "社区治理专题培训", StartsOn: time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC),
		EndsOn: time.Date(y, 6, 30, 0, 0, 0, 0, time.UTC), CreditHours: 16, SchoolName: school,
		IssuedOn: time.Date(y, 7, 1, 0, 0, 0, 0, time.UTC)}
}

func (h *Handler) renderSettings(c *fiber.Ctx, status int, f SettingsForm, errs web.FieldErrors, preview string) error {
	st, err := h.Store.Settings(c.UserContext())
	if err != nil {
		return err
	}
	p := web.NewPage(c, "certificates.settings.title")
	p.Path = "/admin/certificates"
	p.Form = f
	p.Errors = errs
	d := settingsPage{Preview: preview, HasSeal: len(st.Seal) > 0, NoFont: h.Font == nil}
	for _, ph := range Placeholders {
		d.Placeholders = append(d.Placeholders, placeholder{ph, "certificates.placeholder." + strings.Trim(ph, "{}")})
	}
	if h.Font != nil {
		d.FontName = h.Font.Name()
	}
	p.Data = d
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	switch c.Query("saved") {
	case "1":
		p.Notice = p.T("certificates.settings.saved")
	case "seal":
		p.Notice = p.T("certificates.settings.seal.saved")
	case "noseal":
		p.Notice = p.T("certificates.settings.seal.removed")
	}
	return web.Render(c, status, "certificates/settings", p)
}

// EditSettings shows the certificate settings.
func (h *Handler) EditSettings(c *fiber.Ctx) error {
	st, err := h.Store.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return h.renderSettings(c, fiber.StatusOK, settingsFormOf(st), nil, "")
}

// settingsFormFrom reads the posted settings form.
func settingsFormFrom(c *fiber.Ctx) SettingsForm {
	return SettingsForm{
		Prefix:  web.Clean(c.FormValue("prefix"), 40),
		Wording: web.Clean(c.FormValue("wording"), 4000),
		OffsetX: web.Clean(c.FormValue("offset_x"), 40),
		OffsetY: web.Clean(c.FormValue("offset_y"), 40),
	}
}

// UpdateSettings saves the certificate settings; with preview=1 it only
// shows the wording filled in with a sample, saving nothing.
func (h *Handler) UpdateSettings(c *fiber.Ctx) error {
	f := settingsFormFrom(c)
	st, errs := f.Parse()
	if errs.Any() {
		return h.renderSettings(c, fiber.StatusUnprocessableEntity, f, errs, "")
	}
	if c.FormValue("preview") == "1" {
		sc, err := h.Settings.Get(c.UserContext())
		if err != nil {
			return err
		}
		return h.renderSettings(c, fiber.StatusOK, f, nil, Fill(st.Wording, samplePrinted(sc.Name)))
	}
	if err := h.Store.SaveSettings(c.UserContext(), st, web.ViewerOf(c).ID, web.ClientIP(c)); err != nil {
		return err
	}
	return c.Redirect("/admin/certificates?saved=1", fiber.StatusSeeOther)
}

// TestPage downloads the print calibration page with the offsets as
// typed in the form, saved or not, so that they can be tried first.
func (h *Handler) TestPage(c *fiber.Ctx) error {
	f := settingsFormFrom(c)
	st, errs := f.Parse()
	if errs.Any() {
		return h.renderSettings(c, fiber.StatusUnprocessableEntity, f, errs, "")
	}
	if h.Font == nil {
		return noFont()
	}
	saved, err := h.Store.Settings(c.UserContext())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.Font.TestPage(&buf, Layout{OffsetXmm: st.OffsetX, OffsetYmm: st.OffsetY, Seal: saved.Seal}); err != nil {
		return fmt.Errorf("render the test page: %w", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, web.AttachmentName("证书打印校准页.pdf"))
	return c.Send(buf.Bytes())
}

// MaxSeal is the largest seal image, in bytes (the schema's CHECK).
const MaxSeal = 1 << 20

// maxSealSide is the largest width or height of a seal, in pixels: a
// small PNG may declare a huge canvas, and decoding it would take the
// memory of the canvas (a 4000 px square of 16-bit colour is 128 MB). It
// is printed at most 600 px wide anyway.
const maxSealSide = 1200

// CheckSeal reports whether b is a seal the certificates can carry: a
// PNG (transparency welcome) of at most MaxSeal bytes and maxSealSide
// pixels a side. It returns the message key of what is wrong, or "".
func CheckSeal(b []byte) string {
	switch {
	case len(b) == 0:
		return "certificates.settings.seal.required"
	case len(b) > MaxSeal:
		return "certificates.settings.seal.large"
	case !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "certificates.settings.seal.notpng"
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return "certificates.settings.seal.notpng"
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSealSide || cfg.Height > maxSealSide {
		return "certificates.settings.seal.size"
	}
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model:
		return "certificates.settings.seal.deep" // 16 bits a channel: twice the memory, for nothing printed
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		return "certificates.settings.seal.notpng"
	}
	return ""
}

// UploadSeal replaces the seal with an uploaded PNG; anything else is
// refused with the reason, and nothing changes.
func (h *Handler) UploadSeal(c *fiber.Ctx) error {
	refuse := func(key string) error {
		st, err := h.Store.Settings(c.UserContext())
		if err != nil {
			return err
		}
		return h.renderSettings(c, fiber.StatusUnprocessableEntity, settingsFormOf(st), web.FieldErrors{"seal": key}, "")
	}
	fh, err := c.FormFile("seal")
	if err != nil {
		return refuse("certificates.settings.seal.required")
	}
	if fh.Size > MaxSeal {
		return refuse("certificates.settings.seal.large")
	}
	file, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open the uploaded seal: %w", err)
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, MaxSeal+1))
	if err != nil {
		return fmt.Errorf("read the uploaded seal: %w", err)
	}
	if key := CheckSeal(b); key != "" {
		return refuse(key)
	}
	if err := h.Store.SetSeal(c.UserContext(), b, web.ViewerOf(c).ID, web.ClientIP(c)); err != nil {
		return err
	}
	return c.Redirect("/admin/certificates?saved=seal", fiber.StatusSeeOther)
}

// RemoveSeal takes the seal off the certificates.
func (h *Handler) RemoveSeal(c *fiber.Ctx) error {
	if err := h.Store.SetSeal(c.UserContext(), nil, web.ViewerOf(c).ID, web.ClientIP(c)); err != nil {
		return err
	}
	return c.Redirect("/admin/certificates?saved=noseal", fiber.StatusSeeOther)
}

// Seal is the stored seal image, for the settings page.
func (h *Handler) Seal(c *fiber.Ctx) error {
	st, err := h.Store.Settings(c.UserContext())
	if err != nil {
		return err
	}
	if len(st.Seal) == 0 {
		return web.NotFound()
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(st.Seal)
}
