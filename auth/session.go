package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// Cookie names. Under HTTPS they carry the __Host- prefix, which browsers
// accept only from this very host over HTTPS: a sibling subdomain cannot
// plant a session or a CSRF token.
const (
	sessionCookie = "ps_session"
	csrfCookie    = "ps_csrf"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

func (h *Handler) cookieName(base string) string {
	if h.SecureCookies {
		return "__Host-" + base
	}
	return base
}

// LoadViewer is middleware that resolves the session cookie to the
// signed-in user. A stale cookie is cleared; the visitor is then anonymous.
func (h *Handler) LoadViewer(c *fiber.Ctx) error {
	token := c.Cookies(h.cookieName(sessionCookie))
	if token == "" {
		return c.Next()
	}
	u, err := h.Store.SessionUser(c.UserContext(), token)
	switch {
	case errors.Is(err, ErrNoSession):
		h.clearCookie(c, h.cookieName(sessionCookie))
	case err != nil:
		return err
	default:
		web.SetViewer(c, u.Viewer())
		if u.MustChangePassword && !passwordChangePaths[c.Path()] {
			// A one-time password was shown to someone else (the
			// coordinator who imported the account): it opens nothing
			// but the form that replaces it.
			if c.Method() != fiber.MethodGet {
				return web.Fail(fiber.StatusForbidden, "account.password.first")
			}
			return c.Redirect("/account?first=1", fiber.StatusSeeOther)
		}
	}
	return c.Next()
}

// passwordChangePaths are what an account with a one-time password may
// use before it chooses its own.
var passwordChangePaths = map[string]bool{
	"/account": true, "/account/password": true, "/logout": true, "/privacy": true,
	"/preferences/language": true, "/preferences/text-size": true,
}

// startSession signs the user in: any session the browser already had is
// ended, and a new token is issued (no fixation), with a new CSRF token.
func (h *Handler) startSession(c *fiber.Ctx, userID int64) error {
	if old := c.Cookies(h.cookieName(sessionCookie)); old != "" {
		if err := h.Store.DeleteSession(c.UserContext(), old); err != nil {
			return err
		}
	}
	token, expires, err := h.Store.CreateSession(c.UserContext(), userID)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name:     h.cookieName(sessionCookie),
		Value:    token,
		Path:     "/",
		Expires:  expires,
		HTTPOnly: true,
		Secure:   h.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
	h.rotateCSRF(c)
	return nil
}

// endSession signs the browser out and forgets its tokens.
func (h *Handler) endSession(c *fiber.Ctx) error {
	if token := c.Cookies(h.cookieName(sessionCookie)); token != "" {
		if err := h.Store.DeleteSession(c.UserContext(), token); err != nil {
			return err
		}
	}
	h.clearCookie(c, h.cookieName(sessionCookie))
	h.rotateCSRF(c)
	return nil
}

func (h *Handler) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    "",
		Path:     "/",
		Expires:  time.Unix(0, 0),
		MaxAge:   -1,
		HTTPOnly: true,
		Secure:   h.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// CSRF is middleware for SECURITY.md 9. Every browser gets a random token
// in an HttpOnly cookie; every form repeats it in a hidden field (or a
// fetch in a header). A state-changing request whose two copies differ, or
// that the browser says comes from another site, is refused with a 403 page.
func (h *Handler) CSRF(c *fiber.Ctx) error {
	token := c.Cookies(h.cookieName(csrfCookie))
	valid := validCSRFToken(token)
	if !valid {
		token = h.setCSRFCookie(c)
	}
	web.SetCSRFToken(c, token)

	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	// Browsers say where a request comes from; only this origin itself,
	// or the user typing (none), may change anything.
	switch c.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return web.Fail(fiber.StatusForbidden, "error.csrf")
	}
	sent := c.Get(csrfHeader)
	if sent == "" {
		sent = postedValue(c, csrfField)
	}
	if !valid || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
		return web.Fail(fiber.StatusForbidden, "error.csrf")
	}
	return c.Next()
}

// postedValue reads a field from the request body only. c.FormValue would
// also take it from the query string, which ends up in logs and Referer
// headers.
func postedValue(c *fiber.Ctx, field string) string {
	if v := c.Request().PostArgs().Peek(field); len(v) > 0 {
		return string(v)
	}
	if form, err := c.MultipartForm(); err == nil {
		if vs := form.Value[field]; len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func (h *Handler) rotateCSRF(c *fiber.Ctx) {
	web.SetCSRFToken(c, h.setCSRFCookie(c))
}

func (h *Handler) setCSRFCookie(c *fiber.Ctx) string {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	c.Cookie(&fiber.Cookie{
		Name:     h.cookieName(csrfCookie),
		Value:    token,
		Path:     "/",
		HTTPOnly: true,
		Secure:   h.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
	return token
}

func validCSRFToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// Require returns middleware that lets through only signed-in users holding
// one of roles (any role when none are given). An anonymous visitor is sent
// to the login page and comes back afterwards; a signed-in user without the
// role gets the 403 page.
func Require(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := web.ViewerOf(c)
		if v == nil {
			next := "/"
			if c.Method() == fiber.MethodGet {
				next = string(c.Request().URI().RequestURI())
			}
			return c.Redirect("/login?next="+url.QueryEscape(SafeNext(next)), fiber.StatusSeeOther)
		}
		if len(roles) > 0 && !v.Is(roles...) {
			return web.Forbidden()
		}
		return c.Next()
	}
}

// SafeNext returns next when it is a path on this site, and "/" otherwise,
// so that a crafted login link cannot send anyone elsewhere (SECURITY.md 10):
// "//host", "/\host", "https:host" and the like all become "/".
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t\x00") || len(next) > 2000 {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}
