package settings_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/settings"
)

func TestParseAuditRetention(t *testing.T) {
	valid := settings.Form{Name: "社区党校", CreditHourTarget: "32", AttendanceLockDays: "7", CheckinOpensMinutes: "30", CheckinGraceMinutes: "10"}
	tests := []struct {
		in   string
		want int
		err  string
	}{
		{"3", 3, ""},
		{"1", 1, ""},
		{" 30 ", 30, ""},
		{"５", 5, ""}, // a full-width digit
		{"0", 0, "settings.retention.invalid"},
		{"31", 0, "settings.retention.invalid"},
		{"-3", 0, "settings.retention.invalid"},
		{"2.5", 0, "settings.retention.invalid"},
		{"three", 0, "settings.retention.invalid"},
		{"", 0, "settings.retention.required"},
	}
	for _, tt := range tests {
		f := valid
		f.AuditRetentionYears = tt.in
		sc, errs := f.Parse()
		if got := errs["audit_retention_years"]; got != tt.err || len(errs) > 1 {
			t.Errorf("%q: messages %v, want %q", tt.in, errs, tt.err)
		}
		if tt.err == "" && sc.AuditRetentionYears != tt.want {
			t.Errorf("%q: %d years, want %d", tt.in, sc.AuditRetentionYears, tt.want)
		}
	}
}

// TestAuditRetentionSetting: the admin sees the retention (3 years at
// first) beside a link to the audit log, bad values come back with their
// message in either language and change nothing, a saved change is in the
// audit log with who made it, and a save that leaves it alone adds no entry.
func TestAuditRetentionSetting(t *testing.T) {
	env := apptest.New(t)
	admin, boss := env.LoginAs("admin", "boss")
	years := func() int {
		t.Helper()
		var n int
		if err := env.DB.Get(&n, `SELECT audit_retention_years FROM school_settings`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	res := admin.Get("/admin/settings")
	for _, want := range []string{`name="audit_retention_years" value="3"`, "审计日志保存年限", `href="/admin/audit"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the settings page lacks %q", want)
		}
	}
	var name string
	env.DB.Get(&name, `SELECT school_name FROM school_settings`)
	form := func(v string) url.Values {
		return url.Values{"school_name": {name}, "credit_hour_target": {"32"}, "attendance_lock_days": {"7"},
			"checkin_opens_minutes": {"30"}, "checkin_grace_minutes": {"10"}, "audit_retention_years": {v}}
	}
	for v, msg := range map[string]string{"0": "1–30 之间的整数", "31": "1–30 之间的整数", "x": "1–30 之间的整数", "": "请填写审计日志保存年限"} {
		res := admin.Post("/admin/settings", form(v))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, msg) || !strings.Contains(res.Body, `name="audit_retention_years" value="`+v+`"`) {
			t.Errorf("retention %q: %d, want 422 with %q and the value as typed", v, res.Status, msg)
		}
	}
	en := env.Client()
	for k, v := range admin.Cookies {
		en.Cookies[k] = v
	}
	en.Cookies["ps_lang"] = "en"
	if res := en.Post("/admin/settings", form("0")); !strings.Contains(res.Body, "whole number of years from 1 to 30") {
		t.Error("the English page lacks the retention's message")
	}
	if years() != 3 {
		t.Fatalf("refused forms changed the retention to %d", years())
	}

	if res := admin.Post("/admin/settings", form("5")); res.Status != http.StatusSeeOther || years() != 5 {
		t.Fatalf("save 5 years: %d, retention %d", res.Status, years())
	}
	admin.Post("/admin/settings", form("5"))
	var entries []struct {
		Actor int64  `db:"actor_id"`
		From  string `db:"from_years"`
		To    string `db:"to_years"`
	}
	if err := env.DB.Select(&entries, `
		SELECT actor_id, details->>'from_years' AS from_years, details->>'to_years' AS to_years
		FROM audit_log WHERE action = 'audit_log.retention'`); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != boss.ID || entries[0].From != "3" || entries[0].To != "5" {
		t.Errorf("retention changes in the audit log: %+v, want one by the admin from 3 to 5", entries)
	}
	// A form from before the field was on the page keeps the retention.
	f := form("")
	f.Del("audit_retention_years")
	if res := admin.Post("/admin/settings", f); res.Status != http.StatusSeeOther || years() != 5 {
		t.Errorf("a form without the field: %d, retention %d; want it kept at 5", res.Status, years())
	}
}
