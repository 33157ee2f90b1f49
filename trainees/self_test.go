package trainees_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partyschool/app/apptest"
	"partyschool/auth"
	"partyschool/courses"
	"partyschool/ical"
	"partyschool/web"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// openCourse adds a published course of the given capacity, open for
// enrolment now, with two sessions next week at the demo venue and
// lecturer given, from hour on; it returns the course's id.
func openCourse(t *testing.T, env *apptest.Env, code string, capacity int, day time.Time, hour int) int64 {
	t.Helper()
	store := courses.NewStore(env.DB)
	now := time.Now()
	id, err := store.Create(context.Background(), courses.Fields{
		Code: code, Title: "课程" + code, Category: courses.CategoryPolicy, Capacity: capacity,
		StartsOn: day, EndsOn: day.AddDate(0, 0, 7),
		EnrolOpens: now.Add(-time.Hour), EnrolCloses: now.Add(72 * time.Hour), CreditHours: 4, MinAttendance: 80,
	}, 0)
	if err != nil {
		t.Fatalf("create %s: %v", code, err)
	}
	var lecturer, venue int64
	env.DB.Get(&lecturer, `SELECT id FROM lecturers WHERE active ORDER BY id LIMIT 1 OFFSET $1`, capacity%7)
	env.DB.Get(&venue, `SELECT id FROM venues ORDER BY id LIMIT 1 OFFSET $1`, capacity%5)
	slots := []courses.Slot{
		{LecturerID: lecturer, VenueID: venue, StartsAt: day.Add(time.Duration(hour) * time.Hour), EndsAt: day.Add(time.Duration(hour+2) * time.Hour), Topic: "第一讲"},
		{LecturerID: lecturer, VenueID: venue, StartsAt: day.AddDate(0, 0, 7).Add(time.Duration(hour) * time.Hour), EndsAt: day.AddDate(0, 0, 7).Add(time.Duration(hour+2) * time.Hour), Topic: "第二讲"},
	}
	if _, err := store.AddSessions(context.Background(), id, slots); err != nil {
		t.Fatalf("sessions of %s: %v", code, err)
	}
	env.DB.MustExec(`UPDATE courses SET status = 'published' WHERE id = $1`, id)
	return id
}

// nextWeek is a day in the coming week, in Beijing, far from the demo's
// evening sessions at the hours the tests use.
func nextWeek() time.Time { return web.Day(time.Now()).AddDate(0, 0, 8) }

func TestTraineeEnrolsWaitsAndWithdraws(t *testing.T) {
	env := apptest.NewDemo(t)
	course := openCourse(t, env, "T-ONE", 1, nextWeek(), 6)
	alice, _ := env.LoginAs("trainee", "alice")
	bob, _ := env.LoginAs("trainee", "bob")
	page := "/courses/" + itoa(course)

	if res := alice.Get(page); !strings.Contains(res.Body, "还有 1 个名额") || !strings.Contains(res.Body, `action="/courses/`+itoa(course)+`/enrol"`) {
		t.Fatalf("course page before enrolling: %d, no seat count or enrol button", res.Status)
	}
	res := alice.Post(page+"/enrol", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", res.Status)
	}
	if res := alice.Get(res.Location); !strings.Contains(res.Body, "报名成功") || !strings.Contains(res.Body, "您已报名这门课程") {
		t.Error("no confirmation after enrolling")
	}
	// Twice is a friendly no-op.
	res = alice.Post(page+"/enrol", nil)
	if res := alice.Get(res.Location); !strings.Contains(res.Body, "无需重复报名") {
		t.Error("enrolling twice does not say it changed nothing")
	}
	// The course is full: bob joins the waitlist and sees his place.
	if res := bob.Get(page); !strings.Contains(res.Body, "报名候补") {
		t.Error("a full course does not offer the waitlist")
	}
	res = bob.Post(page+"/enrol", nil)
	if res := bob.Get(res.Location); !strings.Contains(res.Body, "排在第 1 位") || !strings.Contains(res.Body, "您在候补名单第 1 位（共 1 人候补）") {
		t.Errorf("waitlisted trainee's page does not give the place:\n%s", res.Body)
	}
	if res := bob.Get("/my/schedule"); !strings.Contains(res.Body, "候补第 1 位") {
		t.Error("my schedule does not show the waitlist place")
	}
	// Alice withdraws: bob moves up at once.
	res = alice.Post(page+"/withdraw", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", res.Status)
	}
	if res := bob.Get(page); !strings.Contains(res.Body, "您已报名这门课程") {
		t.Error("bob was not promoted when alice withdrew")
	}
	if res := alice.Get(page); !strings.Contains(res.Body, "您已退课") {
		t.Error("alice's page does not say she withdrew")
	}
	// A second withdraw click changes nothing and is not an error.
	if res := alice.Post(page+"/withdraw", nil); res.Status != http.StatusSeeOther {
		t.Errorf("withdrawing twice: %d", res.Status)
	}
	if n := env.Count(`SELECT enrolled FROM courses WHERE id = $1`, course); n != 1 {
		t.Errorf("%d seats taken, want 1", n)
	}
}

func TestEnrolmentRefusedOutsideTheWindow(t *testing.T) {
	env := apptest.NewDemo(t)
	course := openCourse(t, env, "T-LATE", 10, nextWeek(), 6)
	env.DB.MustExec(`UPDATE courses SET enrol_opens = now() - interval '3 days', enrol_closes = now() - interval '1 day' WHERE id = $1`, course)
	draft := openCourse(t, env, "T-DRAFT", 10, nextWeek().AddDate(0, 0, 1), 6)
	env.DB.MustExec(`UPDATE courses SET status = 'draft' WHERE id = $1`, draft)
	c, _ := env.LoginAs("trainee", "late")
	res := c.Post("/courses/"+itoa(course)+"/enrol", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("enrol after the window: %d", res.Status)
	}
	if res := c.Get(res.Location); !strings.Contains(res.Body, "报名已截止，无法报名或退课") {
		t.Errorf("the refusal does not give the reason: %s\n%s", res.Location, res.Body)
	}
	if res := c.Post("/courses/"+itoa(draft)+"/enrol", nil); res.Status != http.StatusNotFound {
		t.Errorf("enrolling in a draft: %d, want 404 like a missing course", res.Status)
	}
	if res := c.Post("/courses/99999/enrol", nil); res.Status != http.StatusNotFound {
		t.Errorf("enrolling in a missing course: %d", res.Status)
	}
	// Courses the trainee cannot see answer like missing ones, whatever
	// the form: ids cannot be probed.
	closed := openCourse(t, env, "T-SHUT", 10, nextWeek().AddDate(0, 0, 2), 6)
	env.DB.MustExec(`UPDATE courses SET status = 'closed' WHERE id = $1`, closed)
	for _, path := range []string{"/courses/" + itoa(draft) + "/withdraw", "/courses/" + itoa(closed) + "/enrol", "/courses/" + itoa(closed) + "/withdraw", "/courses/99999/withdraw"} {
		if res := c.Post(path, nil); res.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404 like a missing course", path, res.Status)
		}
	}
	if n := env.Count(`SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.trainee_id WHERE u.username = 'late'`); n != 0 {
		t.Errorf("%d enrolments written by refused requests", n)
	}
	// Without the CSRF token nothing happens either.
	if res := c.PostRaw("/courses/"+itoa(course)+"/enrol", url.Values{}); res.Status != http.StatusForbidden {
		t.Errorf("enrol without a CSRF token: %d, want 403", res.Status)
	}
}

func TestClashWarningNamesTheSessions(t *testing.T) {
	env := apptest.NewDemo(t)
	day := nextWeek()
	first := openCourse(t, env, "T-AM", 10, day, 6)
	second := openCourse(t, env, "T-AM2", 11, day, 7) // 7:00–9:00 overlaps 6:00–8:00
	c, _ := env.LoginAs("trainee", "clash")
	c.Post("/courses/"+itoa(first)+"/enrol", nil)
	res := c.Get("/courses/" + itoa(second))
	if !strings.Contains(res.Body, "时间冲突提醒") || !strings.Contains(res.Body, "课程T-AM</a>") {
		t.Fatalf("no clash warning naming the other course:\n%s", res.Body)
	}
	if !strings.Contains(res.Body, "07:00–09:00") {
		t.Error("the clashing session's time is not named")
	}
	// A warning, not a refusal.
	res = c.Post("/courses/"+itoa(second)+"/enrol", nil)
	if res := c.Get(res.Location); !strings.Contains(res.Body, "报名成功") {
		t.Error("the clash blocked the enrolment")
	}
}

var feedPattern = regexp.MustCompile(`/calendar/trainees/([A-Za-z0-9_-]{43})\.ics`)

func TestMyScheduleAndPrivateFeed(t *testing.T) {
	env := apptest.NewDemo(t)
	day := nextWeek()
	course := openCourse(t, env, "T-SCH", 12, day, 6)
	other := openCourse(t, env, "T-OTHER", 13, day.AddDate(0, 0, 1), 6)
	c, _ := env.LoginAs("trainee", "sched")
	c.Post("/courses/"+itoa(course)+"/enrol", nil)

	res := c.Get("/my/schedule?week=" + day.Format(web.DateLayout))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "课程T-SCH") || !strings.Contains(res.Body, "第一讲") {
		t.Fatalf("my schedule: %d, the enrolled course's session missing", res.Status)
	}
	if strings.Contains(res.Body, "课程T-OTHER") {
		t.Error("my schedule shows a course the trainee is not on")
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("my schedule may be cached")
	}
	if res := c.Get("/my/schedule?view=week&week=" + day.Format(web.DateLayout)); !strings.Contains(res.Body, "第一讲") {
		t.Error("the week view misses the session")
	}
	// No address until the trainee asks for one: a GET writes nothing.
	if feedPattern.MatchString(res.Body) || !strings.Contains(res.Body, "开通日历订阅") {
		t.Fatal("my schedule shows a feed address before the trainee asked for one")
	}
	res = c.Post("/my/schedule/feed", nil)
	res = c.Get(res.Location)
	m := feedPattern.FindStringSubmatch(res.Body)
	if m == nil || !strings.Contains(res.Body, "日历订阅已开通") {
		t.Fatal("no private feed address on my schedule after asking for one")
	}
	anon := env.Client()
	feed := anon.Get("/calendar/trainees/" + m[1] + ".ics")
	if feed.Status != http.StatusOK {
		t.Fatalf("feed: %d", feed.Status)
	}
	cal, err := ical.Parse(strings.NewReader(feed.Body))
	if err != nil {
		t.Fatalf("the feed does not parse: %v", err)
	}
	if len(cal.Events) != 2 || !strings.Contains(cal.Events[0].Props["SUMMARY"], "课程T-SCH") {
		t.Errorf("feed events %v, want the two sessions of T-SCH", cal.Events)
	}
	if strings.Contains(feed.Header.Get("Cache-Control"), "public") || !strings.Contains(feed.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("feed Cache-Control %q", feed.Header.Get("Cache-Control"))
	}
	// Another trainee's schedule never shows this one's; a made-up token
	// is a missing page.
	d, _ := env.LoginAs("trainee", "dora")
	if res := d.Get("/my/schedule?week=" + day.Format(web.DateLayout)); strings.Contains(res.Body, "课程T-SCH") || strings.Contains(res.Body, m[1]) {
		t.Error("another trainee sees this trainee's schedule or feed address")
	}
	if res := anon.Get("/calendar/trainees/" + strings.Repeat("A", 43) + ".ics"); res.Status != http.StatusNotFound {
		t.Errorf("a made-up token: %d, want 404", res.Status)
	}
	// Resetting the address kills the old one.
	res = c.Post("/my/schedule/feed", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("reset feed: %d", res.Status)
	}
	page := c.Get(res.Location)
	if !strings.Contains(page.Body, "旧地址已失效") {
		t.Error("no notice after resetting the feed")
	}
	n := feedPattern.FindStringSubmatch(page.Body)
	if n == nil || n[1] == m[1] {
		t.Fatal("the feed address did not change")
	}
	if res := anon.Get("/calendar/trainees/" + m[1] + ".ics"); res.Status != http.StatusNotFound {
		t.Errorf("the old feed address: %d, want 404", res.Status)
	}
	if res := anon.Get("/calendar/trainees/" + n[1] + ".ics"); res.Status != http.StatusOK {
		t.Errorf("the new feed address: %d", res.Status)
	}
	_ = other
}

func TestTraineeKeepsTheirOwnProfile(t *testing.T) {
	env := apptest.NewDemo(t)
	c, u := env.LoginAs("trainee", "wang")
	res := c.Get("/my/profile")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "学员类型") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("profile form: %d", res.Status)
	}
	var community int64
	env.DB.Get(&community, `SELECT id FROM communities WHERE name = '福通社区'`)
	bad := url.Values{"name": {""}, "phone": {"123"}, "kind": {"king"}, "community": {"99999"}, "gender": {"x"}}
	res = c.Post("/my/profile", bad)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad profile: %d, want 422", res.Status)
	}
	for _, msg := range []string{"请填写姓名", "手机号格式不正确", "请选择学员类型", "请选择性别"} {
		if !strings.Contains(res.Body, msg) {
			t.Errorf("no message %q", msg)
		}
	}
	if n := env.Count(`SELECT count(*) FROM trainees WHERE user_id = $1`, u.ID); n != 0 {
		t.Error("a refused form wrote a profile")
	}
	// An unknown community is caught by the database, and said so.
	res = c.Post("/my/profile", url.Values{"name": {"王小明"}, "phone": {"13912345678"}, "kind": {"party_member"}, "community": {"99999"}, "party_branch": {"一支部"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请从列表中选择社区") {
		t.Errorf("unknown community: %d", res.Status)
	}
	// Another account's phone.
	env.CreateUser("trainee", "someone", "某人")
	res = c.Post("/my/profile", url.Values{"name": {"王小明"}, "phone": {apptest.PhoneOf("someone")}, "kind": {"resident"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "被另一个账号使用") {
		t.Errorf("a phone of another account: %d", res.Status)
	}
	good := url.Values{"name": {"王小明"}, "phone": {"139 1234 5678"}, "kind": {"party_member"}, "community": {itoa(community)},
		"party_branch": {"福通社区第一党支部"}, "organisation": {"福通社区居委会"}, "gender": {"male"}}
	res = c.Post("/my/profile", good)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("good profile: %d\n%s", res.Status, res.Body)
	}
	var got struct {
		Name   string `db:"name"`
		Phone  string `db:"phone"`
		Kind   string `db:"kind"`
		Branch string `db:"party_branch"`
	}
	env.DB.Get(&got, `SELECT u.name, u.phone, t.kind, t.party_branch FROM users u JOIN trainees t ON t.user_id = u.id WHERE u.id = $1`, u.ID)
	if got.Name != "王小明" || got.Phone != "13912345678" || got.Kind != "party_member" || got.Branch != "福通社区第一党支部" {
		t.Errorf("saved %+v", got)
	}
	// A resident has no branch, whatever the form says.
	good.Set("kind", "resident")
	c.Post("/my/profile", good)
	if n := env.Count(`SELECT count(*) FROM trainees WHERE user_id = $1 AND party_branch = ''`, u.ID); n != 1 {
		t.Error("a resident kept a party branch")
	}
	// The lecturer's /my/profile is still the roster introduction.
	l := env.Client()
	l.Login("lecturer", "partyschool")
	if res := l.Get("/my/profile"); res.Status != http.StatusOK || !strings.Contains(res.Body, `name="topics"`) {
		t.Errorf("the lecturer's profile page: %d", res.Status)
	}
}

// TestOneTimePasswordMustBeReplaced: an account given a one-time password
// opens nothing but the password form until it has its own.
func TestOneTimePasswordMustBeReplaced(t *testing.T) {
	env := apptest.NewDemo(t)
	_, err := auth.NewStore(env.DB).CreateUser(context.Background(), auth.NewUser{
		Username: "13700001111", Name: "新学员", Phone: "13700001111", Role: "trainee", Password: "kx7m-q2p9-td", OneTime: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	c.Login("13700001111", "kx7m-q2p9-td")
	res := c.Get("/my/schedule")
	if res.Status != http.StatusSeeOther || res.Location != "/account?first=1" {
		t.Fatalf("first page with a one-time password: %d → %q, want the password form", res.Status, res.Location)
	}
	if res := c.Get("/account"); !strings.Contains(res.Body, "初始密码") {
		t.Error("the account page does not ask for a new password")
	}
	if res := c.Post("/my/profile", url.Values{"name": {"x"}}); res.Status != http.StatusForbidden {
		t.Errorf("a form other than the password's: %d, want 403", res.Status)
	}
	res = c.Post("/account/password", url.Values{"current": {"kx7m-q2p9-td"}, "password": {"my own long passphrase"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("change password: %d", res.Status)
	}
	if res := c.Get("/my/schedule"); res.Status != http.StatusOK {
		t.Errorf("my schedule after choosing a password: %d", res.Status)
	}
}

func TestStaffSeeTheWaitlistOnTheCoursePage(t *testing.T) {
	env := apptest.NewDemo(t)
	var id int64
	env.DB.Get(&id, `SELECT id FROM courses WHERE code = 'DX-2026-07'`)
	coord := env.Client()
	coord.Login("coordinator", "partyschool")
	res := coord.Get("/courses/" + itoa(id))
	if !strings.Contains(res.Body, "已报名 25 / 25 人") || !strings.Contains(res.Body, "候补 6 人") || !strings.Contains(res.Body, "/courses/"+itoa(id)+"/roll") {
		t.Errorf("the coordinator's course page lacks the counts or the roll link")
	}
	trainee := env.Client()
	trainee.Login("trainee", "partyschool")
	if res := trainee.Get("/courses/" + itoa(id)); !strings.Contains(res.Body, "您在候补名单第 6 位（共 6 人候补）") {
		t.Error("the demo trainee does not see their waitlist place")
	}
	anon := env.Client()
	if res := anon.Get("/courses/" + itoa(id)); !strings.Contains(res.Body, "登录后可以报名候补") && !strings.Contains(res.Body, "报名已截止") {
		t.Error("a visitor is not told how to enrol")
	}
}

// TestSignInSheetLinks: the course page links each session's sign-in
// sheet for coordinators and for the session's own lecturer only.
func TestSignInSheetLinks(t *testing.T) {
	env := apptest.NewDemo(t)
	var course, own, others int64
	env.DB.Get(&course, `SELECT id FROM courses WHERE code = 'DX-2026-01'`)
	env.DB.Get(&own, `SELECT s.id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id WHERE s.course_id = $1 AND l.name = '李建国' ORDER BY s.id LIMIT 1`, course)
	env.DB.Get(&others, `SELECT s.id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id WHERE s.course_id = $1 AND l.name <> '李建国' ORDER BY s.id LIMIT 1`, course)
	link := func(session int64) string { return `/sessions/` + itoa(session) + `/sign-in-sheet` }
	lecturer := env.Client()
	lecturer.Login("lecturer", "partyschool")
	res := lecturer.Get("/courses/" + itoa(course))
	if !strings.Contains(res.Body, link(own)) || strings.Contains(res.Body, link(others)) {
		t.Error("the lecturer's course page should link their own session's sign-in sheet, and only theirs")
	}
	coord := env.Client()
	coord.Login("coordinator", "partyschool")
	if res := coord.Get("/courses/" + itoa(course)); !strings.Contains(res.Body, link(own)) || !strings.Contains(res.Body, link(others)) {
		t.Error("the coordinator's course page lacks sign-in sheet links")
	}
	trainee := env.Client()
	trainee.Login("trainee", "partyschool")
	if res := trainee.Get("/courses/" + itoa(course)); strings.Contains(res.Body, "/sign-in-sheet") {
		t.Error("a trainee is offered sign-in sheets")
	}
}

// TestRollRemovesSomeoneNoLongerATrainee: a trainee whose role changed
// keeps their seat until a coordinator removes them, which must work.
func TestRollRemovesSomeoneNoLongerATrainee(t *testing.T) {
	env := apptest.NewDemo(t)
	course := openCourse(t, env, "T-ROLE", 5, nextWeek(), 6)
	c, u := env.LoginAs("trainee", "changer")
	c.Post("/courses/"+itoa(course)+"/enrol", nil)
	env.DB.MustExec(`UPDATE users SET role = 'lecturer' WHERE id = $1`, u.ID)
	coord := env.Client()
	coord.Login("coordinator", "partyschool")
	res := coord.Post("/courses/"+itoa(course)+"/roll/"+itoa(u.ID)+"/remove", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.Status)
	}
	if n := env.Count(`SELECT enrolled FROM courses WHERE id = $1`, course); n != 0 {
		t.Errorf("%d seats still taken", n)
	}
	if res := coord.Post("/courses/"+itoa(course)+"/roll/99999/remove", nil); res.Status != http.StatusNotFound {
		t.Errorf("removing a stranger to the course: %d, want 404", res.Status)
	}
}
