package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"partyschool/i18n"
	"partyschool/web"
)

// Cookies of display preferences; they hold no personal data.
const (
	langCookie = "ps_lang"
	textCookie = "ps_text"
)

// contentSecurityPolicy allows only this site's own scripts, styles and
// images: no inline script, no plugins, no framing (SECURITY.md 13).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// middleware installs what runs before every handler, in order.
func (s *Server) middleware() {
	s.Fiber.Use(s.observe)
	s.Fiber.Use(recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			s.logger.Error("panic", "request_id", web.RequestID(c), "panic", fmt.Sprint(e), "stack", string(debug.Stack()))
		},
	}))
	s.Fiber.Use(s.deadline)
}

// observe gives the request its id and security headers, turns a returned
// error into its page, and logs one line when the response is ready.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	s.startRequest(c)
	if err := c.Next(); err != nil {
		if herr := s.renderError(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	s.finishRequest(c, start)
	return nil
}

// startRequest gives the request an id, works out the client's address
// and sets the security headers every response carries (SECURITY.md 13).
func (s *Server) startRequest(c *fiber.Ctx) {
	id := newRequestID()
	web.SetRequestID(c, id)
	web.SetClientIP(c, s.proxies.clientIP(c))
	c.Set("X-Request-Id", id)
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
	if s.cfg.SecureCookies() {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
	}
}

// finishRequest sets the caching rule and logs the request's one line.
func (s *Server) finishRequest(c *fiber.Ctx, start time.Time) {
	// Pages may carry personal data once someone is signed in: never
	// cached anywhere. Public pages are revalidated on each visit.
	if len(c.Response().Header.Peek(fiber.HeaderCacheControl)) == 0 {
		if web.ViewerOf(c) != nil {
			c.Set(fiber.HeaderCacheControl, "no-store")
		} else {
			c.Set(fiber.HeaderCacheControl, "no-cache")
		}
	}
	status := c.Response().StatusCode()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []any{
		"request_id", web.RequestID(c),
		"method", c.Method(),
		"path", loggedPath(c.Path()),
		"status", status,
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		"ip", web.ClientIP(c),
	}
	if v := web.ViewerOf(c); v != nil {
		attrs = append(attrs, "user_id", v.ID)
	}
	s.logger.Log(context.Background(), level, "request", attrs...)
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// deadline gives every request a context with a deadline; handlers pass it
// to every query (STYLE.md pitfall 3), so a stuck database cannot hold a
// request, or a connection, forever.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// preferences reads the language and text-size choices for the page.
func (s *Server) preferences(c *fiber.Ctx) error {
	applyPreferences(c)
	return c.Next()
}

func applyPreferences(c *fiber.Ctx) {
	lang := c.Cookies(langCookie)
	if !i18n.Supported(lang) {
		lang = i18n.FromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	}
	web.SetLang(c, lang)
	c.Set(fiber.HeaderContentLanguage, lang)
	web.SetLargeText(c, c.Cookies(textCookie) == "large")
}

// school puts the school's name in the page for the layout.
func (s *Server) school(c *fiber.Ctx) error {
	sc, err := s.settings.Get(c.UserContext())
	if err != nil {
		return err
	}
	web.SetSchoolName(c, sc.Name)
	return c.Next()
}

// setPreference stores a display choice in a year-long cookie.
func (s *Server) setPreference(c *fiber.Ctx, name, value string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   int((365 * 24 * time.Hour).Seconds()),
		HTTPOnly: true,
		Secure:   s.cfg.SecureCookies(),
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// secretPaths are the paths whose last segment is a secret (a trainee's
// private calendar feed): logs show the route, never the key to it.
var secretPaths = []string{"/calendar/trainees/"}

// loggedPath is the request path as the logs may keep it.
func loggedPath(path string) string {
	for _, p := range secretPaths {
		if strings.HasPrefix(path, p) {
			return p + "…"
		}
	}
	return path
}
