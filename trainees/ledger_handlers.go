package trainees

import (
	"bytes"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/audit"
	"partyschool/sheets"
	"partyschool/web"
)

// reportPerPage is how many party members a page of the report lists.
const reportPerPage = 50

// yearOf reads ?year=, falling back to the current year in Beijing when
// it is missing or not a year a ledger may show.
func yearOf(c *fiber.Ctx) (year, current int) {
	current = time.Now().In(web.Shanghai).Year()
	year, err := strconv.Atoi(c.Query("year"))
	if err != nil || !ValidYear(year, current) {
		year = current
	}
	return year, current
}

// hoursPage is what the trainee's ledger shows.
type hoursPage struct {
	Ledger      Ledger
	PartyMember bool
	Target      float64
	Left        float64 // hours still to earn; 0 once the target is reached
	Percent     int     // of the target earned, 0–100
	PrevYear    int     // 0 when there is no earlier year to show
	NextYear    int     // 0 when the year shown is the current one or later
}

// MyHours is the trainee's own credit-hour ledger for a year: the total,
// for party members the yearly target and what is left, and what each
// course earned.
func (h *Handler) MyHours(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := web.ViewerOf(c).ID
	year, current := yearOf(c)
	l, err := h.Store.Ledger(ctx, id, year)
	if err != nil {
		return err
	}
	t, err := h.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	d := hoursPage{Ledger: l, PartyMember: t.Kind == KindPartyMember}
	if d.PartyMember {
		sc, err := h.Settings.Get(ctx)
		if err != nil {
			return err
		}
		d.Target = sc.CreditHourTarget
		d.Left = max(0, roundHours(d.Target-l.Total))
		d.Percent = 100
		if d.Target > 0 {
			d.Percent = int(math.Min(100, math.Floor(l.Total/d.Target*100)))
		}
	}
	if ValidYear(year-1, current) {
		d.PrevYear = year - 1
	}
	if year < current {
		d.NextYear = year + 1
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := web.NewPage(c, "hours.my.title")
	p.Data = d
	return web.Render(c, fiber.StatusOK, "trainees/hours", p)
}

// reportFilterOf reads the report's filter from the query string; the
// target comes from the settings.
func reportFilterOf(c *fiber.Ctx) (ReportFilter, int) {
	year, current := yearOf(c)
	f := ReportFilter{Year: year, Branch: strings.TrimSpace(web.Clean(c.Query("branch"), 240))}
	if id, err := strconv.ParseInt(c.Query("community"), 10, 64); err == nil && id > 0 {
		f.CommunityID = id
	}
	return f, current
}

// values is the filter as a query string, for links and the export.
func (f ReportFilter) values() url.Values {
	v := url.Values{"year": {strconv.Itoa(f.Year)}}
	if f.CommunityID != 0 {
		v.Set("community", strconv.FormatInt(f.CommunityID, 10))
	}
	if f.Branch != "" {
		v.Set("branch", f.Branch)
	}
	return v
}

// reportPage is what the credit-hour report shows.
type reportPage struct {
	Report      Report
	Filter      ReportFilter
	Years       []web.Option
	Communities []web.Option
	Branches    []string
	Pager       web.Pager
	Export      string
	Admin       bool // may change the target
}

// HoursReport lists the party members whose credit hours in a year are
// below the yearly target, fewest first, filtered by community and party
// branch, with how many party members the filter covers and how many are
// below.
func (h *Handler) HoursReport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f, current := reportFilterOf(c)
	sc, err := h.Settings.Get(ctx)
	if err != nil {
		return err
	}
	f.Target = sc.CreditHourTarget
	page := web.PageNumber(c)
	f.Limit, f.Offset = reportPerPage, (page-1)*reportPerPage
	r, err := h.Store.BelowTarget(ctx, f)
	if err != nil {
		return err
	}
	communities, err := h.Places.Communities(ctx)
	if err != nil {
		return err
	}
	branches, err := h.Store.Branches(ctx, f.CommunityID)
	if err != nil {
		return err
	}
	d := reportPage{
		Report: r, Filter: f, Branches: branches,
		Export: "/reports/credit-hours.xlsx?" + f.values().Encode(),
		Admin:  web.ViewerOf(c).Is(web.RoleAdmin),
	}
	for y := current; y >= max(minYear, current-9); y-- {
		d.Years = append(d.Years, web.Option{Value: strconv.Itoa(y), Label: strconv.Itoa(y), Selected: y == f.Year})
	}
	if f.Year > current || f.Year < current-9 {
		d.Years = append(d.Years, web.Option{Value: strconv.Itoa(f.Year), Label: strconv.Itoa(f.Year), Selected: true})
	}
	for _, m := range communities {
		d.Communities = append(d.Communities, web.Option{
			Value: strconv.FormatInt(m.ID, 10), Label: m.Name, Selected: m.ID == f.CommunityID,
		})
	}
	d.Pager = web.NewPager(page, r.Below, reportPerPage, func(n int) string {
		v := f.values()
		v.Set("page", strconv.Itoa(n))
		return "/reports/credit-hours?" + v.Encode()
	})
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := web.NewPage(c, "hours.report.title")
	p.Data = d
	return web.Render(c, fiber.StatusOK, "trainees/hours_report", p)
}

// reportHeader is the export's header row.
var reportHeader = []string{"姓名", "手机号", "所在社区", "所在党支部", "已获学时", "尚差学时"}

// ExportHoursReport downloads the report as filtered on its page, every
// party member below the target (up to maxReportRows), phone numbers
// masked. Each export is logged with who took it and what it held.
func (h *Handler) ExportHoursReport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f, _ := reportFilterOf(c)
	sc, err := h.Settings.Get(ctx)
	if err != nil {
		return err
	}
	f.Target, f.Limit = sc.CreditHourTarget, maxReportRows
	r, err := h.Store.BelowTarget(ctx, f)
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(r.Rows))
	for _, m := range r.Rows {
		rows = append(rows, []string{m.Name, m.PhoneMasked, m.CommunityName, m.PartyBranch,
			formatHours(m.Earned), formatHours(m.Short)})
	}
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, fmt.Sprintf("%d年学时未达标党员", f.Year), reportHeader, rows); err != nil {
		return err
	}
	if err := audit.Record(ctx, h.Store.db, audit.Entry{ActorID: web.ViewerOf(c).ID, Action: "credit_hours.export",
		Object: "credit-hour report", Details: map[string]any{"rows": len(rows), "year": f.Year, "filter": f.values().Encode()}, ClientIP: web.ClientIP(c)}); err != nil {
		return err
	}
	h.Logger.Info("credit-hour report exported", "by", web.ViewerOf(c).ID, "rows", len(rows),
		"below", r.Below, "members", r.Members, "target", f.Target, "filter", f.values().Encode(),
		"request_id", web.RequestID(c))
	name := fmt.Sprintf("学时未达标党员-%d-%s.xlsx", f.Year, time.Now().In(web.Shanghai).Format("20060102"))
	return web.SendXLSX(c, name, buf.Bytes())
}

// formatHours writes hours as the pages do: 4, 2.5.
func formatHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }
