package places_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func community(t *testing.T, env *apptest.Env, name string) int64 {
	t.Helper()
	var id int64
	if err := env.DB.Get(&id, `INSERT INTO communities (name) VALUES ($1) RETURNING id`, name); err != nil {
		t.Fatal(err)
	}
	return id
}

func venueID(t *testing.T, env *apptest.Env, name string) int64 {
	t.Helper()
	var id int64
	if err := env.DB.Get(&id, `SELECT id FROM venues WHERE name = $1`, name); err != nil {
		t.Fatalf("venue %s: %v", name, err)
	}
	return id
}

func TestCoordinatorManagesVenues(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("coordinator", "carol")
	cid := community(t, env, "幸福里社区")

	if res := c.Get("/venues/new"); res.Status != http.StatusOK || !strings.Contains(res.Body, `name="_csrf"`) || !strings.Contains(res.Body, "幸福里社区") {
		t.Fatalf("new venue form: %d", res.Status)
	}
	res := c.Post("/venues", url.Values{
		"name": {"党员活动室"}, "community": {itoa(cid)}, "address": {"幸福路 8 号"}, "seats": {"40"},
	})
	if res.Status != http.StatusSeeOther || res.Location != "/venues?done=created" {
		t.Fatalf("create: %d %q\n%s", res.Status, res.Location, res.Body)
	}
	id := venueID(t, env, "党员活动室")
	if env.Count(`SELECT count(*) FROM venues WHERE id = $1 AND community_id = $2 AND address = '幸福路 8 号' AND seats = 40 AND active`, id, cid) != 1 {
		t.Error("the venue was not saved as entered")
	}
	list := c.Get(res.Location)
	for _, want := range []string{"场地已添加", "党员活动室", "幸福里社区", "幸福路 8 号", "40 个座位", "使用中", `action="/venues/` + itoa(id) + `/delete"`} {
		if !strings.Contains(list.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}

	// Edit: the form shows what is saved; the school's own venue has no community.
	edit := c.Get("/venues/" + itoa(id) + "/edit")
	if edit.Status != http.StatusOK || !strings.Contains(edit.Body, `value="党员活动室"`) || !strings.Contains(edit.Body, `value="`+itoa(cid)+`" selected`) {
		t.Fatalf("edit form: %d", edit.Status)
	}
	res = c.Post("/venues/"+itoa(id), url.Values{"name": {"党员之家"}, "community": {""}, "address": {""}, "seats": {""}})
	if res.Status != http.StatusSeeOther || res.Location != "/venues?done=updated" {
		t.Fatalf("update: %d %q", res.Status, res.Location)
	}
	if env.Count(`SELECT count(*) FROM venues WHERE id = $1 AND name = '党员之家' AND community_id IS NULL AND address = '' AND seats IS NULL`, id) != 1 {
		t.Error("the update was not saved")
	}

	// Deactivate: gone from the default list and from the venues new
	// sessions may use, still shown when inactive ones are asked for.
	res = c.Post("/venues/"+itoa(id)+"/deactivate", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM venues WHERE id = $1 AND NOT active`, id) != 1 {
		t.Error("not deactivated")
	}
	if page := c.Get(res.Location); !strings.Contains(page.Body, "场地已停用") || !strings.Contains(page.Body, "已停用") || !strings.Contains(page.Body, `/venues/`+itoa(id)+`/activate`) {
		t.Error("after deactivating, the venue is not shown as inactive with an activate button")
	}
	if strings.Contains(c.Get("/venues").Body, "党员之家") {
		t.Error("the default list shows an inactive venue")
	}
	res = c.Post("/venues/"+itoa(id)+"/activate", nil)
	if res.Status != http.StatusSeeOther || env.Count(`SELECT count(*) FROM venues WHERE id = $1 AND active`, id) != 1 {
		t.Fatalf("activate: %d", res.Status)
	}
	if !strings.Contains(c.Get(res.Location).Body, "场地已启用") {
		t.Error("no notice after activating")
	}
}

func TestVenueFilters(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("admin", "adam")
	a, b := community(t, env, "东街社区"), community(t, env, "西街社区")
	env.DB.MustExec(`INSERT INTO venues (name, community_id) VALUES ('东街会议室', $1), ('西街会议室', $2), ('党校礼堂', NULL)`, a, b)
	env.DB.MustExec(`INSERT INTO venues (name, community_id, active) VALUES ('旧仓库', $1, false)`, a)

	tests := []struct {
		query   string
		shows   []string
		doesnt  []string
		heading string
	}{
		{"", []string{"东街会议室", "西街会议室", "党校礼堂"}, []string{"旧仓库"}, "共 3 个场地"},
		{"?inactive=1", []string{"东街会议室", "旧仓库"}, nil, "共 4 个场地"},
		{"?community=" + itoa(a), []string{"东街会议室"}, []string{"西街会议室", "党校礼堂", "旧仓库"}, "共 1 个场地"},
		{"?community=" + itoa(a) + "&inactive=1", []string{"东街会议室", "旧仓库"}, []string{"西街会议室"}, "共 2 个场地"},
		{"?community=own", []string{"党校礼堂"}, []string{"东街会议室", "西街会议室"}, "共 1 个场地"},
		{"?community=bogus&inactive=yes&page=-2", []string{"东街会议室", "西街会议室"}, []string{"旧仓库"}, "共 3 个场地"},
	}
	for _, tt := range tests {
		res := c.Get("/venues" + tt.query)
		if res.Status != http.StatusOK {
			t.Errorf("%s: status %d", tt.query, res.Status)
			continue
		}
		main := res.Body[strings.Index(res.Body, `<main`):]
		for _, s := range tt.shows {
			if !strings.Contains(main, "<strong>"+s+"</strong>") {
				t.Errorf("%s: %s missing", tt.query, s)
			}
		}
		for _, s := range tt.doesnt {
			if strings.Contains(main, "<strong>"+s+"</strong>") {
				t.Errorf("%s: %s shown", tt.query, s)
			}
		}
		if !strings.Contains(main, tt.heading) {
			t.Errorf("%s: no %q", tt.query, tt.heading)
		}
	}
	if body := c.Get("/venues?community=" + itoa(b)).Body; !strings.Contains(body, `value="`+itoa(b)+`" selected`) {
		t.Error("the chosen community is not selected in the filter")
	}
}

func TestInvalidVenueChangesNothing(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("coordinator", "carol")
	cid := community(t, env, "幸福里社区")
	env.DB.MustExec(`INSERT INTO venues (name, community_id, seats) VALUES ('会议室', $1, 20), ('活动室', $1, 30)`, cid)
	id := venueID(t, env, "活动室")
	before := env.Count(`SELECT count(*) FROM venues`)

	tests := []struct {
		name    string
		form    url.Values
		message string
	}{
		{"blank name", url.Values{"name": {"  "}, "seats": {"10"}}, "请填写场地名称"},
		{"negative seats", url.Values{"name": {"新场地"}, "seats": {"-3"}}, "座位数请填写 1–2000 之间的整数"},
		{"words for seats", url.Values{"name": {"新场地"}, "seats": {"abc"}}, "座位数请填写 1–2000 之间的整数"},
		{"unknown community", url.Values{"name": {"新场地"}, "community": {"999999"}}, "请从列表中选择所属社区"},
		{"duplicate in the community", url.Values{"name": {"会议室"}, "community": {itoa(cid)}}, "同一社区已有同名场地"},
	}
	for _, tt := range tests {
		for _, path := range []string{"/venues", "/venues/" + itoa(id)} {
			res := c.Post(path, tt.form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s, POST %s: status %d, want 422", tt.name, path, res.Status)
				continue
			}
			if !strings.Contains(res.Body, tt.message) || !strings.Contains(res.Body, "请按提示修改后再提交") {
				t.Errorf("%s, POST %s: the message %q is missing", tt.name, path, tt.message)
			}
			// The form comes back as typed.
			if n := tt.form.Get("seats"); n != "" && !strings.Contains(res.Body, `value="`+n+`"`) {
				t.Errorf("%s, POST %s: seats not re-rendered as typed", tt.name, path)
			}
		}
	}
	if n := env.Count(`SELECT count(*) FROM venues`); n != before {
		t.Errorf("%d venues after invalid posts, want %d", n, before)
	}
	if env.Count(`SELECT count(*) FROM venues WHERE id = $1 AND name = '活动室' AND community_id = $2 AND seats = 30`, id, cid) != 1 {
		t.Error("an invalid update changed the venue")
	}
	// The same name is allowed in another community, and as the school's own.
	if res := c.Post("/venues", url.Values{"name": {"会议室"}}); res.Status != http.StatusSeeOther {
		t.Errorf("same name as the school's own venue: %d", res.Status)
	}
}

func TestVenuesAreForStaffOnly(t *testing.T) {
	env := apptest.New(t)
	trainee, _ := env.LoginAs("trainee", "tina")
	lecturer, _ := env.LoginAs("lecturer", "leo")
	env.DB.MustExec(`INSERT INTO venues (name) VALUES ('礼堂')`)
	id := itoa(venueID(t, env, "礼堂"))

	for _, who := range []*apptest.Client{trainee, lecturer} {
		for _, path := range []string{"/venues", "/venues/new", "/venues/" + id + "/edit"} {
			if res := who.Get(path); res.Status != http.StatusForbidden {
				t.Errorf("GET %s: %d, want 403", path, res.Status)
			}
		}
		for _, path := range []string{"/venues", "/venues/" + id, "/venues/" + id + "/deactivate", "/venues/" + id + "/delete"} {
			if res := who.Post(path, url.Values{"name": {"入侵者"}}); res.Status != http.StatusForbidden {
				t.Errorf("POST %s: %d, want 403", path, res.Status)
			}
		}
	}
	if env.Count(`SELECT count(*) FROM venues WHERE name = '礼堂' AND active`) != 1 || env.Count(`SELECT count(*) FROM venues`) != 1 {
		t.Error("a trainee or lecturer changed the venues")
	}
	if res := env.Client().Get("/venues"); res.Status != http.StatusSeeOther {
		t.Errorf("anonymous GET /venues: %d, want 303 to sign in", res.Status)
	}
}

func TestMissingVenueIsNotFound(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("coordinator", "carol")
	for _, id := range []string{"999999", "abc", "0", "99999999999999999999"} {
		if res := c.Get("/venues/" + id + "/edit"); res.Status != http.StatusNotFound {
			t.Errorf("GET edit %s: %d, want 404", id, res.Status)
		}
		for _, action := range []string{"", "/deactivate", "/activate", "/delete"} {
			path := "/venues/" + id + action
			if res := c.Post(path, url.Values{"name": {"x"}}); res.Status != http.StatusNotFound {
				t.Errorf("POST %s: %d, want 404", path, res.Status)
			}
		}
	}
	if env.Count(`SELECT count(*) FROM venues`) != 0 {
		t.Error("a post to a missing venue created one")
	}
}

func TestDeleteVenue(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("coordinator", "carol")
	env.DB.MustExec(`INSERT INTO venues (name) VALUES ('礼堂'), ('空教室')`)
	used, unused := venueID(t, env, "礼堂"), venueID(t, env, "空教室")
	env.DB.MustExec(`
		WITH course AS (
			INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours)
			VALUES ('PS-1', '党史学习', 'policy', 30, '2026-03-01', '2026-03-31', '2026-02-01', '2026-02-28', 8)
			RETURNING id),
		lecturer AS (
			INSERT INTO lecturers (name, team) VALUES ('王老师', 'expert') RETURNING id)
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at)
		SELECT course.id, lecturer.id, $1, '2026-03-02 19:00+08', '2026-03-02 21:00+08' FROM course, lecturer`, used)

	res := c.Post("/venues/"+itoa(used)+"/delete", nil)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "该场地已有课次安排，不能删除") {
		t.Errorf("deleting a venue with sessions: %d", res.Status)
	}
	if !strings.Contains(res.Body, `<strong>礼堂</strong>`) {
		t.Error("the refusal does not show the list")
	}
	if env.Count(`SELECT count(*) FROM venues WHERE id = $1`, used) != 1 {
		t.Error("the venue with sessions was deleted")
	}

	res = c.Post("/venues/"+itoa(unused)+"/delete", nil)
	if res.Status != http.StatusSeeOther || res.Location != "/venues?done=deleted" {
		t.Fatalf("deleting an unused venue: %d %q", res.Status, res.Location)
	}
	if env.Count(`SELECT count(*) FROM venues WHERE id = $1`, unused) != 0 {
		t.Error("the unused venue is still there")
	}
	if !strings.Contains(c.Get(res.Location).Body, "场地已删除") {
		t.Error("no notice after deleting")
	}
	if res := c.Post("/venues/"+itoa(unused)+"/delete", nil); res.Status != http.StatusNotFound {
		t.Errorf("deleting it again: %d, want 404", res.Status)
	}
}

// TestVenuePagesSpeakEnglish: every string of the pages has an English
// version, so no page shows a raw key or falls back to Chinese.
func TestVenuePagesSpeakEnglish(t *testing.T) {
	env := apptest.New(t)
	c, _ := env.LoginAs("coordinator", "carol")
	c.Post("/preferences/language", url.Values{"lang": {"en"}})
	env.DB.MustExec(`INSERT INTO venues (name, seats) VALUES ('Hall', 12)`)
	for _, res := range []*apptest.Response{
		c.Get("/venues"), c.Get("/venues/new"),
		c.Post("/venues", url.Values{"name": {""}, "seats": {"x"}, "community": {"1"}}),
	} {
		if strings.Contains(res.Body, "venues.") || strings.Contains(res.Body, "场地") {
			t.Errorf("an English page shows a raw key or Chinese text:\n%s", res.Body)
		}
	}
	if body := c.Get("/venues").Body; !strings.Contains(body, ">Venues</a>") || !strings.Contains(body, "12 seats") {
		t.Error("the English list lacks its navigation link or seat count")
	}
}
