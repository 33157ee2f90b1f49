package places

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

const venuesPerPage = 30

// Handler answers the venue management pages of coordinators and admins.
type Handler struct {
	Store *Store
}

// venueList is what the venue list page shows.
type venueList struct {
	Venues      []Venue
	Total       int
	Communities []Community
	Community   string // the filter as the select shows it: "", "own" or an id
	Inactive    bool
	Pager       web.Pager
}

// Venues lists the venues, filtered by community; inactive ones only when
// asked for.
func (h *Handler) Venues(c *fiber.Ctx) error {
	return h.renderVenues(c, fiber.StatusOK, "")
}

// renderVenues shows the list, with an alert above it when an action on it
// was refused.
func (h *Handler) renderVenues(c *fiber.Ctx, status int, alertKey string) error {
	ctx := c.UserContext()
	f := VenueFilter{WithInactive: c.Query("inactive") == "1", Limit: venuesPerPage}
	community := ""
	if q := c.Query("community"); q == "own" {
		f.SchoolOwn, community = true, "own"
	} else if id, err := strconv.ParseInt(q, 10, 64); err == nil && id > 0 {
		f.CommunityID, community = id, strconv.FormatInt(id, 10)
	}
	page := web.PageNumber(c)
	f.Offset = (page - 1) * venuesPerPage
	venues, total, err := h.Store.ListVenues(ctx, f)
	if err != nil {
		return err
	}
	communities, err := h.Store.Communities(ctx)
	if err != nil {
		return err
	}
	l := venueList{
		Venues: venues, Total: total, Communities: communities,
		Community: community, Inactive: f.WithInactive,
	}
	link := func(n int) string {
		v := url.Values{}
		if community != "" {
			v.Set("community", community)
		}
		if f.WithInactive {
			v.Set("inactive", "1")
		}
		v.Set("page", strconv.Itoa(n))
		return "/venues?" + v.Encode()
	}
	l.Pager = web.NewPager(page, total, venuesPerPage, link)
	p := web.NewPage(c, "venues.title")
	p.Data = l
	switch c.Query("done") {
	case "created":
		p.Notice = p.T("venues.created")
	case "updated":
		p.Notice = p.T("venues.updated")
	case "deactivated":
		p.Notice = p.T("venues.deactivated")
	case "activated":
		p.Notice = p.T("venues.activated")
	case "deleted":
		p.Notice = p.T("venues.deleted")
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey)
	}
	return web.Render(c, status, "places/venues", p)
}

// venueFormData is what the venue form needs besides the form itself.
type venueFormData struct {
	Action      string
	Communities []Community
}

// renderVenueForm shows the form to add a venue (id 0) or edit one.
func (h *Handler) renderVenueForm(c *fiber.Ctx, status int, id int64, f VenueForm, errs web.FieldErrors, communities []Community) error {
	title, action := "venues.new.title", "/venues"
	if id != 0 {
		title, action = "venues.edit.title", "/venues/"+strconv.FormatInt(id, 10)
	}
	p := web.NewPage(c, title)
	p.Form = f
	p.Errors = errs
	p.Data = venueFormData{Action: action, Communities: communities}
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	return web.Render(c, status, "places/venue_form", p)
}

// venueFormOf reads the posted form.
func venueFormOf(c *fiber.Ctx) VenueForm {
	return VenueForm{
		Name:      web.FormValue(c, "name"),
		Community: web.FormValue(c, "community"),
		Address:   web.FormValue(c, "address"),
		Seats:     web.FormValue(c, "seats"),
	}
}

// NewVenue shows the empty venue form.
func (h *Handler) NewVenue(c *fiber.Ctx) error {
	communities, err := h.Store.Communities(c.UserContext())
	if err != nil {
		return err
	}
	return h.renderVenueForm(c, fiber.StatusOK, 0, VenueForm{}, nil, communities)
}

// CreateVenue adds the venue the form describes.
func (h *Handler) CreateVenue(c *fiber.Ctx) error {
	return h.saveVenue(c, 0)
}

// EditVenue shows the form for an existing venue.
func (h *Handler) EditVenue(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v, err := h.Store.Venue(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	} else if err != nil {
		return err
	}
	communities, err := h.Store.Communities(ctx)
	if err != nil {
		return err
	}
	return h.renderVenueForm(c, fiber.StatusOK, id, FormOf(v), nil, communities)
}

// UpdateVenue saves the form over an existing venue.
func (h *Handler) UpdateVenue(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	if _, err := h.Store.Venue(c.UserContext(), id); errors.Is(err, ErrNotFound) {
		return web.NotFound()
	} else if err != nil {
		return err
	}
	return h.saveVenue(c, id)
}

// saveVenue validates the posted form and creates (id 0) or updates the
// venue; an invalid form comes back with its messages.
func (h *Handler) saveVenue(c *fiber.Ctx, id int64) error {
	ctx := c.UserContext()
	communities, err := h.Store.Communities(ctx)
	if err != nil {
		return err
	}
	f := venueFormOf(c)
	v, errs := f.Parse(communities)
	if !errs.Any() {
		v.ID = id
		if id == 0 {
			_, err = h.Store.CreateVenue(ctx, v)
		} else {
			err = h.Store.UpdateVenue(ctx, v)
		}
		switch {
		case errors.Is(err, ErrVenueNameTaken):
			errs.Add("name", "venues.name.taken")
		case errors.Is(err, ErrUnknownCommunity):
			errs.Add("community", "venues.community.invalid")
		case errors.Is(err, ErrNotFound):
			return web.NotFound()
		case err != nil:
			return err
		}
	}
	if errs.Any() {
		return h.renderVenueForm(c, fiber.StatusUnprocessableEntity, id, f, errs, communities)
	}
	done := "created"
	if id != 0 {
		done = "updated"
	}
	return c.Redirect("/venues?done="+done, fiber.StatusSeeOther)
}

// DeactivateVenue stops offering a venue for new sessions.
func (h *Handler) DeactivateVenue(c *fiber.Ctx) error {
	return h.setActive(c, false)
}

// ActivateVenue offers a venue for new sessions again.
func (h *Handler) ActivateVenue(c *fiber.Ctx) error {
	return h.setActive(c, true)
}

func (h *Handler) setActive(c *fiber.Ctx, active bool) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	if err := h.Store.SetVenueActive(c.UserContext(), id, active); errors.Is(err, ErrNotFound) {
		return web.NotFound()
	} else if err != nil {
		return err
	}
	if active {
		return c.Redirect("/venues?done=activated", fiber.StatusSeeOther)
	}
	// Show the inactive ones too, so the venue just switched off is still
	// in sight and can be switched back on.
	return c.Redirect("/venues?inactive=1&done=deactivated", fiber.StatusSeeOther)
}

// DeleteVenue removes a venue that no session uses; one with sessions is
// refused with a message suggesting to deactivate it instead.
func (h *Handler) DeleteVenue(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	err = h.Store.DeleteVenue(c.UserContext(), id)
	switch {
	case errors.Is(err, ErrVenueInUse):
		return h.renderVenues(c, fiber.StatusUnprocessableEntity, "venues.inuse")
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case err != nil:
		return err
	}
	return c.Redirect("/venues?done=deleted", fiber.StatusSeeOther)
}
