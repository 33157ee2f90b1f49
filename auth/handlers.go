package auth

import (
	"context"
	"errors"
	"log/slog"
	"math"

	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// Registration tells whether trainees may sign themselves up; the school
// settings answer it.
type Registration interface {
	RegistrationOpen(ctx context.Context) (bool, error)
}

// Handler serves sign-in, sign-out, registration, the own-account page and
// user administration.
type Handler struct {
	Store         *Store
	Registration  Registration
	SecureCookies bool
	Logger        *slog.Logger
}

// loginForm is the sign-in form as typed (the password is never echoed).
type loginForm struct {
	Username string
	Next     string
}

// LoginForm shows the sign-in page.
func (h *Handler) LoginForm(c *fiber.Ctx) error {
	next := SafeNext(c.Query("next"))
	if web.ViewerOf(c) != nil {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return h.renderLogin(c, fiber.StatusOK, loginForm{Next: next}, "")
}

func (h *Handler) renderLogin(c *fiber.Ctx, status int, f loginForm, alert string) error {
	p := web.NewPage(c, "login.title")
	p.Form = f
	if alert != "" {
		p.Alert = alert
	}
	if open, err := h.Registration.RegistrationOpen(c.UserContext()); err == nil {
		p.Data = fiber.Map{"RegistrationOpen": open}
	}
	return web.Render(c, status, "auth/login", p)
}

// Login checks the credentials and starts a session. A wrong username and
// a wrong password get the same message and take the same time.
func (h *Handler) Login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := loginForm{
		Username: NormalizeUsername(web.Clean(c.FormValue("username"), 64)),
		Next:     SafeNext(web.FormValue(c, "next")),
	}
	password := web.Clean(c.FormValue("password"), 4*MaxPasswordLen)
	ip := web.ClientIP(c)

	attempt, err := h.Store.BeginAttempt(ctx, f.Username, ip)
	if err != nil {
		return err
	}
	if attempt.Throttled {
		return h.renderLogin(c, fiber.StatusTooManyRequests, f, throttledMessage(c, attempt))
	}
	u, err := h.Store.UserByUsername(ctx, f.Username)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := CheckPassword(ctx, hash, password)
	if err != nil {
		return err
	}
	if u == nil || !ok {
		// What was typed as a username is logged only when it is one: an
		// unknown "username" is often a password typed in the wrong box.
		if u != nil {
			h.Logger.Info("login failed", "user_id", u.ID, "ip", ip, "request_id", web.RequestID(c))
		} else {
			h.Logger.Info("login failed: unknown username", "ip", ip, "request_id", web.RequestID(c))
		}
		return h.renderLogin(c, fiber.StatusUnprocessableEntity, f, web.T(c, "login.failed"))
	}
	if u.Disabled() {
		return h.renderLogin(c, fiber.StatusForbidden, f, web.T(c, "login.disabled"))
	}
	if err := h.Store.Succeeded(ctx, attempt, f.Username); err != nil {
		return err
	}
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	h.Logger.Info("login", "user_id", u.ID, "ip", ip, "request_id", web.RequestID(c))
	return c.Redirect(f.Next, fiber.StatusSeeOther)
}

func throttledMessage(c *fiber.Ctx, a *Attempt) string {
	return web.T(c, "login.throttled", int(math.Ceil(a.Wait.Minutes())))
}

// Logout ends the session.
func (h *Handler) Logout(c *fiber.Ctx) error {
	if err := h.endSession(c); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// RegisterForm shows the trainee self-registration page.
func (h *Handler) RegisterForm(c *fiber.Ctx) error {
	if web.ViewerOf(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return h.renderRegister(c, fiber.StatusOK, RegisterForm{}, nil)
}

func (h *Handler) renderRegister(c *fiber.Ctx, status int, f RegisterForm, errs web.FieldErrors) error {
	open, err := h.Registration.RegistrationOpen(c.UserContext())
	if err != nil {
		return err
	}
	if !open {
		return web.Fail(fiber.StatusForbidden, "register.closed")
	}
	p := web.NewPage(c, "register.title")
	p.Form = f
	p.Errors = errs
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	return web.Render(c, status, "auth/register", p)
}

// Register creates a trainee account and signs it in.
func (h *Handler) Register(c *fiber.Ctx) error {
	ctx := c.UserContext()
	open, err := h.Registration.RegistrationOpen(ctx)
	if err != nil {
		return err
	}
	if !open {
		return web.Fail(fiber.StatusForbidden, "register.closed")
	}
	f := RegisterForm{
		Name:     web.Clean(c.FormValue("name"), 200),
		Phone:    web.Clean(c.FormValue("phone"), 40),
		Username: web.Clean(c.FormValue("username"), 64),
		Password: web.Clean(c.FormValue("password"), 4*MaxPasswordLen),
	}
	nu, errs := f.Parse()
	if _, bad := errs["username"]; !bad {
		taken, err := h.Store.UsernameExists(ctx, nu.Username)
		if err != nil {
			return err
		}
		if taken {
			errs.Add("username", "form.username.taken")
		}
	}
	f.Password = "" // never sent back to the browser
	if errs.Any() {
		return h.renderRegister(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	u, err := h.Store.CreateUser(ctx, nu)
	if errors.Is(err, ErrUsernameTaken) { // taken by a concurrent registration
		errs.Add("username", "form.username.taken")
		return h.renderRegister(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	if errors.Is(err, ErrPhoneTaken) {
		errs.Add("phone", "form.phone.taken")
		return h.renderRegister(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	if err != nil {
		return err
	}
	h.Logger.Info("registered", "user_id", u.ID, "request_id", web.RequestID(c))
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	// The trainee's profile (community, type) comes next.
	return c.Redirect("/my/profile?welcome=1", fiber.StatusSeeOther)
}

// Account shows the signed-in user's own account and the password form.
func (h *Handler) Account(c *fiber.Ctx) error {
	return h.renderAccount(c, fiber.StatusOK, nil)
}

func (h *Handler) renderAccount(c *fiber.Ctx, status int, errs web.FieldErrors) error {
	u, err := h.Store.UserByID(c.UserContext(), web.ViewerOf(c).ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "account.title")
	p.Data = u
	p.Errors = errs
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	if c.Query("changed") == "1" {
		p.Notice = p.T("account.password.changed")
	}
	if u.MustChangePassword {
		p.Alert = p.T("account.password.first")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, status, "auth/account", p)
}

// ChangePassword replaces the user's password after checking the current
// one. Every session of the user ends; this browser gets a fresh one.
func (h *Handler) ChangePassword(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := web.ViewerOf(c)
	u, err := h.Store.UserByID(ctx, v.ID)
	if err != nil {
		return err
	}
	current := web.Clean(c.FormValue("current"), 4*MaxPasswordLen)
	next := web.Clean(c.FormValue("password"), 4*MaxPasswordLen)
	// Checking the current password is a sign-in in disguise: someone
	// holding a stolen session must not get unlimited guesses at it.
	attempt, err := h.Store.BeginAttempt(ctx, u.Username, web.ClientIP(c))
	if err != nil {
		return err
	}
	if attempt.Throttled {
		p := web.NewPage(c, "account.title")
		p.Data = u
		p.Alert = throttledMessage(c, attempt)
		return web.Render(c, fiber.StatusTooManyRequests, "auth/account", p)
	}
	errs := web.FieldErrors{}
	if ok, err := CheckPassword(ctx, u.PasswordHash, current); err != nil {
		return err
	} else if !ok {
		errs.Add("current", "account.password.wrong")
	} else if err := h.Store.Succeeded(ctx, attempt, u.Username); err != nil {
		return err
	}
	if k := PasswordProblem(next, u.Username); k != "" {
		errs.Add("password", k)
	}
	if errs.Any() {
		return h.renderAccount(c, fiber.StatusUnprocessableEntity, errs)
	}
	if err := h.Store.SetPassword(ctx, u.ID, next); err != nil {
		return err
	}
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	h.Logger.Info("password changed", "user_id", u.ID, "request_id", web.RequestID(c))
	return c.Redirect("/account?changed=1", fiber.StatusSeeOther)
}
