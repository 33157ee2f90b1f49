package attendance

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// Sheet shows a session's attendance sheet. (Being built.)
func (h *Handler) Sheet(c *fiber.Ctx) error { return web.NotFound() }

// SaveSheet saves a sheet. (Being built.)
func (h *Handler) SaveSheet(c *fiber.Ctx) error { return web.NotFound() }

// AddWalkIn adds a walk-in to a session. (Being built.)
func (h *Handler) AddWalkIn(c *fiber.Ctx) error { return web.NotFound() }

// Assist marks a trainee present for them (代签). (Being built.)
func (h *Handler) Assist(c *fiber.Ctx) error { return web.NotFound() }
