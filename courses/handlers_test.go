package courses_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"partyschool/app/apptest"
	"partyschool/ical"
	"partyschool/seed"
	"partyschool/web"
)

func courseID(t *testing.T, env *apptest.Env, status string) (int64, string) {
	t.Helper()
	var c struct {
		ID    int64  `db:"id"`
		Title string `db:"title"`
	}
	if err := env.DB.Get(&c, `SELECT id, title FROM courses WHERE status = $1 ORDER BY id LIMIT 1`, status); err != nil {
		t.Fatalf("a %s course: %v", status, err)
	}
	return c.ID, c.Title
}

func TestCataloguePublicSeesPublishedOnly(t *testing.T) {
	env := apptest.NewDemo(t)
	anon := env.Client()
	pubID, pubTitle := courseID(t, env, "published")
	draftID, draftTitle := courseID(t, env, "draft")

	res := anon.Get("/courses")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, pubTitle) {
		t.Fatalf("catalogue: %d, published course missing", res.Status)
	}
	if strings.Contains(res.Body, draftTitle) {
		t.Error("the public catalogue lists a draft")
	}
	res = anon.Get("/courses/" + itoa(pubID))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, pubTitle) {
		t.Errorf("published course page: %d", res.Status)
	}
	// Phones subscribe through webcal:; the address comes from BASE_URL.
	if feed := "/calendar/courses/" + itoa(pubID) + ".ics"; !strings.Contains(res.Body, `href="webcal://`) || !strings.Contains(res.Body, "://"+env.Config.BaseURL.Host+feed) {
		t.Errorf("no calendar subscription link to %s", feed)
	}
	for _, path := range []string{"/courses/" + itoa(draftID), "/courses/999999", "/courses/abc", "/timetable?course=" + itoa(draftID)} {
		if res := anon.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("GET %s as the public: %d, want 404", path, res.Status)
		}
	}
	trainee, _ := env.LoginAs("trainee", "tina")
	if res := trainee.Get("/courses/" + itoa(draftID)); res.Status != http.StatusNotFound {
		t.Errorf("a trainee sees a draft: %d", res.Status)
	}
	coord, _ := env.LoginAs("coordinator", "carol")
	if res := coord.Get("/courses/" + itoa(draftID)); res.Status != http.StatusOK || !strings.Contains(res.Body, draftTitle) {
		t.Errorf("a coordinator cannot see a draft: %d", res.Status)
	}
	if res := coord.Get("/courses?status=draft"); !strings.Contains(res.Body, draftTitle) {
		t.Error("the coordinator's draft filter misses the draft")
	}
	// Filters: the course's own category shows it, another hides it.
	var category string
	env.DB.Get(&category, `SELECT category FROM courses WHERE id = $1`, pubID)
	other := "policy"
	if category == other {
		other = "practice"
	}
	card := `<a href="/courses/` + itoa(pubID) + `">`
	if !strings.Contains(anon.Get("/courses?category="+category).Body, card) {
		t.Errorf("the %s filter hides a %s course", category, category)
	}
	if strings.Contains(anon.Get("/courses?category="+other).Body, card) {
		t.Errorf("the %s filter shows a %s course", other, category)
	}
}

func TestCoordinatorCreatesACourseWithSessions(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	form := url.Values{
		"code": {"sx-2026-99"}, "title": {"楼道议事协商实训"}, "category": {"practice"},
		"description": {"在红色议事厅演练议事协商的全过程。"}, "capacity": {"30"},
		"starts_on": {"2026-12-01"}, "ends_on": {"2026-12-31"},
		"enrol_opens": {"2026-11-01T09:00"}, "enrol_closes": {"2026-11-30T18:00"},
		"credit_hours": {"4.5"}, "min_attendance": {"80"},
	}
	res := coord.Post("/courses", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	loc := res.Header.Get("Location")
	id, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSuffix(loc, "?done=saved"), "/courses/"), 10, 64)
	if env.Count(`SELECT count(*) FROM courses WHERE id = $1 AND code = 'SX-2026-99' AND status = 'draft' AND credit_hours = 4.5`, id) != 1 {
		t.Fatalf("course not stored as typed (location %s)", loc)
	}

	var lecturer, venue, busyVenue int64
	env.DB.Get(&lecturer, `SELECT id FROM lecturers WHERE active ORDER BY id LIMIT 1`)
	env.DB.Get(&venue, `SELECT id FROM venues WHERE name = '红色议事厅' LIMIT 1`)
	env.DB.Get(&busyVenue, `SELECT id FROM venues WHERE name = '邻里驿站' LIMIT 1`)
	// Book the venue on Dec 10 with another lecturer first, so that the
	// second of two weekly sessions clashes.
	var other int64
	env.DB.Get(&other, `SELECT id FROM lecturers WHERE active AND id <> $1 ORDER BY id LIMIT 1`, lecturer)
	env.DB.MustExec(`INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
		VALUES ($1, $2, $3, '2026-12-10 19:30+08', '2026-12-10 20:30+08', '占用')`, id, other, venue)

	sessions := url.Values{"lecturer": {itoa(lecturer)}, "venue": {itoa(venue)}, "date": {"2026-12-03"},
		"start": {"19:00"}, "end": {"21:00"}, "topic": {"议事规则"}, "weeks": {"2"}}
	res = coord.Post("/courses/"+itoa(id)+"/sessions", sessions)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "12月10日") || !strings.Contains(res.Body, "已被占用") {
		t.Fatalf("a clash: %d, want 422 naming the session in the way\n%s", res.Status, res.Body)
	}
	if env.Count(`SELECT count(*) FROM course_sessions WHERE course_id = $1`, id) != 1 {
		t.Fatal("a refused series wrote sessions")
	}
	// Outside the course's dates, an end before the start, an unknown lecturer.
	bad := []struct {
		change url.Values
		want   string
	}{
		{url.Values{"date": {"2027-01-05"}, "weeks": {"1"}}, "不在课程的起止日期内"},
		{url.Values{"end": {"18:00"}}, "结束时间须晚于开始时间"},
		{url.Values{"lecturer": {"999999"}}, "没有这位讲师"},
		{url.Values{"venue": {"abc"}}, "请选择场地"},
		{url.Values{"weeks": {"-1"}}, "周数须为"},
	}
	for _, b := range bad {
		f := url.Values{}
		for k, v := range sessions {
			f[k] = v
		}
		for k, v := range b.change {
			f[k] = v
		}
		res := coord.Post("/courses/"+itoa(id)+"/sessions", f)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, b.want) {
			t.Errorf("%v: %d, want 422 with %q", b.change, res.Status, b.want)
		}
	}
	// Moved to the free venue, both weeks land.
	sessions.Set("venue", itoa(busyVenue))
	sessions.Set("date", "2026-12-02")
	res = coord.Post("/courses/"+itoa(id)+"/sessions", sessions)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("booking: %d %s", res.Status, res.Body)
	}
	if env.Count(`SELECT count(*) FROM course_sessions WHERE course_id = $1`, id) != 3 {
		t.Error("two weekly sessions not written")
	}

	// Publish: the public sees it and its 19:00 session in that week.
	if res := coord.Post("/courses/"+itoa(id)+"/status", url.Values{"status": {"published"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.Status)
	}
	page := env.Client().Get("/timetable?week=2026-12-02")
	if !strings.Contains(page.Body, "楼道议事协商实训") || !strings.Contains(page.Body, "19:00–21:00") || !strings.Contains(page.Body, "12月2日 周三") {
		t.Errorf("the public week does not show the session:\n%s", page.Body)
	}
	// An archived course cannot go back.
	coord.Post("/courses/"+itoa(id)+"/status", url.Values{"status": {"closed"}})
	coord.Post("/courses/"+itoa(id)+"/status", url.Values{"status": {"archived"}})
	if res := coord.Post("/courses/"+itoa(id)+"/status", url.Values{"status": {"published"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("republishing an archived course: %d", res.Status)
	}
}

func TestCourseFormBadInput(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	good := url.Values{
		"code": {"JL-01"}, "title": {"交流会"}, "category": {"exchange"}, "capacity": {"20"},
		"starts_on": {"2026-12-01"}, "ends_on": {"2026-12-02"},
		"enrol_opens": {"2026-11-01T09:00"}, "enrol_closes": {"2026-11-30T18:00"}, "credit_hours": {"2"},
	}
	cases := []struct {
		field, value, want string
	}{
		{"capacity", "-5", "名额须为 1–5000 的整数"},
		{"capacity", "很多", "名额须为 1–5000 的整数"},
		{"code", "DX 01", "课程编号只能由"},
		{"category", "party", "请选择类别"},
		{"ends_on", "2026-11-01", "结束日期不能早于开始日期"},
		{"enrol_closes", "2026-10-01T09:00", "报名截止须晚于报名开始"},
		{"credit_hours", "1.25", "学时须为"},
		{"min_attendance", "120", "出勤率须为"},
		{"community", "999999", "请从列表中选择社区"},
		{"title", "   ", "请填写课程名称"},
		{"code", "DX-2026-01", "这个课程编号已被使用"},
	}
	before := env.Count(`SELECT count(*) FROM courses`)
	for _, c := range cases {
		f := url.Values{}
		for k, v := range good {
			f[k] = v
		}
		f.Set(c.field, c.value)
		res := coord.Post("/courses", f)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, c.want) {
			t.Errorf("%s=%q: %d, want 422 with %q", c.field, c.value, res.Status, c.want)
		}
		if c.field != "title" && !strings.Contains(res.Body, `value="`+c.value+`"`) && c.field != "category" && c.field != "community" {
			t.Errorf("%s=%q: the form does not come back as typed", c.field, c.value)
		}
	}
	if after := env.Count(`SELECT count(*) FROM courses`); after != before {
		t.Errorf("refused forms wrote %d courses", after-before)
	}
}

func TestTraineesAndLecturersCannotEdit(t *testing.T) {
	env := apptest.NewDemo(t)
	id, _ := courseID(t, env, "published")
	var session int64
	env.DB.Get(&session, `SELECT id FROM course_sessions WHERE course_id = $1 LIMIT 1`, id)
	for _, role := range []string{"trainee", "lecturer"} {
		c, _ := env.LoginAs(role, "x"+role)
		for _, path := range []string{"/courses/new", "/courses/" + itoa(id) + "/edit", "/courses/" + itoa(id) + "/sessions/new", "/sessions/" + itoa(session) + "/edit"} {
			if res := c.Get(path); res.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", role, path, res.Status)
			}
		}
		for _, path := range []string{"/courses", "/courses/" + itoa(id), "/courses/" + itoa(id) + "/status", "/sessions/" + itoa(session) + "/delete"} {
			if res := c.Post(path, url.Values{"status": {"archived"}, "title": {"x"}}); res.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", role, path, res.Status)
			}
		}
	}
	if env.Count(`SELECT count(*) FROM course_sessions WHERE id = $1`, session) != 1 || env.Count(`SELECT count(*) FROM courses WHERE id = $1 AND status = 'published'`, id) != 1 {
		t.Error("a refused request changed data")
	}
}

func TestTimetableViews(t *testing.T) {
	env := apptest.NewDemo(t)
	anon := env.Client()
	var s struct {
		Lecturer int64     `db:"lecturer_id"`
		Venue    int64     `db:"venue_id"`
		Name     string    `db:"name"`
		Team     string    `db:"team"`
		Starts   time.Time `db:"starts_at"`
		Title    string    `db:"title"`
	}
	err := env.DB.Get(&s, `
		SELECT s.lecturer_id, s.venue_id, l.name, l.team, s.starts_at, c.title
		FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN courses c ON c.id = s.course_id
		WHERE c.status = 'published' AND s.starts_at > now() ORDER BY s.starts_at LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	week := "week=" + web.Day(s.Starts).Format(web.DateLayout)
	for _, path := range []string{
		"/timetable?" + week,
		"/timetable?view=list&" + week,
		"/timetable?lecturer=" + itoa(s.Lecturer) + "&" + week,
		"/timetable?venue=" + itoa(s.Venue) + "&" + week,
		"/timetable?team=" + s.Team + "&" + week,
	} {
		res := anon.Get(path)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, s.Title) || !strings.Contains(res.Body, s.Starts.In(web.Shanghai).Format("15:04")) {
			t.Errorf("GET %s: %d, the next session (%s) is missing", path, res.Status, s.Title)
		}
	}
	if res := anon.Get("/timetable?lecturer=" + itoa(s.Lecturer)); !strings.Contains(res.Body, s.Name+"的课表") {
		t.Error("the lecturer's timetable does not say whose it is")
	}
	// This week: Monday first, today marked.
	res := anon.Get("/timetable")
	monday := web.WeekStart(time.Now())
	if i, j := strings.Index(res.Body, web.DayLabel("zh-CN", monday)), strings.Index(res.Body, web.DayLabel("zh-CN", monday.AddDate(0, 0, 6))); i < 0 || j < i {
		t.Error("the week does not run Monday to Sunday")
	}
	if !strings.Contains(res.Body, `aria-current="date"`) {
		t.Error("today is not marked")
	}
	for _, path := range []string{"/timetable?lecturer=999999", "/timetable?venue=999999"} {
		if res := anon.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.Status)
		}
	}
	// Nonsense filters are ignored, not errors.
	if res := anon.Get("/timetable?week=yesterday&team=bogus&category=%00&view=grid&lecturer=-3"); res.Status != http.StatusOK {
		t.Errorf("nonsense filters: %d", res.Status)
	}
}

func TestMyTeaching(t *testing.T) {
	env := apptest.NewDemo(t)
	lecturer := env.Client()
	lecturer.Login("lecturer", seed.DemoPassword)
	res := lecturer.Get("/my/teaching")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "我的授课") {
		t.Fatalf("my teaching: %d", res.Status)
	}
	var next string
	env.DB.Get(&next, `SELECT c.title FROM course_sessions s JOIN courses c ON c.id = s.course_id
		JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id
		WHERE u.username = 'lecturer' AND s.starts_at > now() ORDER BY s.starts_at LIMIT 1`)
	if next == "" || !strings.Contains(res.Body, next) {
		t.Errorf("my teaching lacks the next session (%q)", next)
	}
	unlinked, _ := env.LoginAs("lecturer", "newcomer")
	if res := unlinked.Get("/my/teaching"); res.Status != http.StatusOK || !strings.Contains(res.Body, "还没有关联到讲师名单") {
		t.Errorf("an unlinked lecturer: %d", res.Status)
	}
	trainee, _ := env.LoginAs("trainee", "tina")
	if res := trainee.Get("/my/teaching"); res.Status != http.StatusForbidden {
		t.Errorf("a trainee on my teaching: %d", res.Status)
	}
}

func TestCalendarFeeds(t *testing.T) {
	env := apptest.NewDemo(t)
	anon := env.Client()
	id, title := courseID(t, env, "published")
	var lecturer, venue int64
	env.DB.Get(&lecturer, `SELECT lecturer_id FROM course_sessions WHERE course_id = $1 LIMIT 1`, id)
	env.DB.Get(&venue, `SELECT venue_id FROM course_sessions WHERE course_id = $1 LIMIT 1`, id)

	// A session at 19:00 Beijing time on a day of the course.
	var startsOn time.Time
	env.DB.Get(&startsOn, `SELECT starts_on FROM courses WHERE id = $1`, id)
	var free int64
	env.DB.Get(&free, `SELECT id FROM venues WHERE NOT EXISTS (SELECT 1 FROM course_sessions s WHERE s.venue_id = venues.id) LIMIT 1`)
	var freeLecturer int64
	env.DB.Get(&freeLecturer, `SELECT id FROM lecturers WHERE active AND NOT EXISTS (SELECT 1 FROM course_sessions s WHERE s.lecturer_id = lecturers.id) LIMIT 1`)
	if free == 0 || freeLecturer == 0 {
		env.DB.Get(&free, `INSERT INTO venues (name) VALUES ('测试教室') RETURNING id`)
		env.DB.Get(&freeLecturer, `INSERT INTO lecturers (name, team) VALUES ('测试讲师', 'senior') RETURNING id`)
	}
	day := time.Date(startsOn.Year(), startsOn.Month(), startsOn.Day(), 19, 0, 0, 0, web.Shanghai)
	env.DB.MustExec(`INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
		VALUES ($1, $2, $3, $4, $5, '逗号,分号;反斜杠\和换行')`, id, freeLecturer, free, day, day.Add(2*time.Hour))
	wantStart := "DTSTART:" + day.UTC().Format("20060102T150405Z")
	var team string
	env.DB.Get(&team, `SELECT team FROM lecturers WHERE id = $1`, freeLecturer)

	feeds := []string{
		"/calendar/courses/" + itoa(id) + ".ics",
		"/calendar/lecturers/" + itoa(freeLecturer) + ".ics",
		"/calendar/venues/" + itoa(free) + ".ics",
		"/calendar/teams/" + team + ".ics",
	}
	for _, path := range feeds {
		res := anon.Get(path)
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("GET %s: %d %s", path, res.Status, res.Header.Get("Content-Type"))
		}
		cal, err := ical.Parse(strings.NewReader(res.Body)) // also refuses lines over 75 octets
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if !strings.Contains(res.Body, wantStart) {
			t.Errorf("GET %s: no %s for the 19:00 session", path, wantStart)
		}
		var found bool
		for _, ev := range cal.Events {
			if !strings.HasSuffix(ev.Props["SUMMARY"], `逗号,分号;反斜杠\和换行`) {
				continue
			}
			found = true
			if !strings.HasPrefix(ev.Props["SUMMARY"], title) || ev.Props["DTSTART"] != strings.TrimPrefix(wantStart, "DTSTART:") {
				t.Errorf("GET %s: summary %q at %s", path, ev.Props["SUMMARY"], ev.Props["DTSTART"])
			}
			if len(ev.Alarms) != 1 || ev.Alarms[0]["TRIGGER"] != "-PT1H" {
				t.Errorf("GET %s: alarms %v", path, ev.Alarms)
			}
			if ev.Props["LOCATION"] == "" || !strings.HasPrefix(ev.Props["URL"], "https://partyschool.example.org/courses/") && !strings.HasPrefix(ev.Props["URL"], "http") {
				t.Errorf("GET %s: location %q url %q", path, ev.Props["LOCATION"], ev.Props["URL"])
			}
		}
		if !found {
			t.Errorf("GET %s: the 19:00 session is not an event", path)
		}
		for _, line := range strings.Split(res.Body, "\r\n") {
			if len(line) > 75 {
				t.Errorf("GET %s: a line of %d octets", path, len(line))
			}
		}
		// UIDs are stable across requests.
		again, _ := ical.Parse(strings.NewReader(anon.Get(path).Body))
		for i := range cal.Events {
			if cal.Events[i].Props["UID"] != again.Events[i].Props["UID"] || cal.Events[i].Props["UID"] == "" {
				t.Errorf("GET %s: UID changed between requests", path)
				break
			}
		}
	}
	draft, _ := courseID(t, env, "draft")
	for _, path := range []string{"/calendar/courses/" + itoa(draft) + ".ics", "/calendar/courses/999999.ics", "/calendar/teams/bogus.ics", "/calendar/lecturers/x.ics", "/calendar/venues/999999.ics"} {
		if res := anon.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.Status)
		}
	}
}

// TestReviewFindings pins the fixes of the first code review.
func TestReviewFindings(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	anon := env.Client()

	// A long description is kept whole, not cut at 4,000 bytes.
	long := strings.Repeat("社区治理", 500) // 2,000 characters, 6,000 bytes
	form := url.Values{"code": {"LONG-01"}, "title": {"长介绍"}, "category": {"policy"}, "capacity": {"10"},
		"starts_on": {"2026-12-01"}, "ends_on": {"2026-12-02"}, "enrol_opens": {"2026-11-01T09:00"},
		"enrol_closes": {"2026-11-30T18:00"}, "credit_hours": {"2"}, "description": {long}}
	if res := coord.Post("/courses", form); res.Status != http.StatusSeeOther {
		t.Fatalf("create: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM courses WHERE code = 'LONG-01' AND char_length(description) = 2000`) != 1 {
		t.Error("the description was cut")
	}
	form.Set("code", "LONG-02")
	form.Set("description", strings.Repeat("社", 4001))
	if res := coord.Post("/courses", form); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("a description over 4,000 characters: %d", res.Status)
	}

	// Sessions of an archived course stay.
	var archived, session int64
	env.DB.Get(&archived, `SELECT id FROM courses WHERE status = 'archived' LIMIT 1`)
	env.DB.Get(&session, `SELECT id FROM course_sessions WHERE course_id = $1 LIMIT 1`, archived)
	if res := coord.Post("/sessions/"+itoa(session)+"/delete", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("deleting a session of an archived course: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM course_sessions WHERE id = $1`, session) != 1 {
		t.Error("a session of an archived course was deleted")
	}

	// An inactive lecturer is off the public timetable and feeds.
	var inactive int64
	env.DB.Get(&inactive, `SELECT id FROM lecturers WHERE NOT active LIMIT 1`)
	for _, path := range []string{"/timetable?lecturer=" + itoa(inactive), "/calendar/lecturers/" + itoa(inactive) + ".ics"} {
		if res := anon.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("GET %s for the public: %d, want 404", path, res.Status)
		}
	}
	if res := coord.Get("/timetable?lecturer=" + itoa(inactive)); res.Status != http.StatusOK {
		t.Errorf("a coordinator on an inactive lecturer's timetable: %d", res.Status)
	}

	// A lecturer sees the draft course they teach; another lecturer does not.
	var draft int64
	env.DB.Get(&draft, `SELECT id FROM courses WHERE status = 'draft' AND EXISTS (SELECT 1 FROM course_sessions s WHERE s.course_id = courses.id) ORDER BY id LIMIT 1`)
	var teacher string
	env.DB.Get(&teacher, `SELECT u.username FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id
		JOIN users u ON u.id = l.user_id WHERE s.course_id = $1 LIMIT 1`, draft)
	if teacher == "" {
		var lecturer int64
		env.DB.Get(&lecturer, `SELECT l.id FROM lecturers l JOIN users u ON u.id = l.user_id WHERE u.username = 'lecturer'`)
		env.DB.MustExec(`UPDATE course_sessions SET lecturer_id = $1 WHERE id = (SELECT min(id) FROM course_sessions WHERE course_id = $2)`, lecturer, draft)
		teacher = "lecturer"
	}
	mine := env.Client()
	mine.Login(teacher, seed.DemoPassword)
	if res := mine.Get("/courses/" + itoa(draft)); res.Status != http.StatusOK {
		t.Errorf("a lecturer on the draft course they teach: %d", res.Status)
	}
	other, _ := env.LoginAs("lecturer", "otherlecturer")
	if res := other.Get("/courses/" + itoa(draft)); res.Status != http.StatusNotFound {
		t.Errorf("another lecturer on a draft course: %d", res.Status)
	}
}

func TestCancelAndRestoreASession(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	var s struct {
		ID       int64     `db:"id"`
		Course   int64     `db:"course_id"`
		Lecturer int64     `db:"lecturer_id"`
		Venue    int64     `db:"venue_id"`
		Starts   time.Time `db:"starts_at"`
		Ends     time.Time `db:"ends_at"`
	}
	err := env.DB.Get(&s, `SELECT s.id, s.course_id, s.lecturer_id, s.venue_id, s.starts_at, s.ends_at
		FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE c.status = 'published' AND s.starts_at > now() ORDER BY s.starts_at LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	trainee, _ := env.LoginAs("trainee", "tina")
	if res := trainee.Post("/sessions/"+itoa(s.ID)+"/cancel", url.Values{"reason": {"x"}}); res.Status != http.StatusForbidden {
		t.Errorf("a trainee cancels: %d", res.Status)
	}
	if res := coord.Post("/sessions/"+itoa(s.ID)+"/cancel", url.Values{"reason": {strings.Repeat("雨", 201)}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("a 201-character reason: %d", res.Status)
	}
	res := coord.Post("/sessions/"+itoa(s.ID)+"/cancel", url.Values{"reason": {"暴雨预警"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM course_sessions WHERE id = $1 AND cancelled_at IS NOT NULL AND cancel_reason = '暴雨预警'`, s.ID) != 1 {
		t.Fatal("not cancelled")
	}
	// Still on the timetable and the course page, marked; in the feed as cancelled.
	week := "/timetable?week=" + web.Day(s.Starts).Format(web.DateLayout)
	if body := env.Client().Get(week).Body; !strings.Contains(body, "已停课") {
		t.Error("the timetable does not mark the cancelled session")
	}
	// The reason may be personal: staff read it, the public sees only that it is off.
	if body := coord.Get("/courses/" + itoa(s.Course)).Body; !strings.Contains(body, "暴雨预警") {
		t.Error("the course page does not give staff the reason")
	}
	if body := env.Client().Get("/courses/" + itoa(s.Course)).Body; strings.Contains(body, "暴雨预警") || !strings.Contains(body, "已停课") {
		t.Error("the public course page shows the reason, or not that the session is off")
	}
	cal, err := ical.Parse(strings.NewReader(env.Client().Get("/calendar/courses/" + itoa(s.Course) + ".ics").Body))
	if err != nil {
		t.Fatal(err)
	}
	uid := "session-" + itoa(s.ID) + "@"
	found := false
	for _, ev := range cal.Events {
		if strings.HasPrefix(ev.Props["UID"], uid) {
			found = true
			if ev.Props["STATUS"] != "CANCELLED" || ev.Props["SEQUENCE"] == "" || len(ev.Alarms) != 0 || !strings.HasPrefix(ev.Props["SUMMARY"], "【停课】") {
				t.Errorf("the cancelled event: STATUS %q SEQUENCE %q, %d alarms, SUMMARY %q", ev.Props["STATUS"], ev.Props["SEQUENCE"], len(ev.Alarms), ev.Props["SUMMARY"])
			}
		}
	}
	if !found {
		t.Error("the cancelled session left the feed")
	}

	// The lecturer and venue are free: another course books them at that time.
	var other int64
	env.DB.Get(&other, `INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
		VALUES ('SWAP-01', '临时加课', 'exchange', 10, $1::date - 1, $1::date + 1, now() - interval '1 day', now(), 2, 'published') RETURNING id`,
		s.Starts.In(web.Shanghai).Format(web.DateLayout))
	start := s.Starts.In(web.Shanghai)
	booking := url.Values{"lecturer": {itoa(s.Lecturer)}, "venue": {itoa(s.Venue)}, "date": {start.Format(web.DateLayout)},
		"start": {start.Format("15:04")}, "end": {s.Ends.In(web.Shanghai).Format("15:04")}, "weeks": {"1"}}
	if res := coord.Post("/courses/"+itoa(other)+"/sessions", booking); res.Status != http.StatusSeeOther {
		t.Fatalf("booking the freed time: %d %s", res.Status, res.Body)
	}
	// Restoring now clashes, and says with what.
	res = coord.Post("/sessions/"+itoa(s.ID)+"/restore", nil)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "临时加课") {
		t.Errorf("restoring into a clash: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM course_sessions WHERE id = $1 AND cancelled_at IS NOT NULL`, s.ID) != 1 {
		t.Error("a refused restore changed the session")
	}
	env.DB.MustExec(`DELETE FROM course_sessions WHERE course_id = $1`, other)
	if res := coord.Post("/sessions/"+itoa(s.ID)+"/restore", nil); res.Status != http.StatusSeeOther {
		t.Errorf("restore: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM course_sessions WHERE id = $1 AND cancelled_at IS NULL AND cancel_reason = ''`, s.ID) != 1 {
		t.Error("not restored")
	}
	// Restoring a live session (a second tab, a double click) changes nothing.
	var before time.Time
	env.DB.Get(&before, `SELECT updated_at FROM course_sessions WHERE id = $1`, s.ID)
	coord.Post("/sessions/"+itoa(s.ID)+"/restore", nil)
	if env.Count(`SELECT count(*) FROM course_sessions WHERE id = $1 AND updated_at = $2`, s.ID, before) != 1 {
		t.Error("restoring a live session touched it")
	}
}

func TestSmallVenueWarnsTheCoordinator(t *testing.T) {
	env := apptest.NewDemo(t)
	var course, venue int64
	env.DB.Get(&course, `SELECT id FROM courses WHERE status = 'published' ORDER BY id LIMIT 1`)
	env.DB.Get(&venue, `SELECT venue_id FROM course_sessions WHERE course_id = $1 LIMIT 1`, course)
	env.DB.MustExec(`UPDATE venues SET seats = 5 WHERE id = $1`, venue)
	coord, _ := env.LoginAs("coordinator", "carol")
	if body := coord.Get("/courses/" + itoa(course)).Body; !strings.Contains(body, "这个场地只有 5 个座位") {
		t.Error("no warning about a venue smaller than the course")
	}
	if body := env.Client().Get("/courses/" + itoa(course)).Body; strings.Contains(body, "个座位") {
		t.Error("the public sees the staff warning")
	}
}

func TestCopyACourse(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	id, title := courseID(t, env, "published")
	res := coord.Get("/courses/new?from=" + itoa(id))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `value="`+title+`"`) || !strings.Contains(res.Body, `id="code" name="code" type="text" value=""`) {
		t.Errorf("the copy form: %d, want the title and an empty code", res.Status)
	}
	if res := coord.Get("/courses/new?from=999999"); res.Status != http.StatusNotFound {
		t.Errorf("copying a missing course: %d", res.Status)
	}
}

func TestSessionFormGroupsLecturersByTeam(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	id, _ := courseID(t, env, "published")
	body := coord.Get("/courses/" + itoa(id) + "/sessions/new").Body
	i, j, k := strings.Index(body, `<optgroup label="专家讲师">`), strings.Index(body, `<optgroup label="草根讲师">`), strings.Index(body, `<optgroup label="夕阳红讲师">`)
	if i < 0 || j < i || k < j {
		t.Error("the lecturers are not grouped by team, in the teams' order")
	}
	var inactive string
	env.DB.Get(&inactive, `SELECT name FROM lecturers WHERE NOT active LIMIT 1`)
	if strings.Contains(body, ">"+inactive+"</option>") {
		t.Errorf("the inactive lecturer %s is offered", inactive)
	}
}
