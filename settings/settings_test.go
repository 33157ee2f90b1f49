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
