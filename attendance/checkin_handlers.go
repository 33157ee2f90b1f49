package attendance

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// OpenCheckin opens self check-in of a session. (Being built.)
func (h *Handler) OpenCheckin(c *fiber.Ctx) error { return web.NotFound() }

// CloseCheckin closes it. (Being built.)
func (h *Handler) CloseCheckin(c *fiber.Ctx) error { return web.NotFound() }

// CheckinDisplay is the page shown on the room's screen. (Being built.)
func (h *Handler) CheckinDisplay(c *fiber.Ctx) error { return web.NotFound() }

// CheckinCode answers the display page's refresh. (Being built.)
func (h *Handler) CheckinCode(c *fiber.Ctx) error { return web.NotFound() }

// CheckinForm is the trainee's check-in page. (Being built.)
func (h *Handler) CheckinForm(c *fiber.Ctx) error { return web.NotFound() }

// CheckIn records a trainee's own check-in. (Being built.)
func (h *Handler) CheckIn(c *fiber.Ctx) error { return web.NotFound() }
