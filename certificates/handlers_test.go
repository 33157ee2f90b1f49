package certificates_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partyschool/app"
	"partyschool/app/apptest"
	"partyschool/certificates"
	"partyschool/web"
)

// school is a course of four held sessions with four trainees under a 70 %
// rule: 李建忠 4/4, 王丽华 3/4 and 张志刚 3/4 qualify, 刘海燕 2/4 does not.
type school struct {
	env      *apptest.Env
	course   int64
	trainees []int64 // in the order above
	coord    *apptest.Client
}

var schoolTrainees = []struct{ username, name string }{
	{"lijz", "李建忠"}, {"wanglh", "王丽华"}, {"zhangzg", "张志刚"}, {"liuhy", "刘海燕"},
}

func newSchool(t *testing.T, extra ...app.Route) *school {
	t.Helper()
	env := apptest.New(t, extra...)
	s := &school{env: env}
	db := env.DB
	id := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	lecturer := id(`INSERT INTO lecturers (name, team) VALUES ('李建国', 'expert') RETURNING id`)
	venue := id(`INSERT INTO venues (name) VALUES ('邻里驿站') RETURNING id`)
	s.course = id(`
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, min_attendance, status)
		VALUES ('GRAD-1', '社区治理专题培训', 'policy', 10, current_date - 20, current_date + 10, now() - interval '40 days', now() - interval '21 days', 8, 70, 'published')
		RETURNING id`)
	var sessions []int64
	for _, offset := range []string{"-10 days", "-8 days", "-6 days", "-4 days"} {
		sessions = append(sessions, id(`
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at)
			VALUES ($1, $2, $3, now() + $4::interval, now() + $4::interval + interval '2 hours') RETURNING id`,
			s.course, lecturer, venue, offset))
	}
	marks := [][]string{
		{"present", "present", "late", "present"},
		{"present", "excused", "present", "present"},
		{"present", "absent", "present", "present"},
		{"present", "absent", "absent", "present"},
	}
	for i, tr := range schoolTrainees {
		u := env.CreateUser("trainee", tr.username, tr.name)
		db.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, s.course, u.ID)
		for j, m := range marks[i] {
			db.MustExec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, $3)`, sessions[j], u.ID, m)
		}
		s.trainees = append(s.trainees, u.ID)
	}
	s.coord, _ = env.LoginAs("coordinator", "carol")
	return s
}

func (s *school) coursePath() string { return "/courses/" + itoa(s.course) + "/certificates" }

// issue issues the course's certificates through the page.
func (s *school) issue(t *testing.T) {
	t.Helper()
	res := s.coord.Post(s.coursePath(), nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("issue: status %d\n%s", res.Status, res.Body)
	}
}

// cert returns the id, serial and code of the trainee's valid certificate.
func (s *school) cert(t *testing.T, trainee int64) (id int64, serial, code string) {
	t.Helper()
	err := s.env.DB.QueryRow(`SELECT id, serial, code FROM certificates WHERE trainee_id = $1 AND status = 'valid'`, trainee).
		Scan(&id, &serial, &code)
	if err != nil {
		t.Fatalf("certificate of trainee %d: %v", trainee, err)
	}
	return id, serial, code
}

// hasFont reports whether this machine can draw certificates.
func hasFont(t *testing.T) bool {
	_, err := certificates.FindFont("")
	if err != nil {
		t.Logf("no certificate font, the PDF checks are skipped: %v", err)
	}
	return err == nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCoursePageShowsWhoQualifiesAndIssues(t *testing.T) {
	t.Parallel()
	s := newSchool(t)
	env := s.env
	lecturer, _ := env.LoginAs("lecturer", "leo")
	trainee := env.Client()
	trainee.Login("lijz", apptest.Password)
	admin, _ := env.LoginAs("admin", "adam")

	for _, c := range []struct {
		who    *apptest.Client
		name   string
		status int
	}{{s.coord, "coordinator", 200}, {admin, "admin", 200}, {lecturer, "lecturer", 403}, {trainee, "trainee", 403}} {
		if res := c.who.Get(s.coursePath()); res.Status != c.status {
			t.Errorf("%s GET %s: %d, want %d", c.name, s.coursePath(), res.Status, c.status)
		}
		if res := c.who.Get("/certificates"); res.Status != c.status {
			t.Errorf("%s GET /certificates: %d, want %d", c.name, res.Status, c.status)
		}
	}
	if res := lecturer.Post(s.coursePath(), nil); res.Status != http.StatusForbidden {
		t.Errorf("a lecturer issuing: %d, want 403", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM certificates`); n != 0 {
		t.Fatalf("%d certificates after refused issuing", n)
	}

	page := s.coord.Get(s.coursePath())
	for _, want := range []string{"李建忠", "刘海燕", "100% / 70%", "50% / 70%", "出勤率 50%", "颁发证书（3 人）", "请假不计入出勤"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the course page lacks %q", want)
		}
	}
	if page.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", page.Header.Get("Cache-Control"))
	}

	res := s.coord.Post(s.coursePath(), nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("issue: %d", res.Status)
	}
	if after := s.coord.Get(res.Location); !strings.Contains(after.Body, "已颁发 3 份证书") {
		t.Errorf("no notice after issuing:\n%s", after.Body)
	}
	if n := env.Count(`SELECT count(*) FROM certificates WHERE status = 'valid'`); n != 3 {
		t.Errorf("%d certificates, want 3", n)
	}
	// Again: nothing new.
	res = s.coord.Post(s.coursePath(), nil)
	if after := s.coord.Get(res.Location); !strings.Contains(after.Body, "没有新的证书可颁发") {
		t.Error("issuing twice does not say nothing was issued")
	}
	if n := env.Count(`SELECT count(*) FROM certificates`); n != 3 {
		t.Errorf("%d certificates after issuing twice, want 3", n)
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE action = 'certificate.issue'`); n != 1 {
		t.Errorf("%d issue entries in the audit log, want 1", n)
	}

	// The register lists them, and finds them by name, serial and year.
	_, serial, _ := s.cert(t, s.trainees[0])
	reg := s.coord.Get("/certificates")
	for _, tr := range schoolTrainees[:3] {
		if !strings.Contains(reg.Body, tr.name) {
			t.Errorf("the register lacks %s", tr.name)
		}
	}
	if strings.Contains(reg.Body, "刘海燕") {
		t.Error("the register lists someone without a certificate")
	}
	if got := s.coord.Get("/certificates?q=" + url.QueryEscape("王丽")).Body; !strings.Contains(got, "王丽华") || strings.Contains(got, "李建忠") {
		t.Error("search by name does not narrow the register")
	}
	if got := s.coord.Get("/certificates?q=" + strings.ToLower(serial)).Body; !strings.Contains(got, "李建忠") || strings.Contains(got, "王丽华") {
		t.Error("search by serial does not find it")
	}
	year := strconv.Itoa(time.Now().In(time.FixedZone("CST", 8*3600)).Year())
	if got := s.coord.Get("/certificates?year=" + year + "&course=GRAD-1").Body; !strings.Contains(got, "共 3 份证书") {
		t.Error("year and course filters lose certificates")
	}
	if got := s.coord.Get("/certificates?year=2001").Body; !strings.Contains(got, "共 0 份证书") {
		t.Error("the year filter does not filter")
	}

	// The export is a workbook, and in the audit log.
	x := s.coord.Get("/certificates.xlsx?q=" + url.QueryEscape("李"))
	if x.Status != http.StatusOK || !strings.HasPrefix(x.Body, "PK") ||
		!strings.Contains(x.Header.Get("Content-Disposition"), ".xlsx") {
		t.Errorf("export: %d %q", x.Status, x.Header.Get("Content-Disposition"))
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE action = 'certificate.export' AND (details->>'rows')::int = 1`); n != 1 {
		t.Errorf("%d export entries in the audit log, want 1", n)
	}
	if res := lecturer.Get("/certificates.xlsx"); res.Status != http.StatusForbidden {
		t.Errorf("a lecturer exporting: %d", res.Status)
	}
}

func TestRevokeAndReissue(t *testing.T) {
	t.Parallel()
	s := newSchool(t)
	s.issue(t)
	id, serial, _ := s.cert(t, s.trainees[0])
	path := "/certificates/" + itoa(id)

	res := s.coord.Post(path+"/revoke", url.Values{"reason": {"  "}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "撤销证书须填写原因") {
		t.Errorf("revoking without a reason: %d", res.Status)
	}
	if n := s.env.Count(`SELECT count(*) FROM certificates WHERE id = $1 AND status = 'valid'`, id); n != 1 {
		t.Fatal("revoked without a reason")
	}
	res = s.coord.Post(path+"/revoke", url.Values{"reason": {"考勤记录有误"}})
	if res.Status != http.StatusSeeOther || !strings.Contains(s.coord.Get(res.Location).Body, "证书 "+serial+" 已撤销") {
		t.Fatalf("revoke: %d %s", res.Status, res.Location)
	}
	// A second click changes nothing and says so.
	res = s.coord.Post(path+"/revoke", url.Values{"reason": {"又一次"}})
	if res.Status != http.StatusSeeOther || !strings.Contains(s.coord.Get(res.Location).Body, "已不是有效状态") {
		t.Errorf("revoking twice: %d", res.Status)
	}
	if res := s.coord.Post("/certificates/999999/revoke", url.Values{"reason": {"x"}}); res.Status != http.StatusNotFound {
		t.Errorf("revoking a missing certificate: %d", res.Status)
	}

	id2, serial2, _ := s.cert(t, s.trainees[1])
	res = s.coord.Post("/certificates/"+itoa(id2)+"/reissue", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("reissue: %d", res.Status)
	}
	_, newSerial, _ := s.cert(t, s.trainees[1])
	if newSerial == serial2 || !strings.Contains(s.coord.Get(res.Location).Body, newSerial) {
		t.Errorf("reissued as %q (was %q)", newSerial, serial2)
	}
	page := s.coord.Get(s.coursePath()).Body
	for _, want := range []string{"已撤销", "考勤记录有误", "已被取代", "已由新证书 " + newSerial + " 取代"} {
		if !strings.Contains(page, want) {
			t.Errorf("the course page lacks %q", want)
		}
	}
	// 李建忠's certificate was revoked: issuing again gives him a new one.
	s.issue(t)
	if n := s.env.Count(`SELECT count(*) FROM certificates WHERE trainee_id = $1 AND status = 'valid'`, s.trainees[0]); n != 1 {
		t.Errorf("%d valid certificates after revoking and issuing again, want 1", n)
	}
}

func TestTraineeSeesAndDownloadsOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	s := newSchool(t)
	s.issue(t)
	font := hasFont(t)
	li := s.env.Client()
	li.Login("lijz", apptest.Password)
	wang := s.env.Client()
	wang.Login("wanglh", apptest.Password)
	liID, liSerial, _ := s.cert(t, s.trainees[0])

	mine := li.Get("/my/certificates")
	if mine.Status != http.StatusOK || !strings.Contains(mine.Body, liSerial) || !strings.Contains(mine.Body, "/my/certificates/"+itoa(liID)+".pdf") {
		t.Fatalf("my certificates: %d", mine.Status)
	}
	if strings.Contains(wang.Get("/my/certificates").Body, liSerial) {
		t.Error("another trainee's certificate is listed")
	}
	if res := s.coord.Get("/my/certificates"); res.Status != http.StatusForbidden {
		t.Errorf("a coordinator on /my/certificates: %d", res.Status)
	}
	if res := li.Get("/certificates/" + itoa(liID) + ".pdf"); res.Status != http.StatusForbidden {
		t.Errorf("a trainee on the staff download: %d", res.Status)
	}

	own := li.Get("/my/certificates/" + itoa(liID) + ".pdf")
	if font {
		if own.Status != http.StatusOK || own.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(own.Body, "%PDF-") {
			t.Errorf("own certificate: %d %q", own.Status, own.Header.Get("Content-Type"))
		}
	} else if own.Status != http.StatusServiceUnavailable {
		t.Errorf("own certificate without a font: %d", own.Status)
	}
	other := wang.Get("/my/certificates/" + itoa(liID) + ".pdf")
	missing := wang.Get("/my/certificates/99999999.pdf")
	if other.Status != http.StatusNotFound || missing.Status != http.StatusNotFound {
		t.Errorf("another's certificate: %d, a missing one: %d; want 404 for both", other.Status, missing.Status)
	}

	s.coord.Post("/certificates/"+itoa(liID)+"/revoke", url.Values{"reason": {"考勤记录有误"}})
	if res := li.Get("/my/certificates/" + itoa(liID) + ".pdf"); res.Status != http.StatusGone || !strings.Contains(res.Body, "不能下载") {
		t.Errorf("a revoked certificate: %d", res.Status)
	}
	if res := s.coord.Get("/certificates/" + itoa(liID) + ".pdf"); res.Status != http.StatusGone {
		t.Errorf("staff downloading a revoked certificate: %d", res.Status)
	}
	mine = li.Get("/my/certificates")
	if !strings.Contains(mine.Body, "这份证书已撤销，不能下载") || strings.Contains(mine.Body, "/my/certificates/"+itoa(liID)+".pdf") {
		t.Error("a revoked certificate is offered for download")
	}
}

func TestStaffDownloadsAreAudited(t *testing.T) {
	t.Parallel()
	s := newSchool(t)
	if !hasFont(t) {
		t.Skip("no certificate font")
	}
	s.issue(t)
	id, serial, _ := s.cert(t, s.trainees[0])
	one := s.coord.Get("/certificates/" + itoa(id) + ".pdf")
	if one.Status != http.StatusOK || !strings.HasPrefix(one.Body, "%PDF-") ||
		!strings.Contains(one.Header.Get("Content-Disposition"), url.PathEscape("证书-"+serial+".pdf")) {
		t.Fatalf("download: %d %q", one.Status, one.Header.Get("Content-Disposition"))
	}
	if n := s.env.Count(`SELECT count(*) FROM audit_log WHERE action = 'certificate.download' AND object = $1`, serial); n != 1 {
		t.Errorf("%d download entries, want 1", n)
	}

	all := s.coord.Get(s.coursePath() + ".pdf")
	if all.Status != http.StatusOK || all.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(all.Body, "%PDF-") {
		t.Fatalf("print all: %d %q", all.Status, all.Header.Get("Content-Type"))
	}
	if cd := all.Header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape("证书-GRAD-1.pdf")) {
		t.Errorf("print all is named %q", cd)
	}
	if pages := regexp.MustCompile(`/Type /Page\b`).FindAllString(all.Body, -1); len(pages) != 3 {
		t.Errorf("print all has %d pages, want 3", len(pages))
	}
	if n := s.env.Count(`SELECT count(*) FROM audit_log WHERE action = 'certificate.download_all' AND (details->>'serials')::int = 3`); n != 1 {
		t.Errorf("%d download_all entries with 3 serials, want 1", n)
	}
	if page := s.coord.Get(s.coursePath()).Body; !strings.Contains(page, "共 3 份有效证书") || !strings.Contains(page, "约需 1 秒") {
		t.Error("the print-all note lacks the count or the estimate")
	}
}

// progressRoute is the progress of a print-all PDF, as app/routes.go
// mounts it.
var progressRoute = app.Route{Method: http.MethodGet, Path: "/courses/:id/certificates/progress",
	Access: app.Access{Roles: []string{web.RoleCoordinator, web.RoleAdmin}}, Handler: (&certificates.Handler{}).PrintProgress}

// TestPrintAllStreamsALargeCourse prints a course of 260 certificates as
// one PDF, streamed, and follows its progress as the course page does.
func TestPrintAllStreamsALargeCourse(t *testing.T) {
	t.Parallel()
	s := newSchool(t, progressRoute)
	if !hasFont(t) {
		t.Skip("no certificate font")
	}
	const n = 260
	s.env.DB.MustExec(`
		INSERT INTO users (username, name, role, password_hash)
		SELECT 'bulk' || i, '学员' || i, 'trainee', '$argon2id$unused' FROM generate_series(1, $1::int) i`, n)
	s.env.DB.MustExec(`
		INSERT INTO certificates (prefix, year, number, serial, code, kind, trainee_id, course_id,
		                          trainee_name, course_title, starts_on, ends_on, credit_hours, issued_on)
		SELECT 'GRAD', 2026, row_number() OVER (ORDER BY id), 'GRAD-2026-' || lpad((row_number() OVER (ORDER BY id))::text, 6, '0'),
		       translate(substr(md5(username), 1, 26), '0189', 'wxyz'), 'course', id, $1,
		       name, '社区治理专题培训', current_date - 20, current_date + 10, 8, current_date
		FROM users WHERE username LIKE 'bulk%'`, s.course)

	page := s.coord.Get(s.coursePath())
	for _, want := range []string{`data-print-progress="` + s.coursePath() + `/progress"`, "js/certprint.js", "共 260 份有效证书", "正在准备生成 PDF"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the course page lacks %q", want)
		}
	}

	const token = "00112233445566778899aabbccddeeff"
	all := s.coord.Get(s.coursePath() + ".pdf?t=" + token)
	if all.Status != http.StatusOK || all.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("print all: %d %q", all.Status, all.Header.Get("Content-Type"))
	}
	if pages := regexp.MustCompile(`/Type /Page\b`).FindAllString(all.Body, -1); len(pages) != n {
		t.Errorf("print all has %d pages, want %d", len(pages), n)
	}
	if !strings.HasPrefix(all.Body, "%PDF-") || !strings.HasSuffix(all.Body, "%%EOF\n") {
		t.Errorf("print all is not one whole PDF: %.10q … %q", all.Body, all.Body[max(0, len(all.Body)-10):])
	}
	if got := s.coord.Get(s.coursePath() + "/progress?t=" + token).Body; got != `{"state":"done","done":260,"total":260}` {
		t.Errorf("progress after the download: %s", got)
	}
	other, _ := s.env.LoginAs("coordinator", "cora")
	for who, res := range map[string]*apptest.Response{
		"another coordinator": other.Get(s.coursePath() + "/progress?t=" + token),
		"an unknown token":    s.coord.Get(s.coursePath() + "/progress?t=ffffffffffffffffffffffffffffffff"),
	} {
		if res.Status != http.StatusOK || res.Body != `{"state":"waiting","done":0,"total":0}` {
			t.Errorf("progress for %s: %d %s", who, res.Status, res.Body)
		}
	}
	if n := s.env.Count(`SELECT count(*) FROM audit_log WHERE action = 'certificate.download_all' AND (details->>'serials')::int = 260`); n != 1 {
		t.Errorf("%d download_all entries with 260 serials, want 1", n)
	}
}

func TestVerification(t *testing.T) {
	t.Parallel()
	s := newSchool(t)
	s.issue(t)
	env := s.env
	public := env.Client()
	public.IP = "198.51.100.7"
	public.Get("/") // the cookies first, so that pages compare alike

	_, serial, code := s.cert(t, s.trainees[0])
	phone := apptest.PhoneOf("lijz")
	valid := public.Get("/verify/" + serial + "?c=" + code)
	if valid.Status != http.StatusOK {
		t.Fatalf("valid: %d", valid.Status)
	}
	for _, want := range []string{"证书真实有效", "李*忠", "社区治理专题培训", "8 学时", "社区党校"} {
		if !strings.Contains(valid.Body, want) {
			t.Errorf("the verification lacks %q", want)
		}
	}
	for _, never := range []string{"李建忠", phone, code} {
		if strings.Contains(valid.Body, never) {
			t.Errorf("the verification shows %q", never)
		}
	}
	if n := env.Count(`SELECT verifications FROM certificates WHERE serial = $1`, serial); n != 1 {
		t.Errorf("%d verifications counted, want 1", n)
	}
	// Typed into the form, with spaces and upper-case code: the same.
	res := public.Get("/verify?serial=" + url.QueryEscape(" "+strings.ToLower(serial)+" ") + "&c=" + strings.ToUpper(code))
	if res.Status != http.StatusSeeOther || !strings.Contains(public.Get(res.Location).Body, "证书真实有效") {
		t.Errorf("the form: %d %s", res.Status, res.Location)
	}
	if res := public.Get("/verify"); res.Status != http.StatusOK || !strings.Contains(res.Body, `name="serial"`) {
		t.Errorf("the form page: %d", res.Status)
	}

	// Unknown serial and wrong code: the same page.
	wrong := public.Get("/verify/" + serial + "?c=" + strings.Repeat("a", 26))
	unknown := public.Get("/verify/CCHY-2001-000042?c=" + code)
	if wrong.Status != http.StatusNotFound || unknown.Status != http.StatusNotFound {
		t.Fatalf("wrong code: %d, unknown serial: %d; want 404", wrong.Status, unknown.Status)
	}
	norm := func(r *apptest.Response, serial string) string {
		b := strings.ReplaceAll(r.Body, r.Header.Get("X-Request-Id"), "")
		return strings.ReplaceAll(b, serial, "SERIAL")
	}
	if a, b := norm(wrong, serial), norm(unknown, "CCHY-2001-000042"); a != b {
		t.Errorf("a wrong code and an unknown serial answer differently:\n%s\n----\n%s", a, b)
	}
	if strings.Contains(wrong.Body, "社区治理专题培训") || !strings.Contains(wrong.Body, "没有找到这份证书") {
		t.Error("the not-found page says too much or too little")
	}

	// Revoked: says so, without the reason.
	id1, _, _ := s.cert(t, s.trainees[0])
	s.coord.Post("/certificates/"+itoa(id1)+"/revoke", url.Values{"reason": {"考勤记录有误"}})
	revoked := public.Get("/verify/" + serial + "?c=" + code)
	if revoked.Status != http.StatusOK || !strings.Contains(revoked.Body, "已被撤销") || strings.Contains(revoked.Body, "考勤记录有误") {
		t.Errorf("revoked: %d", revoked.Status)
	}
	// Superseded: says a newer one replaces it; the new one is valid.
	id2, serial2, code2 := s.cert(t, s.trainees[1])
	s.coord.Post("/certificates/"+itoa(id2)+"/reissue", nil)
	_, newSerial, newCode := s.cert(t, s.trainees[1])
	old := public.Get("/verify/" + serial2 + "?c=" + code2)
	if old.Status != http.StatusOK || !strings.Contains(old.Body, "已被新证书取代") || !strings.Contains(old.Body, newSerial) {
		t.Errorf("superseded: %d", old.Status)
	}
	if res := public.Get("/verify/" + newSerial + "?c=" + newCode); !strings.Contains(res.Body, "证书真实有效") || !strings.Contains(res.Body, "王*华") {
		t.Error("the new certificate does not verify")
	}
}

func TestVerificationIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	s := newSchool(t)
	s.issue(t)
	_, serial, code := s.cert(t, s.trainees[0])
	prober := s.env.Client()
	prober.IP = "203.0.113.9"
	for i := range 20 {
		if res := prober.Get("/verify/CCHY-2001-" + strconv.Itoa(100000+i) + "?c=x"); res.Status != http.StatusNotFound {
			t.Fatalf("probe %d: %d", i, res.Status)
		}
	}
	before := s.env.Count(`SELECT verifications FROM certificates WHERE serial = $1`, serial)
	res := prober.Get("/verify/" + serial + "?c=" + code)
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "请 10 分钟后再试") || strings.Contains(res.Body, "李*忠") {
		t.Errorf("after 20 failures: %d", res.Status)
	}
	if after := s.env.Count(`SELECT verifications FROM certificates WHERE serial = $1`, serial); after != before {
		t.Error("a throttled request still looked the certificate up")
	}
	other := s.env.Client()
	other.IP = "203.0.113.10"
	if res := other.Get("/verify/" + serial + "?c=" + code); res.Status != http.StatusOK {
		t.Errorf("another address is throttled too: %d", res.Status)
	}
}

// sealPNG is a small transparent PNG with a red ring.
func sealPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for x := range 64 {
		for y := range 64 {
			if d := (x-32)*(x-32) + (y-32)*(y-32); d > 24*24 && d < 30*30 {
				img.Set(x, y, color.NRGBA{200, 20, 30, 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCertificateSettings(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "adam")
	coord, _ := env.LoginAs("coordinator", "carol")
	if res := coord.Get("/admin/certificates"); res.Status != http.StatusForbidden {
		t.Errorf("a coordinator on the settings: %d", res.Status)
	}
	page := admin.Get("/admin/certificates")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "CCHY") || !strings.Contains(page.Body, "{name}") {
		t.Fatalf("settings: %d", page.Status)
	}
	form := func(prefix, wording, x, y string) url.Values {
		return url.Values{"prefix": {prefix}, "wording": {wording}, "offset_x": {x}, "offset_y": {y}}
	}
	stored := func() (prefix, wording string, x, y float64) {
		t.Helper()
		if err := env.DB.QueryRow(`SELECT cert_prefix, cert_wording, cert_offset_x, cert_offset_y FROM school_settings`).
			Scan(&prefix, &wording, &x, &y); err != nil {
			t.Fatal(err)
		}
		return
	}
	wording := "兹证明{name}于{from}至{to}参加{school}{course}，共{hours}学时。"

	bad := []struct {
		form url.Values
		want string
	}{
		{form("C1", wording, "0", "0"), "编号前缀请填写 2–8 个英文字母"},
		{form("ABCDEFGHI", wording, "0", "0"), "编号前缀请填写 2–8 个英文字母"},
		{form("CCHY", " ", "0", "0"), "请填写证书正文"},
		{form("CCHY", strings.Repeat("党", 401), "0", "0"), "不能超过 400 字"},
		{form("CCHY", "{name}{phone}", "0", "0"), "不认识的占位符"},
		{form("CCHY", "{name", "0", "0"), "花括号不成对"},
		{form("CCHY", wording, "20.5", "0"), "偏移量请填写 −20 到 20"},
		{form("CCHY", wording, "0", "1.25"), "偏移量请填写 −20 到 20"},
		{form("CCHY", wording, "", "0"), "请填写偏移量"},
		{form("CCHY", wording, "1e1", "0"), "偏移量请填写 −20 到 20"},
	}
	for _, b := range bad {
		res := admin.Post("/admin/certificates", b.form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, b.want) {
			t.Errorf("%v: %d, want 422 with %q", b.form, res.Status, b.want)
		}
	}
	if p, _, _, _ := stored(); p != "CCHY" {
		t.Fatalf("a refused form changed the prefix to %q", p)
	}

	// A preview fills the wording in and saves nothing.
	f := form("sqdx", wording, "－2.5", "3")
	f.Set("preview", "1")
	res := admin.Post("/admin/certificates", f)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "兹证明李秀英于") || !strings.Contains(res.Body, "年3月1日至") ||
		!strings.Contains(res.Body, "共16学时") {
		t.Errorf("preview: %d", res.Status)
	}
	if p, w, _, _ := stored(); p != "CCHY" || w == wording {
		t.Error("the preview saved")
	}

	res = admin.Post("/admin/certificates", form("sqdx", wording, "－2.5", "3"))
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", res.Status)
	}
	if p, w, x, y := stored(); p != "SQDX" || w != wording || x != -2.5 || y != 3 {
		t.Errorf("stored %q %q %v %v", p, w, x, y)
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE action = 'certificate.settings'`); n != 1 {
		t.Errorf("%d settings entries in the audit log", n)
	}

	// The seal: a PNG is taken; anything else is refused and changes nothing.
	good := sealPNG(t)
	if res := admin.Upload("/admin/certificates/seal", "seal", "seal.png", good, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("seal upload: %d %s", res.Status, res.Body)
	}
	if n := env.Count(`SELECT count(*) FROM school_settings WHERE cert_seal = $1`, good); n != 1 {
		t.Error("the seal was not stored")
	}
	if res := admin.Get("/admin/certificates/seal.png"); res.Status != http.StatusOK || res.Body != string(good) {
		t.Errorf("the seal image: %d", res.Status)
	}
	huge := append(append([]byte{}, good...), make([]byte, certificates.MaxSeal)...)
	truncated := good[:len(good)/2]
	jpegish := []byte("\xff\xd8\xff\xe0 not a png")
	for name, b := range map[string][]byte{"text": []byte("hello"), "jpeg": jpegish, "truncated": truncated, "huge": huge} {
		res := admin.Upload("/admin/certificates/seal", "seal", "seal.png", b, nil)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "印章") {
			t.Errorf("%s seal: %d", name, res.Status)
		}
	}
	if res := admin.Post("/admin/certificates/seal", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请选择要上传的印章图片") {
		t.Errorf("no file: %d", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM school_settings WHERE cert_seal = $1`, good); n != 1 {
		t.Error("a refused upload changed the seal")
	}
	if res := coord.Upload("/admin/certificates/seal", "seal", "seal.png", good, nil); res.Status != http.StatusForbidden {
		t.Errorf("a coordinator uploading a seal: %d", res.Status)
	}

	// The test page, with the offsets as typed.
	if hasFont(t) {
		res := admin.Post("/admin/certificates/test-page", form("SQDX", wording, "1.5", "-1"))
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") {
			t.Errorf("test page: %d %q", res.Status, res.Header.Get("Content-Type"))
		}
	}
	if res := admin.Post("/admin/certificates/test-page", form("SQDX", wording, "99", "0")); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("test page with a bad offset: %d", res.Status)
	}

	if res := admin.Post("/admin/certificates/seal/delete", nil); res.Status != http.StatusSeeOther {
		t.Errorf("remove the seal: %d", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM school_settings WHERE cert_seal IS NULL`); n != 1 {
		t.Error("the seal was not removed")
	}
	if res := admin.Get("/admin/certificates/seal.png"); res.Status != http.StatusNotFound {
		t.Errorf("no seal: %d", res.Status)
	}
}

func TestCheckSeal(t *testing.T) {
	t.Parallel()
	good := sealPNG(t)
	// A PNG header claiming a canvas of 100000 × 100000 pixels.
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	bomb := buf.Bytes()
	bomb[16], bomb[17], bomb[18], bomb[19] = 0, 1, 0x86, 0xa0
	bomb[20], bomb[21], bomb[22], bomb[23] = 0, 1, 0x86, 0xa0
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"good", good, ""},
		{"empty", nil, "certificates.settings.seal.required"},
		{"text", []byte("hello"), "certificates.settings.seal.notpng"},
		{"huge", make([]byte, certificates.MaxSeal+1), "certificates.settings.seal.large"},
		{"bomb", bomb, "certificates.settings.seal.notpng"}, // its CRC no longer matches
	}
	for _, tt := range tests {
		if got := certificates.CheckSeal(tt.b); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFill(t *testing.T) {
	t.Parallel()
	p := certificates.Printed{TraineeName: "李{course}忠", CourseTitle: "社区治理", SchoolName: "社区党校",
		StartsOn: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), CreditHours: 7.5}
	got := certificates.Fill("{name}于{from}至{to}参加{school}{course}，{hours}学时。", p)
	if want := "李{course}忠于2026年12月1日至2027年1月15日参加社区党校社区治理，7.5学时。"; got != want {
		t.Errorf("Fill: %q, want %q", got, want)
	}
}

func TestParseSettingsForm(t *testing.T) {
	t.Parallel()
	st, errs := certificates.SettingsForm{Prefix: " ｃｃｈｙ ", Wording: "{name}", OffsetX: "-0", OffsetY: "−20"}.Parse()
	if errs.Any() || st.Prefix != "CCHY" || st.OffsetX != 0 || st.OffsetY != -20 {
		t.Errorf("got %+v %v", st, errs)
	}
	for _, x := range []string{"20.01", "-20.1", "1-", "--1", "+1", "NaN", "Inf", "1,5"} {
		if _, errs := (certificates.SettingsForm{Prefix: "AB", Wording: "x", OffsetX: x, OffsetY: "0"}).Parse(); errs["offset_x"] == "" {
			t.Errorf("offset %q accepted", x)
		}
	}
}

// TestWithoutAFont: a server without a Chinese font starts, says so on the
// certificate pages and answers the PDFs with 503 and the reason, never 500.
func TestWithoutAFont(t *testing.T) {
	t.Setenv("CERT_FONT", "/nonexistent/font.ttf")
	s := newSchool(t)
	s.issue(t)
	id, serial, code := s.cert(t, s.trainees[0])
	li := s.env.Client()
	li.Login("lijz", apptest.Password)
	admin, _ := s.env.LoginAs("admin", "adam")
	const message = "服务器没有安装中文字体，暂时不能生成证书 PDF"

	for who, res := range map[string]*apptest.Response{
		"course page": s.coord.Get(s.coursePath()),
		"mine":        li.Get("/my/certificates"),
		"settings":    admin.Get("/admin/certificates"),
	} {
		if res.Status != http.StatusOK || !strings.Contains(res.Body, message) {
			t.Errorf("%s: %d, want 200 with the message", who, res.Status)
		}
	}
	for who, res := range map[string]*apptest.Response{
		"download":  s.coord.Get("/certificates/" + itoa(id) + ".pdf"),
		"print all": s.coord.Get(s.coursePath() + ".pdf"),
		"own":       li.Get("/my/certificates/" + itoa(id) + ".pdf"),
		"test page": admin.Post("/admin/certificates/test-page", url.Values{"prefix": {"CCHY"}, "wording": {"{name}"}, "offset_x": {"0"}, "offset_y": {"0"}}),
	} {
		if res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, message) {
			t.Errorf("%s: %d, want 503 with the message", who, res.Status)
		}
	}
	if res := s.coord.Get("/certificates/999999.pdf"); res.Status != http.StatusNotFound {
		t.Errorf("a missing certificate without a font: %d, want 404", res.Status)
	}
	if res := s.env.Client().Get("/verify/" + serial + "?c=" + code); res.Status != http.StatusOK {
		t.Errorf("verification without a font: %d", res.Status)
	}
}
