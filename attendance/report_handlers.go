package attendance

import (
	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// CourseReport is a course's attendance matrix. (Being built.)
func (h *Handler) CourseReport(c *fiber.Ctx) error { return web.NotFound() }

// ExportCourseReport downloads it. (Being built.)
func (h *Handler) ExportCourseReport(c *fiber.Ctx) error { return web.NotFound() }

// CourseChart is the course's attendance chart as SVG. (Being built.)
func (h *Handler) CourseChart(c *fiber.Ctx) error { return web.NotFound() }

// SessionReport is a session's counts by status. (Being built.)
func (h *Handler) SessionReport(c *fiber.Ctx) error { return web.NotFound() }

// ExportSessionReport downloads it. (Being built.)
func (h *Handler) ExportSessionReport(c *fiber.Ctx) error { return web.NotFound() }

// TraineeReport is one trainee's attendance, for coordinators. (Being built.)
func (h *Handler) TraineeReport(c *fiber.Ctx) error { return web.NotFound() }

// ExportTraineeReport downloads it. (Being built.)
func (h *Handler) ExportTraineeReport(c *fiber.Ctx) error { return web.NotFound() }

// MyAttendance is a trainee's own attendance. (Being built.)
func (h *Handler) MyAttendance(c *fiber.Ctx) error { return web.NotFound() }

// Todo lists ended sessions without attendance. (Being built.)
func (h *Handler) Todo(c *fiber.Ctx) error { return web.NotFound() }
