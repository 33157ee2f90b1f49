package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"", ""},
		{"12", "**"},
		{"0108888", "*****88"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	if got := Clean("a\x00b\xffc", 100); got != "abc" {
		t.Errorf("Clean removed too little or too much: %q", got)
	}
	long := strings.Repeat("党", 10) // 30 bytes
	got := Clean(long, 10)
	if !utf8.ValidString(got) || len(got) > 10 || got != strings.Repeat("党", 3) {
		t.Errorf("Clean cut %q inside a character", got)
	}
}

func TestNavigationLinksExistPerRole(t *testing.T) {
	for _, role := range append([]string{""}, Roles...) {
		var v *Viewer
		if role != "" {
			v = &Viewer{Role: role}
		}
		items := navFor(v, "/users/3")
		if len(items) == 0 || items[0].Href != "/" {
			t.Errorf("role %q: navigation does not start with the home page", role)
		}
		for _, it := range items {
			if it.Active != (it.Href == "/users") {
				t.Errorf("role %q: %s active = %v on /users/3", role, it.Href, it.Active)
			}
		}
	}
}
