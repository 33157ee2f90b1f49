package auth_test

import (
	"context"
	"strings"
	"testing"

	"partyschool/auth"
)

func init() {
	auth.SetHashParams(auth.HashParams{Memory: 64, Time: 1, Threads: 1})
}

func TestPasswordHashRoundTrip(t *testing.T) {
	for _, pw := range []string{"correct horse battery", "社区党校学习强国八个字", strings.Repeat("长", auth.MaxPasswordLen)} {
		hash, err := auth.HashPassword(context.Background(), pw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$") {
			t.Fatalf("hash %q is not argon2id", hash)
		}
		if ok, err := auth.CheckPassword(context.Background(), hash, pw); err != nil || !ok {
			t.Errorf("CheckPassword(right) = %v, %v", ok, err)
		}
		if ok, _ := auth.CheckPassword(context.Background(), hash, pw+"x"); ok {
			t.Errorf("CheckPassword accepted a wrong password for %q", pw)
		}
		// Long Chinese passwords must not be truncated (bcrypt would cut at 72 bytes).
		if ok, _ := auth.CheckPassword(context.Background(), hash, pw[:len(pw)-3]); ok {
			t.Errorf("CheckPassword accepted a truncated password")
		}
	}
	if _, err := auth.CheckPassword(context.Background(), "$2a$10$notargon", "x"); err == nil {
		t.Error("a malformed hash was accepted")
	}
}

func TestPasswordProblem(t *testing.T) {
	tests := []struct {
		password, username, want string
	}{
		{"", "anna", "form.password.required"},
		{"short", "anna", "form.password.short"},
		{"1234567", "anna", "form.password.short"},
		{"七个汉字的密码", "anna", "form.password.short"},
		{"八个汉字的好密码呀", "anna", ""},
		{strings.Repeat("a", auth.MaxPasswordLen+1), "anna", "form.password.long"},
		{"12345678", "anna", "form.password.common"},
		{"Password", "anna", "form.password.common"},
		{"woaini1314", "anna", "form.password.common"},
		{"anna.lee", "anna.lee", "form.password.username"},
		{"correct horse battery", "anna", ""},
		{"aaaaaaab", "anna", ""}, // no composition rules
	}
	for _, tt := range tests {
		if got := auth.PasswordProblem(tt.password, tt.username); got != tt.want {
			t.Errorf("PasswordProblem(%q, %q) = %q, want %q", tt.password, tt.username, got, tt.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/account", "/account"},
		{"/users?q=王&page=2", "/users?q=王&page=2"},
		{"", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"https:evil.example", "/"},
		{"https://evil.example/", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"}, // stays an (escaped) local path
		{"/login", "/login"},
		{"///evil.example", "/"},
	}
	for _, tt := range tests {
		if got := auth.SafeNext(tt.in); got != tt.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegisterFormParse(t *testing.T) {
	nu, errs := auth.RegisterForm{Name: " 王小明 ", Phone: "+86 138-1234-5678", Username: " WangXM ", Password: "correct horse battery"}.Parse()
	if errs.Any() {
		t.Fatalf("valid form rejected: %v", errs)
	}
	if nu.Name != "王小明" || nu.Phone != "13812345678" || nu.Username != "wangxm" || nu.Role != "trainee" {
		t.Errorf("parsed %+v", nu)
	}

	_, errs = auth.RegisterForm{Name: "", Phone: "12345", Username: "x!", Password: "short"}.Parse()
	want := map[string]string{
		"name":     "form.name.required",
		"phone":    "form.phone.invalid",
		"username": "form.username.invalid",
		"password": "form.password.short",
	}
	for field, key := range want {
		if errs[field] != key {
			t.Errorf("field %s: got %q, want %q", field, errs[field], key)
		}
	}

	// Sign-in takes a phone number for the username: a username holding
	// one is refused.
	for _, username := range []string{"13812345678", "wang13812345678", "13812345678-2"} {
		_, errs = auth.RegisterForm{Name: "王小明", Phone: "13812345678", Username: username, Password: "correct horse battery"}.Parse()
		if errs["username"] != "form.username.phone" {
			t.Errorf("username %q: got %q, want form.username.phone", username, errs["username"])
		}
	}
}
