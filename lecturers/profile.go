package lecturers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"partyschool/database"
	"partyschool/web"
)

// Profile is what lecturers keep up to date themselves: how they are
// introduced. Name, team, community and phone stay with the coordinators.
type Profile struct {
	Title        string
	Organisation string
	Topics       string // as typed, separated like the roster form's
	Bio          string
}

// Parse checks the profile and returns its topics, or one message key per
// bad field.
func (p Profile) Parse() ([]string, web.FieldErrors) {
	errs := web.FieldErrors{}
	if utf8.RuneCountInString(p.Title) > maxTitle {
		errs.Add("title", "lecturers.title.long")
	}
	if utf8.RuneCountInString(p.Organisation) > maxOrganisation {
		errs.Add("organisation", "lecturers.organisation.long")
	}
	if utf8.RuneCountInString(p.Bio) > maxBio {
		errs.Add("bio", "lecturers.bio.long")
	}
	topics, key := ParseTopics(p.Topics)
	if key != "" {
		errs.Add("topics", key)
	}
	return topics, errs
}

// UpdateProfile saves the profile of the lecturer linked to the account.
func (s *Store) UpdateProfile(ctx context.Context, userID int64, p Profile, topics []string) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE lecturers SET title = $2, organisation = $3, topics = $4, bio = $5, updated_at = now()
		WHERE user_id = $1`,
		userID, strings.TrimSpace(p.Title), strings.TrimSpace(p.Organisation), pq.StringArray(topics), strings.TrimSpace(p.Bio))
	if err != nil {
		return fmt.Errorf("update the profile of user %d: %w", userID, err)
	}
	return database.Affected(res, ErrNotFound)
}

// profilePage is what the profile page shows.
type profilePage struct {
	Lecturer *Lecturer // nil when the account is not on the roster
}

// EditProfile shows a lecturer their own introduction to edit.
func (h *Handler) EditProfile(c *fiber.Ctx) error {
	l, err := h.Store.ByUser(c.UserContext(), web.ViewerOf(c).ID)
	if errors.Is(err, ErrNotFound) {
		return h.renderProfile(c, fiber.StatusOK, nil, Profile{}, nil)
	}
	if err != nil {
		return err
	}
	form := Profile{Title: l.Title, Organisation: l.Organisation, Topics: strings.Join(l.Topics, "、"), Bio: l.Bio}
	return h.renderProfile(c, fiber.StatusOK, l, form, nil)
}

func (h *Handler) renderProfile(c *fiber.Ctx, status int, l *Lecturer, form Profile, errs web.FieldErrors) error {
	p := web.NewPage(c, "lecturers.profile")
	p.Form, p.Errors = form, errs
	p.Data = profilePage{Lecturer: l}
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	if c.Query("done") == "saved" {
		p.Notice = p.T("lecturers.profile.saved")
	}
	return web.Render(c, status, "lecturers/profile", p)
}

// UpdateProfile saves a lecturer's own introduction. Only these four
// fields are read from the form, whatever else it carries.
func (h *Handler) UpdateProfile(c *fiber.Ctx) error {
	ctx := c.UserContext()
	l, err := h.Store.ByUser(ctx, web.ViewerOf(c).ID)
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if err != nil {
		return err
	}
	form := Profile{
		Title:        web.FormValue(c, "title"),
		Organisation: web.FormValue(c, "organisation"),
		Topics:       web.FormValue(c, "topics"),
		Bio:          web.FormValue(c, "bio"),
	}
	topics, errs := form.Parse()
	if errs.Any() {
		return h.renderProfile(c, fiber.StatusUnprocessableEntity, l, form, errs)
	}
	if err := h.Store.UpdateProfile(ctx, web.ViewerOf(c).ID, form, topics); errors.Is(err, ErrNotFound) {
		return web.NotFound()
	} else if err != nil {
		return err
	}
	return c.Redirect("/my/profile?done=saved", fiber.StatusSeeOther)
}
