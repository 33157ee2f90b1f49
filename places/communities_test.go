package places_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partyschool/app/apptest"
)

func TestCoordinatorKeepsTheCommunities(t *testing.T) {
	env := apptest.New(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	if res := coord.Post("/communities", url.Values{"name": {"新华社区"}, "district": {"城北街道"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", res.Status, res.Body)
	}
	var id int64
	env.DB.Get(&id, `SELECT id FROM communities WHERE name = '新华社区' AND district = '城北街道'`)
	if id == 0 {
		t.Fatal("community not stored")
	}
	page := coord.Get("/communities")
	if !strings.Contains(page.Body, "新华社区") || !strings.Contains(page.Body, "场地 0 个") {
		t.Error("the list lacks the new community and its use")
	}
	bad := []struct {
		form url.Values
		want string
	}{
		{url.Values{"name": {"  "}}, "请填写社区名称"},
		{url.Values{"name": {strings.Repeat("社", 61)}}, "不能超过 60 个字"},
		{url.Values{"name": {"新华社区"}}, "已有同名社区"},
	}
	for _, b := range bad {
		if res := coord.Post("/communities", b.form); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, b.want) {
			t.Errorf("%v: %d, want 422 with %q", b.form, res.Status, b.want)
		}
	}
	if env.Count(`SELECT count(*) FROM communities`) != 1 {
		t.Error("a refused form added a community")
	}
	sid := strconv.FormatInt(id, 10)
	if res := coord.Post("/communities/"+sid, url.Values{"name": {"新华里社区"}, "district": {"城北街道"}}); res.Status != http.StatusSeeOther {
		t.Errorf("rename: %d", res.Status)
	}
	// In use by a venue: kept, with a message; unused: deleted.
	env.DB.MustExec(`INSERT INTO venues (name, community_id) VALUES ('邻里驿站', $1)`, id)
	if res := coord.Post("/communities/"+sid+"/delete", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不能删除") {
		t.Errorf("deleting a community in use: %d", res.Status)
	}
	env.DB.MustExec(`DELETE FROM venues`)
	if res := coord.Post("/communities/"+sid+"/delete", nil); res.Status != http.StatusSeeOther || env.Count(`SELECT count(*) FROM communities`) != 0 {
		t.Errorf("delete: %d", res.Status)
	}
	for _, path := range []string{"/communities/999999", "/communities/999999/delete"} {
		if res := coord.Post(path, url.Values{"name": {"x"}}); res.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, res.Status)
		}
	}
	for _, role := range []string{"trainee", "lecturer"} {
		c, _ := env.LoginAs(role, "c"+role)
		if res := c.Get("/communities"); res.Status != http.StatusForbidden {
			t.Errorf("%s GET /communities: %d", role, res.Status)
		}
		if res := c.Post("/communities", url.Values{"name": {"黑客社区"}}); res.Status != http.StatusForbidden {
			t.Errorf("%s POST /communities: %d", role, res.Status)
		}
	}
}
