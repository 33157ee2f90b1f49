package attendance

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"partyschool/i18n"
	"partyschool/web"
)

// The chart's geometry, in CSS pixels: a slot per session, the plot's
// height, and the margins that hold the title, the axes and their labels.
const (
	chartSlot     = 44
	chartBar      = 26
	chartPlot     = 200
	chartLeft     = 56
	chartRight    = 20
	chartTop      = 56
	chartBottom   = 56
	chartMinWidth = 280
)

// ChartWidth is the width of a course's chart with n sessions.
func ChartWidth(n int) int { return max(chartMinWidth, chartLeft+n*chartSlot+chartRight) }

// ChartHeight is the height of every chart.
const ChartHeight = chartTop + chartPlot + chartBottom

// Chart draws a course's attendance, the rate of each held session, as a
// bar chart in SVG, in lang, with a dashed line at the certificate rule.
// It is an image for screen readers too (role="img"), its title naming
// the course and its description giving every figure. Every text is
// escaped.
func Chart(lang string, r *CourseReport) []byte {
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	w, h := ChartWidth(len(r.Sessions)), ChartHeight
	var b bytes.Buffer
	title := t("attendance.chart.title", r.Course.Title)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" font-size="12" fill="#1f1f1f">`, w, h, w, h)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, svgText(title))
	fmt.Fprintf(&b, `<desc id="chart-desc">%s</desc>`, svgText(chartDesc(lang, r)))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, w, h)
	fmt.Fprintf(&b, `<text x="8" y="22" font-size="15" font-weight="bold">%s</text>`, svgText(t("attendance.chart.heading")))
	if len(r.Sessions) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#595959">%s</text></svg>`,
			w/2, chartTop+chartPlot/2, svgText(t("attendance.chart.empty")))
		return b.Bytes()
	}
	right := w - chartRight
	y := func(percent float64) float64 { return chartTop + chartPlot*(1-percent/100) }
	fmt.Fprintf(&b, `<text x="8" y="%d" fill="#595959">%s</text>`, chartTop-14, svgText(t("attendance.chart.yaxis")))
	for _, p := range []int{0, 25, 50, 75, 100} {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#d9d4cc"/>`, chartLeft, right, y(float64(p)), y(float64(p)))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#595959">%d%%</text>`, chartLeft-6, y(float64(p))+4, p)
	}
	for i, s := range r.Sessions {
		rate := s.Tally.Rate()
		cx := chartLeft + i*chartSlot + chartSlot/2
		label := svgText(t("attendance.chart.bar", i+1, web.DayLabel(lang, s.StartsAt), rate.Attended, rate.Of, rate.String()))
		if rate.Known() {
			top := y(rate.Percent())
			fill := "#b3141b"
			if rate.Below(r.Course.MinAttendance) {
				fill = "#8a5a00"
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s</title></rect>`,
				cx-chartBar/2, top, chartBar, chartTop+chartPlot-top, fill, label)
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="middle" font-size="11">%s</text>`, cx, top-4, svgText(rate.String()))
		} else {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="middle" font-size="11"><title>%s</title>—</text>`, cx, y(0)-4, label)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="11">%s</text>`,
			cx, chartTop+chartPlot+16, svgText(s.Short()))
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#1f1f1f"/>`, chartLeft, right, chartTop+chartPlot, chartTop+chartPlot)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#1f1f1f"/>`, chartLeft, chartLeft, chartTop, chartTop+chartPlot)
	rule := y(float64(r.Course.MinAttendance))
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#1a5fb4" stroke-width="2" stroke-dasharray="6 4"/>`, chartLeft, right, rule, rule)
	// The rule's legend sits above the plot, where no bar's figure can cover it.
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#1a5fb4" stroke-width="2" stroke-dasharray="6 4"/>`,
		right-24, right, chartTop-18, chartTop-18)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="11" fill="#1a5fb4">%s</text>`,
		right-30, chartTop-14, svgText(t("attendance.chart.rule", r.Course.MinAttendance)))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#595959">%s</text>`,
		chartLeft+(right-chartLeft)/2, h-10, svgText(t("attendance.chart.xaxis")))
	b.WriteString(`</svg>`)
	return b.Bytes()
}

// chartDesc states the chart's figures in words: the rule, then each
// session's date, attendance and rate.
func chartDesc(lang string, r *CourseReport) string {
	parts := []string{i18n.T(lang, "attendance.chart.desc", r.Course.MinAttendance, len(r.Rows))}
	for i, s := range r.Sessions {
		rate := s.Tally.Rate()
		parts = append(parts, i18n.T(lang, "attendance.chart.bar", i+1, web.DayLabel(lang, s.StartsAt), rate.Attended, rate.Of, rate.String()))
	}
	if len(r.Sessions) == 0 {
		parts = append(parts, i18n.T(lang, "attendance.chart.empty"))
	}
	return strings.Join(parts, i18n.T(lang, "attendance.chart.sep"))
}

// svgText escapes text for XML, in element content and in attributes alike;
// characters XML cannot hold become U+FFFD.
func svgText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writing to a strings.Builder cannot fail
	return b.String()
}
