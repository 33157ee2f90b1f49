package audit_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"partyschool/app/apptest"
	"partyschool/audit"
)

// TestAuditPageAccess: only admins search the log; other roles get the
// 403 page and visitors the way to sign in.
func TestAuditPageAccess(t *testing.T) {
	env := apptest.New(t)
	for role, want := range map[string]int{"admin": 200, "coordinator": 403, "lecturer": 403, "trainee": 403} {
		c, _ := env.LoginAs(role, "audit"+role)
		if res := c.Get("/admin/audit"); res.Status != want {
			t.Errorf("%s: status %d, want %d", role, res.Status, want)
		}
	}
	res := env.Client().Get("/admin/audit?action=auth")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login?next=") {
		t.Errorf("anonymous: status %d location %q, want the login page", res.Status, res.Location)
	}
}

// TestAuditPageShowsEntries: the page shows who did what to whom, with the
// details, the address and the time in Beijing, newest first; what people
// typed into details is escaped; the filters of the form narrow it.
func TestAuditPageShowsEntries(t *testing.T) {
	env := apptest.New(t)
	admin, boss := env.LoginAs("admin", "boss")
	anna := env.CreateUser("trainee", "anna", "安娜")
	ctx := context.Background()
	if _, err := env.DB.Exec(`UPDATE users SET name = '老板' WHERE id = $1`, boss.ID); err != nil {
		t.Fatal(err)
	}
	// 16:30 UTC is half past midnight the next day in Beijing.
	at := time.Date(2026, 3, 1, 16, 30, 5, 0, time.UTC)
	_, err := env.DB.Exec(`
		INSERT INTO audit_log (at, actor_id, action, object, details, client_ip)
		VALUES ($1, $2, 'certificate.revoke', 'CCHY-2026-000007', $3, '2001:db8::7')`,
		at, boss.ID, `{"reason": "<script>alert(1)</script> 写错了名字，电话 13812345678", "course": {"code": "K1"}}`)
	if err != nil {
		t.Fatal(err)
	}
	err = audit.Record(ctx, env.DB, audit.Entry{ActorID: boss.ID, Action: "user.disable", Object: "user " + itoa(anna.ID), ClientIP: "198.51.100.9"})
	if err != nil {
		t.Fatal(err)
	}

	res := admin.Get("/admin/audit")
	if res.Status != http.StatusOK {
		t.Fatalf("audit page: %d", res.Status)
	}
	for _, want := range []string{
		"撤销证书", "certificate.revoke", "老板", "CCHY-2026-000007", "2026-03-02 00:30:05", "2001:db8::7",
		"&lt;script&gt;alert(1)&lt;/script&gt; 写错了名字，电话 138****5678", `{&#34;code&#34;:&#34;K1&#34;}`,
		"停用账户", "user " + itoa(anna.ID) + " · 安娜", "198.51.100.9",
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "<script>alert") {
		t.Error("the details are not escaped")
	}
	if strings.Contains(res.Body, "13812345678") {
		t.Error("a whole phone number is on the page")
	}
	if strings.Index(res.Body, "停用账户") > strings.Index(res.Body, "撤销证书") {
		t.Error("the newest entry is not first")
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	for query, want := range map[string]struct{ in, out string }{
		"action=certificate":              {"CCHY-2026-000007", "停用账户"},
		"action=user.*":                   {"停用账户", "CCHY-2026-000007"},
		"object=" + url.QueryEscape("安娜"): {"停用账户", "CCHY-2026-000007"},
		"to=2026-03-01":                   {"没有符合条件的记录", "CCHY-2026-000007"},
		"from=2026-03-02&to=2026-03-02":   {"CCHY-2026-000007", "停用账户"},
		"actor=" + url.QueryEscape("老板"):  {"CCHY-2026-000007", "没有符合条件的记录"},
	} {
		res := admin.Get("/admin/audit?" + query)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, want.in) || strings.Contains(res.Body, want.out) {
			t.Errorf("%s: status %d; want %q and not %q", query, res.Status, want.in, want.out)
		}
	}
	for query, msg := range map[string]string{
		"from=yesterday":                "请按“年-月-日”填写日期",
		"from=2026-03-05&to=2026-03-01": "截止日期不能早于起始日期",
		"action=" + url.QueryEscape("auth'; DROP TABLE audit_log; --"): "操作代码只含小写字母",
	} {
		res := admin.Get("/admin/audit?" + query)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, msg) {
			t.Errorf("%s: status %d, want 422 with %q", query, res.Status, msg)
		}
	}

	en := env.Client()
	for k, v := range admin.Cookies {
		en.Cookies[k] = v
	}
	en.Cookies["ps_lang"] = "en"
	if res := en.Get("/admin/audit"); !strings.Contains(res.Body, "Certificate revoked") || !strings.Contains(res.Body, "Audit log") {
		t.Error("the English page lacks the action's name or its title")
	}
}

// TestAuditPagePages: more entries than a page hold are reached through
// the older and newer links, which keep the filter.
func TestAuditPagePages(t *testing.T) {
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "boss")
	_, err := env.DB.Exec(`
		INSERT INTO audit_log (at, action, object)
		SELECT now() - make_interval(mins => g), 'test.entry', 'entry ' || g FROM generate_series(1, 60) g`)
	if err != nil {
		t.Fatal(err)
	}
	first := admin.Get("/admin/audit?action=test")
	if !strings.Contains(first.Body, ">entry 1<") || strings.Contains(first.Body, ">entry 51<") || strings.Contains(first.Body, `rel="prev"`) {
		t.Fatal("the first page does not hold the newest fifty, or offers newer ones")
	}
	older := link(t, first.Body, `rel="next"`)
	if !strings.Contains(older, "action=test") {
		t.Errorf("the older link %q drops the filter", older)
	}
	second := admin.Get(older)
	if !strings.Contains(second.Body, ">entry 60<") || strings.Contains(second.Body, ">entry 50<") || strings.Contains(second.Body, `rel="next"`) {
		t.Error("the second page does not hold the oldest ten alone")
	}
	back := admin.Get(link(t, second.Body, `rel="prev"`))
	if !strings.Contains(back.Body, ">entry 50<") || strings.Contains(back.Body, ">entry 51<") {
		t.Error("the newer link does not lead back to the first page")
	}
}

// link returns the href of the anchor carrying attr on the page.
func link(t *testing.T, body, attr string) string {
	t.Helper()
	i := strings.Index(body, attr)
	if i < 0 {
		t.Fatalf("no link with %s", attr)
	}
	start := strings.LastIndex(body[:i], `href="`)
	href := body[start+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	return strings.ReplaceAll(href, "&amp;", "&")
}
