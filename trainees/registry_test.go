package trainees_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partyschool/app/apptest"
	"partyschool/auth"
	"partyschool/trainees"
	"partyschool/web"
)

// wholePhone finds a whole mobile number on a page.
var wholePhone = regexp.MustCompile(`\b1[3-9]\d{9}\b`)

// regID returns the id the query selects.
func regID(t *testing.T, env *apptest.Env, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := env.DB.Get(&id, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

func TestInitialPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p, err := trainees.InitialPassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) < 8 || len(p) > 10 || strings.Trim(p, "abcdefghjkmnpqrstuvwxyz23456789") != "" {
			t.Fatalf("initial password %q: wrong length or an ambiguous character", p)
		}
		if seen[p] {
			t.Fatalf("initial password %q came twice", p)
		}
		seen[p] = true
		if key := auth.PasswordProblem(p, ""); key != "" {
			t.Errorf("initial password %q is refused as a password: %s", p, key)
		}
	}
}

// generatedUsername is the form of the usernames the registry makes.
var generatedUsername = regexp.MustCompile(`^t[0-9]{7}$`)

// TestCreateGeneratesAUsername: the account's username is generated, never
// the phone number, which would show whole wherever usernames are shown.
func TestCreateGeneratesAUsername(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	branch := "第一党支部"
	acc, err := s.store.Create(ctx, trainees.Fields{Name: "新学员", Phone: "13712345678", Kind: trainees.KindPartyMember, PartyBranch: branch, CommunityID: &s.community})
	if err != nil {
		t.Fatal(err)
	}
	if !generatedUsername.MatchString(acc.Username) || auth.UsernameProblem(acc.Username) != "" || acc.Password == "" {
		t.Errorf("account %+v, want a username t and 7 digits and a password", acc)
	}
	other, err := s.store.Create(ctx, trainees.Fields{Name: "又一位", Phone: "13712345679", Kind: trainees.KindResident})
	if err != nil {
		t.Fatal(err)
	}
	if other.Username == acc.Username || !generatedUsername.MatchString(other.Username) {
		t.Errorf("second username %q (first %q)", other.Username, acc.Username)
	}
	var row struct {
		Must   bool   `db:"must_change_password"`
		Hash   string `db:"password_hash"`
		Kind   string `db:"kind"`
		Branch string `db:"party_branch"`
	}
	if err := s.db.Get(&row, `SELECT must_change_password, password_hash, kind, party_branch FROM users JOIN trainees ON user_id = id WHERE id = $1`, acc.ID); err != nil {
		t.Fatal(err)
	}
	if !row.Must || row.Kind != trainees.KindPartyMember || row.Branch != branch {
		t.Errorf("stored %+v", row)
	}
	if ok, _ := auth.CheckPassword(ctx, row.Hash, acc.Password); !ok || strings.Contains(row.Hash, acc.Password) {
		t.Error("the stored hash is not of the initial password")
	}
	// The same number again: refused, nothing written.
	before := s.count(t, `SELECT count(*) FROM users`)
	if _, err := s.store.Create(ctx, trainees.Fields{Name: "重复", Phone: "13712345678", Kind: trainees.KindResident}); !errors.Is(err, auth.ErrPhoneTaken) {
		t.Errorf("a taken phone: %v", err)
	}
	// An unknown community: refused, and the account is not left behind.
	bad := int64(999999)
	if _, err := s.store.Create(ctx, trainees.Fields{Name: "无社区", Phone: "13712340000", Kind: trainees.KindResident, CommunityID: &bad}); !errors.Is(err, trainees.ErrUnknownCommunity) {
		t.Errorf("an unknown community: %v", err)
	}
	if n := s.count(t, `SELECT count(*) FROM users`); n != before {
		t.Errorf("refused creations wrote %d accounts", n-before)
	}
}

func TestRegistrySearchPagingAndMasking(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	env.CreateUser("trainee", "noprofile", "莫资料")
	total := env.Count(`SELECT count(*) FROM users WHERE role = 'trainee'`)
	if total <= 30 {
		t.Fatalf("the demo has %d trainees; the test needs more than a page", total)
	}
	res := coord.Get("/trainees")
	if res.Status != http.StatusOK {
		t.Fatalf("registry: %d", res.Status)
	}
	for _, want := range []string{"共 " + strconv.Itoa(total) + " 位学员", `href="/trainees/new"`, `href="/trainees/import"`,
		`href="/reports/credit-hours"`, "未填写资料", `href="/trainees?page=2"`, "139****20"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the registry lacks %q", want)
		}
	}
	if m := wholePhone.FindString(res.Body); m != "" {
		t.Errorf("the registry shows a whole phone number %s", m)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	links := regexp.MustCompile(`class="record-title" href="/trainees/(\d+)"`)
	if n := len(links.FindAllString(res.Body, -1)); n != 30 {
		t.Errorf("page 1 lists %d trainees, want 30", n)
	}
	if n := len(links.FindAllString(coord.Get("/trainees?page=2").Body, -1)); n != total-30 {
		t.Errorf("page 2 lists %d trainees, want %d", n, total-30)
	}

	// By name, by the phone's digits (typed with spaces too), by type and community.
	zhang := regID(t, env, `SELECT id FROM users WHERE phone = '13900002001'`)
	for _, q := range []string{"张晓梅", "2001", "139 0000 2001"} {
		body := coord.Get("/trainees?q=" + url.QueryEscape(q)).Body
		if !strings.Contains(body, `href="/trainees/`+strconv.FormatInt(zhang, 10)+`"`) || !strings.Contains(body, "共 1 位学员") {
			t.Errorf("search %q does not find exactly 张晓梅", q)
		}
	}
	community := regID(t, env, `SELECT community_id FROM trainees WHERE kind = 'party_member' ORDER BY user_id LIMIT 1`)
	want := env.Count(`SELECT count(*) FROM trainees WHERE kind = 'party_member' AND community_id = $1`, community)
	body := coord.Get("/trainees?kind=party_member&community=" + strconv.FormatInt(community, 10)).Body
	if !strings.Contains(body, "共 "+strconv.Itoa(want)+" 位学员") || len(links.FindAllString(body, -1)) != want {
		t.Errorf("the filter by type and community does not find the %d party members", want)
	}
	env.DB.MustExec(`UPDATE trainees SET kind = 'resident', party_branch = '' WHERE kind = 'volunteer'`)
	if body := coord.Get("/trainees?kind=volunteer").Body; !strings.Contains(body, "没有符合条件的学员") {
		t.Error("no volunteer, yet the list is not empty")
	}
	// A filter survives paging.
	if body := coord.Get("/trainees?q=1390000").Body; !strings.Contains(body, `href="/trainees?page=2&amp;q=1390000"`) {
		t.Error("the next page's link lost the search")
	}
}

func TestRegistryRefusesTraineesAndLecturers(t *testing.T) {
	env := apptest.NewDemo(t)
	id := strconv.FormatInt(regID(t, env, `SELECT id FROM users WHERE role = 'trainee' ORDER BY id LIMIT 1`), 10)
	for _, role := range []string{"trainee", "lecturer"} {
		c, _ := env.LoginAs(role, "no"+role)
		for _, path := range []string{"/trainees", "/trainees/new", "/trainees/import", "/trainees/template.xlsx", "/trainees/" + id, "/trainees/" + id + "/edit"} {
			if res := c.Get(path); res.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", role, path, res.Status)
			}
		}
		for _, path := range []string{"/trainees", "/trainees/" + id, "/trainees/import/1"} {
			if res := c.Post(path, url.Values{"name": {"改名"}, "phone": {"13711110000"}, "kind": {"resident"}}); res.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d", role, path, res.Status)
			}
		}
	}
	if env.Count(`SELECT count(*) FROM users WHERE name = '改名'`) != 0 {
		t.Error("a refused request wrote")
	}
}

func TestTraineePage(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, carol := env.LoginAs("coordinator", "carol")
	ctx := context.Background()
	store := trainees.NewStore(env.DB)
	// A new trainee takes a seat in one course and waits for a full one.
	newbie := env.CreateUser("trainee", "newbie", "牛新")
	full := regID(t, env, `SELECT id FROM courses WHERE status = 'published' AND enrolled > 0 ORDER BY enrolled >= capacity DESC, id LIMIT 1`)
	env.DB.MustExec(`UPDATE courses SET capacity = enrolled WHERE id = $1`, full)
	open := regID(t, env, `SELECT id FROM courses WHERE status = 'published' AND enrolled < capacity AND id <> $1 ORDER BY id LIMIT 1`, full)
	waiting := env.Count(`SELECT count(*) FROM enrolments WHERE course_id = $1 AND status = 'waitlisted'`, full)
	for _, course := range []int64{open, full} {
		if _, err := store.Enrol(ctx, course, newbie.ID, carol.ID, true); err != nil {
			t.Fatalf("enrol in %d: %v", course, err)
		}
	}
	var title string
	if err := env.DB.Get(&title, `SELECT title FROM courses WHERE id = $1`, open); err != nil {
		t.Fatal(err)
	}
	page := "/trainees/" + strconv.FormatInt(newbie.ID, 10)
	res := coord.Get(page)
	if res.Status != http.StatusOK {
		t.Fatalf("trainee page: %d", res.Status)
	}
	for _, want := range []string{"牛新", web.MaskPhone(*newbie.Phone), "未填写资料", title, "已报名", "候补第 " + strconv.Itoa(waiting+1) + " 位", "合计 0 学时",
		"课程学时平均分配到每次课（停课不计），出勤或迟到的课次计入，请假、缺勤不计。", `href="` + page + `/edit"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the trainee page lacks %q", want)
		}
	}
	if m := wholePhone.FindString(res.Body); m != "" {
		t.Errorf("the trainee page shows a whole phone number %s", m)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}

	// The demo trainee has attended sessions: the page shows the ledger's total.
	zhang := regID(t, env, `SELECT id FROM users WHERE phone = '13900002001'`)
	ledger, err := store.Ledger(ctx, zhang, time.Now().In(web.Shanghai).Year())
	if err != nil {
		t.Fatal(err)
	}
	body := coord.Get("/trainees/" + strconv.FormatInt(zhang, 10)).Body
	total := strconv.FormatFloat(math.Round(ledger.Total*10)/10, 'f', -1, 64)
	if !strings.Contains(body, "合计 "+total+" 学时") {
		t.Errorf("the trainee page lacks the total of %s credit hours", total)
	}
	var gender string
	if err := env.DB.Get(&gender, `SELECT coalesce(gender, '') FROM trainees WHERE user_id = $1`, zhang); err != nil {
		t.Fatal(err)
	}
	if label := map[string]string{"female": "<dd>女</dd>", "male": "<dd>男</dd>", "": "<dd>未填写</dd>"}[gender]; !strings.Contains(body, label) {
		t.Errorf("the trainee page lacks the gender %s", label)
	}
	for _, l := range ledger.Lines {
		if !strings.Contains(body, l.Title) {
			t.Errorf("the ledger lacks %s", l.Title)
		}
	}
	coord.Cookies["ps_lang"] = "en"
	if res := coord.Get("/trainees/" + strconv.FormatInt(zhang, 10)); res.Status != http.StatusOK || !strings.Contains(res.Body, "credit hours in all") {
		t.Errorf("English trainee page: %d", res.Status)
	}
	delete(coord.Cookies, "ps_lang")

	// Not a trainee, or nobody: 404 alike.
	for _, id := range []int64{carol.ID, 99999999} {
		for _, path := range []string{"", "/edit"} {
			if res := coord.Get("/trainees/" + strconv.FormatInt(id, 10) + path); res.Status != http.StatusNotFound {
				t.Errorf("GET /trainees/%d%s: %d", id, path, res.Status)
			}
		}
		if res := coord.Post("/trainees/"+strconv.FormatInt(id, 10), url.Values{"name": {"改名"}, "phone": {"13711110000"}, "kind": {"resident"}}); res.Status != http.StatusNotFound {
			t.Errorf("POST /trainees/%d: %d", id, res.Status)
		}
	}
}

func TestCoordinatorEditsAProfile(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	zhang := strconv.FormatInt(regID(t, env, `SELECT id FROM users WHERE phone = '13900002001'`), 10)
	community := strconv.FormatInt(regID(t, env, `SELECT id FROM communities ORDER BY id LIMIT 1`), 10)

	form := coord.Get("/trainees/" + zhang + "/edit")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `value="13900002001"`) || !strings.Contains(form.Body, `action="/trainees/`+zhang+`"`) {
		t.Fatalf("edit form: %d, without the whole phone or the action", form.Status)
	}
	good := url.Values{"name": {"张晓梅"}, "phone": {"139 0000 2099"}, "gender": {"female"}, "community": {community},
		"organisation": {"社区居委会"}, "kind": {"party_member"}, "party_branch": {"第一党支部"}}
	res := coord.Post("/trainees/"+zhang, good)
	if res.Status != http.StatusSeeOther || res.Location != "/trainees/"+zhang+"?done=saved" {
		t.Fatalf("update: %d %s\n%s", res.Status, res.Location, res.Body)
	}
	if env.Count(`SELECT count(*) FROM users u JOIN trainees t ON t.user_id = u.id
		WHERE u.id = $1 AND u.phone = '13900002099' AND t.kind = 'party_member' AND t.party_branch = '第一党支部'
		  AND t.gender = 'female' AND t.community_id = $2 AND t.organisation = '社区居委会'`, zhang, community) != 1 {
		t.Error("the profile was not saved")
	}
	if body := coord.Get(res.Location).Body; !strings.Contains(body, "学员资料已保存") || !strings.Contains(body, "第一党支部") {
		t.Error("the trainee page does not confirm the save")
	}
	// A bad form comes back as typed; a taken phone is a field message.
	bad := url.Values{"name": {""}, "phone": {"12345"}, "kind": {"resident"}}
	if res := coord.Post("/trainees/"+zhang, bad); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="12345"`) {
		t.Errorf("a bad form: %d", res.Status)
	}
	taken := url.Values{"name": {"张晓梅"}, "phone": {"13900001001"}, "kind": {"resident"}}
	if res := coord.Post("/trainees/"+zhang, taken); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "这个手机号已被另一个账号使用") {
		t.Errorf("a taken phone: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM users WHERE id = $1 AND phone = '13900002099'`, zhang) != 1 {
		t.Error("a refused form changed the account")
	}
}

// slipPassword finds the initial passwords on a page of slips.
var slipPassword = regexp.MustCompile(`class="slip-password">([a-z0-9]+)<`)

func TestNewTraineeSignsInWithTheInitialPassword(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	if res := coord.Get("/trainees/new"); res.Status != http.StatusOK || !strings.Contains(res.Body, `action="/trainees"`) {
		t.Fatalf("new form: %d", res.Status)
	}
	before := env.Count(`SELECT count(*) FROM users`)
	bad := url.Values{"name": {"新学员"}, "phone": {"13900002001"}, "kind": {"resident"}} // 张晓梅's number
	if res := coord.Post("/trainees", bad); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "这个手机号已有账号") {
		t.Errorf("a taken phone: %d", res.Status)
	}
	if res := coord.Post("/trainees", url.Values{"name": {"新学员"}, "phone": {"1380000"}, "kind": {"resident"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad phone: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM users`) != before {
		t.Fatal("a refused form wrote an account")
	}

	res := coord.Post("/trainees", url.Values{"name": {"周新民"}, "phone": {"13812348888"}, "gender": {"male"}, "kind": {"volunteer"}})
	if res.Status != http.StatusOK {
		t.Fatalf("create: %d\n%s", res.Status, res.Body)
	}
	m := slipPassword.FindStringSubmatch(res.Body)
	u := slipUsername.FindStringSubmatch(res.Body)
	if m == nil || u == nil || !strings.Contains(res.Body, "周新民") || !strings.Contains(res.Body, "data-print") {
		t.Fatal("the result page lacks the slip with name, username, initial password and a print button")
	}
	if !strings.Contains(res.Body, "用户名一栏可以填手机号，也可以填上面的用户名") {
		t.Error("the slip does not say the phone number signs in too")
	}
	if p := wholePhone.FindString(res.Body); p != "" {
		t.Errorf("the slip page shows a whole phone number %s", p)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	if env.Count(`SELECT count(*) FROM users u JOIN trainees t ON t.user_id = u.id
		WHERE u.username = $2 AND u.phone = '13812348888' AND u.role = 'trainee' AND u.must_change_password
		  AND t.kind = 'volunteer' AND t.gender = 'male' AND position($1 in u.password_hash) = 0`, m[1], u[1]) != 1 {
		t.Error("the account and profile were not stored as expected")
	}
	// The new trainee signs in with the phone number, or the username,
	// and must choose a password first.
	for _, name := range []string{"138 1234 8888", u[1]} {
		trainee := env.Client()
		trainee.Login(name, m[1])
		if res := trainee.Get("/my/schedule"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/account") {
			t.Errorf("signed in as %s with a one-time password, /my/schedule answers %d %s", name, res.Status, res.Location)
		}
	}
}

// slipUsername finds the (generated) usernames on a page of slips.
var slipUsername = regexp.MustCompile(`<dd><code>(t[0-9]{7})</code></dd>`)

// TestTraineePageMasksAPhoneUsername: an account named after its phone
// number, before usernames were generated, shows only the masked number.
func TestTraineePageMasksAPhoneUsername(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	old := env.CreateUser("trainee", "13712345678", "老学员")
	res := coord.Get("/trainees/" + strconv.FormatInt(old.ID, 10))
	if res.Status != http.StatusOK {
		t.Fatalf("trainee page: %d", res.Status)
	}
	if !strings.Contains(res.Body, "<dd>137****5678</dd>") {
		t.Error("the trainee page lacks the masked username")
	}
	if m := wholePhone.FindString(res.Body); m != "" {
		t.Errorf("the trainee page shows a whole phone number %s", m)
	}
}

// A trainee's page lists their mentoring pairs, and their mentoring
// hours link to the pair, not to a course.
func TestTraineePageListsMentoring(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "pairs")
	var id int64
	if err := env.DB.Get(&id, `SELECT id FROM users WHERE username = 'trainee'`); err != nil {
		t.Fatal(err)
	}
	body := coord.Get("/trainees/" + itoa(id)).Body
	for _, want := range []string{"银啤苑社区 党建工作岗", "跟岗练兵 · 银啤苑社区 党建工作岗"} {
		if !strings.Contains(body, want) {
			t.Errorf("the trainee's page lacks %q", want)
		}
	}
	if strings.Contains(body, `href="/courses/0"`) {
		t.Error("a ledger line links to course 0")
	}
}
