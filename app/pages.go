package app

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/auth"
	"partyschool/i18n"
	"partyschool/web"
)

// home is the school's front page: what it offers and where, and for a
// signed-in user what they can do next.
func (s *Server) home(c *fiber.Ctx) error {
	ctx := c.UserContext()
	communities, err := s.places.Communities(ctx)
	if err != nil {
		return err
	}
	venues, err := s.places.ActiveVenues(ctx)
	if err != nil {
		return err
	}
	open, err := s.settings.RegistrationOpen(ctx)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "")
	p.Title = p.School
	if c.Query("welcome") == "1" && p.Viewer != nil {
		p.Notice = p.T("home.welcome.new", p.Viewer.Name)
	}
	p.Data = fiber.Map{
		"Communities":      communities,
		"Venues":           venues,
		"RegistrationOpen": open,
	}
	return web.Render(c, fiber.StatusOK, "pages/home", p)
}

// privacy is the notice of what personal data is kept, why and how long
// (SECURITY.md 22).
func (s *Server) privacy(c *fiber.Ctx) error {
	return web.Render(c, fiber.StatusOK, "pages/privacy", web.NewPage(c, "privacy.title"))
}

// setLanguage remembers the chosen language and goes back to the page.
func (s *Server) setLanguage(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if !i18n.Supported(lang) {
		return web.Fail(fiber.StatusUnprocessableEntity, "error.badrequest")
	}
	s.setPreference(c, langCookie, lang)
	return c.Redirect(auth.SafeNext(web.FormValue(c, "next")), fiber.StatusSeeOther)
}

// setTextSize switches large text (适老化模式) on or off.
func (s *Server) setTextSize(c *fiber.Ctx) error {
	size := "normal"
	if c.FormValue("size") == "large" {
		size = "large"
	}
	s.setPreference(c, textCookie, size)
	return c.Redirect(auth.SafeNext(web.FormValue(c, "next")), fiber.StatusSeeOther)
}

// healthz answers 200 while the process runs.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

// readyz answers 200 when the database answers, 503 otherwise.
func (s *Server) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if err := s.ready(c.UserContext()); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ok")
}
