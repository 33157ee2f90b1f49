package app

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/database"
	"partyschool/web"
)

// errorHandler is Fiber's error handler. Fiber calls it directly for
// requests it refuses before any middleware runs (a body over the limit,
// oversized headers, a read timeout): those get their request id, headers
// and log line here.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	if web.RequestID(c) != "" {
		return s.renderError(c, err)
	}
	start := time.Now()
	s.startRequest(c)
	rerr := s.renderError(c, err)
	s.finishRequest(c, start)
	return rerr
}

// renderError turns every error a handler returns into a page in the
// layout. Only internal errors are logged; their text never reaches the
// visitor, who sees the request id to quote instead (SECURITY.md 14).
func (s *Server) renderError(c *fiber.Ctx, err error) error {
	status, key := fiber.StatusInternalServerError, "error.internal"
	var args []any
	var webErr *web.Error
	var fiberErr *fiber.Error
	switch {
	case errors.As(err, &webErr):
		status, key, args = webErr.Status, webErr.Key, webErr.Args
	case errors.As(err, &fiberErr):
		status = fiberErr.Code
		key = statusKeys[status]
		if key == "" {
			key = "error.badrequest"
			if status >= 500 {
				key = "error.internal"
			}
		}
	case database.IsUnavailable(err):
		status, key = fiber.StatusServiceUnavailable, "error.unavailable"
		s.logger.Warn("database unavailable", "request_id", web.RequestID(c), "err", err)
	default:
		s.logger.Error("internal error", "request_id", web.RequestID(c), "method", c.Method(), "path", loggedPath(c.Path()), "err", err)
	}
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "30")
	}

	// The error may come before the preferences middleware ran (an
	// oversized body, say); reading them twice does no harm.
	applyPreferences(c)
	p := web.NewPage(c, statusTitles[status])
	if p.Title == "" {
		p.Title = p.T("error.title")
	}
	p.Alert = p.T(key, args...)
	p.Data = fiber.Map{"Status": status}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if rerr := web.Render(c, status, "errors/error", p); rerr != nil {
		s.logger.Error("render error page", "request_id", web.RequestID(c), "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(status).SendString(p.Alert + " (" + p.RequestID + ")")
	}
	return nil
}

var statusKeys = map[int]string{
	fiber.StatusBadRequest:            "error.badrequest",
	fiber.StatusForbidden:             "error.forbidden",
	fiber.StatusNotFound:              "error.notfound",
	fiber.StatusMethodNotAllowed:      "error.method",
	fiber.StatusRequestEntityTooLarge: "error.toolarge",
	fiber.StatusRequestTimeout:        "error.unavailable",
	fiber.StatusTooManyRequests:       "error.toomany",
	fiber.StatusServiceUnavailable:    "error.unavailable",
}

var statusTitles = map[int]string{
	fiber.StatusForbidden:           "error.title.403",
	fiber.StatusNotFound:            "error.title.404",
	fiber.StatusInternalServerError: "error.title.500",
	fiber.StatusServiceUnavailable:  "error.title.503",
}
