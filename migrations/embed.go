// Package migrations holds the numbered SQL files that build the schema.
// They are embedded in the binary and applied by goose (see package database).
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
