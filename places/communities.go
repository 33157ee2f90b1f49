package places

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partyschool/database"
	"partyschool/web"
)

// Errors about communities.
var (
	ErrCommunityNameTaken = errors.New("a community has this name")
	ErrCommunityInUse     = errors.New("the community is referred to")
)

// CommunityUse is a community with how much refers to it.
type CommunityUse struct {
	Community
	Venues    int `db:"venues"`
	Lecturers int `db:"lecturers"`
	Courses   int `db:"courses"`
}

// InUse reports whether anything refers to the community.
func (c CommunityUse) InUse() bool { return c.Venues+c.Lecturers+c.Courses > 0 }

// CommunityUses lists every community with its venues, lecturers and courses counted.
func (s *Store) CommunityUses(ctx context.Context) ([]CommunityUse, error) {
	out := []CommunityUse{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT m.id, m.name, m.district,
		       (SELECT count(*) FROM venues v WHERE v.community_id = m.id) AS venues,
		       (SELECT count(*) FROM lecturers l WHERE l.community_id = m.id) AS lecturers,
		       (SELECT count(*) FROM courses c WHERE c.community_id = m.id) AS courses
		FROM communities m ORDER BY m.district, m.name LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list communities in use: %w", err)
	}
	return out, nil
}

// SaveCommunity adds a community (id 0) or renames one.
func (s *Store) SaveCommunity(ctx context.Context, id int64, name, district string) error {
	var err error
	if id == 0 {
		_, err = s.db.ExecContext(ctx, `INSERT INTO communities (name, district) VALUES ($1, $2)`, name, district)
	} else {
		var n int64
		res, e := s.db.ExecContext(ctx, `UPDATE communities SET name = $2, district = $3 WHERE id = $1`, id, name, district)
		if err = e; err == nil {
			if n, _ = res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
		}
	}
	if database.IsViolation(err, database.UniqueViolation) {
		return ErrCommunityNameTaken
	}
	if err != nil {
		return fmt.Errorf("save community %q: %w", name, err)
	}
	return nil
}

// DeleteCommunity removes a community nothing refers to.
func (s *Store) DeleteCommunity(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM communities WHERE id = $1`, id)
	if database.IsViolation(err, database.ForeignKeyViolation) {
		return ErrCommunityInUse
	}
	if err != nil {
		return fmt.Errorf("delete community %d: %w", id, err)
	}
	return database.Affected(res, ErrNotFound)
}

// communityForm is the add-or-rename form as typed.
type communityForm struct {
	ID       int64
	Name     string
	District string
}

// parse checks the form: a name of 1–60 characters, a district of at most 60.
func (f communityForm) parse() web.FieldErrors {
	errs := web.FieldErrors{}
	switch {
	case web.Blank(f.Name):
		errs.Add("name", "communities.name.required")
	case utf8.RuneCountInString(f.Name) > 60:
		errs.Add("name", "communities.name.long")
	}
	if utf8.RuneCountInString(f.District) > 60 {
		errs.Add("district", "communities.district.long")
	}
	return errs
}

// communityPage is what the communities page shows.
type communityPage struct {
	Communities []CommunityUse
	Form        communityForm // the form that was refused, to show it again
}

// Communities lists the communities the school serves, with a form to add
// one and, for each, to rename it or delete it while nothing refers to it.
func (h *Handler) Communities(c *fiber.Ctx) error {
	return h.renderCommunities(c, fiber.StatusOK, communityForm{}, nil, "")
}

func (h *Handler) renderCommunities(c *fiber.Ctx, status int, f communityForm, errs web.FieldErrors, alertKey string) error {
	list, err := h.Store.CommunityUses(c.UserContext())
	if err != nil {
		return err
	}
	p := web.NewPage(c, "communities.title")
	p.Data = communityPage{Communities: list, Form: f}
	p.Form, p.Errors = f, errs
	switch c.Query("done") {
	case "saved":
		p.Notice = p.T("communities.saved")
	case "deleted":
		p.Notice = p.T("communities.deleted")
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey)
	} else if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	return web.Render(c, status, "places/communities", p)
}

// CreateCommunity adds a community.
func (h *Handler) CreateCommunity(c *fiber.Ctx) error { return h.saveCommunity(c, 0) }

// UpdateCommunity renames a community.
func (h *Handler) UpdateCommunity(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	return h.saveCommunity(c, id)
}

func (h *Handler) saveCommunity(c *fiber.Ctx, id int64) error {
	f := communityForm{
		ID:       id,
		Name:     strings.TrimSpace(web.FormValue(c, "name")),
		District: strings.TrimSpace(web.FormValue(c, "district")),
	}
	if errs := f.parse(); errs.Any() {
		return h.renderCommunities(c, fiber.StatusUnprocessableEntity, f, errs, "")
	}
	err := h.Store.SaveCommunity(c.UserContext(), id, f.Name, f.District)
	switch {
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case errors.Is(err, ErrCommunityNameTaken):
		return h.renderCommunities(c, fiber.StatusUnprocessableEntity, f, web.FieldErrors{"name": "communities.name.taken"}, "")
	case err != nil:
		return err
	}
	return c.Redirect("/communities?done=saved", fiber.StatusSeeOther)
}

// DeleteCommunity removes a community entered by mistake; one that venues,
// lecturers or courses refer to is kept, with a message.
func (h *Handler) DeleteCommunity(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	err = h.Store.DeleteCommunity(c.UserContext(), id)
	switch {
	case errors.Is(err, ErrNotFound):
		return web.NotFound()
	case errors.Is(err, ErrCommunityInUse):
		return h.renderCommunities(c, fiber.StatusUnprocessableEntity, communityForm{}, nil, "communities.inuse")
	case err != nil:
		return err
	}
	return c.Redirect("/communities?done=deleted", fiber.StatusSeeOther)
}
