package web

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/i18n"
)

// Page is what every template receives: the request's language, viewer and
// CSRF token for the layout, and the handler's own Title, Form, Errors and Data.
type Page struct {
	Lang      string
	Title     string
	Viewer    *Viewer
	CSRF      string
	RequestID string
	School    string
	LargeText bool
	Path      string // the current path, to mark the navigation and come back after login
	Notice    string // a translated one-line message shown above the content
	Alert     string // a translated one-line error shown above the content
	Form      any
	Errors    FieldErrors
	Data      any

	// Scripts are the page's own scripts under static/ ("js/checkin.js"),
	// loaded after app.js; the CSP allows no inline script.
	Scripts []string
}

// NewPage starts the page for this request, its title translated from titleKey.
func NewPage(c *fiber.Ctx, titleKey string) *Page {
	p := &Page{
		Lang:      LangOf(c),
		Viewer:    ViewerOf(c),
		CSRF:      CSRFToken(c),
		RequestID: RequestID(c),
		Path:      c.Path(),
	}
	p.LargeText, _ = c.Locals(localLargeText).(bool)
	p.School, _ = c.Locals(localSchool).(string)
	if titleKey != "" {
		p.Title = p.T(titleKey)
	}
	return p
}

// T translates key into the page's language.
func (p *Page) T(key string, args ...any) string {
	return i18n.T(p.Lang, key, args...)
}

// Err returns the translated message for a form field, or "".
func (p *Page) Err(field string) string {
	key, ok := p.Errors[field]
	if !ok {
		return ""
	}
	return p.T(key)
}

// Nav returns the navigation for the page's viewer.
func (p *Page) Nav() []NavItem {
	return navFor(p.Viewer, p.Path)
}

// Render writes the page with the named view inside the main layout.
func Render(c *fiber.Ctx, status int, view string, p *Page) error {
	c.Status(status)
	return c.Render(view, p, "layouts/main")
}

// FieldErrors maps a form field to the catalogue key of its message.
type FieldErrors map[string]string

// Add records the first message for field; later ones are dropped, so the
// visitor sees one clear message per field.
func (e FieldErrors) Add(field, key string) {
	if _, ok := e[field]; !ok {
		e[field] = key
	}
}

// Any reports whether at least one field has a message.
func (e FieldErrors) Any() bool { return len(e) > 0 }

// Pager is the page-by-page navigation of a long list.
type Pager struct {
	Page     int
	Pages    int
	PrevLink string
	NextLink string
}

// NewPager works out the pages of total items, perPage at a time, with
// link making the address of page n.
func NewPager(page, total, perPage int, link func(n int) string) Pager {
	p := Pager{Page: page, Pages: max(1, (total+perPage-1)/perPage)}
	if page > 1 {
		p.PrevLink = link(page - 1)
	}
	if page < p.Pages {
		p.NextLink = link(page + 1)
	}
	return p
}

// Option is one choice of a select, worked out by the handler.
type Option struct {
	Value    string
	Label    string
	Selected bool
}
