// Package views holds the html/template files, one folder per domain and
// the layout, embedded in the binary.
package views

import "embed"

// FS holds every template.
//
//go:embed */*.html
var FS embed.FS
