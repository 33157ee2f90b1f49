package auth

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

const usersPerPage = 30

// userList is what the user list page shows.
type userList struct {
	Users   []User
	Total   int
	Query   string
	Role    string
	Roles   []string
	Pager   web.Pager
	CanEdit bool
}

// Users lists accounts with a search by name, username or phone and a role
// filter. Coordinators read it; only admins change roles or disable users.
// Phone numbers are masked: nobody needs them in full on a list.
func (h *Handler) Users(c *fiber.Ctx) error {
	return h.renderUsers(c, fiber.StatusOK, "")
}

// renderUsers shows the list, with an alert above it when an action on it
// was refused.
func (h *Handler) renderUsers(c *fiber.Ctx, status int, alertKey string) error {
	q := web.Clean(c.Query("q"), 50)
	role := c.Query("role")
	if !ValidRole(role) {
		role = ""
	}
	page := web.PageNumber(c)
	users, total, err := h.Store.ListUsers(c.UserContext(), UserFilter{
		Query: q, Role: role, Limit: usersPerPage, Offset: (page - 1) * usersPerPage,
	})
	if err != nil {
		return err
	}
	l := userList{
		Users: users, Total: total, Query: q, Role: role, Roles: web.Roles,
		CanEdit: web.ViewerOf(c).Is(web.RoleAdmin),
	}
	link := func(n int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if role != "" {
			v.Set("role", role)
		}
		v.Set("page", strconv.Itoa(n))
		return "/users?" + v.Encode()
	}
	l.Pager = web.NewPager(page, total, usersPerPage, link)
	p := web.NewPage(c, "users.title")
	p.Data = l
	switch c.Query("done") {
	case "role":
		p.Notice = p.T("users.role.changed")
	case "disabled":
		p.Notice = p.T("users.disabled.done")
	case "enabled":
		p.Notice = p.T("users.enabled.done")
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, status, "auth/users", p)
}

// UpdateRole gives a user another role. Admins cannot change their own
// role, so the school never loses its last admin by accident.
func (h *Handler) UpdateRole(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	if !ValidRole(role) {
		return h.renderUsers(c, fiber.StatusUnprocessableEntity, "users.role.invalid")
	}
	if id == web.ViewerOf(c).ID {
		return h.renderUsers(c, fiber.StatusUnprocessableEntity, "users.self")
	}
	if err := h.Store.SetRole(c.UserContext(), id, role, web.ViewerOf(c).ID, web.ClientIP(c)); errors.Is(err, ErrNotFound) {
		return web.NotFound()
	} else if err != nil {
		return err
	}
	h.Logger.Info("role changed", "user_id", id, "role", role, "by", web.ViewerOf(c).ID, "request_id", web.RequestID(c))
	return c.Redirect("/users?done=role", fiber.StatusSeeOther)
}

// Disable stops a user from signing in and ends their sessions.
func (h *Handler) Disable(c *fiber.Ctx) error {
	return h.setDisabled(c, true)
}

// Enable lets a disabled user sign in again.
func (h *Handler) Enable(c *fiber.Ctx) error {
	return h.setDisabled(c, false)
}

func (h *Handler) setDisabled(c *fiber.Ctx, disabled bool) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	if id == web.ViewerOf(c).ID {
		return h.renderUsers(c, fiber.StatusUnprocessableEntity, "users.self")
	}
	if err := h.Store.SetDisabled(c.UserContext(), id, disabled, web.ViewerOf(c).ID, web.ClientIP(c)); errors.Is(err, ErrNotFound) {
		return web.NotFound()
	} else if err != nil {
		return err
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	h.Logger.Info("user "+done, "user_id", id, "by", web.ViewerOf(c).ID, "request_id", web.RequestID(c))
	return c.Redirect("/users?done="+done, fiber.StatusSeeOther)
}
