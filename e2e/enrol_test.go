package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partyschool/web"
)

// enrolCourse is the course the new trainee enrols in: open for enrolment
// now, two Wednesday mornings in the next weeks at a venue and an hour
// the demo term leaves free.
const (
	enrolCode  = "DX-2026-E2EB"
	enrolTitle = "社区安全与应急处置"
	enrolVenue = "邻里驿站"
	enrolWho   = "李建国"
)

// addEnrolCourse publishes the course straight into the server's
// database, as a coordinator would have done, and returns its path.
func addEnrolCourse(t *testing.T, s *site) string {
	t.Helper()
	wed := web.WeekStart(time.Now()).AddDate(0, 0, 9) // next week's Wednesday
	var id int64
	err := s.DB.Get(&id, `
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes,
		                     credit_hours, status, community_id)
		VALUES ($1, $2, 'practice', 30, $3, $4, now() - interval '1 day', now() + interval '5 days', 4, 'published',
		        (SELECT id FROM communities WHERE name = '安居苑社区'))
		RETURNING id`, enrolCode, enrolTitle, wed.Format(web.DateLayout), wed.AddDate(0, 0, 7).Format(web.DateLayout))
	if err != nil {
		t.Fatalf("add the course: %v", err)
	}
	for i, topic := range []string{"社区应急预案与演练", "火灾与燃气安全"} {
		day := wed.AddDate(0, 0, 7*i)
		_, err := s.DB.Exec(`
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
			VALUES ($1, (SELECT id FROM lecturers WHERE name = $2),
			        (SELECT v.id FROM venues v JOIN communities m ON m.id = v.community_id
			         WHERE v.name = $3 AND m.name = '安居苑社区'),
			        $4, $5, $6)`, id, enrolWho, enrolVenue, web.At(day, 9*60), web.At(day, 11*60), topic)
		if err != nil {
			t.Fatalf("add session %d: %v", i+1, err)
		}
	}
	return fmt.Sprintf("/courses/%d", id)
}

// TestEnrolmentJourneyOnPhone: on a phone, a new trainee registers, fills
// in their profile, finds a course in the catalogue and enrols; the
// course is in my schedule with its venue and lecturer; then they
// withdraw, and it is gone.
func TestEnrolmentJourneyOnPhone(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	courseURL := addEnrolCourse(t, s)
	v := s.newVisitor(t, "enrol")

	p := v.open("/register")
	checkPhonePage(t, v, p, "register")
	v.do("fill in the registration form",
		chromedp.SendKeys(chromedp.CSS("#name"), "赵小红"),
		chromedp.SendKeys(chromedp.CSS("#phone"), "13712345678"),
		chromedp.SendKeys(chromedp.CSS("#username"), "zhaoxh"),
		chromedp.SendKeys(chromedp.CSS("#password"), "zhao-xiaohong-2026"),
	)
	p = v.click("send the registration form", `form[action="/register"] button[type="submit"]`)
	checkPhonePage(t, v, p, "profile-welcome")
	checkSignedIn(t, p, "赵小红", "trainee")
	if p.Path() != "/my/profile" || !strings.Contains(p.Main, "欢迎您，赵小红") {
		t.Fatalf("after registering the trainee is on %s, which shows %q; want the profile form with a welcome", p.URL, p.Main)
	}
	v.choose("community", "安居苑社区")
	v.do("fill in the profile",
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="party_member"]`)),
		chromedp.SendKeys(chromedp.CSS("#party_branch"), "安居苑社区第一党支部"),
	)
	p = v.click("save the profile", `form[action="/my/profile"] button[type="submit"]`)
	checkPhonePage(t, v, p, "schedule-empty")
	if p.Path() != "/my/schedule" || p.Notice != "资料已保存。" || p.Current != "我的课表" {
		t.Errorf("after saving the profile: %s with the message %q, %q marked in the navigation", p.URL, p.Notice, p.Current)
	}
	checkNav(t, p, "trainee")

	p = v.click("click 课程 in the main navigation", `nav.site-nav a[href="/courses"]`)
	checkPhonePage(t, v, p, "catalogue")
	p = v.click("click the course in the catalogue", `.course-card a[href="`+courseURL+`"]`)
	checkPhonePage(t, v, p, "course")
	if p.H1 != enrolTitle || !strings.Contains(p.Main, "") {
		t.Errorf("%s shows the heading %q, want %q", p.URL, p.H1, enrolTitle)
	}
	p = v.click("click 报名", `form[action="`+courseURL+`/enrol"] button`)
	checkPhonePage(t, v, p, "enrolled")
	if p.Notice != "报名成功！课程已加入“我的课表”。" {
		t.Errorf("after enrolling the page says %q", p.Notice)
	}

	p = v.click("click 我的课表", `nav.site-nav a[href="/my/schedule"]`)
	checkPhonePage(t, v, p, "schedule")
	sessions := run(v, "read my schedule", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".slots li"), (li) => li.innerText.replace(/\s+/g, " ").trim())`))
	found := 0
	for _, s := range sessions {
		if strings.Contains(s, enrolTitle) && strings.Contains(s, enrolVenue) && strings.Contains(s, enrolWho) && strings.Contains(s, "09:00") {
			found++
		}
	}
	if found != 2 {
		t.Errorf("my schedule lists %q, want both sessions of %s with the venue %s and the lecturer %s", sessions, enrolTitle, enrolVenue, enrolWho)
	}

	p = v.click("open the course from my schedule", `.my-courses a[href="`+courseURL+`"]`)
	p = v.click("click 退课", `form[action="`+courseURL+`/withdraw"] button`)
	checkPhonePage(t, v, p, "withdrawn")
	if p.Notice != "您已退课。" {
		t.Errorf("after withdrawing the page says %q", p.Notice)
	}
	p = v.click("click 我的课表", `nav.site-nav a[href="/my/schedule"]`)
	if !strings.Contains(p.Main, "您还没有报名任何课程") {
		t.Errorf("after withdrawing my schedule shows %q", p.Main)
	}
	if n := strings.Count(run(v, "read my schedule", chromedp.Evaluate[string](`document.querySelector("main").innerText`)), enrolTitle); n != 0 {
		t.Errorf("the withdrawn course still shows %d times in my schedule", n)
	}
}
