package e2e

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestTimetablePrintsOnA4: the week timetable prints on landscape A4
// pages, without the navigation, filters and buttons, its days in seven
// columns.
func TestTimetablePrintsOnA4(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	v := s.newVisitor(t, "timetable-print")
	v.open("/timetable")

	pdf := run(v, "print the week to PDF", chromedp.PrintToPDF(func(p *cdppage.PrintToPDFParams) {
		prefer := true
		p.PreferCSSPageSize = &prefer
	}))
	box := regexp.MustCompile(`/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]`).FindSubmatch(pdf)
	if box == nil {
		t.Fatal("the PDF has no page size")
	}
	w, _ := strconv.ParseFloat(string(box[1]), 64)
	h, _ := strconv.ParseFloat(string(box[2]), 64)
	// A4 is 210 × 297 mm: 595 × 842 points.
	if w < 835 || w > 848 || h < 590 || h > 600 {
		t.Errorf("the timetable prints on %.0f × %.0f pt pages, want landscape A4 (842 × 595)", w, h)
	}

	run(v, "switch to print media", chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	}))
	shown := run(v, "look for what print hides", chromedp.Evaluate[[]string](`
		[".site-header", ".site-nav", ".site-footer", "form.filters", ".week-nav", "[data-print]"]
			.filter((s) => { const e = document.querySelector(s); return e && e.getClientRects().length > 0; })`))
	if len(shown) > 0 {
		t.Errorf("the printed page still shows %v", shown)
	}
	columns := run(v, "count the printed columns", chromedp.Evaluate[int](
		`getComputedStyle(document.querySelector(".week-grid")).gridTemplateColumns.split(" ").length`))
	if columns != 7 {
		t.Errorf("the printed week has %d columns, want 7", columns)
	}
}
