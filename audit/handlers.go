package audit

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"partyschool/i18n"
	"partyschool/web"
)

// Handler serves the admin's search of the log.
type Handler struct {
	Store *Store
}

// perPage is how many entries a page of the search shows.
const perPage = 50

// row is one entry as the page shows it.
type row struct {
	Line
	When        string // Beijing time, to the second
	ActionLabel string // the action in words, or "" when the catalogue has none
	Details     []Detail
}

// searchPage is what the search page shows.
type searchPage struct {
	Rows       []row
	Actions    []string
	Searched   bool // the form holds a filter
	NewerLink  string
	OlderLink  string
	NewestLink string
}

// Index searches the log: by action or its prefix, by who did it, by
// object, between two days, newest first, a page at a time.
func (h *Handler) Index(c *fiber.Ctx) error {
	ctx := c.UserContext()
	form := SearchForm{
		Action: web.Clean(c.Query("action"), 80),
		Actor:  web.Clean(c.Query("actor"), 50),
		Object: web.Clean(c.Query("object"), 100),
		From:   web.Clean(c.Query("from"), 20),
		To:     web.Clean(c.Query("to"), 20),
	}
	f, errs := form.Parse()
	f.Limit = perPage
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	f.After, _ = strconv.ParseInt(c.Query("after"), 10, 64)

	p := web.NewPage(c, "audit.title")
	p.Form = form
	p.Errors = errs
	// Names, addresses and what people did: nothing a shared browser
	// should keep.
	c.Set(fiber.HeaderCacheControl, "no-store")
	actions, err := h.Store.Actions(ctx)
	if err != nil {
		return err
	}
	d := searchPage{Actions: actions, Searched: form != SearchForm{}}
	p.Data = &d
	if errs.Any() {
		p.Alert = p.T("form.fix")
		return web.Render(c, fiber.StatusUnprocessableEntity, "admin/audit", p)
	}
	res, err := h.Store.Search(ctx, f)
	if err != nil {
		return err
	}
	for _, l := range res.Lines {
		r := row{Line: l, When: l.At.In(web.Shanghai).Format("2006-01-02 15:04:05"), Details: l.DetailList()}
		r.Object = MaskPhones(l.Object)
		if key := "audit.action." + l.Action; i18n.Has(p.Lang, key) {
			r.ActionLabel = p.T(key)
		}
		for i, dt := range r.Details {
			r.Details[i].Label = dt.Key
			if key := "audit.detail." + dt.Key; i18n.Has(p.Lang, key) {
				r.Details[i].Label = p.T(key)
			}
		}
		d.Rows = append(d.Rows, r)
	}
	link := func(cursor string, id int64) string {
		v := url.Values{}
		for k, s := range map[string]string{"action": form.Action, "actor": form.Actor, "object": form.Object, "from": form.From, "to": form.To} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if cursor != "" {
			v.Set(cursor, strconv.FormatInt(id, 10))
		}
		if len(v) == 0 {
			return "/admin/audit"
		}
		return "/admin/audit?" + v.Encode()
	}
	if n := len(d.Rows); n > 0 {
		if res.Newer {
			d.NewerLink = link("after", d.Rows[0].ID)
			d.NewestLink = link("", 0)
		}
		if res.Older {
			d.OlderLink = link("before", d.Rows[n-1].ID)
		}
	} else if f.Before > 0 || f.After > 0 {
		d.NewestLink = link("", 0)
	}
	return web.Render(c, fiber.StatusOK, "admin/audit", p)
}
