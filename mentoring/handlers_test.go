package mentoring_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partyschool/app/apptest"
	"partyschool/auth"
	"partyschool/web"
)

// site is the app with a coordinator, a mentor, a supervising lecturer,
// a mentee and strangers of each role, signed in.
type site struct {
	env                         *apptest.Env
	coord, mentor, super, mtee  *apptest.Client
	otherLecturer, otherTrainee *apptest.Client
	mentorUser, menteeUser      *auth.User
	superUser                   *auth.User
}

func newSite(t *testing.T) *site {
	t.Helper()
	env := apptest.New(t)
	s := &site{env: env}
	s.coord, _ = env.LoginAs("coordinator", "coord")
	s.mentor, s.mentorUser = env.LoginAs("lecturer", "mentor")
	s.super, s.superUser = env.LoginAs("lecturer", "super")
	s.mtee, s.menteeUser = env.LoginAs("trainee", "mentee")
	s.otherLecturer, _ = env.LoginAs("lecturer", "stranger")
	s.otherTrainee, _ = env.LoginAs("trainee", "outsider")
	env.DB.MustExec(`INSERT INTO communities (name) VALUES ('银啤苑社区')`)
	return s
}

// createPair makes a pair through the form, as a coordinator does, and
// returns its id.
func (s *site) createPair(t *testing.T, form url.Values) int64 {
	t.Helper()
	res := s.coord.Post("/mentoring", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create pair: %d\n%s", res.Status, res.Body)
	}
	m := regexp.MustCompile(`^/mentoring/(\d+)\?done=created$`).FindStringSubmatch(res.Location)
	if m == nil {
		t.Fatalf("created pair at %q", res.Location)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func (s *site) pairForm() url.Values {
	today := web.Day(time.Now())
	var community int64
	if err := s.env.DB.Get(&community, `SELECT id FROM communities WHERE name = '银啤苑社区'`); err != nil {
		s.env.T.Fatal(err)
	}
	return url.Values{
		"mentee": {apptest.PhoneOf("mentee")}, "mentor": {strconv.FormatInt(s.mentorUser.ID, 10)},
		"supervisor": {strconv.FormatInt(s.superUser.ID, 10)}, "community": {strconv.FormatInt(community, 10)},
		"mentor_post": {"社区党委副书记"}, "post": {"党建工作岗"},
		"starts_on": {today.AddDate(0, 0, -14).Format(web.DateLayout)}, "ends_on": {today.AddDate(0, 0, 14).Format(web.DateLayout)},
		"goals": {"熟悉党建工作流程\n能独立组织主题党日"}, "required_rate": {"80"},
	}
}

func TestPairFormRefusesBadInput(t *testing.T) {
	s := newSite(t)
	form := s.pairForm()
	form.Set("ends_on", "2020-01-01") // before the start
	form.Set("goals", "  \n ")
	form.Set("mentee", "13999999999")
	res := s.coord.Post("/mentoring", form)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", res.Status)
	}
	for _, want := range []string{"结束日期不能早于开始日期", "请至少填写一个跟岗目标"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the form does not say %q", want)
		}
	}
	form = s.pairForm()
	form.Set("mentee", "13999999999") // nobody's number
	res = s.coord.Post("/mentoring", form)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "没有找到这位学员") {
		t.Errorf("unknown mentee: %d", res.Status)
	}
	if n := s.env.Count(`SELECT count(*) FROM mentoring_pairs`); n != 0 {
		t.Errorf("%d pairs after refused forms", n)
	}
}

// The journey of a pair through the pages, each step by the person whose
// step it is, and refused to everyone else with 404.
func TestPairJourneyByRole(t *testing.T) {
	s := newSite(t)
	id := s.createPair(t, s.pairForm())
	pair := "/mentoring/" + strconv.FormatInt(id, 10)

	// Who sees the pair page.
	for name, c := range map[string]*apptest.Client{"coordinator": s.coord, "mentor": s.mentor, "supervisor": s.super, "mentee": s.mtee} {
		if res := c.Get(pair); res.Status != http.StatusOK || !strings.Contains(res.Body, "党建工作岗") {
			t.Errorf("%s: pair page %d", name, res.Status)
		}
	}
	for name, c := range map[string]*apptest.Client{"another lecturer": s.otherLecturer, "another trainee": s.otherTrainee} {
		if res := c.Get(pair); res.Status != http.StatusNotFound {
			t.Errorf("%s: pair page %d, want 404", name, res.Status)
		}
	}

	// Post days: every day of the last six, by the mentor, and one ten
	// days ago, whose mark is locked by now.
	today := web.Day(time.Now())
	res := s.mentor.Post(pair+"/days", url.Values{
		"from": {today.AddDate(0, 0, -6).Format(web.DateLayout)}, "to": {today.AddDate(0, 0, -1).Format(web.DateLayout)},
		"weekday": {"1", "2", "3", "4", "5", "6", "7"}, "start": {"08:00"}, "end": {"09:00"}, "place": {"党群服务中心"},
	})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("add days: %d\n%s", res.Status, res.Body)
	}
	res = s.coord.Post(pair+"/days", url.Values{"from": {today.AddDate(0, 0, -10).Format(web.DateLayout)}, "start": {"08:00"}, "end": {"09:00"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("add one day: %d\n%s", res.Status, res.Body)
	}
	if res := s.otherLecturer.Post(pair+"/days", url.Values{"from": {today.Format(web.DateLayout)}, "start": {"08:00"}, "end": {"09:00"}}); res.Status != http.StatusNotFound {
		t.Errorf("another lecturer added days: %d", res.Status)
	}
	// A day outside the period is refused with the date named.
	res = s.coord.Post(pair+"/days", url.Values{"from": {today.AddDate(0, 0, 30).Format(web.DateLayout)}, "start": {"08:00"}, "end": {"09:00"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不在跟岗时间内") {
		t.Errorf("day outside the period: %d", res.Status)
	}
	var days []int64
	if err := s.env.DB.Select(&days, `SELECT id FROM post_days WHERE pair_id = $1 ORDER BY starts_at`, id); err != nil || len(days) != 7 {
		t.Fatalf("%d post days, %v", len(days), err)
	}
	old := "/mentoring/days/" + strconv.FormatInt(days[0], 10)
	day := "/mentoring/days/" + strconv.FormatInt(days[len(days)-1], 10)

	// Start the pair; only coordinators may.
	if res := s.mentor.Post(pair+"/status", url.Values{"status": {"active"}}); res.Status != http.StatusForbidden {
		t.Errorf("mentor started the pair: %d", res.Status)
	}
	if res := s.coord.Post(pair+"/status", url.Values{"status": {"active"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", res.Status)
	}

	// Attendance: the mentor, not the stranger, not the mentee.
	if res := s.otherLecturer.Post(day+"/attendance", url.Values{"status": {"present"}}); res.Status != http.StatusNotFound {
		t.Errorf("another lecturer marked: %d", res.Status)
	}
	if res := s.mtee.Post(day+"/attendance", url.Values{"status": {"present"}}); res.Status != http.StatusForbidden {
		t.Errorf("the mentee marked: %d", res.Status)
	}
	if res := s.mentor.Post(day+"/attendance", url.Values{"status": {"sleeping"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad mark: %d", res.Status)
	}
	if res := s.mentor.Post(day+"/attendance", url.Values{"status": {"present"}}); res.Status != http.StatusSeeOther {
		t.Errorf("mark: %d", res.Status)
	}

	// The log: the mentee writes it (escaped everywhere), the mentor
	// countersigns, the supervisor comments; nobody else.
	log := url.Values{"did": {"列席党委会<script>alert('x')</script>"}, "learned": {"议事规则"}, "questions": {""}}
	if res := s.otherTrainee.Post(day+"/log", log); res.Status != http.StatusNotFound {
		t.Errorf("another trainee wrote the log: %d", res.Status)
	}
	if res := s.mtee.Post(day+"/log", url.Values{"did": {" "}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请写下今天做了什么") {
		t.Errorf("empty log: %d", res.Status)
	}
	if res := s.mtee.Post(day+"/log", log); res.Status != http.StatusSeeOther {
		t.Fatalf("log: %d", res.Status)
	}
	for name, c := range map[string]*apptest.Client{"mentee": s.mtee, "mentor": s.mentor, "coordinator": s.coord} {
		body := c.Get(pair).Body
		if strings.Contains(body, "<script>alert") || !strings.Contains(body, "列席党委会&lt;script&gt;") {
			t.Errorf("%s: the log is not escaped", name)
		}
	}
	if res := s.super.Post(day+"/countersign", nil); res.Status != http.StatusNotFound {
		t.Errorf("the supervisor countersigned: %d", res.Status)
	}
	if res := s.mentor.Post(day+"/countersign", nil); res.Status != http.StatusSeeOther {
		t.Errorf("countersign: %d", res.Status)
	}
	if res := s.mtee.Post(day+"/log", log); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "导师已签字") {
		t.Errorf("log changed after countersigning: %d", res.Status)
	}
	if res := s.super.Post(day+"/comments", url.Values{"body": {"记录很认真"}}); res.Status != http.StatusSeeOther {
		t.Errorf("supervisor's comment: %d", res.Status)
	}
	if res := s.otherLecturer.Post(day+"/comments", url.Values{"body": {"路过"}}); res.Status != http.StatusNotFound {
		t.Errorf("another lecturer commented: %d", res.Status)
	}

	// The mentor marks the rest of the week: 5 of 6 attended.
	for i, d := range days[1 : len(days)-1] {
		status := "present"
		if i == 0 {
			status = "absent"
		}
		res := s.mentor.Post("/mentoring/days/"+strconv.FormatInt(d, 10)+"/attendance", url.Values{"status": {status}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("mark day %d: %d\n%s", i, res.Status, res.Body)
		}
	}
	// The day ten days ago is locked: the mentor is refused, a coordinator
	// corrects it with a reason. Then 6 of 7 are attended.
	if res := s.mentor.Post(old+"/attendance", url.Values{"status": {"present"}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "已锁定") {
		t.Errorf("mentor marked a locked day: %d", res.Status)
	}
	if res := s.coord.Post(old+"/attendance", url.Values{"status": {"present"}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请填写原因") {
		t.Errorf("coordinator without a reason: %d", res.Status)
	}
	if res := s.coord.Post(old+"/attendance", url.Values{"status": {"present"}, "reason": {"补录纸质签到表"}}); res.Status != http.StatusSeeOther {
		t.Errorf("coordinator with a reason: %d", res.Status)
	}
	// No certificate before completion.
	if res := s.coord.Post(pair+"/certificate", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "只有已结业的结对") {
		t.Errorf("certificate of an active pair: %d", res.Status)
	}
	// Completion waits for the confirmed evaluation.
	res = s.coord.Post(pair+"/status", url.Values{"status": {"completed"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "导师评价尚未确认") {
		t.Errorf("completed without an evaluation: %d", res.Status)
	}
	if res := s.mentor.Post(pair+"/evaluation", url.Values{"score_0": {"5"}, "comment": {"很好"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("one goal unscored: %d", res.Status)
	}
	if res := s.mentor.Post(pair+"/evaluation", url.Values{"score_0": {"5"}, "score_1": {"4"}, "comment": {"工作细致，进步快"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("evaluate: %d", res.Status)
	}
	if res := s.otherLecturer.Post(pair+"/evaluation/confirm", nil); res.Status != http.StatusNotFound {
		t.Errorf("a stranger confirmed: %d", res.Status)
	}
	if res := s.super.Post(pair+"/evaluation/confirm", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.Status)
	}
	if res := s.coord.Post(pair+"/status", url.Values{"status": {"completed"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("complete: %d", res.Status)
	}
	// The certificate: issued once, listed on the pair page, downloaded
	// by the mentee as a PDF.
	if res := s.coord.Post(pair+"/certificate", nil); res.Status != http.StatusSeeOther || !strings.HasSuffix(res.Location, "done=issued") {
		t.Fatalf("issue the certificate: %d %s", res.Status, res.Location)
	}
	if res := s.coord.Post(pair+"/certificate", nil); res.Status != http.StatusSeeOther || !strings.HasSuffix(res.Location, "done=already") {
		t.Errorf("issue again: %d %s", res.Status, res.Location)
	}
	if n := s.env.Count(`SELECT count(*) FROM certificates WHERE pair_id = $1 AND kind = 'mentoring'`, id); n != 1 {
		t.Errorf("%d certificates for the pair", n)
	}
	page := s.mtee.Get(pair).Body
	link := regexp.MustCompile(`href="(/my/certificates/\d+\.pdf)"`).FindStringSubmatch(page)
	if link == nil || !strings.Contains(page, "跟岗练兵结业证书：CCHY-") {
		t.Fatalf("the mentee's pair page lacks the certificate")
	}
	if res := s.mtee.Get(link[1]); res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "%PDF") {
		t.Errorf("the mentee's certificate PDF: %d", res.Status)
	}
	for _, want := range []string{"已结业", "6/7 天", "6 学时", "补录纸质签到表", "5 分", "测试super 已确认", "测试mentor 已签字"} {
		if !strings.Contains(page, want) {
			t.Errorf("the completed pair's page lacks %q", want)
		}
	}

	// The lists: mine for mentor and mentee; the coordinator's with export.
	if body := s.mentor.Get("/my/mentees").Body; !strings.Contains(body, "测试mentee") {
		t.Error("my mentees lacks the mentee")
	}
	if body := s.otherLecturer.Get("/my/mentees").Body; strings.Contains(body, "测试mentee") {
		t.Error("a stranger's mentees show the mentee")
	}
	if body := s.mtee.Get("/my/mentoring").Body; !strings.Contains(body, "党建工作岗") {
		t.Error("my mentoring lacks the pair")
	}
	if body := s.coord.Get("/mentoring?status=completed").Body; !strings.Contains(body, "测试mentee") || !strings.Contains(body, "出勤 6/7 天") {
		t.Error("the coordinator's list lacks the pair or its progress")
	}
	res = s.coord.Get("/mentoring.xlsx")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
		t.Errorf("export: %d", res.Status)
	}
	if n := s.env.Count(`SELECT count(*) FROM audit_log WHERE action = 'mentoring.export'`); n != 1 {
		t.Errorf("%d audit entries for the export", n)
	}
}

// The mentee's post days are in their schedule and private feed; the
// mentor's in their teaching schedule and lecturer feed, there without
// the mentee's name.
func TestPostDaysInSchedulesAndFeeds(t *testing.T) {
	s := newSite(t)
	id := s.createPair(t, s.pairForm())
	start := web.At(web.Day(time.Now()).AddDate(0, 0, 1), 14*60)
	s.env.DB.MustExec(`INSERT INTO post_days (pair_id, starts_at, ends_at, place) VALUES ($1, $2, $3, '银啤苑党群服务中心')`,
		id, start, start.Add(4*time.Hour))
	body := s.mtee.Get("/my/schedule").Body
	if !strings.Contains(body, "跟岗练兵 · 银啤苑社区 党建工作岗") || !strings.Contains(body, "14:00–18:00") {
		t.Errorf("my schedule lacks the post day")
	}
	s.mtee.Post("/my/schedule/feed", nil)
	var token string
	if err := s.env.DB.Get(&token, `SELECT token FROM feed_tokens WHERE user_id = $1`, s.menteeUser.ID); err != nil {
		t.Fatal(err)
	}
	feed := s.env.Client().Get("/calendar/trainees/" + token + ".ics").Body
	if !strings.Contains(feed, "SUMMARY:跟岗练兵：银啤苑社区 党建工作岗") || !strings.Contains(feed, "测试mentor") {
		t.Errorf("the private feed lacks the post day:\n%s", feed)
	}
	var lecturer int64
	if err := s.env.DB.Get(&lecturer, `INSERT INTO lecturers (name, team, user_id) VALUES ('测试mentor', 'grassroots', $1) RETURNING id`, s.mentorUser.ID); err != nil {
		t.Fatal(err)
	}
	if body := s.mentor.Get("/my/teaching").Body; !strings.Contains(body, "党建工作岗") || !strings.Contains(body, "测试mentee") {
		t.Error("my teaching lacks the post day")
	}
	public := s.env.Client().Get("/calendar/lecturers/" + strconv.FormatInt(lecturer, 10) + ".ics").Body
	if !strings.Contains(public, "跟岗带教：银啤苑社区 党建工作岗") || strings.Contains(public, "测试mentee") {
		t.Errorf("the public feed: post day missing or the mentee named:\n%s", public)
	}
}
