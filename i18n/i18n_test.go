package i18n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"partyschool/i18n"
)

// TestCataloguesMatch keeps the languages in step: a key in one catalogue
// must be in the other.
func TestCataloguesMatch(t *testing.T) {
	zh, en := i18n.Keys(i18n.Chinese), i18n.Keys(i18n.English)
	for _, k := range zh {
		if !i18n.Has(i18n.English, k) {
			t.Errorf("key %q is in Chinese but not in English", k)
		}
	}
	for _, k := range en {
		if !i18n.Has(i18n.Chinese, k) {
			t.Errorf("key %q is in English but not in Chinese", k)
		}
	}
}

// keyUse finds catalogue keys in templates ({{.T "key"}}, {{$.T "key"}})
// and Go code ("form.name.required" and the like in quotes).
var (
	templateKey = regexp.MustCompile(`\.T "([a-zA-Z0-9.-]+)"`)
	goKey       = regexp.MustCompile(`"((?:form|error|login|register|account|users|settings|home|privacy|nav|pager|layout|courses|sessions|timetable|lecturers|venues|communities|trainees|registry|roll|enrol|schedule|hours|kind|gender|audit)\.[a-z0-9._-]+[a-z0-9])"`)
)

// TestEveryUsedKeyExists reads every template and Go file and checks that
// each catalogue key it names exists, so no page shows a raw key.
func TestEveryUsedKeyExists(t *testing.T) {
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".." || d.Name() == "i18n") {
			return filepath.SkipDir
		}
		var re *regexp.Regexp
		switch {
		case strings.HasSuffix(path, ".html"):
			re = templateKey
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			re = goKey
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(b)
		for _, at := range re.FindAllStringSubmatchIndex(text, -1) {
			key := text[at[2]:at[3]]
			// A prefix completed at run time: "role." + r, or
			// "lecturers.import.no" + column; and file names.
			if strings.HasSuffix(key, ".") || strings.HasPrefix(text[at[1]:], "+") || strings.HasPrefix(text[at[1]:], " +") ||
				strings.HasSuffix(key, ".ics") || strings.HasSuffix(key, ".xlsx") {
				continue
			}
			if !i18n.Has(i18n.Chinese, key) {
				t.Errorf("%s uses key %q, which the catalogue lacks", path, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", i18n.Chinese},
		{"en-US,en;q=0.9", i18n.English},
		{"zh-CN,zh;q=0.9,en;q=0.8", i18n.Chinese},
		{"fr-FR, en;q=0.5, zh;q=0.7", i18n.Chinese},
		{"fr-FR", i18n.Chinese},
		{"en;q=bogus", i18n.Chinese},
		{"zh-TW;q=0.1, en-GB;q=0.2", i18n.English},
		{"en;q=0", i18n.Chinese},
	}
	for _, tt := range tests {
		if got := i18n.FromAcceptLanguage(tt.header); got != tt.want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestTFallsBack(t *testing.T) {
	if got := i18n.T(i18n.English, "nav.home"); got != "Home" {
		t.Errorf("English nav.home = %q", got)
	}
	if got := i18n.T("xx", "nav.home"); got != "首页" {
		t.Errorf("unknown language falls back to %q, want 首页", got)
	}
	if got := i18n.T(i18n.Chinese, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key gives %q, want the key itself", got)
	}
	if got := i18n.T(i18n.Chinese, "pager.page", 2, 5); got != "第 2 页，共 5 页" {
		t.Errorf("formatted = %q", got)
	}
}
