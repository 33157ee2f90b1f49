package auth_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"partyschool/app/apptest"
)

// auditRow is one entry of the audit log as the tests read it.
type auditRow struct {
	Actor   *int64  `db:"actor_id"`
	Object  string  `db:"object"`
	Reason  *string `db:"reason"`
	Role    *string `db:"role"`
	Address *string `db:"client_ip"`
}

// entries returns the audit log's entries of one action, oldest first.
func entries(t *testing.T, env *apptest.Env, action string) []auditRow {
	t.Helper()
	var rows []auditRow
	err := env.DB.Select(&rows, `
		SELECT actor_id, object, details->>'reason' AS reason, details->>'role' AS role, host(client_ip) AS client_ip
		FROM audit_log WHERE action = $1 ORDER BY id`, action)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSignInsAreAudited: a sign-in, a wrong password, an unknown account
// and a disabled account's sign-in each add one entry with the account (if
// any) and the address; neither the password nor what was typed as an
// unknown username is kept. Throttled attempts add none.
func TestSignInsAreAudited(t *testing.T) {
	env := apptest.New(t)
	anna := env.CreateUser("trainee", "anna", "安娜")
	ben := env.CreateUser("trainee", "ben", "本")
	if _, err := env.DB.Exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, ben.ID); err != nil {
		t.Fatal(err)
	}
	post := func(username, password, from string) int {
		c := env.Client()
		c.IP = from
		return c.Post("/login", url.Values{"username": {username}, "password": {password}}).Status
	}
	if got := post("anna", apptest.Password, "198.51.100.7"); got != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", got)
	}
	post("anna", "a wrong password typed", "198.51.100.8")
	post("correct horse battery", "anything at all", "198.51.100.9") // a password in the name box
	post("ben", apptest.Password, "198.51.100.10")

	ok := entries(t, env, "auth.login")
	if len(ok) != 1 || ok[0].Actor == nil || *ok[0].Actor != anna.ID || ok[0].Object != fmt.Sprintf("user %d", anna.ID) ||
		ok[0].Address == nil || *ok[0].Address != "198.51.100.7" {
		t.Errorf("sign-ins in the audit log: %+v, want anna's from 198.51.100.7", ok)
	}
	failed := entries(t, env, "auth.login_failed")
	want := []struct {
		object, reason, address string
	}{
		{fmt.Sprintf("user %d", anna.ID), "password", "198.51.100.8"},
		{"", "unknown account", "198.51.100.9"},
		{fmt.Sprintf("user %d", ben.ID), "disabled", "198.51.100.10"},
	}
	if len(failed) != len(want) {
		t.Fatalf("%d refused sign-ins in the audit log, want %d: %+v", len(failed), len(want), failed)
	}
	for i, w := range want {
		f := failed[i]
		if f.Actor != nil || f.Object != w.object || f.Reason == nil || *f.Reason != w.reason || f.Address == nil || *f.Address != w.address {
			t.Errorf("refused sign-in %d: %+v, want %+v and no actor", i, f, w)
		}
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE (audit_log)::text LIKE '%wrong password typed%' OR (audit_log)::text LIKE '%horse%'`); n != 0 {
		t.Errorf("%d audit entries hold what was typed as a password", n)
	}

	// Throttled attempts check no password and add no entry.
	before := env.Count(`SELECT count(*) FROM audit_log`)
	for range 8 {
		post("anna", "guess", "198.51.100.11")
	}
	if got := env.Count(`SELECT count(*) FROM audit_log`) - before; got >= 8 {
		t.Errorf("8 attempts, most of them throttled, added %d entries", got)
	}
}

// TestAccountChangesAreAudited: an admin's role change, disabling and
// enabling, and a user's own password change are each in the audit log,
// with who did it to whom; the password is not.
func TestAccountChangesAreAudited(t *testing.T) {
	env := apptest.New(t)
	admin, boss := env.LoginAs("admin", "boss")
	carol := env.CreateUser("trainee", "carol", "卡罗")
	id := fmt.Sprint(carol.ID)
	for _, step := range []struct{ path, role string }{
		{"/users/" + id + "/role", "coordinator"}, {"/users/" + id + "/disable", ""}, {"/users/" + id + "/enable", ""},
	} {
		if res := admin.Post(step.path, url.Values{"role": {step.role}}); res.Status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", step.path, res.Status)
		}
	}
	object := "user " + id
	for action, role := range map[string]string{"user.role": "coordinator", "user.disable": "", "user.enable": ""} {
		got := entries(t, env, action)
		if len(got) != 1 || got[0].Actor == nil || *got[0].Actor != boss.ID || got[0].Object != object {
			t.Errorf("%s in the audit log: %+v, want one by the admin about %s", action, got, object)
			continue
		}
		if role != "" && (got[0].Role == nil || *got[0].Role != role) {
			t.Errorf("%s: role %v, want %s", action, got[0].Role, role)
		}
	}

	c := env.Client()
	c.Login("carol", apptest.Password)
	const next = "a brand new passphrase"
	res := c.Post("/account/password", url.Values{"current": {apptest.Password}, "password": {next}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("password change: %d", res.Status)
	}
	got := entries(t, env, "user.password")
	if len(got) != 1 || got[0].Actor == nil || *got[0].Actor != carol.ID || got[0].Object != object {
		t.Errorf("password changes in the audit log: %+v, want carol's own", got)
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE (audit_log)::text LIKE '%' || $1 || '%'`, next); n != 0 {
		t.Errorf("the new password is in the audit log")
	}
}
