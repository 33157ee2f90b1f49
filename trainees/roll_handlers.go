package trainees

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// Roll is a course's roll. (Being built.)
func (h *Handler) Roll(c *fiber.Ctx) error { return web.NotFound() }

// AddToRoll adds a trainee to a course. (Being built.)
func (h *Handler) AddToRoll(c *fiber.Ctx) error { return web.NotFound() }

// RemoveFromRoll takes a trainee off a course. (Being built.)
func (h *Handler) RemoveFromRoll(c *fiber.Ctx) error { return web.NotFound() }

// PromoteOnRoll gives a waiting trainee a free seat. (Being built.)
func (h *Handler) PromoteOnRoll(c *fiber.Ctx) error { return web.NotFound() }

// FillRoll gives free seats to the waitlist in order. (Being built.)
func (h *Handler) FillRoll(c *fiber.Ctx) error { return web.NotFound() }

// ExportRoll downloads the roll. (Being built.)
func (h *Handler) ExportRoll(c *fiber.Ctx) error { return web.NotFound() }

// SignInSheet is a session's printable sign-in sheet. (Being built.)
func (h *Handler) SignInSheet(c *fiber.Ctx) error { return web.NotFound() }
