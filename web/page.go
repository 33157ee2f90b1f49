package web

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"

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
	// Content is the view as rendered, which the layout puts in its main
	// (set by Render).
	Content template.HTML

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

// Render writes the page with the named view inside the main layout. The
// view is rendered first, into Content, then the layout around it: the
// html engine's own way with layouts (c.Render(view, p, layout)) holds a
// lock over the whole engine while it renders, as it swaps the layout's
// embed function in the function map all templates share, so every page
// of the server was rendered one at a time (bench/NOTES.md).
func Render(c *fiber.Ctx, status int, view string, p *Page) error {
	buf := viewBuffers.Get().(*bytes.Buffer)
	defer viewBuffers.Put(buf)
	buf.Reset()
	if err := c.App().Config().Views.Render(buf, view, p); err != nil {
		return fmt.Errorf("render %s: %w", view, err)
	}
	p.Content = template.HTML(buf.String()) // the view's own output, escaped by html/template
	c.Status(status)
	return c.Render("layouts/main", p)
}

// viewBuffers hold views as Render renders them, before the layout.
var viewBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
