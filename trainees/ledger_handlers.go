package trainees

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// MyHours is a trainee's own credit-hour ledger. (Being built.)
func (h *Handler) MyHours(c *fiber.Ctx) error { return web.NotFound() }

// HoursReport lists party members below the yearly target. (Being built.)
func (h *Handler) HoursReport(c *fiber.Ctx) error { return web.NotFound() }

// ExportHoursReport downloads the report. (Being built.)
func (h *Handler) ExportHoursReport(c *fiber.Ctx) error { return web.NotFound() }
