package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partyschool/web"
)

// addTodaysPostDay gives the demo `trainee` account's active pair (the
// deputy party secretary of 银啤苑社区 mentors them) a post day that began
// within the last two hours, unmarked and without a log, and returns its
// id. A demo day already on today's date is moved and cleared instead.
func addTodaysPostDay(t *testing.T, s *site) int64 {
	t.Helper()
	var pair int64
	if err := s.DB.Get(&pair, `
		SELECT p.id FROM mentoring_pairs p JOIN users u ON u.id = p.mentee_id
		WHERE u.username = 'trainee' AND p.status = 'active'`); err != nil {
		t.Fatalf("find the demo trainee's pair: %v", err)
	}
	now := time.Now()
	start := now.Add(-2 * time.Hour).Truncate(time.Minute)
	if midnight := web.Day(now); start.Before(midnight) {
		start = midnight.Add(time.Minute) // on today's date, whatever the hour
	}
	if _, err := s.DB.Exec(`
		DELETE FROM mentoring_logs WHERE post_day_id IN (SELECT id FROM post_days WHERE pair_id = $1 AND day = $2)`,
		pair, web.Day(now).Format(web.DateLayout)); err != nil {
		t.Fatalf("clear today's log: %v", err)
	}
	var day int64
	if err := s.DB.Get(&day, `
		INSERT INTO post_days (pair_id, starts_at, ends_at, place) VALUES ($1, $2, $3, '银啤苑社区党群服务中心')
		ON CONFLICT (pair_id, day) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, status = NULL, note = ''
		RETURNING id`, pair, start, start.Add(3*time.Hour)); err != nil {
		t.Fatalf("add today's post day: %v", err)
	}
	return day
}

// On phones: the mentee writes the day's log; the mentor records the
// day's attendance and countersigns the log.
func TestMentoringJourney(t *testing.T) {
	s := newSite(t)
	day := addTodaysPostDay(t, s)
	li := "#day-" + strconv.FormatInt(day, 10)
	id := strconv.FormatInt(day, 10)

	mentee := s.newVisitor(t, "mentee")
	mentee.open("/login")
	mentee.signIn("trainee", "partyschool")
	p := mentee.open("/my/mentoring")
	mentee.checkPage(p, "my-mentoring", 200)
	p = mentee.click("open the pair from 我的跟岗", `.record-list a.record-title`)
	mentee.checkPage(p, "pair-as-mentee", 200)
	if !strings.Contains(p.H1, "党建工作岗") {
		t.Fatalf("the pair page's heading is %q", p.H1)
	}
	mentee.do("open the log form of today's post day",
		chromedp.ScrollIntoView(chromedp.CSS(li+" details.log-form summary")),
		chromedp.Click(chromedp.CSS(li+" details.log-form summary")),
		chromedp.WaitVisible(chromedp.CSS("#did-"+id)),
		chromedp.SendKeys(chromedp.CSS("#did-"+id), "列席社区党委会，整理会议纪要<b>初稿</b>。"),
		chromedp.SendKeys(chromedp.CSS("#learned-"+id), "议题要会前沟通。"),
	)
	p = mentee.click("save the log", li+` form[action$="/log"] button[type="submit"]`)
	mentee.checkPage(p, "log-saved", 200)
	if !strings.Contains(p.Notice, "日志已保存") {
		t.Errorf("after saving the log the page says %q / %q", p.Notice, p.Alert)
	}

	mentor := s.newVisitor(t, "mentor")
	mentor.open("/login")
	mentor.signIn("lecturer07", "partyschool")
	p = mentor.click("click 我的带教 in the main navigation", `nav.site-nav a[href="/my/mentees"]`)
	mentor.checkPage(p, "my-mentees", 200)
	p = mentor.click("open the demo trainee's pair", `.record-list a.record-title[href$="/`+strconv.FormatInt(pairOf(t, s, day), 10)+`"]`)
	mentor.checkPage(p, "pair-as-mentor", 200)
	log := run(mentor, "read today's log", chromedp.Evaluate[string](`document.querySelector("`+li+` .log .log-text").innerText`))
	if !strings.Contains(log, "整理会议纪要<b>初稿</b>") {
		t.Errorf("the mentor reads the log as %q", log)
	}
	mentor.do("tap 出勤 for today", chromedp.ScrollIntoView(chromedp.CSS(li+" label.mark-present")),
		chromedp.Click(chromedp.CSS(li+" label.mark-present")))
	p = mentor.click("save today's attendance", li+` form[action$="/attendance"] button[type="submit"]`)
	mentor.checkPage(p, "attendance-saved", 200)
	if !strings.Contains(p.Notice, "出勤已保存") {
		t.Errorf("after saving the attendance the page says %q / %q", p.Notice, p.Alert)
	}
	p = mentor.click("countersign the log", li+` form[action$="/countersign"] button[type="submit"]`)
	mentor.checkPage(p, "countersigned", 200)
	if !strings.Contains(p.Notice, "已签字确认") {
		t.Errorf("after countersigning the page says %q / %q", p.Notice, p.Alert)
	}
	var row struct {
		Status string `db:"status"`
		Signed bool   `db:"signed"`
	}
	if err := s.DB.Get(&row, `
		SELECT coalesce(d.status, '') AS status, l.countersigned_at IS NOT NULL AS signed
		FROM post_days d JOIN mentoring_logs l ON l.post_day_id = d.id WHERE d.id = $1`, day); err != nil {
		t.Fatal(err)
	}
	if row.Status != "present" || !row.Signed {
		t.Errorf("today's post day after the journey: %+v", row)
	}
	// The mentee sees the signature, and can no longer edit the log.
	p = mentee.open("/my/mentoring")
	p = mentee.click("open the pair again", `.record-list a.record-title`)
	signed := run(mentee, "read today's log", chromedp.Evaluate[string](`document.querySelector("`+li+` .log").innerText`))
	if !strings.Contains(signed, "已签字") || strings.Contains(signed, "修改日志") {
		t.Errorf("after countersigning the mentee sees %q", signed)
	}
}

// pairOf is the pair of a post day.
func pairOf(t *testing.T, s *site, day int64) int64 {
	t.Helper()
	var id int64
	if err := s.DB.Get(&id, `SELECT pair_id FROM post_days WHERE id = $1`, day); err != nil {
		t.Fatal(err)
	}
	return id
}
