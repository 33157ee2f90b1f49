package trainees

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// Index is the registry. (Being built.)
func (h *Handler) Index(c *fiber.Ctx) error { return web.NotFound() }

// Show is one trainee's page for coordinators. (Being built.)
func (h *Handler) Show(c *fiber.Ctx) error { return web.NotFound() }

// Edit is the coordinator's profile form. (Being built.)
func (h *Handler) Edit(c *fiber.Ctx) error { return web.NotFound() }

// Update saves the coordinator's profile form. (Being built.)
func (h *Handler) Update(c *fiber.Ctx) error { return web.NotFound() }

// New is the form for one new trainee. (Being built.)
func (h *Handler) New(c *fiber.Ctx) error { return web.NotFound() }

// Create adds one new trainee. (Being built.)
func (h *Handler) Create(c *fiber.Ctx) error { return web.NotFound() }

// ImportForm is the import page. (Being built.)
func (h *Handler) ImportForm(c *fiber.Ctx) error { return web.NotFound() }

// Preview checks an uploaded sheet. (Being built.)
func (h *Handler) Preview(c *fiber.Ctx) error { return web.NotFound() }

// Import writes a previewed sheet. (Being built.)
func (h *Handler) Import(c *fiber.Ctx) error { return web.NotFound() }

// Template is the import template. (Being built.)
func (h *Handler) Template(c *fiber.Ctx) error { return web.NotFound() }
