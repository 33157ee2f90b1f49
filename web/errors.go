package web

import "fmt"

// Error is an error the visitor should see: an HTTP status and the
// catalogue key of the message. Anything else that reaches the error
// handler is an internal error, logged and shown as a generic page.
type Error struct {
	Status int
	Key    string
	Args   []any
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Key) }

// Fail returns an Error with the status and message key.
func Fail(status int, key string, args ...any) error {
	return &Error{Status: status, Key: key, Args: args}
}

// NotFound is the answer for a missing object, and for someone else's
// object, so that ids cannot be probed (SECURITY.md 2).
func NotFound() error { return Fail(404, "error.notfound") }

// Forbidden is the answer for a role that may not use a page.
func Forbidden() error { return Fail(403, "error.forbidden") }
