package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// checkinTitle is the course of the check-in journey.
const checkinTitle = "基层治理实务（签到演示）"

// addCheckinSession sets the scene straight in the server's database: a
// course with a session of the demo lecturer 李建国 that starts now, in a
// room of its own (his demo sessions around now make way), and the demo
// trainee 张晓梅 with a seat on it. It returns the session's id.
func addCheckinSession(t *testing.T, s *site) int64 {
	t.Helper()
	var lecturer, course, venue, session int64
	steps := []struct {
		into  *int64
		query string
		args  []any
	}{
		{&lecturer, `SELECT l.id FROM lecturers l JOIN users u ON u.id = l.user_id WHERE u.username = 'lecturer'`, nil},
		{&venue, `INSERT INTO venues (name) VALUES ('签到演示教室') RETURNING id`, nil},
		{&course, `
			INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
			VALUES ('DX-2026-E2EQ', $1, 'policy', 30, current_date - 7, current_date + 7,
			        now() - interval '20 days', now() - interval '8 days', 2, 'published')
			RETURNING id`, []any{checkinTitle}},
	}
	for _, st := range steps {
		if err := s.DB.Get(st.into, st.query, st.args...); err != nil {
			t.Fatalf("set the scene: %s: %v", st.query, err)
		}
	}
	if _, err := s.DB.Exec(`UPDATE course_sessions SET cancelled_at = now()
		WHERE lecturer_id = $1 AND starts_at < now() + interval '3 hours' AND ends_at > now() - interval '1 hour'`, lecturer); err != nil {
		t.Fatalf("free the lecturer's time: %v", err)
	}
	err := s.DB.Get(&session, `
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
		VALUES ($1, $2, $3, now(), now() + interval '2 hours', '网格化管理与自助签到') RETURNING id`, course, lecturer, venue)
	if err != nil {
		t.Fatalf("add the session: %v", err)
	}
	if _, err := s.DB.Exec(`
		INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
		VALUES ($1, (SELECT id FROM users WHERE username = 'trainee'), 'enrolled', now())`, course); err != nil {
		t.Fatalf("give the trainee a seat: %v", err)
	}
	return session
}

// TestCheckinJourneyOnPhones: the lecturer opens check-in on the room's
// display (here a phone) and reads out the six-digit code; a trainee on
// another phone types it and is checked in; the display's count goes to
// 1 by itself.
func TestCheckinJourneyOnPhones(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	session := addCheckinSession(t, s)
	display := fmt.Sprintf("/sessions/%d/checkin", session)

	lecturer := s.newVisitor(t, "checkin-lecturer")
	lecturer.open("/login?next=" + display)
	p := lecturer.signIn("lecturer", "partyschool")
	checkPhonePage(t, lecturer, p, "display-ready")
	checkSignedIn(t, p, "李建国", "lecturer")
	if p.Path() != display || p.H1 != checkinTitle || !strings.Contains(p.Main, "签到尚未开启") {
		t.Fatalf("after signing in the lecturer is on %s headed %q, which shows %q; want the display, ready to open", p.URL, p.H1, p.Main)
	}
	p = lecturer.click("click 开启签到", `form[action="`+display+`/open"] button`)
	checkPhonePage(t, lecturer, p, "display-open")
	if p.Path() != display || p.Notice != "签到已开启，请让学员扫码或输入签到码。" {
		t.Errorf("after opening check-in: %s with the message %q", p.URL, p.Notice)
	}
	code := run(lecturer, "read the code", chromedp.Text(chromedp.CSS("[data-checkin-code]")))
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("the display shows the code %q, want six digits", code)
	}
	shown := run(lecturer, "read the display", chromedp.Evaluate[map[string]any](`({
		qr: (document.querySelector("img[data-checkin-qr]") || {}).naturalWidth || 0,
		count: document.querySelector("[data-checkin-count]").textContent.trim(),
		enrolled: document.querySelector("[data-checkin-enrolled]").textContent.trim(),
		names: document.querySelector("main").innerText.includes("张晓梅"),
	})`))
	if shown["qr"] == float64(0) || shown["count"] != "0" || shown["enrolled"] != "1" || shown["names"] != false {
		t.Errorf("the open display: %v; want a QR code, 0 of 1 checked in and no names", shown)
	}

	trainee := s.newVisitor(t, "checkin-trainee")
	trainee.open("/login?next=/checkin")
	p = trainee.signIn("trainee", "partyschool")
	checkPhonePage(t, trainee, p, "form")
	checkSignedIn(t, p, "张晓梅", "trainee")
	if p.Path() != "/checkin" || p.H1 != "签到" {
		t.Fatalf("after signing in the trainee is on %s headed %q; want the check-in form", p.URL, p.H1)
	}
	// The code may have changed meanwhile: the one read is still good for
	// a step, which is the point of accepting the previous code.
	trainee.do("type the code", chromedp.SendKeys(chromedp.CSS("#code"), code))
	p = trainee.click("click 确认签到", `form[action="/checkin"] button[type="submit"]`)
	checkPhonePage(t, trainee, p, "done")
	if p.H1 != "签到成功" || !strings.Contains(p.Main, checkinTitle) || !strings.Contains(p.Main, "出勤") {
		t.Errorf("after checking in the trainee sees %q: %q; want 签到成功 with the course and 出勤", p.H1, p.Main)
	}

	// The display was not reloaded: its script brings the count.
	run(lecturer, "wait for the display to count the check-in", chromedp.Poll[bool](
		`document.querySelector("[data-checkin-count]").textContent.trim() === "1"`,
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout-time.Second)))
	lecturer.screenshot("display-counted")
	if now := run(lecturer, "read the code again", chromedp.Text(chromedp.CSS("[data-checkin-code]"))); !regexp.MustCompile(`^[0-9]{6}$`).MatchString(now) {
		t.Errorf("after refreshing the display shows the code %q", now)
	}

	p = lecturer.click("click 关闭签到", `form[action="`+display+`/close"] button`)
	checkPhonePage(t, lecturer, p, "display-closed")
	if p.Notice != "签到已关闭。" || !strings.Contains(p.Main, "已签到 1") {
		t.Errorf("after closing check-in the display says %q and shows %q", p.Notice, p.Main)
	}
}
