package trainees

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"partyschool/auth"
	"partyschool/web"
)

// profileForm is what the profile form template shows: a trainee's own
// form and the coordinator's share it.
type profileForm struct {
	Action      string
	Cancel      string
	Intro       string
	Communities []web.Option
	Kinds       []string
	Genders     []string
}

// formOf reads the profile form from the request.
func formOf(c *fiber.Ctx) Form {
	return Form{
		Name:         web.FormValue(c, "name"),
		Phone:        web.FormValue(c, "phone"),
		Gender:       web.FormValue(c, "gender"),
		Community:    web.FormValue(c, "community"),
		Organisation: web.FormValue(c, "organisation"),
		Kind:         web.FormValue(c, "kind"),
		PartyBranch:  web.FormValue(c, "party_branch"),
	}
}

// renderProfileForm shows the profile form d for f, with errs if any.
func (h *Handler) renderProfileForm(c *fiber.Ctx, status int, titleKey string, d profileForm, f Form, errs web.FieldErrors) error {
	list, err := h.Places.Communities(c.UserContext())
	if err != nil {
		return err
	}
	d.Kinds, d.Genders = Kinds, Genders
	for _, m := range list {
		id := strconv.FormatInt(m.ID, 10)
		d.Communities = append(d.Communities, web.Option{Value: id, Label: m.Name, Selected: id == f.Community})
	}
	p := web.NewPage(c, titleKey)
	p.Form, p.Errors, p.Data = f, errs, d
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // it shows a phone number
	return web.Render(c, status, "trainees/profile_form", p)
}

// saveProfile checks f and saves it as trainee id's profile; a refused
// form comes back with its messages (ok false, the page already sent).
func (h *Handler) saveProfile(c *fiber.Ctx, id int64, titleKey string, d profileForm, f Form) (ok bool, err error) {
	fields, errs := f.Parse()
	if !errs.Any() {
		err = h.Store.SaveProfile(c.UserContext(), id, fields)
		switch {
		case errors.Is(err, auth.ErrPhoneTaken):
			errs.Add("phone", "trainees.phone.taken")
		case errors.Is(err, ErrUnknownCommunity):
			errs.Add("community", "trainees.community.invalid")
		case err != nil:
			return false, err
		}
	}
	if errs.Any() {
		return false, h.renderProfileForm(c, fiber.StatusUnprocessableEntity, titleKey, d, f, errs)
	}
	return true, nil
}

// myProfileForm is the trainee's own form; a new trainee is welcomed.
func myProfileForm(c *fiber.Ctx) profileForm {
	d := profileForm{Action: "/my/profile", Cancel: "/my/schedule"}
	if c.Query("welcome") == "1" {
		d.Intro = web.T(c, "trainees.profile.welcome", web.ViewerOf(c).Name)
		d.Cancel = ""
	}
	return d
}

// EditProfile shows a trainee their own profile.
func (h *Handler) EditProfile(c *fiber.Ctx) error {
	t, err := h.Store.Get(c.UserContext(), web.ViewerOf(c).ID)
	if err != nil {
		return err
	}
	f := FormOf(t)
	if !t.HasProfile {
		f.Kind = "" // make the new trainee choose
	}
	return h.renderProfileForm(c, fiber.StatusOK, "trainees.profile.title", myProfileForm(c), f, nil)
}

// UpdateProfile saves the trainee's own profile.
func (h *Handler) UpdateProfile(c *fiber.Ctx) error {
	ok, err := h.saveProfile(c, web.ViewerOf(c).ID, "trainees.profile.title", profileForm{Action: "/my/profile", Cancel: "/my/schedule"}, formOf(c))
	if !ok || err != nil {
		return err
	}
	return c.Redirect("/my/schedule?done=profile", fiber.StatusSeeOther)
}

// ResetFeed gives the trainee's calendar feed its secret address, or a
// new one; the old one stops working at once.
func (h *Handler) ResetFeed(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := web.ViewerOf(c).ID
	old, err := h.Store.FeedToken(ctx, id)
	if err != nil {
		return err
	}
	if _, err := h.Store.ResetFeedToken(ctx, id); err != nil {
		return err
	}
	if old == "" {
		return c.Redirect("/my/schedule?done=feedNew#feed", fiber.StatusSeeOther)
	}
	return c.Redirect("/my/schedule?done=feed#feed", fiber.StatusSeeOther)
}
