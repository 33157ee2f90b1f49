package trainees

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// EditProfile is a trainee's own profile form. (Being built.)
func (h *Handler) EditProfile(c *fiber.Ctx) error { return web.NotFound() }

// UpdateProfile saves it. (Being built.)
func (h *Handler) UpdateProfile(c *fiber.Ctx) error { return web.NotFound() }

// Enrol puts the signed-in trainee on a course. (Being built.)
func (h *Handler) Enrol(c *fiber.Ctx) error { return web.NotFound() }

// Withdraw takes the signed-in trainee off a course. (Being built.)
func (h *Handler) Withdraw(c *fiber.Ctx) error { return web.NotFound() }

// ResetFeed gives the trainee's calendar feed a new address. (Being built.)
func (h *Handler) ResetFeed(c *fiber.Ctx) error { return web.NotFound() }
