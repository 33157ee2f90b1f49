package attendance_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partyschool/app/apptest"
	"partyschool/attendance"
	"partyschool/dbtest"
	"partyschool/seed"
)

// TestCheckinCodes: a code is good during its step and the next one, not
// two steps on, and not before its step; each session's secret gives its
// own codes.
func TestCheckinCodes(t *testing.T) {
	// RFC 6238's SHA-256 test vectors, cut to six digits: the same
	// algorithm, with a 30-second step.
	rfc := []byte("12345678901234567890123456789012")
	for unix, want := range map[int64]string{59: "119246", 1111111109: "084774", 1111111111: "062674", 1234567890: "819424", 2000000000: "698825"} {
		if got := attendance.Code(rfc, time.Unix(unix, 0)); got != want {
			t.Errorf("code at %d: %s, want %s (RFC 6238)", unix, got, want)
		}
	}

	secret := []byte("a session's secret of 32 bytes!!")
	shown := time.Unix(1_767_225_610, 0) // ten seconds into a step
	code := attendance.Code(secret, shown)
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("code %q is not six digits", code)
	}
	for _, c := range []struct {
		what string
		at   time.Time
		want bool
	}{
		{"at once", shown, true},
		{"at the end of its step", shown.Add(19 * time.Second), true},
		{"one step later", shown.Add(30 * time.Second), true},
		{"at the end of the next step", shown.Add(49 * time.Second), true},
		{"two steps later", shown.Add(60 * time.Second), false},
		// The screen shows codes from the same clock (PostgreSQL's): a code
		// of a step not shown yet can only be a guess.
		{"one step earlier", shown.Add(-30 * time.Second), false},
	} {
		if got := attendance.CodeMatches(secret, code, c.at); got != c.want {
			t.Errorf("the code checked %s: %v, want %v", c.what, got, c.want)
		}
	}
	other := []byte("another session's secret 32 byte")
	same := 0
	for i := range int64(100) {
		at := shown.Add(time.Duration(i) * 30 * time.Second)
		if attendance.Code(secret, at) == attendance.Code(other, at) {
			same++
		}
	}
	if same > 1 {
		t.Errorf("two secrets gave the same code in %d of 100 steps", same)
	}
	if attendance.CodeMatches(other, code, shown) && attendance.Code(other, shown) != code {
		t.Error("another session's secret takes the code")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", code + " "} {
		if attendance.CodeMatches(secret, bad, shown) {
			t.Errorf("the malformed code %q matches", bad)
		}
	}
	if got := attendance.SecondsLeft(shown); got != 20 {
		t.Errorf("seconds left ten seconds into a step: %d, want 20", got)
	}
}

// scene is a session of the demo lecturer (李建国) that started two
// minutes ago, in a room of its own, with the demo trainee (张晓梅) on
// its course, and the demo accounts signed in.
type scene struct {
	env         *apptest.Env
	store       *attendance.Store
	session     int64
	course      int64
	trainee     int64 // the demo trainee's account
	lecturer    *apptest.Client
	trainees    *apptest.Client
	coordinator *apptest.Client
}

func newScene(t *testing.T) *scene {
	t.Helper()
	env := apptest.NewDemo(t)
	s := &scene{env: env, store: attendance.NewStore(env.DB)}
	lecturer := s.id(t, `SELECT l.id FROM lecturers l JOIN users u ON u.id = l.user_id WHERE u.username = 'lecturer'`)
	s.trainee = s.id(t, `SELECT id FROM users WHERE username = 'trainee'`)
	venue := s.id(t, `INSERT INTO venues (name) VALUES ('签到测试教室') RETURNING id`)
	// The demo term may have the lecturer teaching around now: those
	// sessions make way, so this one can move freely.
	env.DB.MustExec(`UPDATE course_sessions SET cancelled_at = now()
		WHERE lecturer_id = $1 AND starts_at < now() + interval '1 day' AND ends_at > now() - interval '1 day'`, lecturer)
	s.course = s.id(t, `
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
		VALUES ('QD-TEST', '签到测试课程', 'policy', 10, current_date - 20, current_date + 20, now() - interval '30 days', now() - interval '21 days', 2, 'published')
		RETURNING id`)
	s.session = s.id(t, `
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
		VALUES ($1, $2, $3, now() - interval '2 minutes', now() + interval '2 hours', '自助签到') RETURNING id`, s.course, lecturer, venue)
	s.enrol(t, s.trainee)
	s.lecturer, s.trainees, s.coordinator = env.Client(), env.Client(), env.Client()
	s.lecturer.Login("lecturer", seed.DemoPassword)
	s.trainees.Login("trainee", seed.DemoPassword)
	s.coordinator.Login("coordinator", seed.DemoPassword)
	return s
}

func (s *scene) id(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.env.DB.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (s *scene) enrol(t *testing.T, trainee int64) {
	t.Helper()
	s.env.DB.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, s.course, trainee)
}

// startedAgo moves the session to have started that long ago ("20
// minutes"), or ahead with a minus sign.
func (s *scene) startedAgo(ago string) {
	s.env.DB.MustExec(`UPDATE course_sessions SET starts_at = now() - $2::interval, ends_at = now() - $2::interval + interval '2 hours' WHERE id = $1`, s.session, ago)
}

func (s *scene) path(suffix string) string {
	return "/sessions/" + strconv.FormatInt(s.session, 10) + suffix
}

// open opens check-in as the lecturer.
func (s *scene) open(t *testing.T) {
	t.Helper()
	if res := s.lecturer.Post(s.path("/checkin/open"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("open check-in: %d\n%s", res.Status, res.Body)
	}
}

// codeState is the display's refresh as the lecturer's screen gets it.
type codeState struct {
	Open        bool   `json:"open"`
	Code        string `json:"code"`
	QR          string `json:"qr"`
	SecondsLeft int    `json:"seconds_left"`
	CheckedIn   int    `json:"checked_in"`
	Enrolled    int    `json:"enrolled"`
}

func (s *scene) state(t *testing.T) codeState {
	t.Helper()
	res := s.lecturer.Get(s.path("/checkin/code"))
	if res.Status != http.StatusOK {
		t.Fatalf("GET the code: %d", res.Status)
	}
	var st codeState
	if err := json.Unmarshal([]byte(res.Body), &st); err != nil {
		t.Fatalf("the code's JSON %q: %v", res.Body, err)
	}
	return st
}

// checkIn sends the trainee's form.
func (s *scene) checkIn(c *apptest.Client, code string) *apptest.Response {
	return c.Post("/checkin", url.Values{"s": {strconv.FormatInt(s.session, 10)}, "code": {code}})
}

func (s *scene) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	return s.env.Count(query, args...)
}

// wrongCode is a code that is not the one on show nor the one before.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestOpenAndCloseCheckin(t *testing.T) {
	s := newScene(t)
	other, _ := s.env.LoginAs("lecturer", "otherlecturer")
	trainee, _ := s.env.LoginAs("trainee", "sometrainee")

	// Someone else's session answers like a missing one; a trainee may not.
	for _, path := range []string{s.path("/checkin"), s.path("/checkin/code"), "/sessions/99999999/checkin"} {
		if res := other.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("another lecturer GET %s: %d, want 404", path, res.Status)
		}
	}
	for _, action := range []string{"/checkin/open", "/checkin/close"} {
		if res := other.Post(s.path(action), nil); res.Status != http.StatusNotFound {
			t.Errorf("another lecturer POST %s: %d, want 404", action, res.Status)
		}
		if res := trainee.Post(s.path(action), nil); res.Status != http.StatusForbidden {
			t.Errorf("a trainee POST %s: %d, want 403", action, res.Status)
		}
	}
	if res := trainee.Get(s.path("/checkin")); res.Status != http.StatusForbidden {
		t.Errorf("a trainee GET the display: %d, want 403", res.Status)
	}
	if res := s.lecturer.PostRaw(s.path("/checkin/open"), url.Values{}); res.Status != http.StatusForbidden {
		t.Errorf("open without the CSRF token: %d, want 403", res.Status)
	}
	if n := s.count(t, `SELECT count(*) FROM checkins`); n != 0 {
		t.Fatalf("refused requests opened check-in (%d rows)", n)
	}

	// Before opening: the display offers to open, shows no code.
	res := s.lecturer.Get(s.path("/checkin"))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "开启签到") || strings.Contains(res.Body, "data-checkin-code") {
		t.Fatalf("the display before opening: %d\n%s", res.Status, res.Body)
	}

	// The session's lecturer opens it: a code, a QR code, the count.
	s.open(t)
	res = s.lecturer.Get(s.path("/checkin?done=opened"))
	if res.Status != http.StatusOK {
		t.Fatalf("the display: %d", res.Status)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the display's Cache-Control is %q, want no-store", cc)
	}
	for _, want := range []string{"签到测试课程", `src="data:image/png;base64,`, "data-checkin-code>", "已签到", "应到", "签到已开启", "/static/js/checkin.js", "刷新", "关闭签到"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the open display lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "张晓梅") {
		t.Error("the display shows a trainee's name")
	}
	st := s.state(t)
	if !st.Open || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(st.Code) || !strings.HasPrefix(st.QR, "data:image/png;base64,") ||
		st.SecondsLeft < 1 || st.SecondsLeft > 30 || st.Enrolled != 1 || st.CheckedIn != 0 {
		t.Errorf("the code's JSON: %+v", st)
	}
	if !strings.Contains(res.Body, "data-checkin-code>"+st.Code+"<") && !strings.Contains(res.Body, "data-checkin-code>") {
		t.Error("the display shows no code")
	}
	raw := s.lecturer.Get(s.path("/checkin/code"))
	if cc := raw.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the code's Cache-Control is %q, want no-store", cc)
	}
	var fields map[string]any
	json.Unmarshal([]byte(raw.Body), &fields)
	for k := range fields {
		switch k {
		case "open", "code", "qr", "seconds_left", "checked_in", "enrolled":
		default:
			t.Errorf("the code's JSON has %q", k)
		}
	}

	// Opening again while open keeps the secret (the code on screen stays
	// good); closing and reopening makes a new one.
	var first, again []byte
	s.env.DB.Get(&first, `SELECT secret FROM checkins WHERE session_id = $1`, s.session)
	if res := s.coordinator.Post(s.path("/checkin/open"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("a coordinator opens it again: %d", res.Status)
	}
	s.env.DB.Get(&again, `SELECT secret FROM checkins WHERE session_id = $1`, s.session)
	if string(first) != string(again) || len(first) != 32 {
		t.Error("opening an open check-in changed its secret")
	}
	if res := s.coordinator.Get(s.path("/checkin")); res.Status != http.StatusOK {
		t.Errorf("a coordinator's display: %d", res.Status)
	}
	if res := s.lecturer.Post(s.path("/checkin/close"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("close: %d", res.Status)
	}
	if n := s.count(t, `SELECT count(*) FROM checkins WHERE session_id = $1 AND closed_at IS NOT NULL`, s.session); n != 1 {
		t.Error("closing set no closed_at")
	}
	if st := s.state(t); st.Open || st.Code != "" || st.QR != "" {
		t.Errorf("the JSON of a closed check-in: %+v", st)
	}
	res = s.lecturer.Get(s.path("/checkin?done=closed"))
	if !strings.Contains(res.Body, "重新开启签到") || strings.Contains(res.Body, "data-checkin-code") {
		t.Errorf("the closed display offers no reopening or still shows a code")
	}
	s.open(t)
	s.env.DB.Get(&again, `SELECT secret FROM checkins WHERE session_id = $1`, s.session)
	if string(first) == string(again) {
		t.Error("reopening kept the old secret")
	}

	// Not for a cancelled session, nor outside the window.
	s.lecturer.Post(s.path("/checkin/close"), nil)
	s.startedAgo("-2 hours")
	if res := s.lecturer.Post(s.path("/checkin/open"), nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "签到只能在上课前 30 分钟至下课之间开启") {
		t.Errorf("opening two hours early: %d", res.Status)
	}
	s.startedAgo("2 minutes")
	s.env.DB.MustExec(`UPDATE course_sessions SET cancelled_at = now() WHERE id = $1`, s.session)
	if res := s.lecturer.Post(s.path("/checkin/open"), nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "本节课已停课") {
		t.Errorf("opening a cancelled session: %d", res.Status)
	}
	if n := s.count(t, `SELECT count(*) FROM checkins WHERE closed_at IS NULL`); n != 0 {
		t.Error("a refused opening opened check-in")
	}
}

func TestSelfCheckinPresentThenLate(t *testing.T) {
	s := newScene(t)
	s.open(t)
	before := s.state(t)

	// From the QR code: the session named and the code filled in; the GET
	// records nothing.
	res := s.trainees.Get("/checkin?s=" + strconv.FormatInt(s.session, 10) + "&c=" + before.Code)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "签到测试课程") || !strings.Contains(res.Body, `value="`+before.Code+`"`) ||
		!strings.Contains(res.Body, "确认签到") || !strings.Contains(res.Body, `inputmode="numeric"`) {
		t.Fatalf("the check-in page from the QR code: %d\n%s", res.Status, res.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM attendance WHERE session_id = $1`, s.session); n != 0 {
		t.Fatal("a GET recorded a check-in")
	}

	res = s.checkIn(s.trainees, before.Code)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("check in: %d\n%s", res.Status, res.Body)
	}
	done := s.trainees.Get(res.Location)
	if !strings.Contains(done.Body, "签到成功") || !strings.Contains(done.Body, "出勤") {
		t.Errorf("after checking in the page shows\n%s", done.Body)
	}
	var mark struct {
		Status     string `db:"status"`
		Source     string `db:"source"`
		RecordedBy int64  `db:"recorded_by"`
	}
	if err := s.env.DB.Get(&mark, `SELECT status, source, recorded_by FROM attendance WHERE session_id = $1 AND trainee_id = $2`, s.session, s.trainee); err != nil {
		t.Fatal(err)
	}
	if mark.Status != "present" || mark.Source != "self" || mark.RecordedBy != s.trainee {
		t.Errorf("the mark: %+v", mark)
	}
	if n := s.count(t, `SELECT count(*) FROM attendance_changes WHERE session_id = $1 AND trainee_id = $2 AND old_status IS NULL
		AND new_status = 'present' AND source = 'self' AND changed_by = $2`, s.session, s.trainee); n != 1 {
		t.Errorf("%d history rows of the check-in, want 1", n)
	}
	if after := s.state(t); after.CheckedIn != 1 || after.Enrolled != 1 {
		t.Errorf("the display's count after a check-in: %d / %d, want 1 / 1", after.CheckedIn, after.Enrolled)
	}

	// Past the grace minutes, late; found by the code alone.
	late, lateUser := s.env.LoginAs("trainee", "latecomer")
	s.enrol(t, lateUser.ID)
	s.startedAgo("20 minutes")
	fullWidth := strings.Map(func(r rune) rune { return r - '0' + '０' }, s.state(t).Code) // as a Chinese input method types it
	res = late.Post("/checkin", url.Values{"code": {fullWidth}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("a late check-in by code alone: %d\n%s", res.Status, res.Body)
	}
	if done := late.Get(res.Location); !strings.Contains(done.Body, "签到成功") || !strings.Contains(done.Body, "迟到") {
		t.Errorf("after checking in late the page shows\n%s", done.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'late' AND source = 'self'`, lateUser.ID); n != 1 {
		t.Error("the late check-in is not marked late")
	}
	if st := s.state(t); st.CheckedIn != 2 || st.Enrolled != 2 {
		t.Errorf("the count: %d / %d, want 2 / 2", st.CheckedIn, st.Enrolled)
	}
}

func TestSelfCheckinRefusals(t *testing.T) {
	s := newScene(t)
	s.open(t)
	code := s.state(t).Code
	refused := func(what string, c *apptest.Client, form url.Values, message string) {
		t.Helper()
		res := c.Post("/checkin", form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, message) {
			t.Errorf("%s: %d, want 422 with %q\n%s", what, res.Status, message, res.Body)
		}
		if n := s.count(t, `SELECT count(*) FROM attendance WHERE session_id = $1`, s.session); n != 0 {
			t.Fatalf("%s wrote %d marks", what, n)
		}
	}
	sid := strconv.FormatInt(s.session, 10)

	refused("a wrong code", s.trainees, url.Values{"s": {sid}, "code": {wrongCode(code)}}, "签到码不正确或已过期")
	var secret []byte
	s.env.DB.Get(&secret, `SELECT secret FROM checkins WHERE session_id = $1`, s.session)
	refused("a code two steps old", s.trainees, url.Values{"s": {sid}, "code": {attendance.Code(secret, time.Now().Add(-time.Minute))}}, "签到码不正确或已过期")
	refused("a wrong code without a session", s.trainees, url.Values{"code": {wrongCode(code)}}, "签到码不正确或已过期")
	if n := s.count(t, `SELECT count(*) FROM checkin_failures WHERE trainee_id = $1`, s.trainee); n != 3 {
		t.Errorf("%d failures counted, want 3", n)
	}
	refused("five digits", s.trainees, url.Values{"s": {sid}, "code": {"12345"}}, "请输入6位数字签到码")

	outsider, _ := s.env.LoginAs("trainee", "outsider")
	refused("a trainee without a seat", outsider, url.Values{"s": {sid}, "code": {s.state(t).Code}}, "您没有报名这门课程")
	refused("a trainee without a seat, by code alone", outsider, url.Values{"code": {s.state(t).Code}}, "签到尚未开启或已关闭")

	s.startedAgo("3 hours") // ended an hour ago
	refused("after the session", s.trainees, url.Values{"s": {sid}, "code": {attendance.Code(secret, time.Now())}}, "这节课已经结束，签到已关闭")
	s.startedAgo("-45 minutes") // the window opens 30 minutes before
	var st codeState
	refused("too early", s.trainees, url.Values{"s": {sid}, "code": {attendance.Code(secret, time.Now())}}, "现在不在签到时间内")
	if st = s.state(t); st.Open || st.Code != "" {
		t.Errorf("the display gives a code outside the window: %+v", st)
	}

	s.startedAgo("2 minutes")
	s.lecturer.Post(s.path("/checkin/close"), nil)
	refused("after closing", s.trainees, url.Values{"s": {sid}, "code": {attendance.Code(secret, time.Now())}}, "签到尚未开启或已关闭")
	refused("a session without check-in", s.trainees, url.Values{"s": {"99999999"}, "code": {code}}, "签到尚未开启或已关闭")
	s.env.DB.MustExec(`UPDATE course_sessions SET cancelled_at = now() WHERE id = $1`, s.session)
	refused("a cancelled session", s.trainees, url.Values{"s": {sid}, "code": {code}}, "这节课已停课")

	// Only the wrong codes counted: no refusal that compared no code is a
	// guess (closed, over, too early, cancelled, no seat, no session).
	if n := s.count(t, `SELECT count(*) FROM checkin_failures WHERE trainee_id = $1`, s.trainee); n != 3 {
		t.Errorf("%d failures counted after the refusals that are no guesses, want still 3", n)
	}
	if n := s.count(t, `SELECT count(*) FROM checkin_failures WHERE trainee_id <> $1`, s.trainee); n != 0 {
		t.Errorf("the refusals of a trainee without a seat counted %d failures, want 0", n)
	}

	// Only the trainee's own mark is ever shown.
	if res := outsider.Get("/checkin?ok=" + sid); strings.Contains(res.Body, "签到成功") {
		t.Error("another trainee's success page")
	}
}

func TestSelfCheckinKeepsAnExistingMark(t *testing.T) {
	s := newScene(t)
	s.open(t)
	if res := s.checkIn(s.trainees, s.state(t).Code); res.Status != http.StatusSeeOther {
		t.Fatalf("check in: %d", res.Status)
	}
	// Twice: the first mark stays, said so; nothing is written, nothing
	// counted as a failure, even with the code of a page left open.
	res := s.checkIn(s.trainees, wrongCode(s.state(t).Code))
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Location, "already=1") {
		t.Fatalf("check in again: %d %s", res.Status, res.Location)
	}
	if done := s.trainees.Get(res.Location); !strings.Contains(done.Body, "您已签到") || strings.Contains(done.Body, "签到成功") {
		t.Errorf("checked in twice, the page shows\n%s", done.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM attendance_changes WHERE session_id = $1`, s.session); n != 1 {
		t.Errorf("%d history rows after checking in twice, want 1", n)
	}
	if n := s.count(t, `SELECT count(*) FROM checkin_failures`); n != 0 {
		t.Errorf("a second check-in counted as a failure")
	}

	// An excused mark the lecturer made is not turned into present.
	other, u := s.env.LoginAs("trainee", "excused")
	s.enrol(t, u.ID)
	s.env.DB.MustExec(`INSERT INTO attendance (session_id, trainee_id, status, note, source) VALUES ($1, $2, 'excused', '出差', 'sheet')`, s.session, u.ID)
	res = s.checkIn(other, s.state(t).Code)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("check in with an excused mark: %d", res.Status)
	}
	if done := other.Get(res.Location); !strings.Contains(done.Body, "请假") || !strings.Contains(done.Body, "无需再签到") {
		t.Errorf("with an excused mark the page shows\n%s", done.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'excused' AND note = '出差'`, u.ID); n != 1 {
		t.Error("the excused mark was changed")
	}
	if st := s.state(t); st.CheckedIn != 1 {
		t.Errorf("the count includes an excused trainee: %d", st.CheckedIn)
	}
}

func TestSelfCheckinRateLimit(t *testing.T) {
	s := newScene(t)
	s.open(t)
	sid := strconv.FormatInt(s.session, 10)
	for i := range attendance.MaxFailures {
		if res := s.checkIn(s.trainees, wrongCode(s.state(t).Code)); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: %d", i+1, res.Status)
		}
	}
	// Then even the right code is refused, unread, and not counted.
	res := s.trainees.Post("/checkin", url.Values{"s": {sid}, "code": {s.state(t).Code}})
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "签到尝试次数过多") || res.Header.Get("Retry-After") == "" {
		t.Errorf("after %d failures: %d, Retry-After %q\n%s", attendance.MaxFailures, res.Status, res.Header.Get("Retry-After"), res.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM attendance WHERE session_id = $1`, s.session); n != 0 {
		t.Error("a throttled check-in was recorded")
	}
	if n := s.count(t, `SELECT count(*) FROM checkin_failures`); n != attendance.MaxFailures {
		t.Errorf("%d failures recorded, want %d", n, attendance.MaxFailures)
	}
	// Once the failures age out, the trainee may try again.
	s.env.DB.MustExec(`UPDATE checkin_failures SET failed_at = failed_at - interval '11 minutes'`)
	if res := s.checkIn(s.trainees, s.state(t).Code); res.Status != http.StatusSeeOther {
		t.Errorf("after the window: %d", res.Status)
	}
}

// TestRefusalsThatAreNoGuessesAreNotThrottled: a trainee pressing again
// and again on a closed check-in, or on one they have no seat for, is told
// why each time and never locked out; wrong codes still are.
func TestRefusalsThatAreNoGuessesAreNotThrottled(t *testing.T) {
	s := newScene(t)
	ctx := context.Background()
	rules := attendance.Rules{OpensMinutes: 30, GraceMinutes: 10}
	outsider, _ := s.env.LoginAs("trainee", "notseated")
	for i := range 2 * attendance.MaxFailures {
		_, err := s.store.CheckIn(ctx, attendance.Attempt{TraineeID: s.trainee, SessionID: s.session, Code: "123456"}, rules)
		if !errors.Is(err, attendance.ErrCheckinClosed) {
			t.Fatalf("attempt %d before opening: %v, want ErrCheckinClosed", i+1, err)
		}
		_, err = s.store.CheckIn(ctx, attendance.Attempt{TraineeID: s.trainee, Code: "123456"}, rules)
		if !errors.Is(err, attendance.ErrCheckinClosed) {
			t.Fatalf("attempt %d by code alone before opening: %v, want ErrCheckinClosed", i+1, err)
		}
	}
	s.open(t)
	for i := range 2 * attendance.MaxFailures {
		res := s.checkIn(outsider, s.state(t).Code)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "您没有报名这门课程") {
			t.Fatalf("attempt %d without a seat: %d, want 422 saying so", i+1, res.Status)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM checkin_failures`); n != 0 {
		t.Fatalf("%d failures counted for refusals that are no guesses", n)
	}
	// The trainee can still check in.
	if res := s.checkIn(s.trainees, s.state(t).Code); res.Status != http.StatusSeeOther {
		t.Fatalf("check in after %d refusals that were no guesses: %d\n%s", 4*attendance.MaxFailures, res.Status, res.Body)
	}
	// Wrong codes are still throttled, for someone not yet marked.
	guesser, u := s.env.LoginAs("trainee", "guesser")
	s.enrol(t, u.ID)
	for i := range attendance.MaxFailures {
		if res := s.checkIn(guesser, wrongCode(s.state(t).Code)); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code %d: %d", i+1, res.Status)
		}
	}
	if res := s.checkIn(guesser, s.state(t).Code); res.Status != http.StatusTooManyRequests {
		t.Errorf("after %d wrong codes: %d, want 429", attendance.MaxFailures, res.Status)
	}
}

// TestEndedCheckinsAreClosed: a check-in nobody closed does not outlive
// its session. By code alone only check-ins within their window now are
// tried (in SQL: an old one's code is not even compared); naming the
// session says it is over; the display says so and offers no code.
func TestEndedCheckinsAreClosed(t *testing.T) {
	s := newScene(t)
	ctx := context.Background()
	rules := attendance.Rules{OpensMinutes: 30, GraceMinutes: 10}
	s.open(t)
	var secret []byte
	s.env.DB.Get(&secret, `SELECT secret FROM checkins WHERE session_id = $1`, s.session)
	s.startedAgo("3 hours") // ended an hour ago; the check-in row still open
	if n := s.count(t, `SELECT count(*) FROM checkins WHERE session_id = $1 AND closed_at IS NULL`, s.session); n != 1 {
		t.Fatal("the fixture: the check-in should still be open in its row")
	}

	_, err := s.store.CheckIn(ctx, attendance.Attempt{TraineeID: s.trainee, Code: attendance.Code(secret, time.Now())}, rules)
	if !errors.Is(err, attendance.ErrCheckinClosed) || errors.Is(err, attendance.ErrCheckinEnded) {
		t.Errorf("the ended session's code alone: %v, want ErrCheckinClosed with no session found", err)
	}
	_, err = s.store.CheckIn(ctx, attendance.Attempt{TraineeID: s.trainee, SessionID: s.session, Code: attendance.Code(secret, time.Now())}, rules)
	if !errors.Is(err, attendance.ErrCheckinEnded) {
		t.Errorf("the ended session named: %v, want ErrCheckinEnded", err)
	}
	res := s.trainees.Post("/checkin", url.Values{"code": {attendance.Code(secret, time.Now())}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "签到尚未开启或已关闭") {
		t.Errorf("the ended session's code alone by the form: %d\n%s", res.Status, res.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM attendance WHERE session_id = $1`, s.session); n != 0 {
		t.Fatal("a check-in to an ended session was recorded")
	}
	if n := s.count(t, `SELECT count(*) FROM checkin_failures`); n != 0 {
		t.Errorf("refusals of an ended check-in counted %d failures", n)
	}

	ck, err := s.store.Checkin(ctx, s.session)
	if err != nil || ck.Open() || ck.Accepting(rules) {
		t.Errorf("the ended session's check-in: open %t, accepting %t, %v", ck != nil && ck.Open(), ck != nil && ck.Accepting(rules), err)
	}
	if st := s.state(t); st.Open || st.Code != "" {
		t.Errorf("the display's JSON of an ended session: %+v", st)
	}
	res = s.lecturer.Get(s.path("/checkin"))
	if !strings.Contains(res.Body, "本节课已结束") || strings.Contains(res.Body, "关闭签到") || strings.Contains(res.Body, "data-checkin-code>") {
		t.Errorf("the display of an ended session does not say so\n%s", res.Body)
	}

	// Before the window, an open check-in (however it came to be) is not
	// tried by code alone either.
	s.startedAgo("-45 minutes")
	_, err = s.store.CheckIn(ctx, attendance.Attempt{TraineeID: s.trainee, Code: attendance.Code(secret, time.Now())}, rules)
	if !errors.Is(err, attendance.ErrCheckinClosed) {
		t.Errorf("the code alone before the window: %v, want ErrCheckinClosed", err)
	}
	// Within it, the same row takes the code.
	s.startedAgo("2 minutes")
	if out, err := s.store.CheckIn(ctx, attendance.Attempt{TraineeID: s.trainee, Code: attendance.Code(secret, time.Now())}, rules); err != nil || out.SessionID != s.session {
		t.Errorf("the code alone within the window: %+v, %v", out, err)
	}
}

// TestCheckinFormShowsOnlyASeatedTraineesSession: the QR code's link
// names the session; only a trainee with a seat on its course sees its
// course, time and topic. Anyone else, for any session (a draft course's,
// a missing one), gets the plain form.
func TestCheckinFormShowsOnlyASeatedTraineesSession(t *testing.T) {
	s := newScene(t)
	s.env.DB.MustExec(`UPDATE course_sessions SET topic = '机密专题甲' WHERE id = $1`, s.session)
	s.open(t)
	code := s.state(t).Code
	sid := strconv.FormatInt(s.session, 10)
	link := "/checkin?s=" + sid + "&c=" + code

	res := s.trainees.Get(link)
	for _, want := range []string{"签到测试课程", "机密专题甲", `name="s" value="` + sid + `"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("a trainee with a seat: the form lacks %q", want)
		}
	}

	var venue, lecturer int64
	s.env.DB.Get(&venue, `SELECT venue_id FROM course_sessions WHERE id = $1`, s.session)
	s.env.DB.Get(&lecturer, `SELECT lecturer_id FROM course_sessions WHERE id = $1`, s.session)
	draft := s.id(t, `
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
		VALUES ('QD-DRAFT', '未发布的草稿课程', 'policy', 10, current_date + 30, current_date + 60, now() + interval '1 day', now() + interval '20 days', 2, 'draft')
		RETURNING id`)
	draftSession := s.id(t, `
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
		VALUES ($1, $2, $3, now() + interval '40 days', now() + interval '40 days 2 hours', '草稿专题乙') RETURNING id`, draft, lecturer, venue)

	outsider, _ := s.env.LoginAs("trainee", "curious")
	secrets := []string{"签到测试课程", "机密专题甲", "未发布的草稿课程", "草稿专题乙", `name="s"`}
	for who, c := range map[string]*apptest.Client{"a trainee without a seat": outsider, "a trainee with a seat on another course": s.trainees} {
		for _, id := range []int64{s.session, draftSession, 99999999} {
			if c == s.trainees && id == s.session {
				continue
			}
			res := c.Get("/checkin?s=" + strconv.FormatInt(id, 10) + "&c=" + code)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "确认签到") {
				t.Errorf("%s GET session %d: %d, want the plain form", who, id, res.Status)
			}
			for _, secret := range secrets {
				if strings.Contains(res.Body, secret) {
					t.Errorf("%s GET session %d: the page shows %q", who, id, secret)
				}
			}
		}
	}
	// A refused POST naming the session shows nothing of it either.
	res = outsider.Post("/checkin", url.Values{"s": {sid}, "code": {code}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "您没有报名这门课程") {
		t.Errorf("a trainee without a seat POST: %d", res.Status)
	}
	for _, secret := range secrets {
		if strings.Contains(res.Body, secret) {
			t.Errorf("a refused POST shows %q", secret)
		}
	}
}

// TestParallelGuessesStayWithinTheLimit: a flood of guesses at once gets
// MaxFailures tries, no more.
func TestParallelGuessesStayWithinTheLimit(t *testing.T) {
	s := newScene(t)
	s.open(t)
	code := s.state(t).Code
	rules := attendance.Rules{OpensMinutes: 30, GraceMinutes: 10}
	errs := dbtest.Concurrently(3*attendance.MaxFailures, func(i int) error {
		_, err := s.store.CheckIn(context.Background(), attendance.Attempt{TraineeID: s.trainee, SessionID: s.session, Code: wrongCode(code)}, rules)
		return err
	})
	throttled, wrong := 0, 0
	for _, err := range errs {
		switch {
		case errors.Is(err, attendance.ErrThrottled):
			throttled++
		case errors.Is(err, attendance.ErrBadCode):
			wrong++
		default:
			t.Errorf("a guess: %v", err)
		}
	}
	if wrong != attendance.MaxFailures || throttled != 2*attendance.MaxFailures {
		t.Errorf("%d guesses checked and %d throttled, want %d and %d", wrong, throttled, attendance.MaxFailures, 2*attendance.MaxFailures)
	}
	if n := s.count(t, `SELECT count(*) FROM checkin_failures`); n != attendance.MaxFailures {
		t.Errorf("%d failures recorded, want %d", n, attendance.MaxFailures)
	}
}

// TestCheckinPagesInEnglish: both pages speak English, with no raw key.
func TestCheckinPagesInEnglish(t *testing.T) {
	s := newScene(t)
	s.open(t)
	s.lecturer.Cookies["ps_lang"] = "en"
	s.trainees.Cookies["ps_lang"] = "en"
	rawKey := regexp.MustCompile(`\b(checkin|attendance)\.[a-z][a-z0-9_.]*[a-z0-9]\b`)
	for _, page := range []struct {
		c    *apptest.Client
		path string
		want string
	}{
		{s.lecturer, s.path("/checkin"), "Checked in"},
		{s.trainees, "/checkin", "Check-in code"},
	} {
		res := page.c.Get(page.path)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, page.want) {
			t.Errorf("GET %s in English: %d, without %q", page.path, res.Status, page.want)
		}
		for _, k := range rawKey.FindAllString(res.Body, -1) {
			if k != "checkin.js" {
				t.Errorf("GET %s shows the raw key %q", page.path, k)
			}
		}
	}
}
