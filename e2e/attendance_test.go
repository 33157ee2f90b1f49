package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"partyschool/web"
)

// The attendance journey's course: a course of its own, so that its
// sheet lists only the four trainees seated on it, meeting in 安居苑社区's
// 邻里驿站, a room the demo term never books.
const (
	attendanceCode      = "DX-2026-E2EK"
	attendanceTitle     = "居民议事协商实务（考勤演示）"
	attendanceTopic     = "议事规则与协商记录"
	attendanceVenue     = "邻里驿站"
	attendanceCommunity = "安居苑社区"
	attendanceLecturer  = "李建国"
)

// sheetSeat is a trainee with a seat on the attendance journey's course.
type sheetSeat struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// attendanceScene is what addAttendanceSession set up.
type attendanceScene struct {
	Session    int64
	StartsAt   time.Time
	LecturerID int64 // the users.id of the `lecturer` account, who records the marks
	Trainees   []sheetSeat
}

// addAttendanceSession sets the scene straight in the server's database:
// a course in 安居苑社区 with a session of the demo lecturer 李建国 that
// started an hour ago and ends in an hour, in 邻里驿站 (his demo sessions
// around now make way), and four demo trainees with a seat on it.
func addAttendanceSession(t *testing.T, s *site) attendanceScene {
	t.Helper()
	var sc attendanceScene
	var lecturer, course int64
	if err := s.DB.Get(&lecturer, `
		SELECT l.id FROM lecturers l JOIN users u ON u.id = l.user_id WHERE u.username = 'lecturer'`); err != nil {
		t.Fatalf("find the demo lecturer: %v", err)
	}
	if err := s.DB.Get(&sc.LecturerID, `SELECT id FROM users WHERE username = 'lecturer'`); err != nil {
		t.Fatalf("find the demo lecturer's account: %v", err)
	}
	if err := s.DB.Get(&course, `
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes,
		                     credit_hours, status, community_id)
		VALUES ($1, $2, 'practice', 30, current_date - 7, current_date + 7,
		        now() - interval '20 days', now() - interval '8 days', 2, 'published',
		        (SELECT id FROM communities WHERE name = $3))
		RETURNING id`, attendanceCode, attendanceTitle, attendanceCommunity); err != nil {
		t.Fatalf("add the course: %v", err)
	}
	// 李建国 may be teaching a demo session right now (the demo term has
	// one at 19:00 on some days): it is called off, as the lecturer cannot
	// be in two rooms.
	if _, err := s.DB.Exec(`UPDATE course_sessions SET cancelled_at = now()
		WHERE lecturer_id = $1 AND cancelled_at IS NULL
		  AND starts_at < now() + interval '1 hour' AND ends_at > now() - interval '1 hour'`, lecturer); err != nil {
		t.Fatalf("free the lecturer's time: %v", err)
	}
	if err := s.DB.QueryRowx(`
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
		VALUES ($1, $2,
		        (SELECT v.id FROM venues v JOIN communities m ON m.id = v.community_id WHERE v.name = $3 AND m.name = $4),
		        now() - interval '1 hour', now() + interval '1 hour', $5)
		RETURNING id, starts_at`, course, lecturer, attendanceVenue, attendanceCommunity, attendanceTopic,
	).Scan(&sc.Session, &sc.StartsAt); err != nil {
		t.Fatalf("add the session: %v", err)
	}
	if err := s.DB.Select(&sc.Trainees, `
		SELECT id, name FROM users
		WHERE username IN ('trainee02', 'trainee03', 'trainee04', 'trainee05') ORDER BY username`); err != nil || len(sc.Trainees) != 4 {
		t.Fatalf("find four demo trainees: %v (found %d)", err, len(sc.Trainees))
	}
	for _, tr := range sc.Trainees {
		if _, err := s.DB.Exec(`
			INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`,
			course, tr.ID); err != nil {
			t.Fatalf("give %s a seat: %v", tr.Name, err)
		}
	}
	return sc
}

// emulateOffline cuts the tab off the network, or connects it again: every
// request fails as with no connection, and navigator.onLine says so.
func emulateOffline(offline bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		rules := []*network.Conditions{} // none: the network as it is
		if offline {
			rules = append(rules, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule,
			network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState,
			network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// sheetStatus is the sheet's status line as the lecturer sees it.
type sheetStatus struct {
	Text   string `json:"text"`
	Hidden bool   `json:"hidden"`
	Kind   string `json:"kind"`
}

// sheetStatusJS reads the sheet's status line.
const sheetStatusJS = `(() => {
	const l = document.getElementById("sheet-status");
	return l ? {text: l.textContent.trim(), hidden: l.hidden, kind: l.className} : {text: "(no status line)", hidden: true, kind: ""};
})()`

// watchPostsJS has the tab note the key of every save the sheet sends,
// in window.sheetPosts.
const watchPostsJS = `(() => {
	window.sheetPosts = [];
	const fetch = window.fetch;
	window.fetch = function (url, opts) {
		if (opts && opts.method === "POST" && opts.body instanceof URLSearchParams) {
			window.sheetPosts.push(opts.body.get("key"));
		}
		return fetch.apply(this, arguments);
	};
	return true;
})()`

// waitForSheetStatus waits until the sheet's status line shows want, and
// fails the test with what it shows instead.
func waitForSheetStatus(v *visitor, want string) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`(() => {
		const l = document.getElementById("sheet-status");
		return !!l && !l.hidden && l.textContent.trim() === %s;
	})()`, jsString(want)), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		got := run(v, "read the status line", chromedp.Evaluate[sheetStatus](sheetStatusJS))
		v.fatalf("the status line did not come to say %q: it says %q (hidden %v, %q): %v", want, got.Text, got.Hidden, got.Kind, explain(err))
	}
}

// sheetChosenMarks reads which mark each row of the sheet has chosen, by
// trainee id ("" for none).
func sheetChosenMarks(v *visitor) map[string]string {
	v.t.Helper()
	return run(v, "read the chosen marks", chromedp.Evaluate[map[string]string](`Object.fromEntries(
		Array.from(document.querySelectorAll("#sheet-form fieldset.marks"), (f) => [
			f.closest(".sheet-row").id.replace("row-", ""),
			(f.querySelector("input[type=radio]:checked") || {}).value || "",
		]))`))
}

// sheetCounts reads the counts at the top of the sheet, by status ("" for
// 未记录).
func sheetCounts(v *visitor) map[string]string {
	v.t.Helper()
	return run(v, "read the counts", chromedp.Evaluate[map[string]string](`Object.fromEntries(
		Array.from(document.querySelectorAll("[data-count]"), (el) => [el.dataset.count, el.textContent.trim()]))`))
}

// sheetHistory reads the sheet's history of changes, newest first, each
// as its text on one line.
func sheetHistory(v *visitor) []string {
	v.t.Helper()
	return run(v, "read the history", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#history .history-item"), (li) => li.innerText.replace(/\s+/g, " ").trim())`))
}

// sheetMarksInDB is the marks the database holds for the session, by trainee.
func sheetMarksInDB(t *testing.T, s *site, session int64) map[int64]string {
	t.Helper()
	var rows []struct {
		TraineeID int64  `db:"trainee_id"`
		Status    string `db:"status"`
	}
	if err := s.DB.Select(&rows, `SELECT trainee_id, status FROM attendance WHERE session_id = $1`, session); err != nil {
		t.Fatalf("read the marks: %v", err)
	}
	out := map[int64]string{}
	for _, r := range rows {
		out[r.TraineeID] = r.Status
	}
	return out
}

// countInDB runs a count query about the session.
func countInDB(t *testing.T, s *site, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestAttendanceSheetJourneyOnPhone: on a phone, the lecturer finds the
// session under way in 我的授课, opens its 考勤表, taps one mark for each
// of the four trainees and saves; the status line says 已保存 and, once
// reloaded, the sheet shows the marks and the history lists them. Then
// the connection drops: a changed mark waits on the phone (待上传) while
// the database keeps the old one, and when the connection comes back it
// is saved by itself, exactly once.
func TestAttendanceSheetJourneyOnPhone(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	sc := addAttendanceSession(t, s)
	sheet := fmt.Sprintf("/sessions/%d/attendance", sc.Session)
	tr := sc.Trainees
	want := map[int64]string{tr[0].ID: "present", tr[1].ID: "present", tr[2].ID: "absent", tr[3].ID: "present"}
	statusWord := func(st string) string { return zh(t, "attendance.status."+st) }
	savedText := zh(t, "attendance.sheet.js.saved")

	v := s.newVisitor(t, "attendance")
	// A phone's screen takes taps: the marks are tapped, not clicked.
	v.do("turn on touch", chromedp.EmulateViewport(phoneWidth, phoneHeight,
		chromedp.EmulateScale(phoneScale), chromedp.EmulateMobile, chromedp.EmulateTouch))
	tap := func(what, selector string) {
		v.t.Helper()
		v.do(what, chromedp.Tap(chromedp.CSS(selector)))
	}

	p := v.open("/login")
	checkPhonePage(t, v, p, "login")
	p = v.signIn("lecturer", "partyschool")
	checkPhonePage(t, v, p, "signed-in")
	checkSignedIn(t, p, attendanceLecturer, "lecturer")

	// 我的授课 lists this week and the next ones; a session started
	// before this week (just after midnight on a Monday) is one page back.
	p = v.click("click 我的授课 in the main navigation", `nav.site-nav a[href="/my/teaching"]`)
	if !web.WeekStart(sc.StartsAt).Equal(web.WeekStart(time.Now())) {
		p = v.click("click back a page in 我的授课", `.week-nav a[rel="prev"]`)
	}
	checkPhonePage(t, v, p, "teaching")
	if p.Path() != "/my/teaching" || p.Current != zh(t, "nav.teaching") {
		t.Errorf("我的授课 is %s with %q marked in the navigation", p.URL, p.Current)
	}
	slot := run(v, "read the session in 我的授课", chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const a = document.querySelector(%s);
		return a ? a.closest(".slot").innerText.replace(/\s+/g, " ").trim() : "";
	})()`, jsString(`.slots a[href="`+sheet+`"]`))))
	for _, part := range []string{attendanceTitle, attendanceTopic, attendanceCommunity + " " + attendanceVenue, zh(t, "sessions.attendance")} {
		if !strings.Contains(slot, part) {
			t.Errorf("in 我的授课 the session with a link to its sheet shows %q, want it to show %q", slot, part)
		}
	}
	p = v.click("click 考勤表 of the session in 我的授课", `.slots a[href="`+sheet+`"]`)
	checkPhonePage(t, v, p, "sheet")
	if p.Path() != sheet || p.H1 != "考勤："+attendanceTitle {
		t.Fatalf("the sheet link led to %s headed %q, want %s headed %q", p.URL, p.H1, sheet, "考勤："+attendanceTitle)
	}
	if got := sheetChosenMarks(v); fmt.Sprint(got) != fmt.Sprint(map[string]string{
		fmt.Sprint(tr[0].ID): "", fmt.Sprint(tr[1].ID): "", fmt.Sprint(tr[2].ID): "", fmt.Sprint(tr[3].ID): ""}) {
		t.Errorf("the new sheet has the marks %v, want the four trainees with none chosen", got)
	}
	rows := run(v, "read the sheet's rows", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#sheet .sheet-who strong"), (el) => el.textContent.trim())`))
	for _, x := range tr {
		if !slices.Contains(rows, x.Name) {
			t.Errorf("the sheet lists %q, not %s", rows, x.Name)
		}
	}

	// One tap a trainee: three 出勤, one 缺勤.
	for _, x := range tr {
		tap(fmt.Sprintf("tap %s for %s", statusWord(want[x.ID]), x.Name), fmt.Sprintf("#row-%d label.mark-%s", x.ID, want[x.ID]))
	}
	if got := sheetCounts(v); got["present"] != "3" || got["absent"] != "1" || got[""] != "0" {
		t.Errorf("after the taps the counts are %v, want 3 出勤, 1 缺勤 and 0 未记录", got)
	}
	v.screenshot("marked")
	if n := countInDB(t, s, `SELECT count(*) FROM attendance WHERE session_id = $1`, sc.Session); n != 0 {
		t.Errorf("before saving the database already holds %d marks", n)
	}
	tap("tap 保存考勤", `#sheet-form .sheet-save button[type="submit"]`)
	waitForSheetStatus(v, savedText)
	v.screenshot("saved")
	if p = v.look(); p.Path() != sheet {
		t.Errorf("saving left the sheet for %s; the script saves in place", p.URL)
	}
	if got := sheetMarksInDB(t, s, sc.Session); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after saving the database holds the marks %v, want %v", got, want)
	}
	if n := countInDB(t, s, `SELECT count(*) FROM attendance
		WHERE session_id = $1 AND source = 'sheet' AND recorded_by = $2`, sc.Session, sc.LecturerID); n != 4 {
		t.Errorf("%d of the marks are recorded on the sheet by %s, want 4", n, attendanceLecturer)
	}
	if n := countInDB(t, s, `SELECT count(*) FROM attendance_changes WHERE session_id = $1`, sc.Session); n != 4 {
		t.Errorf("the first save left %d rows of history, want 4", n)
	}
	if n := countInDB(t, s, `SELECT count(*) FROM attendance_saves WHERE session_id = $1 AND changed = 4`, sc.Session); n != 1 {
		t.Errorf("the first save is recorded %d times with 4 changes, want once", n)
	}

	// Without reloading (the page that saved once saves again, which
	// must not look like a colleague's change to the server), the
	// connection drops; the lecturer changes a mark and saves.
	first := maps.Clone(want)
	// The tab notes the key of every save the sheet sends from now on.
	changed := tr[0]
	run(v, "watch the saves the sheet sends", chromedp.Evaluate[bool](watchPostsJS))
	v.do("go offline", emulateOffline(true))
	if online := run(v, "ask the page whether it is online", chromedp.Evaluate[bool](`navigator.onLine`)); online {
		t.Errorf("offline, navigator.onLine is still true")
	}
	tap("tap 迟到 for "+changed.Name, fmt.Sprintf("#row-%d label.mark-late", changed.ID))
	tap("tap 保存考勤 offline", `#sheet-form .sheet-save button[type="submit"]`)
	pendingText := strings.ReplaceAll(zh(t, "attendance.sheet.js.pending"), "{n}", "1")
	if !strings.Contains(pendingText, "待上传") {
		t.Errorf("the waiting message is %q, want it to say 待上传", pendingText)
	}
	waitForSheetStatus(v, pendingText)
	v.screenshot("pending")
	checkLayout(t, v, v.look())
	// A while offline: the change keeps waiting, and nothing reaches the
	// server.
	time.Sleep(2500 * time.Millisecond)
	if st := run(v, "read the status line", chromedp.Evaluate[sheetStatus](sheetStatusJS)); st.Text != pendingText || st.Hidden {
		t.Errorf("still offline, the status line says %q (hidden %v), want %q", st.Text, st.Hidden, pendingText)
	}
	if got := sheetMarksInDB(t, s, sc.Session); got[changed.ID] != "present" {
		t.Errorf("offline, the database holds %q for %s, want the old mark present", got[changed.ID], changed.Name)
	}
	if n := countInDB(t, s, `SELECT count(*) FROM attendance_changes WHERE session_id = $1`, sc.Session); n != 4 {
		t.Errorf("offline, the history has %d rows, want still 4", n)
	}
	if n := countInDB(t, s, `SELECT count(*) FROM attendance_saves WHERE session_id = $1`, sc.Session); n != 1 {
		t.Errorf("offline, the session has %d saves, want still 1", n)
	}

	// The connection comes back: the waiting save goes by itself.
	v.do("come back online", emulateOffline(false))
	waitForSheetStatus(v, savedText)
	v.screenshot("saved-after-reconnect")
	want[changed.ID] = "late"
	if got := sheetMarksInDB(t, s, sc.Session); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("back online the database holds the marks %v, want %v", got, want)
	}
	var changes []struct {
		TraineeID int64   `db:"trainee_id"`
		Old       *string `db:"old_status"`
		New       string  `db:"new_status"`
	}
	if err := s.DB.Select(&changes, `SELECT trainee_id, old_status, new_status FROM attendance_changes
		WHERE session_id = $1 ORDER BY id OFFSET 4`, sc.Session); err != nil {
		t.Fatalf("read the new history: %v", err)
	}
	if len(changes) != 1 || changes[0].TraineeID != changed.ID || changes[0].Old == nil || *changes[0].Old != "present" || changes[0].New != "late" {
		t.Errorf("back online the history gained %+v, want one row: %s present → late", changes, changed.Name)
	}
	// However often the sheet sent it, it sent one save, under one key,
	// which the server applied once.
	posts := run(v, "read the saves the sheet sent", chromedp.Evaluate[[]string](`window.sheetPosts || []`))
	if len(posts) == 0 || slices.ContainsFunc(posts, func(k string) bool { return k != posts[0] }) {
		t.Errorf("from going offline the sheet sent saves with the keys %q, want one key, however many tries", posts)
	}
	var saves []struct {
		Key     string `db:"key"`
		Changed int    `db:"changed"`
		By      int64  `db:"saved_by"`
	}
	if err := s.DB.Select(&saves, `SELECT key, changed, coalesce(saved_by, 0) AS saved_by FROM attendance_saves
		WHERE session_id = $1 ORDER BY saved_at OFFSET 1`, sc.Session); err != nil {
		t.Fatalf("read the saves: %v", err)
	}
	if len(saves) != 1 || saves[0].Changed != 1 || saves[0].By != sc.LecturerID || len(posts) > 0 && saves[0].Key != posts[0] {
		t.Errorf("back online the session gained the saves %+v, want one, with 1 change, by %s, under the key the sheet sent (%q)",
			saves, attendanceLecturer, posts)
	}
	if left := run(v, "look for batches left on the phone", chromedp.Evaluate[[]string](`Object.keys(localStorage)
		.filter((k) => k.startsWith("partyschool.attendance."))`)); len(left) > 0 {
		t.Errorf("back online and saved, the phone still keeps %q to send", left)
	}

	// Reloaded, the sheet shows what the database holds: both saves.
	p = v.open(sheet)
	checkPhonePage(t, v, p, "reloaded")
	got := sheetChosenMarks(v)
	for _, x := range tr {
		if got[fmt.Sprint(x.ID)] != want[x.ID] {
			t.Errorf("after reloading %s has %q chosen, want %q", x.Name, got[fmt.Sprint(x.ID)], want[x.ID])
		}
	}
	if st := run(v, "read the status line", chromedp.Evaluate[sheetStatus](sheetStatusJS)); !st.Hidden {
		t.Errorf("after reloading the status line says %q: nothing should be waiting", st.Text)
	}
	history := sheetHistory(v)
	if len(history) != 5 {
		t.Errorf("after both saves the history lists %d changes, want 5: %q", len(history), history)
	}
	for _, x := range tr {
		line := x.Name + " " + zh(t, "attendance.status.none") + " → " + statusWord(first[x.ID]) + " " + zh(t, "attendance.source.sheet") + " " + attendanceLecturer + " · "
		found := 0
		for _, h := range history {
			if strings.HasPrefix(h, line) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("the history lists %d changes starting %q, want 1: %q", found, line, history)
		}
	}

	p = v.open(sheet)
	checkPhonePage(t, v, p, "reloaded-after-reconnect")
	if got := sheetChosenMarks(v)[fmt.Sprint(changed.ID)]; got != "late" {
		t.Errorf("after reloading %s has %q chosen, want late", changed.Name, got)
	}
	history = sheetHistory(v)
	line := changed.Name + " " + statusWord("present") + " → " + statusWord("late") + " " + zh(t, "attendance.source.sheet") + " " + attendanceLecturer + " · "
	if len(history) != 5 || !strings.HasPrefix(history[0], line) {
		t.Errorf("after the change the history lists %q, want 5 changes, the newest starting %q", history, line)
	}
}
