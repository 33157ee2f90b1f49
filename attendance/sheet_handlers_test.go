package attendance_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

// sheetClass is a course taught by one lecturer, with a session that
// ended an hour ago, one that ended ten days ago (locked), a cancelled
// one, three trainees with a seat and two without.
type sheetClass struct {
	env         *apptest.Env
	lecturer    *apptest.Client // teaches the sessions
	other       *apptest.Client // another lecturer
	coordinator *apptest.Client
	trainee     *apptest.Client
	course      int64
	session     int64
	locked      int64
	cancelled   int64
	future      int64 // starts in three days
	seated      []int64
	seatedNames []string
	outsiders   []int64
	lecturerID  int64 // the lecturer's account
}

func newSheetClass(t *testing.T) *sheetClass {
	t.Helper()
	env := apptest.New(t)
	c := &sheetClass{env: env}
	id := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := env.DB.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	var lecturerUser, otherUser int64
	c.lecturer, lecturerUser = login(env, "lecturer", "lijianguo", "李建国")
	c.other, otherUser = login(env, "lecturer", "linyaqin", "林雅琴")
	c.lecturerID = lecturerUser
	c.coordinator, _ = env.LoginAs("coordinator", "coord")
	c.trainee, _ = env.LoginAs("trainee", "someone")
	lecturer := id(`INSERT INTO lecturers (name, team, user_id) VALUES ('李建国', 'expert', $1) RETURNING id`, lecturerUser)
	id(`INSERT INTO lecturers (name, team, user_id) VALUES ('林雅琴', 'grassroots', $1) RETURNING id`, otherUser)
	community := id(`INSERT INTO communities (name) VALUES ('考勤测试花园社区') RETURNING id`)
	venue := id(`INSERT INTO venues (name, community_id) VALUES ('邻里驿站', $1) RETURNING id`, community)
	c.course = id(`
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
		VALUES ('ATT-SHEET', '基层党建讲座', 'policy', 10, current_date - 20, current_date + 20,
		        now() - interval '30 days', now() - interval '21 days', 4, 'published') RETURNING id`)
	session := func(startsAgo, endsAgo string) int64 {
		return id(`
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
			VALUES ($1, $2, $3, now() - $4::interval, now() - $5::interval, '全会精神与基层党建') RETURNING id`,
			c.course, lecturer, venue, startsAgo, endsAgo)
	}
	c.session = session("3 hours", "1 hour")
	c.locked = session("10 days 2 hours", "10 days")
	c.cancelled = session("5 days 2 hours", "5 days")
	c.future = session("-3 days", "-3 days -2 hours")
	env.DB.MustExec(`UPDATE course_sessions SET cancelled_at = now(), cancel_reason = '下雨' WHERE id = $1`, c.cancelled)
	for i, name := range []string{"王秀兰", "张建华", "刘淑珍", "陈国强", "赵桂英"} {
		u := env.CreateUser("trainee", fmt.Sprintf("sheet%d", i), name)
		env.DB.MustExec(`INSERT INTO trainees (user_id, community_id, kind) VALUES ($1, $2, 'party_member')`, u.ID, community)
		if i >= 3 {
			c.outsiders = append(c.outsiders, u.ID)
			continue
		}
		env.DB.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, c.course, u.ID)
		c.seated = append(c.seated, u.ID)
		c.seatedNames = append(c.seatedNames, name)
	}
	return c
}

// login creates an account with a name of its own and signs in as it.
func login(env *apptest.Env, role, username, name string) (*apptest.Client, int64) {
	u := env.CreateUser(role, username, name)
	c := env.Client()
	c.Login(username, apptest.Password)
	return c, u.ID
}

func sheetPath(session int64) string {
	return "/sessions/" + strconv.FormatInt(session, 10) + "/attendance"
}

func (c *sheetClass) count(query string, args ...any) int { return c.env.Count(query, args...) }

var keyField = regexp.MustCompile(`name="key" value="([A-Za-z0-9_-]+)"`)

// key returns the idempotency key of the page's first form.
func key(t *testing.T, body string) string {
	t.Helper()
	m := keyField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no idempotency key on the page")
	}
	return m[1]
}

// postJSON posts a form as the sheet's script does, and reads the answer.
func postJSON(t *testing.T, c *apptest.Client, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	c.Header["Accept"] = "application/json"
	defer delete(c.Header, "Accept")
	res := c.Post(path, form)
	var answer map[string]any
	if err := json.Unmarshal([]byte(res.Body), &answer); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %v\n%.300s", path, res.Status, err, res.Body)
	}
	return res.Status, answer
}

func status(id int64) string { return "status_" + strconv.FormatInt(id, 10) }
func note(id int64) string   { return "note_" + strconv.FormatInt(id, 10) }

func TestSheetAnswersByRole(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	res := c.lecturer.Get(path)
	if res.Status != http.StatusOK {
		t.Fatalf("the lecturer's own sheet: %d", res.Status)
	}
	for _, want := range []string{"基层党建讲座", "全会精神与基层党建", "邻里驿站", "王秀兰", "考勤测试花园社区",
		`value="present"`, "全部出勤", "js/attendance.", `href="/sessions/` + strconv.FormatInt(c.session, 10) + `/sign-in-sheet"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the sheet lacks %q", want)
		}
	}
	if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		t.Error("the sheet may be cached")
	}
	if k := key(t, res.Body); !regexp.MustCompile(`^[A-Za-z0-9_-]{22,64}$`).MatchString(k) {
		t.Errorf("key %q", k)
	}
	if again := key(t, c.lecturer.Get(path).Body); again == key(t, res.Body) {
		t.Error("two renders of the sheet carry the same key")
	}
	// The same page but for the request id and the address it was asked at.
	requestID := regexp.MustCompile(`[0-9a-f]{8,}`)
	same := func(body, path string) string {
		return requestID.ReplaceAllString(strings.ReplaceAll(body, path, ""), "")
	}
	missing := c.other.Get(sheetPath(c.session + 1000))
	if got := c.other.Get(path); got.Status != http.StatusNotFound ||
		same(got.Body, path) != same(missing.Body, sheetPath(c.session+1000)) {
		t.Errorf("another lecturer's view of the sheet: %d, want the 404 of a missing session", got.Status)
	}
	if got := c.other.Post(path, url.Values{status(c.seated[0]): {"present"}, "key": {"key-other-lecturer-01"}}); got.Status != http.StatusNotFound {
		t.Errorf("another lecturer saved: %d", got.Status)
	}
	if got := c.trainee.Get(path); got.Status != http.StatusForbidden {
		t.Errorf("a trainee: %d, want 403", got.Status)
	}
	if got := c.env.Client().Get(path); got.Status != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want the login page", got.Status)
	}
	if got := c.coordinator.Get(path); got.Status != http.StatusOK || !strings.Contains(got.Body, "/roll") {
		t.Errorf("the coordinator: %d (with a link to the roll)", got.Status)
	}
	if got := c.coordinator.Get(sheetPath(c.session + 1000)); got.Status != http.StatusNotFound {
		t.Errorf("a missing session: %d", got.Status)
	}
	if n := c.count(`SELECT count(*) FROM attendance`) + c.count(`SELECT count(*) FROM attendance_saves`); n != 0 {
		t.Errorf("reading and refused saves wrote %d rows", n)
	}
}

// TestSheetShowsNoWholePhone: names and communities on the sheet and in
// the walk-in search, phone numbers masked.
func TestSheetShowsNoWholePhone(t *testing.T) {
	c := newSheetClass(t)
	phone := apptest.PhoneOf("sheet3")
	for _, path := range []string{sheetPath(c.session), sheetPath(c.session) + "?q=" + phone, sheetPath(c.session) + "?q=" + url.QueryEscape("陈国强")} {
		// The search box shows what was typed; nothing else may.
		body := strings.Replace(c.lecturer.Get(path).Body, `value="`+phone+`"`, "", 1)
		for i := range 5 {
			if p := apptest.PhoneOf(fmt.Sprintf("sheet%d", i)); strings.Contains(body, p) {
				t.Errorf("%s shows the whole number %s", path, p)
			}
		}
		if strings.Contains(path, "q=") && !strings.Contains(body, phone[:3]+"****"+phone[7:]) {
			t.Errorf("%s: the search does not find 陈国强 by phone or name", path)
		}
	}
}

func TestSaveSheetWithPlainForm(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	k := key(t, c.lecturer.Get(path).Body)
	res := c.lecturer.Post(path, url.Values{
		"key":               {k},
		status(c.seated[0]): {"present"},
		status(c.seated[1]): {"late"}, note(c.seated[1]): {"堵车"},
		note(c.seated[2]): {""},
	})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, path+"?done=saved") {
		t.Fatalf("save: %d to %q, want 303 back to the sheet\n%.500s", res.Status, res.Location, res.Body)
	}
	if n := c.count(`SELECT count(*) FROM attendance WHERE session_id = $1 AND recorded_by = $2 AND source = 'sheet'`, c.session, c.lecturerID); n != 2 {
		t.Errorf("%d marks by the lecturer, want 2", n)
	}
	if n := c.count(`SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'late' AND note = '堵车'`, c.seated[1]); n != 1 {
		t.Error("the late mark and its note were not saved")
	}
	page := c.lecturer.Get(res.Location)
	for _, want := range []string{"考勤已保存，2 条有变化", "李建国 ·", "堵车", "修改记录", "未记录 → 迟到"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("after the save the sheet lacks %q", want)
		}
	}
	// The same form again (a double tap, a retry): answered as saved,
	// applied once.
	again := c.lecturer.Post(path, url.Values{
		"key":               {k},
		status(c.seated[0]): {"present"},
		status(c.seated[1]): {"late"}, note(c.seated[1]): {"堵车"},
		note(c.seated[2]): {""},
	})
	if again.Status != http.StatusSeeOther {
		t.Errorf("a replayed form: %d, want 303", again.Status)
	}
	// Its key with other marks (the Back button brought the old form
	// back, and it was changed): refused, so nothing is silently dropped.
	if res := c.lecturer.Post(path, url.Values{"key": {k}, status(c.seated[0]): {"absent"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("an old key with other marks: %d, want 422", res.Status)
	}
	if n := c.count(`SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'present'`, c.seated[0]); n != 1 {
		t.Error("a replayed key was applied again")
	}
}

func TestSaveSheetByScriptAppliesAKeyOnce(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	form := url.Values{"key": {"retry-key-0123456789AB"}, status(c.seated[0]): {"present"}, status(c.seated[1]): {"excused"}}
	code, answer := postJSON(t, c.lecturer, path, form)
	if code != http.StatusOK || answer["saved"] != true || answer["changed"] != float64(2) || answer["replay"] != false {
		t.Fatalf("first attempt: %d %v", code, answer)
	}
	// The answer was lost; the script sends the same batch again.
	code, answer = postJSON(t, c.lecturer, path, form)
	if code != http.StatusOK || answer["saved"] != true || answer["replay"] != true {
		t.Fatalf("the retry: %d %v", code, answer)
	}
	if n := c.count(`SELECT count(*) FROM attendance_changes WHERE session_id = $1`, c.session); n != 2 {
		t.Errorf("%d history rows after a retry, want 2", n)
	}
	if n := c.count(`SELECT count(*) FROM attendance_saves WHERE key = 'retry-key-0123456789AB'`); n != 1 {
		t.Errorf("%d saves recorded under the key", n)
	}
	// Refused input comes back as JSON with the Chinese message.
	code, answer = postJSON(t, c.lecturer, path, url.Values{"key": {"retry-key-bad-0123456789"}, status(c.seated[2]): {"asleep"}})
	if msg, _ := answer["error"].(string); code != http.StatusUnprocessableEntity || answer["saved"] != false || !strings.Contains(msg, "考勤状态无效") {
		t.Errorf("bad status by script: %d %v", code, answer)
	}
}

func TestAllPresentWithoutScript(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	c.env.DB.MustExec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'excused')`, c.session, c.seated[0])
	page := c.lecturer.Get(path).Body
	if !strings.Contains(page, `name="all" value="present"`) {
		t.Fatal("no all-present button that works without JavaScript")
	}
	// The browser sends the checked radios and the button pressed.
	res := c.lecturer.Post(path, url.Values{"key": {key(t, page)}, "all": {"present"}, status(c.seated[0]): {"excused"}, status(c.seated[1]): {"late"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("all present: %d\n%.500s", res.Status, res.Body)
	}
	got := map[int64]string{}
	rows, err := c.env.DB.Query(`SELECT trainee_id, status FROM attendance WHERE session_id = $1`, c.session)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		rows.Scan(&id, &s)
		got[id] = s
	}
	want := map[int64]string{c.seated[0]: "excused", c.seated[1]: "late", c.seated[2]: "present"}
	for id, s := range want {
		if got[id] != s {
			t.Errorf("trainee %d: %q, want %q", id, got[id], s)
		}
	}
}

func TestLockedSheet(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.locked)
	c.env.DB.MustExec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'absent')`, c.locked, c.seated[0])
	page := c.lecturer.Get(path)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "锁定") || strings.Contains(page.Body, `id="sheet-form"`) {
		t.Errorf("the lecturer's locked sheet: %d, want read-only with the notice", page.Status)
	}
	res := c.lecturer.Post(path, url.Values{"key": {"locked-key-0123456789"}, status(c.seated[0]): {"present"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "考勤已在课后 7 天锁定") {
		t.Errorf("the lecturer changed a locked sheet: %d", res.Status)
	}
	for _, tr := range []string{"/walk-in", "/assist"} {
		if res := c.lecturer.Post(path+tr, url.Values{"key": {"locked-key-walk-0123456789"}, "trainee_id": {strconv.FormatInt(c.seated[1], 10)}}); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s after the lock: %d", tr, res.Status)
		}
	}
	page = c.coordinator.Get(path)
	if !strings.Contains(page.Body, `name="reason"`) || !strings.Contains(page.Body, `id="sheet-form"`) {
		t.Error("the coordinator's locked sheet has no reason field")
	}
	res = c.coordinator.Post(path, url.Values{"key": {key(t, page.Body)}, status(c.seated[0]): {"present"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "修改须填写原因") {
		t.Errorf("a change after the lock without a reason: %d", res.Status)
	}
	if n := c.count(`SELECT count(*) FROM attendance_changes`); n != 0 {
		t.Fatalf("refused saves wrote %d history rows", n)
	}
	res = c.coordinator.Post(path, url.Values{"key": {key(t, page.Body)}, status(c.seated[0]): {"excused"}, "reason": {"补交请假条"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("a change after the lock with a reason: %d", res.Status)
	}
	if n := c.count(`SELECT count(*) FROM attendance_changes WHERE reason = '补交请假条' AND old_status = 'absent' AND new_status = 'excused'`); n != 1 {
		t.Error("the change and its reason are not in the history")
	}
	if !strings.Contains(c.coordinator.Get(path).Body, "补交请假条") {
		t.Error("the history does not show the reason")
	}
	// Shorter lock settings lock sooner: with 0 days, the session an hour
	// ago is locked too.
	admin, _ := c.env.LoginAs("admin", "boss")
	if res := admin.Post("/admin/settings", url.Values{"school_name": {"社区党校"}, "attendance_lock_days": {"0"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("lock days 0: %d", res.Status)
	}
	if res := c.lecturer.Post(sheetPath(c.session), url.Values{"key": {"lock0-key-0123456789"}, status(c.seated[0]): {"present"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("with no lock days the lecturer still saved: %d", res.Status)
	}
}

func TestWalkIn(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	walker := c.outsiders[0]
	page := c.lecturer.Get(path + "?q=" + url.QueryEscape("陈国强")).Body
	if !strings.Contains(page, "加入并记出勤") {
		t.Fatal("the search offers no walk-in")
	}
	form := url.Values{"trainee_id": {strconv.FormatInt(walker, 10)}, "key": {key(t, page)}}
	res := c.lecturer.Post(path+"/walk-in", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("walk-in: %d\n%.500s", res.Status, res.Body)
	}
	if n := c.count(`SELECT count(*) FROM enrolments WHERE course_id = $1 AND trainee_id = $2 AND status = 'enrolled'`, c.course, walker); n != 1 {
		t.Error("the walk-in is not enrolled")
	}
	if n := c.count(`SELECT count(*) FROM attendance WHERE session_id = $1 AND trainee_id = $2 AND status = 'present' AND recorded_by = $3`, c.session, walker, c.lecturerID); n != 1 {
		t.Error("the walk-in is not marked present by the lecturer")
	}
	if n := c.count(`SELECT count(*) FROM attendance_changes WHERE trainee_id = $1 AND source = 'walk_in'`, walker); n != 1 {
		t.Error("the history does not say walk-in")
	}
	if body := c.lecturer.Get(res.Location).Body; !strings.Contains(body, "陈国强 已临时加入本课程") || !strings.Contains(body, "临时加入</span>") {
		t.Error("the sheet does not tell of the walk-in")
	}

	// Full: refused, and nothing half-written.
	c.env.DB.MustExec(`UPDATE courses SET capacity = enrolled WHERE id = $1`, c.course)
	late := c.outsiders[1]
	page = c.lecturer.Get(path + "?q=" + url.QueryEscape("赵桂英")).Body
	if !strings.Contains(page, "课程已满") {
		t.Error("the search does not say the course is full")
	}
	res = c.lecturer.Post(path+"/walk-in", url.Values{"trainee_id": {strconv.FormatInt(late, 10)}, "key": {"walkin-full-0123456789"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "课程已满，无法临时加入") {
		t.Errorf("a walk-in into a full course: %d", res.Status)
	}
	if n := c.count(`SELECT count(*) FROM enrolments WHERE trainee_id = $1`, late) +
		c.count(`SELECT count(*) FROM attendance WHERE trainee_id = $1`, late) +
		c.count(`SELECT count(*) FROM attendance_changes WHERE trainee_id = $1`, late); n != 0 {
		t.Errorf("a refused walk-in left %d rows", n)
	}

	// Someone waiting for a seat is not a walk-in.
	c.env.DB.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status) VALUES ($1, $2, 'waitlisted')`, c.course, late)
	res = c.lecturer.Post(path+"/walk-in", url.Values{"trainee_id": {strconv.FormatInt(late, 10)}, "key": {"walkin-wait-0123456789"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "候补名单") {
		t.Errorf("a walk-in from the waitlist: %d", res.Status)
	}
	if n := c.count(`SELECT count(*) FROM enrolments WHERE trainee_id = $1 AND status = 'waitlisted'`, late); n != 1 {
		t.Error("the waiting trainee lost their place")
	}
	if res := c.lecturer.Post(path+"/walk-in", url.Values{"trainee_id": {strconv.FormatInt(c.lecturerID, 10)}, "key": {"walkin-lect-0123456789"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("a lecturer's account as a walk-in: %d", res.Status)
	}
}

func TestAssistedCheckIn(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	page := c.lecturer.Get(path).Body
	if !strings.Contains(page, `form="assist-`+strconv.FormatInt(c.seated[2], 10)+`"`) {
		t.Fatal("no 代签 button on an unmarked row")
	}
	m := regexp.MustCompile(`id="assist-` + strconv.FormatInt(c.seated[2], 10) + `"[^>]*>[\s\S]*?name="key" value="([A-Za-z0-9_-]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the 代签 form has no key")
	}
	res := c.lecturer.Post(path+"/assist", url.Values{"trainee_id": {strconv.FormatInt(c.seated[2], 10)}, "key": {m[1]}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("代签: %d\n%.500s", res.Status, res.Body)
	}
	// Present, though the session started three hours ago: 代签 is often
	// done long after the trainee arrived.
	if n := c.count(`SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'present' AND source = 'assisted'`, c.seated[2]); n != 1 {
		t.Error("the assisted mark is not present and assisted")
	}
	body := c.lecturer.Get(res.Location).Body
	if !strings.Contains(body, "已为 刘淑珍 代签") || !strings.Contains(body, `<span class="badge">代签</span>`) {
		t.Error("the history does not show 代签")
	}
	// Again: already marked, nothing written twice.
	res = c.lecturer.Post(path+"/assist", url.Values{"trainee_id": {strconv.FormatInt(c.seated[2], 10)}, "key": {"assist-again-0123456789"}})
	if res.Status != http.StatusSeeOther || c.count(`SELECT count(*) FROM attendance_changes`) != 1 {
		t.Errorf("a second 代签: %d, %d history rows", res.Status, c.count(`SELECT count(*) FROM attendance_changes`))
	}
	if res := c.lecturer.Post(path+"/assist", url.Values{"trainee_id": {strconv.FormatInt(c.outsiders[0], 10)}, "key": {"assist-out-0123456789"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("代签 for someone without a seat: %d", res.Status)
	}
}

func TestSheetRefusesBadInput(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	good := "bad-input-key-0123456789"
	for _, tt := range []struct {
		name string
		path string
		form url.Values
		want string
	}{
		{"unknown status", path, url.Values{"key": {good}, status(c.seated[0]): {"present"}, status(c.seated[1]): {"asleep"}}, "考勤状态无效"},
		{"not on the session", path, url.Values{"key": {good}, status(c.seated[0]): {"present"}, status(c.outsiders[0]): {"present"}}, "不在本课程的名单上"},
		{"no key", path, url.Values{status(c.seated[0]): {"present"}}, "页面已过期"},
		{"bad key", path, url.Values{"key": {"short"}, status(c.seated[0]): {"present"}}, "页面已过期"},
		{"note without status", path, url.Values{"key": {good}, note(c.seated[0]): {"病假"}}, "请同时选择考勤状态"},
		{"long note", path, url.Values{"key": {good}, status(c.seated[0]): {"present"}, note(c.seated[0]): {strings.Repeat("长", 201)}}, "备注不能超过 200 个字"},
		{"cancelled", sheetPath(c.cancelled), url.Values{"key": {good}, status(c.seated[0]): {"present"}}, "已停课"},
		{"cancelled walk-in", sheetPath(c.cancelled) + "/walk-in", url.Values{"key": {good}, "trainee_id": {strconv.FormatInt(c.outsiders[0], 10)}}, "已停课"},
	} {
		res := c.coordinator.Post(tt.path, tt.form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tt.want) {
			t.Errorf("%s: %d, want 422 with %q", tt.name, res.Status, tt.want)
		}
	}
	if n := c.count(`SELECT count(*) FROM attendance`) + c.count(`SELECT count(*) FROM attendance_changes`) +
		c.count(`SELECT count(*) FROM attendance_saves`) + c.count(`SELECT count(*) FROM enrolments WHERE trainee_id = $1`, c.outsiders[0]); n != 0 {
		t.Errorf("refused input wrote %d rows", n)
	}
	// A refused form comes back as typed.
	res := c.coordinator.Post(path, url.Values{"key": {good}, status(c.seated[0]): {"late"}, note(c.seated[0]): {"迟到十分钟"}, status(c.seated[1]): {"asleep"}})
	if !strings.Contains(res.Body, `value="迟到十分钟"`) || !regexp.MustCompile(`name="`+status(c.seated[0])+`" value="late" checked`).MatchString(res.Body) {
		t.Error("the refused sheet does not come back as typed")
	}
	page := c.lecturer.Get(sheetPath(c.cancelled))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "已停课") || strings.Contains(page.Body, `id="sheet-form"`) {
		t.Errorf("a cancelled session's sheet: %d, want read-only with the notice", page.Status)
	}
}

// TestDemoSheets: the demo lecturer opens last week's session of their
// course in both languages; a course they do not teach is not theirs.
func TestDemoSheets(t *testing.T) {
	env := apptest.NewDemo(t)
	id := func(query string) int64 {
		var n int64
		if err := env.DB.Get(&n, query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	own := id(`SELECT s.id FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE c.code = 'DX-2026-01' AND s.ends_at < now() ORDER BY s.starts_at LIMIT 1`)
	closed := id(`SELECT s.id FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE c.code = 'DX-2026-11' ORDER BY s.starts_at LIMIT 1`)
	lecturer := env.Client()
	lecturer.Login("lecturer", "partyschool")
	coordinator := env.Client()
	coordinator.Login("coordinator", "partyschool")
	rows := func() int {
		return env.Count(`SELECT count(*) FROM attendance`) + env.Count(`SELECT count(*) FROM attendance_changes`) +
			env.Count(`SELECT count(*) FROM attendance_saves`) + env.Count(`SELECT count(*) FROM enrolments`)
	}
	before := rows()
	raw := regexp.MustCompile(`\battendance\.[a-z][a-z0-9_.]*[a-z0-9]\b`)
	for _, lang := range []string{"zh-CN", "en"} {
		for who, c := range map[string]*apptest.Client{"lecturer": lecturer, "coordinator": coordinator} {
			c.Cookies["ps_lang"] = lang
			for _, path := range []string{sheetPath(own), sheetPath(own) + "?q=" + url.QueryEscape("王"), sheetPath(own) + "?done=saved&n=3"} {
				res := c.Get(path)
				if res.Status != http.StatusOK {
					t.Errorf("%s (%s) %s: %d", who, lang, path, res.Status)
				}
				if k := raw.FindString(strings.ReplaceAll(res.Body, "js/attendance.", "")); k != "" {
					t.Errorf("%s (%s) %s shows the raw key %s", who, lang, path, k)
				}
			}
		}
	}
	if after := rows(); after != before {
		t.Errorf("reading sheets changed the rows: %d, then %d", before, after)
	}
	if res := lecturer.Get(sheetPath(closed)); res.Status != http.StatusNotFound {
		t.Errorf("the demo lecturer on DX-2026-11: %d, want 404", res.Status)
	}
	coordinator.Cookies["ps_lang"] = "zh-CN"
	if res := coordinator.Get(sheetPath(closed)); res.Status != http.StatusOK || !strings.Contains(res.Body, "出勤") {
		t.Errorf("the coordinator on DX-2026-11: %d", res.Status)
	}
}

// TestSheetBeforeTheSession: before the sheet opens only 请假 (excused)
// can be recorded; the other marks are disabled and refused.
func TestSheetBeforeTheSession(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.future)
	page := c.lecturer.Get(path).Body
	if !strings.Contains(page, "现在只能登记请假") || !strings.Contains(page, `value="present" disabled`) ||
		strings.Contains(page, `value="excused" disabled`) || strings.Contains(page, `name="all"`) {
		t.Error("the sheet before the session does not offer excused only")
	}
	res := c.lecturer.Post(path, url.Values{"key": {key(t, page)}, status(c.seated[0]): {"present"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "只能登记请假") {
		t.Errorf("present before the session: %d", res.Status)
	}
	res = c.lecturer.Post(path, url.Values{"key": {key(t, page)}, status(c.seated[0]): {"excused"}, note(c.seated[0]): {"出差"}})
	if res.Status != http.StatusSeeOther || c.count(`SELECT count(*) FROM attendance WHERE status = 'excused' AND note = '出差'`) != 1 {
		t.Errorf("excused before the session: %d", res.Status)
	}
	if res := c.lecturer.Post(path+"/assist", url.Values{"key": {"assist-early-0123456789"}, "trainee_id": {strconv.FormatInt(c.seated[1], 10)}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("代签 before the session: %d", res.Status)
	}
}

// TestAStaleSheetDoesNotUndoAColleague: the lecturer's page was shown
// before a coordinator marked a trainee; saving it (全部出勤 or an
// explicit mark) must not overwrite that mark, and what the lecturer left
// as it was is not sent on at all.
func TestAStaleSheetDoesNotUndoAColleague(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	shown := c.lecturer.Get(path).Body
	key := regexp.MustCompile(`name="key" value="([A-Za-z0-9_-]+)"`).FindStringSubmatch(shown)
	if key == nil || !strings.Contains(shown, `name="was_`+strconv.FormatInt(c.seated[0], 10)+`" value=""`) {
		t.Fatal("the sheet does not say what it showed")
	}
	// Meanwhile, on another phone, the coordinator marks the first trainee late.
	c.coordinator.Post(path, url.Values{"key": {"coordinator-key-0123456"}, status(c.seated[0]): {"late"}})
	if c.count(`SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'late'`, c.seated[0]) != 1 {
		t.Fatal("the coordinator's mark was not saved")
	}
	// The lecturer's stale page: 全部出勤, which would have marked everyone unmarked there.
	was := func(id int64) string { return "was_" + strconv.FormatInt(id, 10) }
	form := url.Values{"key": {key[1]}, "all": {"present"}}
	for _, id := range c.seated {
		form.Set(was(id), "")
	}
	res := c.lecturer.Post(path, form)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请刷新页面") {
		t.Fatalf("a stale 全部出勤: %d, want 422 asking to reload", res.Status)
	}
	if c.count(`SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'late'`, c.seated[0]) != 1 {
		t.Error("the stale page overwrote the coordinator's mark")
	}
	if c.count(`SELECT count(*) FROM attendance WHERE session_id = $1`, c.session) != 1 {
		t.Error("a refused save wrote marks")
	}
	// A fresh page, with the row left as shown: only the changed row is saved.
	shown = c.lecturer.Get(path).Body
	key = regexp.MustCompile(`name="key" value="([A-Za-z0-9_-]+)"`).FindStringSubmatch(shown)
	form = url.Values{"key": {key[1]}, was(c.seated[0]): {"late"}, status(c.seated[0]): {"late"}, was(c.seated[1]): {""}, status(c.seated[1]): {"present"}}
	if res := c.lecturer.Post(path, form); res.Status != http.StatusSeeOther {
		t.Fatalf("a fresh save: %d", res.Status)
	}
	if n := c.count(`SELECT count(*) FROM attendance_changes WHERE session_id = $1`, c.session); n != 2 {
		t.Errorf("%d history rows, want the coordinator's and the lecturer's one change", n)
	}
}

// TestLecturersFindWalkInsByWholeNameOrPhoneOnly: the walk-in search of a
// lecturer lists no one for part of a name or a number, so it can neither
// browse the school nor recover a masked phone digit by digit.
func TestLecturersFindWalkInsByWholeNameOrPhoneOnly(t *testing.T) {
	c := newSheetClass(t)
	path := sheetPath(c.session)
	var name, phone string
	if err := c.env.DB.QueryRow(`SELECT name, phone FROM users WHERE id = $1`, c.outsiders[0]).Scan(&name, &phone); err != nil {
		t.Fatal(err)
	}
	addButton := `name="trainee_id" value="` + strconv.FormatInt(c.outsiders[0], 10) + `"`
	for _, q := range []string{name, phone} {
		if body := c.lecturer.Get(path + "?q=" + url.QueryEscape(q)).Body; !strings.Contains(body, addButton) {
			t.Errorf("a lecturer's search for %q does not find the trainee", q)
		}
	}
	for _, q := range []string{string([]rune(name)[:1]), phone[len(phone)-5:], phone[:7]} {
		if body := c.lecturer.Get(path + "?q=" + url.QueryEscape(q)).Body; strings.Contains(body, addButton) {
			t.Errorf("a lecturer's search for part %q finds the trainee", q)
		}
	}
	if body := c.coordinator.Get(path + "?q=" + url.QueryEscape(phone[len(phone)-5:])).Body; !strings.Contains(body, addButton) {
		t.Error("a coordinator's search by part of the number finds nothing")
	}
}
