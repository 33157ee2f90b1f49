// Package static holds the CSS, JavaScript and images, embedded in the
// binary and served under /static/ (no CDN, no external asset).
package static

import "embed"

// FS holds every asset.
//
//go:embed css js img
var FS embed.FS
