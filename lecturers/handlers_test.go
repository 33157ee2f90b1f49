package lecturers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/seed"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type person struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Phone string `db:"phone"`
}

func lecturer(t *testing.T, env *apptest.Env, where string) person {
	t.Helper()
	var p person
	if err := env.DB.Get(&p, `SELECT id, name, phone FROM lecturers WHERE `+where+` ORDER BY id LIMIT 1`); err != nil {
		t.Fatalf("lecturer %s: %v", where, err)
	}
	return p
}

func TestRosterShowsTeamsAndHidesWhatThePublicNeedNotSee(t *testing.T) {
	env := apptest.NewDemo(t)
	active := lecturer(t, env, "active")
	inactive := lecturer(t, env, "NOT active")

	anon := env.Client().Get("/lecturers?status=all")
	for _, want := range []string{"专家讲师", "草根讲师", "夕阳红讲师", active.Name} {
		if !strings.Contains(anon.Body, want) {
			t.Errorf("the public roster lacks %s", want)
		}
	}
	if strings.Contains(anon.Body, inactive.Name) {
		t.Error("the public roster shows an inactive lecturer")
	}
	if strings.Contains(anon.Body, active.Phone) || strings.Contains(anon.Body, active.Phone[:3]+"****") {
		t.Error("the public roster shows phone numbers")
	}
	if res := env.Client().Get("/lecturers/" + itoa(inactive.ID)); res.Status != http.StatusNotFound {
		t.Errorf("an inactive lecturer's page for the public: %d", res.Status)
	}

	coord, _ := env.LoginAs("coordinator", "carol")
	res := coord.Get("/lecturers?status=all")
	if !strings.Contains(res.Body, inactive.Name) {
		t.Error("the coordinator's roster misses the inactive lecturer")
	}
	masked := active.Phone[:3] + "****" + active.Phone[7:]
	if !strings.Contains(res.Body, masked) || strings.Contains(res.Body, active.Phone) {
		t.Errorf("phones are not masked as %s", masked)
	}
	// Filters by team and topic.
	res = coord.Get("/lecturers?team=senior")
	if strings.Contains(res.Body, `<span class="badge">专家讲师</span>`) {
		t.Error("the team filter lets other teams through")
	}
	var topic string
	env.DB.Get(&topic, `SELECT topics[1] FROM lecturers WHERE id = $1`, active.ID)
	if res := coord.Get("/lecturers?topic=" + url.QueryEscape(topic)); !strings.Contains(res.Body, active.Name) {
		t.Errorf("the topic filter %s misses %s", topic, active.Name)
	}
}

func TestCoordinatorKeepsTheRoster(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	form := url.Values{
		"name": {"韩秀云"}, "team": {"grassroots"}, "title": {"社区党委副书记"}, "organisation": {"福通社区党委"},
		"phone": {"138 0013 8000"}, "topics": {"议事协商、矛盾调解，议事协商"}, "bio": {"长期在社区一线。"},
	}
	res := coord.Post("/lecturers", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if env.Count(`SELECT count(*) FROM lecturers WHERE name = '韩秀云' AND phone = '13800138000' AND topics = '{议事协商,矛盾调解}'`) != 1 {
		t.Fatal("lecturer not stored as entered")
	}
	id := lecturer(t, env, "name = '韩秀云'").ID

	bad := []struct{ field, value, want string }{
		{"name", " ", "请填写姓名"},
		{"team", "expertise", "请选择讲师队伍"},
		{"phone", "12345", "手机号格式不正确"},
		{"phone", "13900001001", "已有讲师使用这个手机号"},
		{"username", "nobody", "没有这个讲师账户"},
		{"username", "lecturer", "已关联其他讲师"},
		{"community", "999999", "请从列表中选择社区"},
	}
	for _, b := range bad {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set(b.field, b.value)
		res := coord.Post("/lecturers/"+itoa(id), f)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, b.want) {
			t.Errorf("%s=%q: %d, want 422 with %q", b.field, b.value, res.Status, b.want)
		}
	}
	if env.Count(`SELECT count(*) FROM lecturers WHERE id = $1 AND phone = '13800138000' AND user_id IS NULL`, id) != 1 {
		t.Error("a refused edit changed the lecturer")
	}

	// Link an account: that lecturer then sees their teaching.
	env.CreateUser("lecturer", "hanxy", "韩秀云")
	form.Set("username", "hanxy")
	if res := coord.Post("/lecturers/"+itoa(id), form); res.Status != http.StatusSeeOther {
		t.Fatalf("link account: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM lecturers l JOIN users u ON u.id = l.user_id WHERE l.id = $1 AND u.username = 'hanxy'`, id) != 1 {
		t.Error("account not linked")
	}

	// Deactivate, reactivate; delete works for someone who never taught.
	coord.Post("/lecturers/"+itoa(id)+"/deactivate", nil)
	if env.Count(`SELECT count(*) FROM lecturers WHERE id = $1 AND NOT active`, id) != 1 {
		t.Error("not deactivated")
	}
	coord.Post("/lecturers/"+itoa(id)+"/activate", nil)
	if res := coord.Post("/lecturers/"+itoa(id)+"/delete", nil); res.Status != http.StatusSeeOther || env.Count(`SELECT count(*) FROM lecturers WHERE id = $1`, id) != 0 {
		t.Errorf("delete: %d", res.Status)
	}
	// Someone with sessions is kept, with a message.
	busy := lecturer(t, env, "EXISTS (SELECT 1 FROM course_sessions s WHERE s.lecturer_id = lecturers.id)")
	res = coord.Post("/lecturers/"+itoa(busy.ID)+"/delete", nil)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不能删除") {
		t.Errorf("deleting a lecturer with sessions: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM lecturers WHERE id = $1`, busy.ID) != 1 {
		t.Error("the busy lecturer was deleted")
	}
	for _, path := range []string{"/lecturers/999999", "/lecturers/0", "/lecturers/abc/edit"} {
		if res := coord.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.Status)
		}
	}
	if res := coord.Post("/lecturers/999999", form); res.Status != http.StatusNotFound {
		t.Errorf("updating a missing lecturer: %d", res.Status)
	}
}

func TestLecturerPage(t *testing.T) {
	env := apptest.NewDemo(t)
	busy := lecturer(t, env, `active AND EXISTS (SELECT 1 FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE s.lecturer_id = lecturers.id AND s.starts_at > now() AND c.status = 'published')`)
	var course string
	env.DB.Get(&course, `SELECT c.title FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE s.lecturer_id = $1 AND s.starts_at > now() AND c.status = 'published' ORDER BY s.starts_at LIMIT 1`, busy.ID)
	res := env.Client().Get("/lecturers/" + itoa(busy.ID))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, busy.Name) || !strings.Contains(res.Body, course) {
		t.Errorf("lecturer page: %d, want %s teaching %s", res.Status, busy.Name, course)
	}
	if !strings.Contains(res.Body, "已授课学时") || !strings.Contains(res.Body, "/calendar/lecturers/"+itoa(busy.ID)+".ics") {
		t.Error("no hours taught or calendar link")
	}
}

func TestOnlyCoordinatorsChangeTheRoster(t *testing.T) {
	env := apptest.NewDemo(t)
	someone := lecturer(t, env, "active")
	for _, role := range []string{"trainee", "lecturer"} {
		c, _ := env.LoginAs(role, "r"+role)
		for _, path := range []string{"/lecturers/new", "/lecturers/" + itoa(someone.ID) + "/edit"} {
			if res := c.Get(path); res.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", role, path, res.Status)
			}
		}
		for _, path := range []string{"/lecturers", "/lecturers/" + itoa(someone.ID), "/lecturers/" + itoa(someone.ID) + "/deactivate", "/lecturers/" + itoa(someone.ID) + "/delete"} {
			if res := c.Post(path, url.Values{"name": {"x"}, "team": {"expert"}}); res.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d", role, path, res.Status)
			}
		}
	}
	if env.Count(`SELECT count(*) FROM lecturers WHERE id = $1 AND active AND name = $2`, someone.ID, someone.Name) != 1 {
		t.Error("a refused request changed the lecturer")
	}
}

func TestLecturersKeepTheirOwnProfile(t *testing.T) {
	env := apptest.NewDemo(t)
	me := env.Client()
	me.Login("lecturer", seed.DemoPassword)
	mine := lecturer(t, env, "user_id = (SELECT id FROM users WHERE username = 'lecturer')")
	if res := me.Get("/my/profile"); res.Status != http.StatusOK || !strings.Contains(res.Body, mine.Name) {
		t.Fatalf("profile page: %d", res.Status)
	}
	// Only the four profile fields are read: the team and name stay.
	res := me.Post("/my/profile", url.Values{
		"title": {"市委党校教授"}, "organisation": {"市委党校"}, "topics": {"党史学习、民法典"}, "bio": {"讲党史三十年。"},
		"team": {"senior"}, "name": {"冒名"}, "phone": {"13800000000"},
	})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.Status, res.Body)
	}
	if env.Count(`SELECT count(*) FROM lecturers WHERE id = $1 AND title = '市委党校教授' AND topics = '{党史学习,民法典}'
		AND bio = '讲党史三十年。' AND team = 'expert' AND name = $2 AND phone = $3`, mine.ID, mine.Name, mine.Phone) != 1 {
		t.Error("the profile was not saved as entered, or a coordinator's field changed")
	}
	if res := me.Post("/my/profile", url.Values{"topics": {strings.Repeat("长", 21)}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不能超过 20 个字") {
		t.Errorf("a topic too long: %d", res.Status)
	}
	// Someone not on the roster has nothing to edit; other roles may not come.
	unlinked, _ := env.LoginAs("lecturer", "newcomer")
	if res := unlinked.Get("/my/profile"); res.Status != http.StatusOK || !strings.Contains(res.Body, "还没有关联到讲师名单") {
		t.Errorf("an unlinked lecturer's profile page: %d", res.Status)
	}
	if res := unlinked.Post("/my/profile", url.Values{"bio": {"x"}}); res.Status != http.StatusNotFound {
		t.Errorf("an unlinked lecturer saves a profile: %d", res.Status)
	}
	// A coordinator has no profile page; a trainee's is their trainee
	// profile, which a lecturer's fields do not fill in.
	coord, _ := env.LoginAs("coordinator", "pcoordinator")
	if res := coord.Post("/my/profile", url.Values{"bio": {"x"}}); res.Status != http.StatusForbidden {
		t.Errorf("a coordinator saves a lecturer profile: %d", res.Status)
	}
	trainee, _ := env.LoginAs("trainee", "ptrainee")
	before := env.Count(`SELECT count(*) FROM lecturers WHERE bio = 'x'`)
	if res := trainee.Post("/my/profile", url.Values{"bio": {"x"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("a trainee posts a lecturer's profile form: %d, want their own form refused", res.Status)
	}
	if env.Count(`SELECT count(*) FROM lecturers WHERE bio = 'x'`) != before {
		t.Error("a trainee changed a lecturer's profile")
	}
}
