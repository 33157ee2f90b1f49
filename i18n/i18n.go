// Package i18n holds the user-interface text: one catalogue per language,
// every string the pages show, looked up by key.
package i18n

import (
	"fmt"
	"sort"
	"strings"
)

// The languages the interface speaks. Simplified Chinese is the default.
const (
	Chinese = "zh-CN"
	English = "en"
)

// Default is the language used when the visitor has not chosen one.
const Default = Chinese

var catalogues = map[string]map[string]string{
	Chinese: zh,
	English: en,
}

// merge adds a domain's entries to a catalogue. Each domain keeps its
// strings in its own file (zh_lecturers.go, en_lecturers.go …); a key
// defined twice is a mistake caught at start-up.
func merge(into, from map[string]string) {
	for k, v := range from {
		if _, dup := into[k]; dup {
			panic("i18n: key defined twice: " + k)
		}
		into[k] = v
	}
}

// Supported reports whether lang names a language with a catalogue.
func Supported(lang string) bool {
	_, ok := catalogues[lang]
	return ok
}

// T returns the text for key in lang, formatted with args. A key missing
// from lang falls back to Chinese; a key missing everywhere is returned as
// is, so a gap is visible on the page instead of silently blank.
func T(lang, key string, args ...any) string {
	s, ok := catalogues[lang][key]
	if !ok {
		s, ok = zh[key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalogue of lang.
func Has(lang, key string) bool {
	_, ok := catalogues[lang][key]
	return ok
}

// Keys returns the sorted keys of the catalogue of lang.
func Keys(lang string) []string {
	keys := make([]string, 0, len(catalogues[lang]))
	for k := range catalogues[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FromAcceptLanguage picks the best supported language from an
// Accept-Language header, honouring the order of preference and q values.
func FromAcceptLanguage(header string) string {
	best, bestQ := Default, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil || q <= 0 {
				continue // q=0 means "not acceptable"
			}
		}
		lang := match(strings.ToLower(strings.TrimSpace(tag)))
		if lang != "" && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

func match(tag string) string {
	switch {
	case tag == "zh" || strings.HasPrefix(tag, "zh-"):
		return Chinese
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return English
	}
	return ""
}
