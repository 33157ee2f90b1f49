package courses

import (
	"html/template"
	"strconv"
	"strings"

	"partyschool/i18n"
	"partyschool/web"
)

// slotsHTML writes the sessions of one timetable day as list items. A
// city's week holds some 700 sessions, and html/template's reflective
// evaluation of a dozen actions each made the week page several times
// slower than the SQL behind it (bench/NOTES.md); written here, the markup
// costs well under a microsecond a session. Every text value goes through
// html/template's own escaper (SECURITY.md 11) and lands only in element
// content; attributes hold numbers and fixed words.
// With sheets, each session that is not cancelled links to its attendance
// sheet (a lecturer's own, in 我的授课).
func slotsHTML(lang, view string, sessions []Session, sheets bool) template.HTML {
	if len(sessions) == 0 {
		return ""
	}
	keep := "" // the list view's links stay in the list view
	if view == "list" {
		keep = "&amp;view=list"
	}
	var b strings.Builder
	b.Grow(len(sessions) * 520)
	for i := range sessions {
		s := &sessions[i]
		text := func(parts ...string) {
			for _, p := range parts {
				b.WriteString(p)
			}
		}
		esc := template.HTMLEscapeString
		start, end := s.StartsAt.In(web.Shanghai), s.EndsAt.In(web.Shanghai)
		cancelled := ""
		if s.Cancelled() {
			cancelled = " is-cancelled"
		}
		text(`<li class="slot cat-`, esc(s.Category), cancelled, `"><p class="slot-time">`,
			start.Format(web.ClockLayout), "–", end.Format(web.ClockLayout))
		if s.Cancelled() {
			text(` <span class="badge badge-cancel">`, esc(i18n.T(lang, "sessions.cancelled.mark")), `</span>`)
		}
		if s.CourseStatus != StatusPublished {
			text(` <span class="badge badge-off">`, esc(i18n.T(lang, "courses.status."+s.CourseStatus)), `</span>`)
		}
		text(`</p><p class="slot-title"><a href="/courses/`, strconv.FormatInt(s.CourseID, 10), `">`, esc(s.CourseTitle), `</a>`)
		if s.Topic != "" {
			text(`<span class="slot-topic">`, esc(s.Topic), `</span>`)
		}
		text(`</p><p class="slot-meta"><a class="nowrap" href="/timetable?lecturer=`, strconv.FormatInt(s.LecturerID, 10), keep, `">`,
			esc(s.LecturerName), `</a> · <a class="phrase" href="/timetable?venue=`, strconv.FormatInt(s.VenueID, 10), keep, `">`)
		if s.VenueCommunity != "" {
			text(esc(s.VenueCommunity), " ")
		}
		text(esc(s.VenueName), `</a></p>`)
		if sheets && !s.Cancelled() {
			// A lecturer's own sessions link to their attendance sheet.
			text(`<p class="slot-meta no-print"><a href="/sessions/`, strconv.FormatInt(s.ID, 10), `/attendance">`,
				esc(i18n.T(lang, "sessions.attendance")), `</a></p>`)
		}
		text(`</li>`)
	}
	return template.HTML(b.String())
}

// daySlots writes a day of one's own schedule: the sessions and the
// appointments (post days) among them in order of time.
func daySlots(lang, view string, sessions []Session, appts []Appointment, sheets bool) template.HTML {
	if len(appts) == 0 {
		return slotsHTML(lang, view, sessions, sheets)
	}
	var b strings.Builder
	i := 0
	for _, a := range appts {
		j := i
		for j < len(sessions) && !sessions[j].StartsAt.After(a.StartsAt) {
			j++
		}
		b.WriteString(string(slotsHTML(lang, view, sessions[i:j], sheets)))
		i = j
		writeAppointment(&b, lang, &a)
	}
	b.WriteString(string(slotsHTML(lang, view, sessions[i:], sheets)))
	return template.HTML(b.String())
}

// writeAppointment writes one appointment as a timetable slot, every text
// escaped like the sessions'.
func writeAppointment(b *strings.Builder, lang string, a *Appointment) {
	esc := template.HTMLEscapeString
	for _, part := range []string{
		`<li class="slot cat-mentoring appointment"><p class="slot-time">`,
		a.StartsAt.In(web.Shanghai).Format(web.ClockLayout), "–", a.EndsAt.In(web.Shanghai).Format(web.ClockLayout),
		`</p><p class="slot-title"><a href="`, esc(a.Link), `">`, esc(i18n.T(lang, "schedule.postday")), " · ", esc(a.Title),
		`</a></p><p class="slot-meta">`, esc(i18n.T(lang, "schedule.postday.with", a.With)),
	} {
		b.WriteString(part)
	}
	if a.Place != "" {
		b.WriteString(" · " + esc(a.Place))
	}
	b.WriteString(`</p></li>`)
}

// daysHTML writes the timetable's days, each with its sessions (Slots), as
// the week grid or the list shows them: the same markup the template
// wrote, in Go for the reason slotsHTML gives — a month of days was a
// hundred and more template actions on every view of my schedule.
func daysHTML(lang string, days []timetableDay) template.HTML {
	var b strings.Builder
	size := 0
	for i := range days {
		size += len(days[i].Slots) + 200
	}
	b.Grow(size)
	esc := template.HTMLEscapeString
	for i := range days {
		d := &days[i]
		if d.Today {
			b.WriteString(`<section class="day is-today" id="today" aria-current="date">`)
		} else {
			b.WriteString(`<section class="day">`)
		}
		b.WriteString(`<h2 class="day-head">`)
		b.WriteString(esc(web.DayLabel(lang, d.Date)))
		if d.Today {
			b.WriteString(` <span class="badge">` + esc(i18n.T(lang, "timetable.today.mark")) + `</span>`)
		}
		b.WriteString(`</h2>`)
		if d.Slots != "" {
			b.WriteString(`<ul class="slots">` + string(d.Slots) + `</ul>`)
		} else {
			b.WriteString(`<p class="muted small">` + esc(i18n.T(lang, "timetable.free")) + `</p>`)
		}
		b.WriteString("</section>\n")
	}
	return template.HTML(b.String())
}
