package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"partyschool/web"
)

// The certificate journey's course: a course of its own that ended last
// week, in 安居苑社区's 邻里驿站 (a room the demo term never books), with
// four sessions held early on Tuesday mornings, a fifth called off, and
// no certificate issued yet. A trainee needs 75% of the sessions held,
// and 请假 does not count.
const (
	certCode      = "DX-2026-E2EZ"
	certTitle     = "楼道议事与邻里互助实务"
	certCommunity = "安居苑社区"
	certVenue     = "邻里驿站"
	certLecturer  = "李建国"
	certRule      = 75
	certHours     = 6
)

// certMarks are the marks of the course's trainees on its four sessions
// held ("" for none). trainee14 came to everything but withdrew, so is
// not on the course any more; trainee10 is also marked present on the
// session called off, which must not count.
var certMarks = map[string][4]string{
	"trainee06": {"present", "present", "present", "late"},    // 4/4: qualifies
	"trainee08": {"present", "excused", "present", "present"}, // 3/4 = 75%: qualifies, just
	"trainee10": {"present", "excused", "excused", "present"}, // 2/4: does not
	"trainee12": {"late", "absent", "", "absent"},             // 1/4: does not
	"trainee14": {"present", "present", "present", "present"}, // withdrawn
}

// certDecision is a row of the 结业资格 table, written out: the trainee
// and the numbers and the result the coordinator must see.
type certDecision struct {
	Username, Name string
	Cells          []string // 已上课次, 出勤, 请假, 计入, 出勤率 / 要求, 结果
}

// certDecisions are the rows before issuing, in the order shown: those
// who qualify first, then by name in pinyin order (何 before 张, 陈
// before 徐). Issuing goes in the same order of names, so 何秀英 has the
// first serial.
var certDecisions = []certDecision{
	{"trainee08", "何秀英", []string{"4", "3", "1", "3", "75% / 75%", "符合 待颁发。"}},
	{"trainee06", "张磊", []string{"4", "4", "0", "4", "100% / 75%", "符合 待颁发。"}},
	{"trainee12", "陈宏伟", []string{"4", "1", "0", "1", "25% / 75%", "不符合 计入出勤 1/4 次，出勤率 25%，低于要求的 75%。"}},
	{"trainee10", "徐子轩", []string{"4", "2", "2", "2", "50% / 75%", "不符合 计入出勤 2/4 次，出勤率 50%，低于要求的 75%。"}},
}

// certTrainee is a demo trainee on the journey's course.
type certTrainee struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// certScene is what addCertificateCourse set up.
type certScene struct {
	Course   int64
	StartsOn time.Time // the first session's day, midnight Beijing time
	EndsOn   time.Time
	Trainees map[string]certTrainee // by username
}

// addCertificateCourse sets the scene straight in the server's database,
// as the term would have left it: the course, its sessions, the five
// trainees with a seat and their marks, then trainee14's withdrawal.
func addCertificateCourse(t *testing.T, s *site) certScene {
	t.Helper()
	monday := web.WeekStart(time.Now())
	var days []time.Time // the Tuesdays of five weeks ago to last week
	for w := -5; w <= -1; w++ {
		days = append(days, monday.AddDate(0, 0, 7*w+1))
	}
	sc := certScene{StartsOn: days[0], EndsOn: days[4], Trainees: map[string]certTrainee{}}
	if err := s.DB.Get(&sc.Course, `
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes,
		                     credit_hours, min_attendance, excused_counts, status, community_id)
		VALUES ($1, $2, 'practice', 30, $3, $4, now() - interval '60 days', now() - interval '40 days',
		        $5, $6, false, 'closed', (SELECT id FROM communities WHERE name = $7))
		RETURNING id`, certCode, certTitle, days[0].Format(web.DateLayout), days[4].Format(web.DateLayout),
		certHours, certRule, certCommunity); err != nil {
		t.Fatalf("add the course: %v", err)
	}
	topics := []string{"楼道议事会怎么开", "邻里互助小组的组织", "矛盾纠纷的协商化解", "互助清单与志愿服务", "总结交流"}
	var sessions []int64
	for i, day := range days {
		var cancelled any // the last session was called off, the day before
		if i == 4 {
			cancelled = web.At(day, 7*60+30).AddDate(0, 0, -1)
		}
		var id int64
		if err := s.DB.Get(&id, `
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic, cancelled_at, cancel_reason)
			VALUES ($1, (SELECT id FROM lecturers WHERE name = $2),
			        (SELECT v.id FROM venues v JOIN communities m ON m.id = v.community_id WHERE v.name = $3 AND m.name = $4),
			        $5, $6, $7, $8, CASE WHEN $8::timestamptz IS NULL THEN '' ELSE '讲师临时有事' END)
			RETURNING id`, sc.Course, certLecturer, certVenue, certCommunity,
			web.At(day, 7*60+30), web.At(day, 9*60), topics[i], cancelled); err != nil {
			t.Fatalf("add session %d: %v", i+1, err)
		}
		sessions = append(sessions, id)
	}
	for _, username := range slices.Sorted(maps.Keys(certMarks)) {
		var tr certTrainee
		if err := s.DB.Get(&tr, `SELECT id, name FROM users WHERE username = $1`, username); err != nil {
			t.Fatalf("find the demo trainee %s: %v", username, err)
		}
		for _, d := range certDecisions {
			if d.Username == username && d.Name != tr.Name {
				t.Fatalf("the demo trainee %s is %s, not %s: the journey's rows and their order are written for the demo names", username, tr.Name, d.Name)
			}
		}
		sc.Trainees[username] = tr
		if _, err := s.DB.Exec(`
			INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
			VALUES ($1, $2, 'enrolled', now() - interval '45 days')`, sc.Course, tr.ID); err != nil {
			t.Fatalf("give %s a seat: %v", tr.Name, err)
		}
		for i, mark := range certMarks[username] {
			if mark == "" {
				continue
			}
			if _, err := s.DB.Exec(`
				INSERT INTO attendance (session_id, trainee_id, status, recorded_by)
				VALUES ($1, $2, $3, (SELECT id FROM users WHERE username = 'coordinator'))`,
				sessions[i], tr.ID, mark); err != nil {
				t.Fatalf("mark %s %s on session %d: %v", tr.Name, mark, i+1, err)
			}
		}
	}
	if _, err := s.DB.Exec(`
		INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'present')`,
		sessions[4], sc.Trainees["trainee10"].ID); err != nil {
		t.Fatalf("mark the session called off: %v", err)
	}
	if _, err := s.DB.Exec(`
		UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now() - interval '3 days'
		WHERE course_id = $1 AND trainee_id = $2`, sc.Course, sc.Trainees["trainee14"].ID); err != nil {
		t.Fatalf("withdraw trainee14: %v", err)
	}
	return sc
}

// certIssued is a certificate as the database holds it.
type certIssued struct {
	ID        int64     `db:"id"`
	Serial    string    `db:"serial"`
	Code      string    `db:"code"`
	TraineeID int64     `db:"trainee_id"`
	Name      string    `db:"trainee_name"`
	Status    string    `db:"status"`
	IssuedOn  time.Time `db:"issued_on"`
	Verified  int       `db:"verifications"`
}

// certsInDB lists the course's certificates by number.
func certsInDB(t *testing.T, s *site, course int64) []certIssued {
	t.Helper()
	var out []certIssued
	if err := s.DB.Select(&out, `
		SELECT id, serial, code, trainee_id, trainee_name, status, issued_on, verifications
		FROM certificates WHERE course_id = $1 ORDER BY number`, course); err != nil {
		t.Fatalf("read the course's certificates: %v", err)
	}
	return out
}

// certRowsJS reads the 结业资格 table: each row's cells as shown.
const certRowsJS = `Array.from(document.querySelectorAll("table.preview tbody tr"), (tr) =>
	Array.from(tr.querySelectorAll("th, td"), (c) => c.innerText.replace(/\s+/g, " ").trim()))`

// certListJS reads the list of issued certificates: name, serial, status
// badge and the line under them.
const certListJS = `Array.from(document.querySelectorAll(".record-list li.record"), (li) => [
	(li.querySelector(".record-main strong") || {}).innerText || "",
	(li.querySelector(".record-main .nowrap") || {}).innerText || "",
	(li.querySelector(".record-main .badge") || {}).innerText || "",
	(li.querySelector(".record-main .muted") || {}).innerText || "",
].map((s) => s.replace(/\s+/g, " ").trim()))`

// certFactsJS reads the page's facts (dl.facts) as term → description.
const certFactsJS = `Object.fromEntries(Array.from(document.querySelectorAll("main dl.facts dt"), (dt) => [
	dt.innerText.trim(), (dt.nextElementSibling || {innerText: ""}).innerText.replace(/\s+/g, " ").trim()]))`

// certText is the text of the element, whitespace collapsed ("" if none).
func certText(v *visitor, selector string) string {
	v.t.Helper()
	return run(v, "read "+selector, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		return el ? el.innerText.replace(/\s+/g, " ").trim() : "";
	})()`, jsString(selector))))
}

// certOpenURL loads a full address, as the phone's camera app does with
// the address of a QR code.
func certOpenURL(v *visitor, u string) page {
	v.t.Helper()
	resp := run(v, "open "+u, chromedp.NavigateResponse(u))
	p := v.look()
	p.Status = resp.Status
	return p
}

// certCookies are the browser's cookies for the address.
func certCookies(u string) chromedp.Action[[]*network.Cookie] {
	return func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
		return res.Cookies, err
	}
}

// certDownload fetches the address with the visitor's cookies, as the
// browser downloads a file the visitor taps, and returns the answer and
// its body.
func certDownload(v *visitor, u string) (*http.Response, []byte) {
	v.t.Helper()
	cookies := run(v, "read the browser's cookies", certCookies(u))
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		v.t.Fatalf("download %s: %v", u, err)
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		v.t.Fatalf("download %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		v.t.Fatalf("download %s: reading the body: %v", u, err)
	}
	return resp, body
}

// certTool finds a poppler-utils program. Without it, "" after saying so,
// for the test to leave out what needs it; under E2E=1 (as in CI, whose
// .ci/run installs poppler-utils) the test fails instead.
func certTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("E2E") == "1" {
		t.Fatalf("%s (poppler-utils) is required under E2E=1: %v", name, err)
	}
	t.Logf("%s (poppler-utils) is not installed: the PDF's contents are not checked (with E2E=1 this fails)", name)
	return ""
}

// certRun runs a poppler-utils program and returns what it printed.
func certRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// certReadQR reads the QR code on a page rendered as PNG: anywhere on
// the page, or else in its lower left quarter, where certificates carry it.
func certReadQR(t *testing.T, file string) (string, error) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	b := img.Bounds()
	corner := image.NewGray(image.Rect(b.Min.X, b.Min.Y+b.Dy()/2, b.Min.X+b.Dx()/2, b.Max.Y))
	for y := corner.Rect.Min.Y; y < corner.Rect.Max.Y; y++ {
		for x := corner.Rect.Min.X; x < corner.Rect.Max.X; x++ {
			corner.Set(x, y, img.At(x, y))
		}
	}
	var last error
	for _, im := range []image.Image{img, corner} {
		bmp, err := gozxing.NewBinaryBitmapFromImage(im)
		if err != nil {
			return "", err
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
		if err == nil {
			return res.GetText(), nil
		}
		last = err
	}
	return "", last
}

// certMask is a name as the public verification must show it: its first
// and last characters, stars between (李*忠), or the first and a star
// for two characters (王*).
func certMask(name string) string {
	r := []rune(name)
	switch len(r) {
	case 0, 1:
		return name
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// certChineseDate writes a day as certificates do: 2026年10月27日.
func certChineseDate(t time.Time) string {
	y, m, d := t.In(web.Shanghai).Date()
	return fmt.Sprintf("%d年%d月%d日", y, int(m), d)
}

// squeeze drops every space of s, as text read out of a PDF comes with
// spaces wherever the layout put room.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

// TestCertificateJourneyOnPhone: on a phone, the coordinator finds a
// course that has ended, opens its 证书 page from the course page, sees
// who qualifies with the numbers behind it, taps 颁发证书 and sees the
// certificates listed with their serials; downloads them all as one PDF,
// a page a certificate, each with its trainee's name, its serial and a QR
// code that leads to its verification. Someone else, not signed in,
// follows the QR code and sees the certificate genuine, with the name
// masked; with a wrong code, the same serial is not found.
func TestCertificateJourneyOnPhone(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := newSite(t)
	sc := addCertificateCourse(t, s)
	coursePath := fmt.Sprintf("/courses/%d", sc.Course)
	certPath := coursePath + "/certificates"
	pdfPath := coursePath + "/certificates.pdf"
	var prefix string
	var year, last int
	if err := s.DB.QueryRowx(`
		SELECT cert_prefix, extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int FROM school_settings`).Scan(&prefix, &year); err != nil {
		t.Fatalf("read the certificate prefix: %v", err)
	}
	if err := s.DB.Get(&last, `SELECT coalesce(max(last), 0) FROM certificate_serials WHERE prefix = $1 AND year = $2`, prefix, year); err != nil {
		t.Fatalf("read the last serial: %v", err)
	}

	v := s.newVisitor(t, "certificates")
	p := v.open("/login")
	checkPhonePage(t, v, p, "login")
	p = v.signIn("coordinator", "partyschool")
	checkSignedIn(t, p, demoName(t, "coordinator"), web.RoleCoordinator)

	// 课程 → the course, found by its code → 证书.
	p = v.click("click 课程 in the main navigation", `nav.site-nav a[href="/courses"]`)
	checkPhonePage(t, v, p, "catalogue")
	v.do("search the catalogue for "+certCode, chromedp.SendKeys(chromedp.CSS("#q"), certCode))
	p = v.click("send the search", `form[action="/courses"] button[type="submit"]`)
	checkPhonePage(t, v, p, "catalogue-search")
	p = v.click("click the course in the catalogue", `.course-card a[href="`+coursePath+`"]`)
	checkPhonePage(t, v, p, "course")
	if p.Path() != coursePath || p.H1 != certTitle {
		t.Fatalf("the catalogue's card led to %s headed %q, want %s headed %q", p.URL, p.H1, coursePath, certTitle)
	}
	if got := certText(v, `main a[href="`+certPath+`"]`); got != "证书" {
		t.Errorf("the course page's link to %s says %q, want 证书", certPath, got)
	}
	p = v.click("click 证书 on the course page", `main a[href="`+certPath+`"]`)
	checkPhonePage(t, v, p, "certificates")
	if p.Path() != certPath || p.H1 != certTitle+" · 证书" {
		t.Fatalf("the 证书 link led to %s headed %q, want %s headed %q", p.URL, p.H1, certPath, certTitle+" · 证书")
	}
	facts := run(v, "read the course's facts", chromedp.Evaluate[map[string]string](certFactsJS))
	for term, want := range map[string]string{
		"已结束的课次":    "4",
		"结业要求（出勤率）": fmt.Sprintf("出勤率不低于 %d%% · 请假不计入出勤", certRule),
		"学时":        fmt.Sprintf("%d 学时", certHours),
	} {
		if facts[term] != want {
			t.Errorf("the certificate page says %s: %q, want %q (all: %q)", term, facts[term], want, facts)
		}
	}

	// Who qualifies, with the numbers.
	if got, want := certText(v, "#issue-heading + p"), "已报名 4 人，符合条件 2 人，其中待颁发 2 人。"; got != want {
		t.Errorf("above the decisions the page says %q, want %q", got, want)
	}
	checkRows := func(serials map[string]string) {
		t.Helper()
		rows := run(v, "read the decisions", chromedp.Evaluate[[][]string](certRowsJS))
		var want [][]string
		for _, d := range certDecisions {
			cells := slices.Clone(d.Cells)
			if serial, ok := serials[d.Username]; ok {
				cells[5] = "符合 已颁发 " + serial + "。"
			}
			// On the page the result and the rate come first, where a
			// phone shows them without swiping the table.
			want = append(want, []string{d.Name, cells[5], cells[4], cells[0], cells[1], cells[2], cells[3]})
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("the decisions show\n%q\nwant (those who qualify first)\n%q", rows, want)
		}
	}
	checkRows(nil)
	if body := run(v, "read the page", chromedp.Evaluate[string](`document.querySelector("main").innerText`)); strings.Contains(body, sc.Trainees["trainee14"].Name) {
		t.Errorf("the certificate page shows %s, who withdrew from the course", sc.Trainees["trainee14"].Name)
	}
	if got := certText(v, `form[action="`+certPath+`"] button[type="submit"]`); got != "颁发证书（2 人）" {
		t.Errorf("the issue button says %q, want 颁发证书（2 人）", got)
	}
	if got := certText(v, "#certs-heading"); got != "已颁发的证书 有效 0 份" {
		t.Errorf("before issuing the certificates' heading says %q", got)
	}
	if n := run(v, "look for the print-all link", chromedp.Evaluate[int](`document.querySelectorAll('a[href$="/certificates.pdf"]').length`)); n != 0 {
		t.Errorf("before issuing the page offers %d links to print certificates", n)
	}
	if n := len(certsInDB(t, s, sc.Course)); n != 0 {
		t.Fatalf("before issuing the course has %d certificates", n)
	}

	// 颁发证书.
	p = v.click("tap 颁发证书", `form[action="`+certPath+`"] button[type="submit"]`)
	checkPhonePage(t, v, p, "issued")
	if p.Path() != certPath || p.Notice != "已颁发 2 份证书。" {
		t.Errorf("after issuing: %s with the message %q, want %s saying 已颁发 2 份证书。", p.URL, p.Notice, certPath)
	}
	issued := certsInDB(t, s, sc.Course)
	if len(issued) != 2 {
		t.Fatalf("after issuing the course has %d certificates, want 2: %+v", len(issued), issued)
	}
	today := web.Day(time.Now()).Format(web.DateLayout)
	serialOf := map[string]string{}
	byID := map[int64]string{}
	for u, tr := range sc.Trainees {
		byID[tr.ID] = u
	}
	for i, c := range issued {
		if want := fmt.Sprintf("%s-%d-%06d", prefix, year, last+1+i); c.Serial != want {
			t.Errorf("certificate %d has the serial %s, want %s: serials follow the last one given (%d) without a gap", i+1, c.Serial, want, last)
		}
		u := byID[c.TraineeID]
		if u != "trainee06" && u != "trainee08" {
			t.Errorf("%s went to %s (%s), who does not qualify", c.Serial, c.Name, u)
		}
		if c.Name != sc.Trainees[u].Name || c.Status != "valid" || c.IssuedOn.Format(web.DateLayout) != today {
			t.Errorf("%s is %+v, want valid, to %s, issued on %s", c.Serial, c, sc.Trainees[u].Name, today)
		}
		serialOf[u] = c.Serial
	}
	if len(serialOf) != 2 {
		t.Errorf("the two certificates went to %v, want one each to trainee06 and trainee08", serialOf)
	}
	var coordinator int64
	if err := s.DB.Get(&coordinator, `SELECT id FROM users WHERE username = 'coordinator'`); err != nil {
		t.Fatalf("find the coordinator: %v", err)
	}
	if n := countInDB(t, s, `SELECT count(*) FROM audit_log WHERE action = 'certificate.issue' AND actor_id = $1
		AND object = $2 AND details->'serials' = to_jsonb($3::text[])`,
		coordinator, fmt.Sprintf("course %d", sc.Course), "{"+issued[0].Serial+","+issued[1].Serial+"}"); n != 1 {
		t.Errorf("the audit log has %d entries of the coordinator issuing %s and %s, want 1", n, issued[0].Serial, issued[1].Serial)
	}

	// The certificates listed with their serials.
	list := run(v, "read the certificates issued", chromedp.Evaluate[[][]string](certListJS))
	var wantList [][]string
	for _, c := range issued {
		wantList = append(wantList, []string{c.Name, c.Serial, "有效", fmt.Sprintf("%s 颁发 · %d 学时 · 被查验 0 次", today, certHours)})
	}
	if fmt.Sprint(list) != fmt.Sprint(wantList) {
		t.Errorf("the certificates issued are listed as\n%q\nwant\n%q", list, wantList)
	}
	if got := certText(v, "#certs-heading"); got != "已颁发的证书 有效 2 份" {
		t.Errorf("after issuing the certificates' heading says %q, want 已颁发的证书 有效 2 份", got)
	}
	checkRows(serialOf)
	if got := certText(v, "#issue-heading + p"); got != "已报名 4 人，符合条件 2 人，其中待颁发 0 人。" {
		t.Errorf("after issuing the decisions say %q", got)
	}
	if n := run(v, "look for the issue button", chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%s).length`,
		jsString(`form[action="`+certPath+`"]`)))); n != 0 {
		t.Errorf("after issuing the page still offers %d forms to issue certificates", n)
	}
	if got := certText(v, "#issue-heading ~ p.muted"); got != "现在没有待颁发的学员。" {
		t.Errorf("after issuing the page says %q under the decisions' count, want 现在没有待颁发的学员。", got)
	}

	// 打印全部: one PDF, a page a certificate.
	if got := certText(v, `main a[href="`+pdfPath+`"]`); got != "打印全部（一个 PDF）" {
		t.Fatalf("the link to print them all says %q, want 打印全部（一个 PDF）", got)
	}
	resp, pdf := certDownload(v, s.URL+pdfPath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s answered %s: %.300q", pdfPath, resp.Status, pdf)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("the PDF comes as %q, want application/pdf", ct)
	}
	if cd, want := resp.Header.Get("Content-Disposition"), "filename*=UTF-8''"+url.PathEscape("证书-"+certCode+".pdf"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, want) {
		t.Errorf("the PDF comes with Content-Disposition %q, want an attachment named 证书-%s.pdf", cd, certCode)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatalf("the download is not a whole PDF: it starts %.20q and ends %q", pdf, pdf[max(0, len(pdf)-20):])
	}
	if n := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1)); n != len(issued) {
		t.Errorf("the PDF has %d pages, want %d: one a certificate issued", n, len(issued))
	}
	file := filepath.Join(t.TempDir(), "certificates.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v.outDir, "certificates-"+certCode+".pdf"), pdf, 0o644); err != nil {
		t.Errorf("save the PDF: %v", err)
	}
	if n := countInDB(t, s, `SELECT count(*) FROM audit_log WHERE action = 'certificate.download_all' AND actor_id = $1
		AND (details->>'serials')::int = 2`, coordinator); n != 1 {
		t.Errorf("the audit log has %d entries of the coordinator downloading the 2 certificates of %s, want 1", n, certCode)
	}

	first := issued[0]
	wantQR := s.URL + "/verify/" + first.Serial + "?c=" + first.Code
	verifyURL := ""
	if pdfinfo := certTool(t, "pdfinfo"); pdfinfo != "" {
		if m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(certRun(t, pdfinfo, file)); m == nil || m[1] != fmt.Sprint(len(issued)) {
			t.Errorf("pdfinfo says the PDF has %v pages, want %d", m, len(issued))
		}
	}
	if pdftotext := certTool(t, "pdftotext"); pdftotext != "" {
		school := squeeze(schoolName)
		for i, c := range issued {
			text := squeeze(certRun(t, pdftotext, "-enc", "UTF-8", "-f", fmt.Sprint(i+1), "-l", fmt.Sprint(i+1), file, "-"))
			for _, want := range []string{"结业证书", c.Name + "同志于" + certChineseDate(sc.StartsOn) + "至" + certChineseDate(sc.EndsOn),
				certTitle, c.Serial, school, fmt.Sprintf("共计%d学时", certHours)} {
				if !strings.Contains(text, want) {
					t.Errorf("page %d of the PDF lacks %q; pdftotext reads:\n%s", i+1, want, text)
				}
			}
			for _, other := range issued {
				if other.Serial != c.Serial && (strings.Contains(text, other.Serial) || strings.Contains(text, other.Name)) {
					t.Errorf("page %d of the PDF, %s's, also shows %s's certificate %s:\n%s", i+1, c.Name, other.Name, other.Serial, text)
				}
			}
		}
	}
	if pdftoppm := certTool(t, "pdftoppm"); pdftoppm != "" {
		pageImg := filepath.Join(t.TempDir(), "page")
		certRun(t, pdftoppm, "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", file, pageImg)
		got, err := certReadQR(t, pageImg+".png")
		switch {
		case err != nil:
			t.Errorf("no QR code can be read on the first page of the PDF (%s): %v", pageImg+".png", err)
		case got != wantQR:
			t.Errorf("the QR code of the first page says %q, want %q", got, wantQR)
		default:
			t.Logf("the QR code of the first page reads %s", got)
			verifyURL = got
		}
	}
	if verifyURL == "" {
		t.Logf("following the address the QR code should hold: %s", wantQR)
		verifyURL = wantQR
	}

	// Someone not signed in follows the QR code.
	w := s.newVisitor(t, "verify")
	p = certOpenURL(w, verifyURL)
	checkPhonePage(t, w, p, "genuine")
	checkSignedOut(t, p)
	if p.H1 != "证书查验" || p.Notice != "证书真实有效。" || p.Alert != "" {
		t.Errorf("the QR code's address %s is headed %q and says %q (alert %q), want 证书查验 saying 证书真实有效。", p.URL, p.H1, p.Notice, p.Alert)
	}
	shown := run(w, "read the certificate's facts", chromedp.Evaluate[map[string]string](certFactsJS))
	for term, want := range map[string]string{
		"证书编号": first.Serial,
		"姓名":   certMask(first.Name),
		"课程":   certTitle,
		"学时":   fmt.Sprintf("%d 学时", certHours),
		"发证日期": today,
		"发证单位": schoolName,
	} {
		if shown[term] != want {
			t.Errorf("the verification shows %s: %q, want %q (all: %q)", term, shown[term], want, shown)
		}
	}
	text := run(w, "read the page", chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if !strings.Contains(text, "为保护个人信息，姓名只显示首尾两字。") {
		t.Errorf("the verification does not say the name is masked: %q", text)
	}
	if strings.Contains(text, first.Name) || strings.Contains(text, first.Code) {
		t.Errorf("the public verification shows the full name %s or the code: %q", first.Name, text)
	}
	if got := certsInDB(t, s, sc.Course); got[0].Verified != 1 || got[1].Verified != 0 {
		t.Errorf("after one verification of %s the counts are %d and %d, want 1 and 0", first.Serial, got[0].Verified, got[1].Verified)
	}

	// The same serial with a wrong code is not found.
	wrong := []byte(first.Code)
	wrong[0] = map[bool]byte{true: 'b', false: 'a'}[wrong[0] == 'a']
	p = certOpenURL(w, s.URL+"/verify/"+first.Serial+"?c="+string(wrong))
	w.checkPage(p, "wrong-code", http.StatusNotFound)
	checkLayout(t, w, p)
	if p.H1 != "证书查验" || !strings.Contains(p.Alert, "没有找到这份证书。") || p.Notice != "" {
		t.Errorf("a wrong code is headed %q and says %q (notice %q), want 证书查验 saying 没有找到这份证书。", p.H1, p.Alert, p.Notice)
	}
	text = run(w, "read the page", chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	for _, secret := range []string{certTitle, certMask(first.Name), first.Name, schoolName} {
		if strings.Contains(text, secret) {
			t.Errorf("with a wrong code the verification still shows %q: %q", secret, text)
		}
	}
	if got := run(w, "read the serial in the form", chromedp.Evaluate[string](`(document.getElementById("serial") || {}).value || ""`)); got != first.Serial {
		t.Errorf("with a wrong code the form offers the serial %q, want %s to correct the code", got, first.Serial)
	}
	if got := certsInDB(t, s, sc.Course); got[0].Verified != 1 {
		t.Errorf("a wrong code counted as a verification of %s: %d", first.Serial, got[0].Verified)
	}

	// Back on the coordinator's phone, the verification is counted.
	p = v.open(certPath)
	checkPhonePage(t, v, p, "verified")
	list = run(v, "read the certificates issued", chromedp.Evaluate[[][]string](certListJS))
	if len(list) != 2 || !strings.HasSuffix(list[0][3], "被查验 1 次") || !strings.HasSuffix(list[1][3], "被查验 0 次") {
		t.Errorf("after one verification of %s the list shows %q", first.Serial, list)
	}
	t.Logf("the certificate journey took %s", time.Since(start).Round(time.Millisecond))
}

// certMany is the size of the course printed in TestCertificatePrintProgress:
// enough for the page to show the progress of printing.
const certMany = 240

// TestCertificatePrintProgress: on a phone, the coordinator of a course of
// 240 certificates taps 打印全部; while the browser downloads the one PDF,
// which streams as it is made, the page counts the pages made, up to all
// of them, and the file downloaded is one PDF of 240 pages.
func TestCertificatePrintProgress(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	sc := addCertificateCourse(t, s)
	certPath := fmt.Sprintf("/courses/%d/certificates", sc.Course)
	// The trainees and their certificates go straight into the database:
	// issuing is the other journey's.
	if _, err := s.DB.Exec(`
		INSERT INTO users (username, name, role, password_hash)
		SELECT 'many' || i, '学员' || i, 'trainee', '$argon2id$unused' FROM generate_series(1, $1::int) i`, certMany); err != nil {
		t.Fatalf("add the trainees: %v", err)
	}
	if _, err := s.DB.Exec(`
		INSERT INTO certificates (prefix, year, number, serial, code, kind, trainee_id, course_id,
		                          trainee_name, course_title, starts_on, ends_on, credit_hours, issued_on)
		SELECT 'MANY', 2026, row_number() OVER (ORDER BY u.id), 'MANY-2026-' || lpad((row_number() OVER (ORDER BY u.id))::text, 6, '0'),
		       translate(substr(md5(u.username), 1, 26), '0189', 'wxyz'), 'course', u.id, c.id,
		       u.name, c.title, c.starts_on, c.ends_on, c.credit_hours, current_date
		FROM users u, courses c WHERE u.username LIKE 'many%' AND c.id = $1`, sc.Course); err != nil {
		t.Fatalf("add the certificates: %v", err)
	}

	v := s.newVisitor(t, "certificates-progress")
	v.open("/login")
	v.signIn("coordinator", "partyschool")
	downloads := t.TempDir()
	v.do("let the browser save downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		c := chromedp.FromContext(ctx)
		_, err := cdp.Call(ctx, c.Browser, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: c.BrowserContextID, DownloadPath: downloads})
		return err
	}))
	p := v.open(certPath)
	checkPhonePage(t, v, p, "many")
	if got := certText(v, "[data-print-status]"); got != "" {
		t.Errorf("before printing the progress line shows %q", got)
	}

	v.do("tap 打印全部", chromedp.Click(chromedp.CSS(`main a[data-print-progress]`)))
	want := fmt.Sprintf("已生成全部 %d 页。", certMany)
	done := run(v, "wait for the page to count every page", chromedp.Poll[string](fmt.Sprintf(`(() => {
		const el = document.querySelector("[data-print-status]");
		const text = el && !el.hidden ? el.innerText.replace(/\s+/g, " ").trim() : "";
		return text.includes(%s) || text.includes("中断") ? text : false;
	})()`, jsString(want)), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	v.screenshot("many-printed")
	if !strings.Contains(done, want) {
		t.Fatalf("after printing the page says %q, want %q", done, want)
	}
	if bar := run(v, "read the progress bar", chromedp.Evaluate[[]float64](`(() => {
		const bar = document.querySelector("[data-print-status] progress");
		return [bar.value, bar.max];
	})()`)); len(bar) != 2 || bar[0] != certMany || bar[1] != certMany {
		t.Errorf("the progress bar stands at %v, want [%d %d]", bar, certMany, certMany)
	}

	file := certDownloaded(t, downloads, "证书-"+certCode+".pdf")
	if pdfinfo := certTool(t, "pdfinfo"); pdfinfo != "" {
		if m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(certRun(t, pdfinfo, file)); m == nil || m[1] != fmt.Sprint(certMany) {
			t.Errorf("pdfinfo says the downloaded PDF has %v pages, want %d", m, certMany)
		}
	}
}

// certDownloaded waits for the browser to finish saving name in dir and
// returns its path.
func certDownloaded(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	deadline := time.Now().Add(stepTimeout)
	for {
		st, err := os.Stat(path)
		if err == nil && st.Size() > 0 {
			return path
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("the browser saved no %s within %s (the folder holds %q)", name, stepTimeout, names)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
