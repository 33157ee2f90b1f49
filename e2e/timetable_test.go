package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partyschool/seed"
	"partyschool/web"
)

// desktopWidth and desktopHeight are a laptop's screen, where the week
// view has a column a day.
const (
	desktopWidth  = 1280
	desktopHeight = 800
)

// plan is the course the coordinator creates in the journey: a
// community's course with two evening sessions in one week, three weeks
// ahead. The demo term leaves the lecturer and the venue free then, so the
// bookings cannot conflict whatever day the test runs.
type plan struct {
	Code, Title, Description string
	Community                string // as the course form's select names it
	Lecturer                 string // as the timetable names them
	LecturerOption           string // as the session form's select names them
	Venue                    string // as the session form's select names it, and the timetable
	Week                     time.Time
	StartsOn, EndsOn         time.Time
	EnrolOpens, EnrolCloses  time.Time
	Sessions                 []plannedSession
}

// plannedSession is one session of the plan, from 19:00 to 21:00.
type plannedSession struct {
	Date  time.Time
	Day   string // the day's heading on the timetable, written out: 12月1日 周二
	Topic string
}

const (
	sessionStart = "19:00"
	sessionEnd   = "21:00"
	sessionTime  = "19:00–21:00" // as the timetable and the course page write it
)

// newPlan plans the course in the week three weeks after now's, Beijing
// time: the course runs that week, Monday to Sunday, with sessions on the
// Tuesday and the Thursday; enrolment opens the day before the test and
// closes the Sunday before the course.
func newPlan(now time.Time) plan {
	week := web.WeekStart(now).AddDate(0, 0, 21)
	tue, thu := week.AddDate(0, 0, 1), week.AddDate(0, 0, 3)
	return plan{
		Code:           "DX-2026-E2E",
		Title:          "平安社区建设专题培训",
		Description:    "和平里社区的平安建设专题培训：讲群防群治，也讲邻里守望。",
		Community:      "和平里社区",
		Lecturer:       "李建国",
		LecturerOption: "李建国", // under the 专家讲师 group
		Venue:          "和平里社区 罐罐茶议事吧",
		Week:           week,
		StartsOn:       week,
		EndsOn:         week.AddDate(0, 0, 6),
		EnrolOpens:     web.At(now.AddDate(0, 0, -1), 9*60),
		EnrolCloses:    web.At(week.AddDate(0, 0, -1), 18*60),
		Sessions: []plannedSession{
			{Date: tue, Day: fmt.Sprintf("%d月%d日 周二", tue.Month(), tue.Day()), Topic: "平安社区建设的任务与方法"},
			{Date: thu, Day: fmt.Sprintf("%d月%d日 周四", thu.Month(), thu.Day()), Topic: "群防群治与邻里守望"},
		},
	}
}

// TestTimetableJourneyOnPhone is the journey of the timetable: on a phone
// a coordinator creates a course, schedules its two sessions and publishes
// it; then a visitor who is not signed in finds both sessions in that
// week's timetable, in the list view, in the catalogue and on the
// lecturer's page. The visitor also looks at the week on a desktop screen.
func TestTimetableJourneyOnPhone(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	pl := newPlan(time.Now())

	courseURL := createCourse(t, s, pl)

	v := s.newVisitor(t, "timetable-visitor")
	week := "/timetable?week=" + pl.Week.Format(web.DateLayout)
	p := v.open(week)
	checkPhonePage(t, v, p, "timetable-week")
	checkSignedOut(t, p)
	if want := "课表"; p.H1 != want || p.Current != want {
		t.Errorf("%s shows the heading %q and marks %q in the navigation, want %q for both", p.URL, p.H1, p.Current, want)
	}
	checkSlots(t, v, p, pl)

	p = v.open(week + "&view=list")
	checkPhonePage(t, v, p, "timetable-list")
	checkSlots(t, v, p, pl)

	p = v.open("/courses")
	checkPhonePage(t, v, p, "catalogue")
	cards := run(v, "read the catalogue", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".course-card h2 a"), (a) => a.innerText.trim() + " " + a.getAttribute("href"))`))
	if want := pl.Title + " " + courseURL; !slices.Contains(cards, want) {
		t.Errorf("the catalogue lists %q, want the published course %q linking to %s", cards, pl.Title, courseURL)
	}

	p = v.open("/lecturers")
	checkPhonePage(t, v, p, "lecturers")
	href := run(v, "find "+pl.Lecturer+" on the roster", chromedp.Evaluate[string](fmt.Sprintf(
		`(Array.from(document.querySelectorAll(".record-main > a")).find((a) => a.innerText.trim() === %s) || {getAttribute: () => ""}).getAttribute("href")`,
		jsString(pl.Lecturer))))
	if !regexp.MustCompile(`^/lecturers/\d+$`).MatchString(href) {
		v.fatalf("the roster has no link to the lecturer %s (found %q)", pl.Lecturer, href)
	}
	p = v.click("click "+pl.Lecturer+" on the roster", `.record-main > a[href="`+href+`"]`)
	checkPhonePage(t, v, p, "lecturer")
	if !strings.HasPrefix(p.H1, pl.Lecturer) {
		t.Errorf("%s shows the heading %q, want the lecturer %s", p.URL, p.H1, pl.Lecturer)
	}
	upcoming := run(v, "read the lecturer's upcoming sessions", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".record-main"), (r) => r.innerText.replace(/\s+/g, " ").trim())`))
	for _, ses := range pl.Sessions {
		want := fmt.Sprintf("%s %s–%s %s · %s", ses.Date.Format(web.DateLayout), sessionStart, sessionEnd, pl.Title, ses.Topic)
		if !slices.ContainsFunc(upcoming, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("%s lists the upcoming sessions %q, want one starting %q", p.URL, upcoming, want)
		}
	}

	v.resize(desktopWidth, desktopHeight)
	p = v.open(week)
	v.screenshot("timetable-week-desktop")
	if p.Width > desktopWidth {
		t.Errorf("%s is %d px wide on a %d px screen, so it scrolls sideways", p.URL, p.Width, desktopWidth)
	}
	columns := run(v, "read the week's columns", chromedp.Evaluate[int](
		`getComputedStyle(document.querySelector(".week-grid")).gridTemplateColumns.split(" ").length`))
	if columns != 7 {
		t.Errorf("on a %d px screen the week has %d columns, want 7, a day each", desktopWidth, columns)
	}
	checkSlots(t, v, p, pl)
	checkLayout(t, v, p)
}

// createCourse is the coordinator's part of the journey: sign in, fill in
// the course form, schedule the sessions one by one, publish the course.
// It returns the course's path.
func createCourse(t *testing.T, s *site, pl plan) string {
	t.Helper()
	v := s.newVisitor(t, "timetable-coordinator")
	v.open("/login")
	p := v.signIn("coordinator", seed.DemoPassword)
	checkSignedIn(t, p, demoName(t, "coordinator"), web.RoleCoordinator)

	p = v.click("click 课程 in the main navigation", `nav.site-nav a[href="/courses"]`)
	checkPhonePage(t, v, p, "courses")
	p = v.click("click 新建课程", `main a[href="/courses/new"]`)
	checkPhonePage(t, v, p, "course-form")
	if want := "新建课程"; p.H1 != want {
		t.Errorf("/courses/new shows the heading %q, want %q", p.H1, want)
	}
	v.do("fill in the course form",
		chromedp.SendKeys(chromedp.CSS("#code"), pl.Code),
		chromedp.SendKeys(chromedp.CSS("#title"), pl.Title),
		chromedp.SetValue(chromedp.CSS("#category"), "policy"),
		chromedp.SendKeys(chromedp.CSS("#description"), pl.Description),
		chromedp.SendKeys(chromedp.CSS("#capacity"), "30"),
		chromedp.SetValue(chromedp.CSS("#starts_on"), pl.StartsOn.Format(web.DateLayout)),
		chromedp.SetValue(chromedp.CSS("#ends_on"), pl.EndsOn.Format(web.DateLayout)),
		chromedp.SetValue(chromedp.CSS("#enrol_opens"), pl.EnrolOpens.Format(web.DateTimeLayout)),
		chromedp.SetValue(chromedp.CSS("#enrol_closes"), pl.EnrolCloses.Format(web.DateTimeLayout)),
		chromedp.SendKeys(chromedp.CSS("#credit_hours"), "4"),
	)
	v.choose("community", pl.Community)
	v.screenshot("course-form-filled")
	checkLayout(t, v, p)
	p = v.click("save the course", `form[action="/courses"] button[type="submit"]`)
	m := regexp.MustCompile(`^/courses/\d+$`).FindString(p.Path())
	if m == "" || p.Status != http.StatusOK {
		v.fatalf("saving the course answered %d on %s with the message %q, want its page", p.Status, p.URL, p.Alert)
	}
	courseURL := m
	if want := "课程已保存。"; p.Notice != want || p.H1 != pl.Title {
		t.Errorf("%s shows the heading %q and the message %q, want %q and %q", p.URL, p.H1, p.Notice, pl.Title, want)
	}
	checkPhonePage(t, v, p, "course-saved")

	for i, ses := range pl.Sessions {
		p = v.click("click 安排课次", `main a[href="`+courseURL+`/sessions/new"]`)
		checkPhonePage(t, v, p, fmt.Sprintf("session-form-%d", i+1))
		if want := "安排课次"; p.H1 != want {
			t.Errorf("%s shows the heading %q, want %q", p.URL, p.H1, want)
		}
		v.choose("lecturer", pl.LecturerOption)
		v.choose("venue", pl.Venue)
		v.do("fill in the session form",
			chromedp.SetValue(chromedp.CSS("#date"), ses.Date.Format(web.DateLayout)),
			chromedp.SetValue(chromedp.CSS("#start"), sessionStart),
			chromedp.SetValue(chromedp.CSS("#end"), sessionEnd),
			chromedp.SendKeys(chromedp.CSS("#topic"), ses.Topic),
			chromedp.SetValue(chromedp.CSS("#weeks"), "1"),
		)
		v.screenshot(fmt.Sprintf("session-form-%d-filled", i+1))
		checkLayout(t, v, p)
		p = v.click("save the session", `form[action="`+courseURL+`/sessions"] button[type="submit"]`)
		if p.Path() != courseURL || p.Notice != "课次已安排。" {
			v.fatalf("saving session %d led to %s with the message %q and the alert %q, want %s with 课次已安排。", i+1, p.URL, p.Notice, p.Alert, courseURL)
		}
	}
	checkPhonePage(t, v, p, "course-sessions")
	sessions := run(v, "read the course's sessions", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".session"), (s) => s.innerText.replace(/\s+/g, " ").trim())`))
	if len(sessions) != len(pl.Sessions) {
		t.Errorf("%s lists %d sessions %q, want %d", p.URL, len(sessions), sessions, len(pl.Sessions))
	}
	for i, ses := range pl.Sessions {
		want := ses.Day + " " + sessionTime + " " + ses.Topic + " " + pl.Lecturer
		if i < len(sessions) && !strings.HasPrefix(sessions[i], want) {
			t.Errorf("%s lists session %d as %q, want it to start %q", p.URL, i+1, sessions[i], want)
		}
	}

	p = v.click("click 发布", `form[action="`+courseURL+`/status"] button[name="status"][value="published"]`)
	checkPhonePage(t, v, p, "course-published")
	if p.Path() != courseURL || p.Notice != "课程状态已更新。" {
		t.Errorf("publishing led to %s with the message %q and the alert %q, want %s with 课程状态已更新。", p.URL, p.Notice, p.Alert, courseURL)
	}
	if badges := run(v, "read the course's badges", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".course-meta .badge-off"), (b) => b.innerText.trim())`)); len(badges) != 0 {
		t.Errorf("%s still shows the status %q after publishing", p.URL, badges)
	}
	enrolment := run(v, "read the course's enrolment", chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll(".facts dt")).find((dt) => dt.innerText.trim() === "报名时间").nextElementSibling.innerText.trim()`))
	if want := pl.EnrolOpens.Format("2006-01-02 15:04") + " – " + pl.EnrolCloses.Format("2006-01-02 15:04") + " · 报名中"; enrolment != want {
		t.Errorf("%s shows the enrolment %q after publishing, want %q", p.URL, enrolment, want)
	}
	return courseURL
}

// slot is one session as the timetable shows it.
type slot struct {
	Day      string `json:"day"`
	Time     string `json:"time"`
	Title    string `json:"title"`
	Topic    string `json:"topic"`
	Lecturer string `json:"lecturer"`
	Venue    string `json:"venue"`
	Visible  bool   `json:"visible"` // has a size and lies within the page's width
}

const slotsJS = `(() => {
	const text = (el) => el ? el.innerText.trim() : "";
	const width = document.documentElement.clientWidth;
	return Array.from(document.querySelectorAll("section.day .slot"), (s) => {
		const r = s.getBoundingClientRect();
		const meta = s.querySelectorAll(".slot-meta a");
		return {
			day: s.closest("section.day").querySelector(".day-head").firstChild.textContent.trim(),
			time: text(s.querySelector(".slot-time")),
			title: text(s.querySelector(".slot-title > a")),
			topic: text(s.querySelector(".slot-topic")),
			lecturer: text(meta[0]),
			venue: text(meta[1]),
			visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= width + 1,
		};
	});
})()`

// checkSlots checks that the timetable on the page shows each planned
// session once, on its day, at its time, with its lecturer and venue.
func checkSlots(t *testing.T, v *visitor, p page, pl plan) {
	t.Helper()
	all := run(v, "read the timetable", chromedp.Evaluate[[]slot](slotsJS))
	var ours []slot
	for _, s := range all {
		if s.Title == pl.Title {
			ours = append(ours, s)
		}
	}
	if len(ours) != len(pl.Sessions) {
		t.Errorf("%s shows %d sessions of %s (%+v), want %d", p.URL, len(ours), pl.Title, ours, len(pl.Sessions))
	}
	for _, ses := range pl.Sessions {
		want := slot{Day: ses.Day, Time: sessionTime, Title: pl.Title, Topic: ses.Topic, Lecturer: pl.Lecturer, Venue: pl.Venue, Visible: true}
		if !slices.Contains(ours, want) {
			t.Errorf("%s shows %+v, want %+v", p.URL, ours, want)
		}
	}
}

// layoutJS lists what is wrong with the layout of the page at the tab's
// size: controls that stick out of their panel, boxes whose content
// overflows them, and controls smaller than a fingertip (44 CSS px).
const layoutJS = `(() => {
	const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
		Array.from(el.classList, (c) => "." + c).join("") + (el.matches("select, input, textarea") || !el.innerText ? "" : " " + JSON.stringify(el.innerText.trim().slice(0, 20)));
	const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
	const problems = [];
	for (const el of document.querySelectorAll("main .panel :is(input:not([type=hidden]), select, textarea, .button, dl, .course-card, .session, .day, .slot)")) {
		if (!shown(el)) continue;
		const panel = el.closest(".panel"), cs = getComputedStyle(panel), p = panel.getBoundingClientRect(), r = el.getBoundingClientRect();
		const left = p.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft) - 1;
		const right = p.right - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingRight) + 1;
		if (r.left < left || r.right > right) {
			problems.push(describe(el) + " spans " + Math.round(r.left) + "–" + Math.round(r.right) + " px, outside its panel's " + Math.round(left) + "–" + Math.round(right));
		}
	}
	for (const el of document.querySelectorAll("main :is(.button, .facts dd, .course-card, .slot, .session, h1, h2)")) {
		if (shown(el) && el.scrollWidth > el.clientWidth + 1) {
			problems.push(describe(el) + " holds " + el.scrollWidth + " px of content in " + el.clientWidth);
		}
	}
	for (const el of document.querySelectorAll("main :is(.button, button, select, input:not([type=hidden]), textarea), nav.site-nav a, .view-switch a, a.tag")) {
		const r = el.getBoundingClientRect();
		if (shown(el) && (r.height < 43.5 || r.width < 43.5)) {
			problems.push(describe(el) + " is " + Math.round(r.width) + "×" + Math.round(r.height) + " px, too small to tap");
		}
	}
	return problems.slice(0, 10);
})()`

// checkPhonePage checks what every page must be (checkPage, status 200)
// and its layout on the phone.
func checkPhonePage(t *testing.T, v *visitor, p page, name string) {
	t.Helper()
	v.checkPage(p, name, http.StatusOK)
	checkLayout(t, v, p)
}

// checkLayout checks the page in the tab against layoutJS.
func checkLayout(t *testing.T, v *visitor, p page) {
	t.Helper()
	if problems := run(v, "check the layout", chromedp.Evaluate[[]string](layoutJS)); len(problems) > 0 {
		t.Errorf("on %s the layout is broken:\n%s", p.URL, strings.Join(problems, "\n"))
	}
}

// choose picks the option of the select #id whose label is label, as a
// visitor would, and fails the test if there is none.
func (v *visitor) choose(id, label string) {
	v.t.Helper()
	got := run(v, "choose "+label+" in #"+id, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const sel = document.getElementById(%s);
		const opt = sel && Array.from(sel.options).find((o) => o.text.trim() === %s);
		if (!opt) return "";
		sel.value = opt.value;
		sel.dispatchEvent(new Event("change", {bubbles: true}));
		return opt.value;
	})()`, jsString(id), jsString(label))))
	if got == "" {
		v.fatalf("the select #%s has no option %q", id, label)
	}
}

// resize makes the tab's screen width by height CSS pixels, like a
// desktop browser's window.
func (v *visitor) resize(width, height int64) {
	v.t.Helper()
	v.do(fmt.Sprintf("resize the screen to %d×%d", width, height), chromedp.EmulateViewport(width, height))
}

// jsString writes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
