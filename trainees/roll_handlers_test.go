package trainees_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"partyschool/app/apptest"
	"partyschool/i18n"
	"partyschool/seed"
	"partyschool/sheets"
	"partyschool/trainees"
)

// rollSchool is the demo school with a coordinator signed in and one
// published course, taught in part by the demo lecturer, whose roll the
// tests fill.
type rollSchool struct {
	env    *apptest.Env
	coord  *apptest.Client
	store  *trainees.Store
	course int64
	code   string
	roll   string // the roll's address
}

func newRollSchool(t *testing.T, capacity int) *rollSchool {
	t.Helper()
	env := apptest.NewDemo(t)
	s := &rollSchool{env: env, store: trainees.NewStore(env.DB)}
	var c struct {
		ID   int64  `db:"id"`
		Code string `db:"code"`
	}
	err := env.DB.Get(&c, `
		SELECT c.id, c.code FROM courses c
		WHERE c.status = 'published' AND EXISTS (
			SELECT 1 FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id
			WHERE s.course_id = c.id AND u.username = 'lecturer')
		ORDER BY c.id LIMIT 1`)
	if err != nil {
		t.Fatalf("a published course the demo lecturer teaches: %v", err)
	}
	s.course, s.code, s.roll = c.ID, c.Code, "/courses/"+strconv.FormatInt(c.ID, 10)+"/roll"
	// The tests fill the roll themselves, with trainees of a known profile.
	env.DB.MustExec(`DELETE FROM enrolments WHERE course_id = $1`, s.course)
	env.DB.MustExec(`UPDATE courses SET capacity = $2 WHERE id = $1`, s.course, capacity)
	env.DB.MustExec(`UPDATE trainees SET community_id = NULL, organisation = '', kind = 'resident', party_branch = ''`)
	s.coord, _ = env.LoginAs("coordinator", "carol")
	return s
}

// id is the account id of a demo user.
func (s *rollSchool) id(t *testing.T, username string) int64 {
	t.Helper()
	var id int64
	if err := s.env.DB.Get(&id, `SELECT id FROM users WHERE username = $1`, username); err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return id
}

// name is a demo user's name.
func (s *rollSchool) name(t *testing.T, username string) string {
	t.Helper()
	var name string
	if err := s.env.DB.Get(&name, `SELECT name FROM users WHERE username = $1`, username); err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return name
}

// enrol puts demo trainees on the course in order, as staff would.
func (s *rollSchool) enrol(t *testing.T, usernames ...string) {
	t.Helper()
	for _, u := range usernames {
		if _, err := s.store.Enrol(context.Background(), s.course, s.id(t, u), 0, true); err != nil {
			t.Fatalf("enrol %s: %v", u, err)
		}
	}
}

// standing is a trainee's status on the course and place on the waitlist.
func (s *rollSchool) standing(t *testing.T, username string) string {
	t.Helper()
	st, err := s.store.Standing(context.Background(), s.course, s.id(t, username))
	if err != nil {
		t.Fatal(err)
	}
	if st.Position > 0 {
		return st.Status + " " + strconv.Itoa(st.Position)
	}
	return st.Status
}

// post submits a roll form and follows the redirect, returning the page
// the coordinator lands on.
func (s *rollSchool) post(t *testing.T, path string, form url.Values) *apptest.Response {
	t.Helper()
	res := s.coord.Post(path, form)
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, s.roll+"?") {
		t.Fatalf("POST %s: %d to %q, want 303 back to the roll\n%s", path, res.Status, res.Location, res.Body)
	}
	page := s.coord.Get(res.Location)
	if page.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", res.Location, page.Status)
	}
	return page
}

// notice is the page's notice line, or "".
func notice(body string) string {
	m := regexp.MustCompile(`<p class="notice" role="status">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestRollShowsSeatsAndWaitlistWithMaskedPhones(t *testing.T) {
	s := newRollSchool(t, 2)
	s.env.DB.MustExec(`
		INSERT INTO trainees (user_id, community_id, organisation, kind, party_branch)
		VALUES ($1, (SELECT id FROM communities ORDER BY id LIMIT 1), '长城花园社区居委会', 'party_member', '第一党支部')
		ON CONFLICT (user_id) DO UPDATE SET community_id = EXCLUDED.community_id, organisation = EXCLUDED.organisation,
			kind = EXCLUDED.kind, party_branch = EXCLUDED.party_branch`,
		s.id(t, "trainee02"))
	s.enrol(t, "trainee02", "trainee03", "trainee04", "trainee05")
	var community string
	s.env.DB.Get(&community, `SELECT name FROM communities ORDER BY id LIMIT 1`)

	res := s.coord.Get(s.roll)
	if res.Status != http.StatusOK {
		t.Fatalf("roll: %d", res.Status)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the roll has Cache-Control %q, want no-store", cc)
	}
	body := res.Body
	for _, want := range []string{
		s.code, "<strong>2</strong> <span class=\"muted\">/ 容量 2</span>", "候补第 1 位", "候补第 2 位",
		s.name(t, "trainee02"), s.name(t, "trainee05"), "139****2002", "139****2005",
		community, "长城花园社区居委会", "党员", "居民",
		`href="` + s.roll + `.xlsx"`, "/sign-in-sheet",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the roll lacks %q", want)
		}
	}
	for _, phone := range []string{"13900002002", "13900002003", "13900002004", "13900002005"} {
		if strings.Contains(body, phone) {
			t.Errorf("the roll shows the full phone number %s", phone)
		}
	}
	if first, second := strings.Index(body, "139****2004"), strings.Index(body, "139****2005"); first < 0 || second < first {
		t.Error("the waitlist is not in order")
	}
	// Seats are all taken: no button to fill them.
	if strings.Contains(body, "/roll/fill") {
		t.Error("a full course offers to fill seats")
	}

	// A cancelled session has no sign-in sheet link; the others do.
	var sessions []int64
	s.env.DB.Select(&sessions, `SELECT id FROM course_sessions WHERE course_id = $1 ORDER BY starts_at`, s.course)
	if len(sessions) < 2 {
		t.Fatalf("the course has %d sessions, want at least 2", len(sessions))
	}
	s.env.DB.MustExec(`UPDATE course_sessions SET cancelled_at = now() WHERE id = $1`, sessions[0])
	body = s.coord.Get(s.roll).Body
	sheet := func(id int64) string { return `href="/sessions/` + strconv.FormatInt(id, 10) + `/sign-in-sheet"` }
	if strings.Contains(body, sheet(sessions[0])) || !strings.Contains(body, sheet(sessions[1])) {
		t.Error("the sign-in sheet links do not leave out the cancelled session")
	}

	for _, path := range []string{"/courses/999999/roll", "/courses/abc/roll"} {
		if res := s.coord.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.Status)
		}
	}
}

func TestRollSearchAndAdd(t *testing.T) {
	s := newRollSchool(t, 1)
	s.enrol(t, "trainee02")

	// By name: someone on the course is marked, someone else is offered.
	res := s.coord.Get(s.roll + "?q=" + url.QueryEscape(s.name(t, "trainee02")))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "139****2002") {
		t.Fatalf("search by name: %d, trainee02 not found", res.Status)
	}
	if strings.Contains(res.Body, `name="trainee_id" value="`+strconv.FormatInt(s.id(t, "trainee02"), 10)+`"`) {
		t.Error("a trainee on the course is offered to be added")
	}
	// By phone digits.
	res = s.coord.Get(s.roll + "?q=2006")
	six := strconv.FormatInt(s.id(t, "trainee06"), 10)
	if !strings.Contains(res.Body, s.name(t, "trainee06")) || !strings.Contains(res.Body, `name="trainee_id" value="`+six+`"`) {
		t.Fatal("search by phone digits does not offer trainee06")
	}
	if strings.Contains(res.Body, "13900002006") {
		t.Error("the search shows a full phone number")
	}
	if res := s.coord.Get(s.roll + "?q=" + url.QueryEscape("没有这个人")); !strings.Contains(res.Body, "没有找到符合的学员") {
		t.Error("an empty search does not say so")
	}

	// Adding when the course is full puts the trainee on the waitlist.
	page := s.post(t, s.roll, url.Values{"trainee_id": {six}, "q": {"2006"}})
	if got := notice(page.Body); !strings.Contains(got, s.name(t, "trainee06")) || !strings.Contains(got, "候补第 1 位") {
		t.Errorf("notice after adding to a full course: %q", got)
	}
	if got := s.standing(t, "trainee06"); got != "waitlisted 1" {
		t.Errorf("trainee06 is %q, want waitlisted 1", got)
	}
	// Adding someone on it already changes nothing and says so.
	page = s.post(t, s.roll, url.Values{"trainee_id": {six}})
	if got := notice(page.Body); !strings.Contains(got, "未作改动") {
		t.Errorf("notice after adding twice: %q", got)
	}
	if n := s.env.Count(`SELECT count(*) FROM enrolments WHERE course_id = $1`, s.course); n != 2 {
		t.Errorf("%d enrolments, want 2", n)
	}
	// With a seat free, adding gives the seat.
	s.env.DB.MustExec(`UPDATE courses SET capacity = 3 WHERE id = $1`, s.course)
	page = s.post(t, s.roll, url.Values{"trainee_id": {strconv.FormatInt(s.id(t, "trainee07"), 10)}})
	if got := notice(page.Body); !strings.Contains(got, "已加入课程") {
		t.Errorf("notice after adding: %q", got)
	}
	if got := s.standing(t, "trainee06"); got != "enrolled" {
		t.Errorf("trainee06 is %q: the seat freed by the new capacity went to the newcomer first", got)
	}
	if got := s.standing(t, "trainee07"); got != "enrolled" {
		t.Errorf("trainee07 is %q, want enrolled", got)
	}

	// Unknown course or trainee, a lecturer's account: 404, nothing changed.
	before := s.env.Count(`SELECT count(*) FROM enrolments`)
	for _, c := range []struct{ path, id string }{
		{s.roll, "999999"},
		{s.roll, "abc"},
		{s.roll, strconv.FormatInt(s.id(t, "lecturer"), 10)},
		{"/courses/999999/roll", six},
	} {
		if res := s.coord.Post(c.path, url.Values{"trainee_id": {c.id}}); res.Status != http.StatusNotFound {
			t.Errorf("POST %s trainee_id=%s: %d, want 404", c.path, c.id, res.Status)
		}
	}
	// An archived course's roll does not change.
	s.env.DB.MustExec(`UPDATE courses SET status = 'archived' WHERE id = $1`, s.course)
	res = s.coord.Post(s.roll, url.Values{"trainee_id": {strconv.FormatInt(s.id(t, "trainee08"), 10)}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "课程已归档") {
		t.Errorf("adding to an archived course: %d", res.Status)
	}
	if after := s.env.Count(`SELECT count(*) FROM enrolments`); after != before {
		t.Errorf("refused adds changed enrolments: %d, then %d", before, after)
	}
	if strings.Contains(s.coord.Get(s.roll).Body, `action="`+s.roll+`"`) {
		t.Error("an archived course's roll still offers to add trainees")
	}
}

func TestRollRemovePromotesTheFirstWaiting(t *testing.T) {
	s := newRollSchool(t, 1)
	s.enrol(t, "trainee02", "trainee03", "trainee04")
	remove := s.roll + "/" + strconv.FormatInt(s.id(t, "trainee02"), 10) + "/remove"

	page := s.post(t, remove, nil)
	got := notice(page.Body)
	if !strings.Contains(got, s.name(t, "trainee02")) || !strings.Contains(got, s.name(t, "trainee03")+" 已自动递补") {
		t.Errorf("notice after removing: %q", got)
	}
	for who, want := range map[string]string{"trainee02": "withdrawn", "trainee03": "enrolled", "trainee04": "waitlisted 1"} {
		if got := s.standing(t, who); got != want {
			t.Errorf("%s is %q, want %q", who, got, want)
		}
	}
	if by := s.env.Count(`SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.changed_by
		WHERE e.course_id = $1 AND u.username = 'carol' AND e.status <> 'waitlisted'`, s.course); by != 2 {
		t.Errorf("%d changes recorded as the coordinator's, want 2", by)
	}
	// A second click: nothing changes, and the page says so.
	page = s.post(t, remove, nil)
	if got := notice(page.Body); !strings.Contains(got, "已不在名单上") {
		t.Errorf("notice after removing twice: %q", got)
	}
	for _, path := range []string{s.roll + "/999999/remove", "/courses/999999/roll/" + strconv.FormatInt(s.id(t, "trainee03"), 10) + "/remove"} {
		if res := s.coord.Post(path, nil); res.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, res.Status)
		}
	}
	if got := s.standing(t, "trainee03"); got != "enrolled" {
		t.Errorf("a refused removal changed trainee03: %q", got)
	}
}

func TestRollPromoteByHand(t *testing.T) {
	s := newRollSchool(t, 1)
	s.enrol(t, "trainee02", "trainee03", "trainee04")
	promote := s.roll + "/" + strconv.FormatInt(s.id(t, "trainee04"), 10) + "/promote"

	// No free seat: a clear message, nothing changed.
	res := s.coord.Post(promote, nil)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "课程已满，请先调整容量或移出学员") {
		t.Fatalf("promoting on a full course: %d", res.Status)
	}
	if got := s.standing(t, "trainee04"); got != "waitlisted 2" {
		t.Errorf("trainee04 is %q, want waitlisted 2", got)
	}
	// A seat free: the second in the queue gets it, out of turn.
	s.env.DB.MustExec(`UPDATE courses SET capacity = 2 WHERE id = $1`, s.course)
	page := s.post(t, promote, nil)
	if got := notice(page.Body); !strings.Contains(got, s.name(t, "trainee04")+" 已递补入学") {
		t.Errorf("notice after promoting: %q", got)
	}
	for who, want := range map[string]string{"trainee02": "enrolled", "trainee03": "waitlisted 1", "trainee04": "enrolled"} {
		if got := s.standing(t, who); got != want {
			t.Errorf("%s is %q, want %q", who, got, want)
		}
	}
	// Someone not waiting is refused with the reason.
	s.env.DB.MustExec(`UPDATE courses SET capacity = 3 WHERE id = $1`, s.course)
	if res := s.coord.Post(promote, nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不在候补名单上") {
		t.Errorf("promoting someone enrolled: %d", res.Status)
	}
	if res := s.coord.Post(s.roll+"/999999/promote", nil); res.Status != http.StatusNotFound {
		t.Errorf("promoting an unknown trainee: %d", res.Status)
	}
}

func TestRollFillSeats(t *testing.T) {
	s := newRollSchool(t, 1)
	s.enrol(t, "trainee02", "trainee03", "trainee04", "trainee05")
	s.env.DB.MustExec(`UPDATE courses SET capacity = 3 WHERE id = $1`, s.course)

	if body := s.coord.Get(s.roll).Body; !strings.Contains(body, `action="`+s.roll+`/fill"`) || !strings.Contains(body, "按顺序递补") {
		t.Error("free seats and a waitlist, but no button to fill them")
	}
	page := s.post(t, s.roll+"/fill", nil)
	want := "已按候补顺序递补 2 人：" + s.name(t, "trainee03") + "、" + s.name(t, "trainee04")
	if got := notice(page.Body); !strings.Contains(got, want) {
		t.Errorf("notice after filling: %q, want %q", got, want)
	}
	for who, want := range map[string]string{"trainee03": "enrolled", "trainee04": "enrolled", "trainee05": "waitlisted 1"} {
		if got := s.standing(t, who); got != want {
			t.Errorf("%s is %q, want %q", who, got, want)
		}
	}
	if strings.Contains(page.Body, `action="`+s.roll+`/fill"`) {
		t.Error("a full course still offers to fill seats")
	}
	page = s.post(t, s.roll+"/fill", nil)
	if got := notice(page.Body); !strings.Contains(got, "未作改动") {
		t.Errorf("notice after filling a full course: %q", got)
	}
	// An archived course's roll stays as it is.
	s.env.DB.MustExec(`UPDATE courses SET capacity = 5, status = 'archived' WHERE id = $1`, s.course)
	if res := s.coord.Post(s.roll+"/fill", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "课程已归档") {
		t.Errorf("filling an archived course: %d", res.Status)
	}
	if got := s.standing(t, "trainee05"); got != "waitlisted 1" {
		t.Errorf("filling an archived course promoted trainee05: %q", got)
	}
}

func TestRollExport(t *testing.T) {
	s := newRollSchool(t, 1)
	s.enrol(t, "trainee02", "trainee03")
	res := s.coord.Get(s.roll + ".xlsx")
	if res.Status != http.StatusOK {
		t.Fatalf("export: %d", res.Status)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, s.code) || !strings.Contains(cd, ".xlsx") {
		t.Errorf("Content-Disposition %q does not name the course code", cd)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the export has Cache-Control %q, want no-store", cc)
	}
	table, err := sheets.Read("roll.xlsx", strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"序号", "姓名", "手机号", "社区", "工作单位", "类型", "状态"}, table.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	var got [][]string
	for _, r := range table.Rows {
		got = append(got, r.Cells)
	}
	want := [][]string{
		{"1", s.name(t, "trainee02"), "139****2002", "", "", "居民", "已报名"},
		{"2", s.name(t, "trainee03"), "139****2003", "", "", "居民", "候补第 1 位"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if strings.Contains(res.Body, "13900002002") {
		t.Error("the export holds a full phone number")
	}
	if res := s.coord.Get("/courses/999999/roll.xlsx"); res.Status != http.StatusNotFound {
		t.Errorf("export of an unknown course: %d", res.Status)
	}
}

func TestSignInSheet(t *testing.T) {
	s := newRollSchool(t, 2)
	s.enrol(t, "trainee05", "trainee02", "trainee03") // trainee03 waits
	var own, other int64
	err := s.env.DB.Get(&own, `
		SELECT s.id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id
		WHERE s.course_id = $1 AND u.username = 'lecturer' ORDER BY s.id LIMIT 1`, s.course)
	if err != nil {
		t.Fatal(err)
	}
	err = s.env.DB.Get(&other, `
		SELECT s.id FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id LEFT JOIN users u ON u.id = l.user_id
		WHERE u.username IS DISTINCT FROM 'lecturer' ORDER BY s.id LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	sheet := func(id int64) string { return "/sessions/" + strconv.FormatInt(id, 10) + "/sign-in-sheet" }
	lecturer := s.env.Client()
	lecturer.Login("lecturer", seed.DemoPassword)

	for who, c := range map[string]*apptest.Client{"lecturer": lecturer, "coordinator": s.coord} {
		res := c.Get(sheet(own))
		if res.Status != http.StatusOK {
			t.Fatalf("%s: the sign-in sheet: %d", who, res.Status)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: the sheet has Cache-Control %q, want no-store", who, cc)
		}
		for _, want := range []string{s.name(t, "trainee02"), s.name(t, "trainee05"), "签到表", "签名", "data-print", `class="sheet-school"`, `class="sign-cell"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s: the sheet lacks %q", who, want)
			}
		}
		if strings.Contains(res.Body, s.name(t, "trainee03")) {
			t.Errorf("%s: the sheet lists a trainee on the waitlist", who)
		}
		if strings.Contains(res.Body, "2002") || strings.Contains(res.Body, "****") {
			t.Errorf("%s: the sheet shows phone numbers", who)
		}
		// By name, as the roll orders it.
		names := []string{s.name(t, "trainee02"), s.name(t, "trainee05")}
		var sorted []string
		s.env.DB.Select(&sorted, `SELECT name FROM users WHERE name = ANY($1) ORDER BY name COLLATE "zh-Hans-x-icu"`, "{"+strings.Join(names, ",")+"}")
		if i, j := strings.Index(res.Body, "<td>"+sorted[0]+"</td>"), strings.Index(res.Body, "<td>"+sorted[1]+"</td>"); i < 0 || j < i {
			t.Errorf("%s: the sheet is not in name order %v", who, sorted)
		}
	}
	if res := s.coord.Get(sheet(other)); res.Status != http.StatusOK {
		t.Errorf("a coordinator opens any session's sheet: %d", res.Status)
	}
	// Someone else's session answers exactly like a missing one.
	notTaught, missing := lecturer.Get(sheet(other)), lecturer.Get(sheet(999999))
	if notTaught.Status != http.StatusNotFound || missing.Status != http.StatusNotFound {
		t.Errorf("a lecturer's sheet for a session not theirs: %d, for a missing one: %d; want 404", notTaught.Status, missing.Status)
	}
	// The bodies differ only in the address and the request id.
	same := func(body, path string) string {
		body = strings.ReplaceAll(body, path, "")
		return regexp.MustCompile(`[0-9a-f]{8,}|[0-9A-Za-z_-]{16,}`).ReplaceAllString(body, "")
	}
	if same(notTaught.Body, sheet(other)) != same(missing.Body, sheet(999999)) {
		t.Error("a session not taught and a missing one answer differently")
	}
	// A lecturer who teaches nothing.
	stranger, _ := s.env.LoginAs("lecturer", "leo")
	if res := stranger.Get(sheet(own)); res.Status != http.StatusNotFound {
		t.Errorf("a lecturer who does not teach the session: %d, want 404", res.Status)
	}
}

func TestRollRoutesRefuseTrainees(t *testing.T) {
	s := newRollSchool(t, 1)
	s.enrol(t, "trainee03")
	trainee := s.env.Client()
	trainee.Login("trainee", seed.DemoPassword)
	three := strconv.FormatInt(s.id(t, "trainee03"), 10)
	var session int64
	s.env.DB.Get(&session, `SELECT id FROM course_sessions WHERE course_id = $1 LIMIT 1`, s.course)
	for _, path := range []string{s.roll, s.roll + ".xlsx", "/sessions/" + strconv.FormatInt(session, 10) + "/sign-in-sheet"} {
		if res := trainee.Get(path); res.Status != http.StatusForbidden {
			t.Errorf("trainee GET %s: %d, want 403", path, res.Status)
		}
	}
	me := strconv.FormatInt(s.id(t, "trainee"), 10)
	for _, path := range []string{s.roll, s.roll + "/fill", s.roll + "/" + three + "/remove", s.roll + "/" + three + "/promote"} {
		if res := trainee.Post(path, url.Values{"trainee_id": {me}}); res.Status != http.StatusForbidden {
			t.Errorf("trainee POST %s: %d, want 403", path, res.Status)
		}
	}
	if got := s.standing(t, "trainee03"); got != "enrolled" {
		t.Errorf("trainee03 is %q after refused requests", got)
	}
	if n := s.env.Count(`SELECT count(*) FROM enrolments WHERE course_id = $1`, s.course); n != 1 {
		t.Errorf("%d enrolments after refused requests, want 1", n)
	}
}

// TestRollKeysInBothCatalogues: every message key the roll's handlers
// name is in the Chinese and the English catalogue (the templates' keys
// are checked by package i18n).
func TestRollKeysInBothCatalogues(t *testing.T) {
	src, err := os.ReadFile("roll_handlers.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`"(roll\.[a-z.]+[a-z])"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) < 10 {
		t.Fatalf("found only %d keys in roll_handlers.go", len(keys))
	}
	for _, k := range keys {
		for _, lang := range []string{i18n.Chinese, i18n.English} {
			if !i18n.Has(lang, k[1]) {
				t.Errorf("key %q is missing from %s", k[1], lang)
			}
		}
	}
	for _, kind := range trainees.Kinds {
		if !i18n.Has(i18n.Chinese, "kind."+kind) || !i18n.Has(i18n.English, "kind."+kind) {
			t.Errorf("kind %s has no label in both catalogues", kind)
		}
	}
}
