package settings_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/settings"
)

func TestParseCreditHourTarget(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  string // the message key, or "" when valid
	}{
		{"32", 32, ""},
		{" 24.5 ", 24.5, ""},
		{"0", 0, ""},
		{"999", 999, ""},
		{"999.0", 999, ""},
		{"０.3", 0.3, ""}, // a full-width digit
		{"", 0, "settings.target.required"},
		{"abc", 0, "settings.target.invalid"},
		{"32.25", 0, "settings.target.invalid"},
		{"-1", 0, "settings.target.invalid"},
		{"999.1", 0, "settings.target.invalid"},
		{"1e2", 0, "settings.target.invalid"},
		{"Inf", 0, "settings.target.invalid"},
		{"NaN", 0, "settings.target.invalid"},
		{"32,5", 0, "settings.target.invalid"},
	}
	for _, tt := range tests {
		sc, errs := settings.Form{Name: "社区党校", CreditHourTarget: tt.in}.Parse()
		if got := errs["credit_hour_target"]; got != tt.err {
			t.Errorf("%q: message %q, want %q", tt.in, got, tt.err)
		}
		if tt.err == "" && sc.CreditHourTarget != tt.want {
			t.Errorf("%q: target %v, want %v", tt.in, sc.CreditHourTarget, tt.want)
		}
	}
}

// TestTargetSettingSavesAndValidates: the admin changes the target on the
// settings page; a bad value comes back with its message and changes
// nothing; the report measures against the new target at once.
func TestTargetSettingSavesAndValidates(t *testing.T) {
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "boss")
	target := func() float64 {
		var v float64
		if err := env.DB.Get(&v, `SELECT credit_hour_target FROM school_settings`); err != nil {
			t.Fatal(err)
		}
		return v
	}
	res := admin.Get("/admin/settings")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `name="credit_hour_target" value="32"`) {
		t.Fatalf("settings page: %d, the default target 32 not in the form", res.Status)
	}
	var name string
	env.DB.Get(&name, `SELECT school_name FROM school_settings`)
	form := func(v string) url.Values {
		return url.Values{"school_name": {name}, "registration_open": {"on"}, "credit_hour_target": {v}}
	}
	for v, msg := range map[string]string{
		"abc":   "年度学时目标请填写 0–999 之间的数",
		"1000":  "年度学时目标请填写 0–999 之间的数",
		"32.25": "最多一位小数",
		"":      "请填写党员年度学时目标",
	} {
		res := admin.Post("/admin/settings", form(v))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, msg) {
			t.Errorf("target %q: %d, want 422 with %q", v, res.Status, msg)
		}
		if !strings.Contains(res.Body, `value="`+v+`"`) {
			t.Errorf("target %q: the form does not come back as typed", v)
		}
	}
	if got := target(); got != 32 {
		t.Errorf("refused forms changed the target to %v", got)
	}
	res = admin.Post("/admin/settings", form("24.5"))
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d, want 303", res.Status)
	}
	if got := target(); got != 24.5 {
		t.Errorf("target %v after saving 24.5", got)
	}
	// A form from before the target was on the page keeps it.
	if res := admin.Post("/admin/settings", url.Values{"school_name": {name}}); res.Status != http.StatusSeeOther || target() != 24.5 {
		t.Errorf("a form without the target field: %d, target %v; want it kept at 24.5", res.Status, target())
	}
	if res := admin.Get(res.Location); !strings.Contains(res.Body, `value="24.5"`) {
		t.Error("the settings page does not show the saved target")
	}
	if res := admin.Get("/reports/credit-hours"); !strings.Contains(res.Body, "24.5 学时") {
		t.Error("the report does not measure against the new target")
	}
	coord, _ := env.LoginAs("coordinator", "coord")
	if res := coord.Post("/admin/settings", form("1")); res.Status != http.StatusForbidden || target() != 24.5 {
		t.Errorf("a coordinator changed the settings: %d", res.Status)
	}
}

func TestParseAttendanceSettings(t *testing.T) {
	valid := settings.Form{Name: "社区党校", CreditHourTarget: "32", AttendanceLockDays: "7", CheckinOpensMinutes: "30", CheckinGraceMinutes: "10", AuditRetentionYears: "3"}
	tests := []struct {
		field, in string
		want      int
		err       string
	}{
		{"attendance_lock_days", "0", 0, ""},
		{"attendance_lock_days", " 365 ", 365, ""},
		{"attendance_lock_days", "１４", 14, ""}, // full-width digits
		{"attendance_lock_days", "366", 0, "settings.lockdays.invalid"},
		{"attendance_lock_days", "-1", 0, "settings.lockdays.invalid"},
		{"attendance_lock_days", "7.5", 0, "settings.lockdays.invalid"},
		{"attendance_lock_days", "+7", 0, "settings.lockdays.invalid"},
		{"attendance_lock_days", "", 0, "settings.lockdays.required"},
		{"checkin_opens_minutes", "240", 240, ""},
		{"checkin_opens_minutes", "241", 0, "settings.checkinopens.invalid"},
		{"checkin_opens_minutes", "abc", 0, "settings.checkinopens.invalid"},
		{"checkin_opens_minutes", " ", 0, "settings.checkinopens.required"},
		{"checkin_grace_minutes", "0", 0, ""},
		{"checkin_grace_minutes", "120", 120, ""},
		{"checkin_grace_minutes", "121", 0, "settings.checkingrace.invalid"},
		{"checkin_grace_minutes", "1e2", 0, "settings.checkingrace.invalid"},
		{"checkin_grace_minutes", "99999999999999999999", 0, "settings.checkingrace.invalid"},
	}
	for _, tt := range tests {
		f := valid
		var got func(settings.School) int
		switch tt.field {
		case "attendance_lock_days":
			f.AttendanceLockDays, got = tt.in, func(s settings.School) int { return s.AttendanceLockDays }
		case "checkin_opens_minutes":
			f.CheckinOpensMinutes, got = tt.in, func(s settings.School) int { return s.CheckinOpensMinutes }
		default:
			f.CheckinGraceMinutes, got = tt.in, func(s settings.School) int { return s.CheckinGraceMinutes }
		}
		sc, errs := f.Parse()
		if errs[tt.field] != tt.err || len(errs) > 1 || len(errs) == 1 && tt.err == "" {
			t.Errorf("%s %q: messages %v, want %q", tt.field, tt.in, errs, tt.err)
		}
		if tt.err == "" && got(sc) != tt.want {
			t.Errorf("%s %q: %d, want %d", tt.field, tt.in, got(sc), tt.want)
		}
	}
}

// TestAttendanceSettingsSaveAndValidate: the admin sets the attendance
// rules; bad values come back with their messages and change nothing; a
// form without the fields keeps them.
func TestAttendanceSettingsSaveAndValidate(t *testing.T) {
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "boss")
	stored := func() [3]int {
		var v struct {
			Lock  int `db:"attendance_lock_days"`
			Opens int `db:"checkin_opens_minutes"`
			Grace int `db:"checkin_grace_minutes"`
		}
		if err := env.DB.Get(&v, `SELECT attendance_lock_days, checkin_opens_minutes, checkin_grace_minutes FROM school_settings`); err != nil {
			t.Fatal(err)
		}
		return [3]int{v.Lock, v.Opens, v.Grace}
	}
	res := admin.Get("/admin/settings")
	for _, want := range []string{`name="attendance_lock_days" value="7"`, `name="checkin_opens_minutes" value="30"`, `name="checkin_grace_minutes" value="10"`, "考勤锁定天数"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the settings page lacks %q", want)
		}
	}
	var name string
	env.DB.Get(&name, `SELECT school_name FROM school_settings`)
	form := func(lock, opens, grace string) url.Values {
		return url.Values{"school_name": {name}, "credit_hour_target": {"32"},
			"attendance_lock_days": {lock}, "checkin_opens_minutes": {opens}, "checkin_grace_minutes": {grace}}
	}
	for _, tt := range []struct {
		form url.Values
		msg  string
	}{
		{form("400", "30", "10"), "考勤锁定天数请填写 0–365 之间的整数"},
		{form("", "30", "10"), "请填写考勤锁定天数"},
		{form("7", "300", "10"), "自助签到提前开放的分钟数请填写 0–240 之间的整数"},
		{form("7", "30", "-5"), "迟到宽限请填写 0–120 之间的整数"},
	} {
		res := admin.Post("/admin/settings", tt.form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tt.msg) {
			t.Errorf("%v: %d, want 422 with %q", tt.form, res.Status, tt.msg)
		}
	}
	if res := admin.Post("/admin/settings", form("7", "300", "-5")); !strings.Contains(res.Body, `value="300"`) || !strings.Contains(res.Body, `value="-5"`) {
		t.Error("a refused form does not come back as typed")
	}
	if got := stored(); got != [3]int{7, 30, 10} {
		t.Errorf("refused forms changed the settings to %v", got)
	}
	if res := admin.Post("/admin/settings", form("14", "45", "15")); res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", res.Status)
	}
	if got := stored(); got != [3]int{14, 45, 15} {
		t.Errorf("saved %v, want [14 45 15]", got)
	}
	// A form from before these fields keeps them.
	if res := admin.Post("/admin/settings", url.Values{"school_name": {name}, "credit_hour_target": {"30"}}); res.Status != http.StatusSeeOther || stored() != [3]int{14, 45, 15} {
		t.Errorf("a form without the fields: %d, settings %v", res.Status, stored())
	}
	if res := admin.Get("/admin/settings"); !strings.Contains(res.Body, `name="attendance_lock_days" value="14"`) {
		t.Error("the settings page does not show the saved lock days")
	}
}
